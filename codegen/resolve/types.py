"""The type language of SPEC §3.2: parse a type string, bind its names, check defaults.

Grammar (whitespace allowed between tokens)::

    type    := primary ("|" primary)*
    primary := NAME | NAME "[" type ("," (type | "..."))* "]"
    NAME    := ident | stem "." ident

Generics: ``list[T]``, ``tuple[T, ...]``, ``dict[str, T]``, ``optional[T]`` (= ``T | None``).
``None`` appears only inside a union. A union of several messages must use messages of the
same file (they are tagged with their class name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import (
    DictOf,
    ListOf,
    Named,
    OptionalOf,
    Prim,
    TupleOf,
    TypeExpr,
    UnionOf,
)
from ..suggest import closest, did_you_mean

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = (
    "MAX_TYPE_DEPTH",
    "Scope",
    "TypeProblem",
    "parse_type",
    "type_label",
)

MAX_TYPE_DEPTH = 16
"""Deeper types are refused ("type nesting too deep"), never a RecursionError."""
_MAX_TYPE_CHARS = 400
_PRIMS = ("bool", "int", "float", "str", "bytes", "datetime")
_GENERICS = ("list", "tuple", "dict", "optional")
_TOKEN = re.compile(
    r"\s*(?:(\.\.\.)|([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|([\[\],|]))"
)


class TypeProblem(Exception):
    """A type string that cannot be used; the message is the user-facing error text."""


@dataclass(frozen=True)
class Scope:
    """The names a type string can use: this file's types and other files' types.

    ``modules`` maps each stem to its ``{name: "message" | "enum"}``; ``stem`` is this file.
    """

    stem: str
    modules: Mapping[str, Mapping[str, str]]

    def hint(self, name: str) -> str:
        """`` (did you mean 'x'?)`` for an unknown type ``name``, or an empty string.

        Bare names are compared, so a type of another file is found without its stem
        (``Pose`` -> ``geometry.Pose``) and a wrong stem is corrected (``geometry.Twist`` ->
        ``common.Twist``); the suggestion is spelled as this file must write it (its own types
        bare). On a tie the module the user named wins, then this file's own types.
        """
        stem, _, short = name.rpartition(".")
        keyed: list[tuple[int, str, str]] = [(2, p, p) for p in (*_PRIMS, *_GENERICS)]
        for module, names_of in self.modules.items():
            rank = 0 if module == stem else 1 if module == self.stem else 2
            own = module == self.stem
            keyed += [(rank, n, n if own else f"{module}.{n}") for n in names_of]
        keyed.sort(key=lambda k: (k[0], k[2]))
        match = closest(short, ((key, spelled) for _, key, spelled in keyed))
        return f" (did you mean {match!r}?)" if match is not None and match != name else ""


@dataclass(frozen=True)
class _Node:
    name: str
    args: tuple[_Node | None, ...] | None  # None: no brackets; a None arg is "..."
    members: tuple[_Node, ...] = ()  # a union when non-empty (name == "|")


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise TypeProblem(f"invalid type syntax in {text!r} at character {pos + 1}")
        out.append(m.group(m.lastindex or 0))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def fail(self) -> TypeProblem:
        return TypeProblem(
            f"invalid type syntax in {self.text!r}; expected e.g. 'float', 'list[Obs]', "
            "'dict[str, int]', 'Obs | None'"
        )

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise self.fail()
        self.i += 1
        return tok

    def union(self, depth: int) -> _Node:
        if depth > MAX_TYPE_DEPTH:
            raise TypeProblem(f"type nesting too deep (the limit is {MAX_TYPE_DEPTH} levels)")
        members = [self.primary(depth)]
        while self.peek() == "|":
            self.i += 1
            members.append(self.primary(depth))
        return members[0] if len(members) == 1 else _Node("|", None, tuple(members))

    def primary(self, depth: int) -> _Node:
        name = self.take()
        if not (name[0].isalpha() or name[0] == "_") or name == "...":
            raise self.fail()
        if self.peek() != "[":
            return _Node(name, None)
        self.i += 1
        args: list[_Node | None] = []
        while True:
            if self.peek() == "...":
                self.i += 1
                args.append(None)
            else:
                args.append(self.union(depth + 1))
            tok = self.take()
            if tok == "]":
                return _Node(name, tuple(args))
            if tok != ",":
                raise self.fail()


def parse_type(text: str, scope: Scope) -> tuple[TypeExpr, frozenset[str]]:
    """Parse and bind ``text``; return the type and the other stems it refers to.

    Raises:
        TypeProblem: invalid syntax, unknown names, bad generic arguments, too deep.
    """
    if len(text) > _MAX_TYPE_CHARS:
        raise TypeProblem(f"type string too long ({len(text)} characters)")
    parser = _Parser(text)
    node = parser.union(0)
    if parser.peek() is not None:
        raise parser.fail()
    stems: set[str] = set()
    return _bind(node, scope, stems, in_union=False), frozenset(stems)


def _bind(node: _Node, scope: Scope, stems: set[str], *, in_union: bool) -> TypeExpr:
    if node.members:
        return _bind_union(node, scope, stems)
    name, args = node.name, node.args
    if args is None:
        if name == "None":
            raise TypeProblem("'None' is only valid in a union, e.g. 'float | None'")
        if name in _PRIMS:
            return Prim(name)  # type: ignore[arg-type]  # name is one of _PRIMS
        if name in _GENERICS:
            raise TypeProblem(f"'{name}' needs type arguments, e.g. '{_EXAMPLES[name]}'")
        return _bind_name(name, scope, stems)
    if name not in _GENERICS:
        raise TypeProblem(
            f"unknown generic type {name!r}{did_you_mean(name, _GENERICS)}; "
            "expected list[T], tuple[T, ...], dict[str, T] or optional[T]"
        )
    bound: list[TypeExpr | None] = [
        None if a is None else _bind(a, scope, stems, in_union=False) for a in args
    ]
    if name == "list" and len(bound) == 1 and bound[0] is not None:
        return ListOf(bound[0])
    if name == "optional" and len(bound) == 1 and bound[0] is not None:
        inner = bound[0]
        return inner if isinstance(inner, OptionalOf) else OptionalOf(inner)
    if name == "tuple" and len(bound) == 2 and bound[0] is not None and bound[1] is None:
        return TupleOf(bound[0])
    if name == "dict" and len(bound) == 2 and bound[0] == Prim("str") and bound[1] is not None:
        return DictOf(bound[1])
    raise TypeProblem(f"bad arguments for '{name}': expected '{_EXAMPLES[name]}'")


_EXAMPLES = {
    "list": "list[T]",
    "tuple": "tuple[T, ...]",
    "dict": "dict[str, T]",
    "optional": "optional[T]",
}


def _bind_name(name: str, scope: Scope, stems: set[str]) -> Named:
    local = scope.modules.get(scope.stem, {})
    if "." not in name:
        kind = local.get(name)
        if kind is None:
            raise TypeProblem(f"unknown type {name!r}{scope.hint(name)}")
        return Named(scope.stem, name, kind)  # type: ignore[arg-type]  # message | enum
    stem, _, short = name.partition(".")
    if "." in short:
        raise TypeProblem(f"invalid type reference {name!r}: use 'stem.Name'")
    names_of = scope.modules.get(stem)
    if names_of is None:
        raise TypeProblem(
            f"unknown module {stem!r} in type {name!r}: there is no schema file {stem}.toml"
            f"{did_you_mean(stem, scope.modules)}"
        )
    kind = names_of.get(short)
    if kind is None:
        raise TypeProblem(f"unknown type {name!r}{scope.hint(name)}")
    if stem != scope.stem:
        stems.add(stem)
    return Named(stem, short, kind)  # type: ignore[arg-type]  # message | enum


def _bind_union(node: _Node, scope: Scope, stems: set[str]) -> TypeExpr:
    optional = False
    members: list[TypeExpr] = []
    for member in node.members:
        if member.name == "None" and member.args is None:
            optional = True
            continue
        bound = _bind(member, scope, stems, in_union=True)
        if isinstance(bound, OptionalOf):
            optional = True
            bound = bound.inner
        if bound in members:
            raise TypeProblem(f"{type_label(bound)} appears twice in the union")
        members.append(bound)
    if not members:
        raise TypeProblem("a union needs at least one type besides None")
    core: TypeExpr
    if len(members) == 1:
        core = members[0]
    else:
        named: list[Named] = []
        for m in members:
            if not (isinstance(m, Named) and m.kind == "message" and m.module == scope.stem):
                raise TypeProblem(
                    f"a union may only combine messages defined in this file, not "
                    f"{type_label(m)}; wrap other values in a message"
                )
            named.append(m)
        core = UnionOf(tuple(named))
    return OptionalOf(core) if optional else core


def type_label(t: TypeExpr, stem: str | None = None) -> str:
    """A type as the schema spells it (``list[Obs]``, ``geometry.Pose | None``)."""
    if isinstance(t, Prim):
        return t.name
    if isinstance(t, Named):
        return t.name if t.module == stem or stem is None else f"{t.module}.{t.name}"
    if isinstance(t, ListOf):
        return f"list[{type_label(t.item, stem)}]"
    if isinstance(t, TupleOf):
        return f"tuple[{type_label(t.item, stem)}, ...]"
    if isinstance(t, DictOf):
        return f"dict[str, {type_label(t.value, stem)}]"
    if isinstance(t, OptionalOf):
        return f"{type_label(t.inner, stem)} | None"
    return " | ".join(type_label(m, stem) for m in t.members)
