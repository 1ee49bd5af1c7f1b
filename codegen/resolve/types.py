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

import datetime
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..model import (
    DictLit,
    DictOf,
    EnumLit,
    ListOf,
    Lit,
    Named,
    OptionalOf,
    Prim,
    SeqLit,
    TupleOf,
    TypeExpr,
    UnionOf,
    Value,
)
from ..suggest import did_you_mean

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = (
    "MAX_TYPE_DEPTH",
    "Scope",
    "TypeProblem",
    "check_constraints",
    "check_default",
    "check_value_constraints",
    "named_refs",
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

    def candidates(self) -> list[str]:
        names = list(_PRIMS) + list(_GENERICS) + list(self.modules.get(self.stem, {}))
        for stem, names_of in self.modules.items():
            if stem != self.stem:
                names += [f"{stem}.{n}" for n in names_of]
        return names


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
            raise TypeProblem(f"unknown type {name!r}{did_you_mean(name, scope.candidates())}")
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
        raise TypeProblem(f"unknown type {name!r}{did_you_mean(name, scope.candidates())}")
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


def named_refs(t: TypeExpr) -> list[Named]:
    """Every message/enum a type mentions, in order of appearance."""
    if isinstance(t, Named):
        return [t]
    if isinstance(t, ListOf | TupleOf):
        return named_refs(t.item)
    if isinstance(t, DictOf):
        return named_refs(t.value)
    if isinstance(t, OptionalOf):
        return named_refs(t.inner)
    if isinstance(t, UnionOf):
        return list(t.members)
    return []


# -- defaults and constraints -------------------------------------------------------------------


def check_default(
    value: object, t: TypeExpr, enum_values: Mapping[tuple[str, str], tuple[str, ...]]
) -> Value:
    """Validate a TOML default against ``t`` and return it as a model value.

    Raises:
        TypeProblem: the value does not have the type (bool is not int, floats must be
            finite, date-times must carry an offset, enum values must be members, ...).
    """
    if isinstance(t, OptionalOf):
        return check_default(value, t.inner, enum_values)
    if isinstance(t, Prim):
        return Lit(_prim_default(value, t.name))
    if isinstance(t, Named):
        if t.kind == "message":
            raise TypeProblem(f"a field of message type {t.name!r} cannot have a default")
        members = enum_values.get((t.module, t.name), ())
        if not isinstance(value, str):
            raise TypeProblem(f"an enum default is one of its value strings, e.g. {members[:1]}")
        if value not in members:
            raise TypeProblem(
                f"{value!r} is not a value of enum {t.name!r}{did_you_mean(value, members)}"
            )
        return EnumLit(t, value)
    if isinstance(t, ListOf | TupleOf):
        if not isinstance(value, list):
            raise TypeProblem(f"expected an array for {type_label(t)}, got {_kind(value)}")
        kind: Literal["list", "tuple"] = "list" if isinstance(t, ListOf) else "tuple"
        return SeqLit(kind, tuple(check_default(v, t.item, enum_values) for v in value))
    if isinstance(t, DictOf):
        if not isinstance(value, dict):
            raise TypeProblem(f"expected a table for {type_label(t)}, got {_kind(value)}")
        return DictLit(tuple((k, check_default(v, t.value, enum_values)) for k, v in value.items()))
    raise TypeProblem("a field whose type is a union of messages cannot have a default")


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {value!r}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"the {type(value).__name__} {value!r}"


def _prim_default(value: object, name: str) -> bool | int | float | str | datetime.datetime:
    if name == "bool" and isinstance(value, bool):
        return value
    if name == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if name == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise TypeProblem(f"non-finite default {value!r}: use a finite number")
        return float(value)
    if name == "str" and isinstance(value, str):
        return value
    if name == "bytes":
        raise TypeProblem("a bytes field cannot have a default (TOML has no bytes literal)")
    if name == "datetime" and isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise TypeProblem(
                "a datetime default needs an offset, e.g. 2024-01-01T00:00:00Z "
                "(local date-times are ambiguous)"
            )
        return value.astimezone(datetime.UTC)
    raise TypeProblem(f"default must be {_WANT[name]}, got {_kind(value)}")


_WANT = {
    "bool": "true or false",
    "int": "an integer",
    "float": "a number",
    "str": "a string",
    "datetime": "an offset date-time such as 2024-01-01T00:00:00Z",
}


def _base(t: TypeExpr) -> TypeExpr:
    return t.inner if isinstance(t, OptionalOf) else t


def check_constraints(t: TypeExpr, c: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Check that constraints fit ``t`` and each other; return ``(key, message)`` problems.

    ``c`` maps ``ge gt le lt min_length max_length pattern`` to their values (absent = None).
    """
    problems: list[tuple[str, str]] = []
    base = _base(t)
    label = type_label(t)
    numeric = isinstance(base, Prim) and base.name in ("int", "float")
    sized = isinstance(base, ListOf | TupleOf | DictOf) or (
        isinstance(base, Prim) and base.name in ("str", "bytes")
    )
    for key in ("ge", "gt", "le", "lt"):
        bound = c.get(key)
        if bound is None:
            continue
        if not numeric:
            problems.append((key, f"'{key}' applies to int and float fields, not {label}"))
        elif not math.isfinite(bound):
            problems.append((key, f"'{key}' must be a finite number, got {bound!r}"))
        elif base == Prim("int") and not isinstance(bound, int):
            problems.append((key, f"'{key}' of an int field must be an integer, got {bound!r}"))
    for key in ("min_length", "max_length"):
        size = c.get(key)
        if size is None:
            continue
        if not sized:
            problems.append((key, f"'{key}' applies to str, bytes, list, tuple and dict fields"))
        elif size < 0:
            problems.append((key, f"'{key}' must be >= 0, got {size}"))
    pattern = c.get("pattern")
    if pattern is not None:
        if base != Prim("str"):
            problems.append(("pattern", f"'pattern' applies to str fields, not {label}"))
        else:
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(("pattern", f"invalid regular expression in 'pattern': {exc}"))
    if problems:
        return problems
    lows = [(k, c[k]) for k in ("ge", "gt") if c.get(k) is not None]
    highs = [(k, c[k]) for k in ("le", "lt") if c.get(k) is not None]
    for lk, lv in lows:
        for hk, hv in highs:
            if lv > hv or (lv == hv and (lk == "gt" or hk == "lt")):
                problems.append((lk, f"contradictory bounds: {lk} = {lv!r} and {hk} = {hv!r}"))
    lo, hi = c.get("min_length"), c.get("max_length")
    if lo is not None and hi is not None and lo > hi:
        problems.append(("min_length", f"contradictory lengths: min_length = {lo} > {hi}"))
    return problems


def check_value_constraints(value: Value, c: Mapping[str, Any]) -> str | None:
    """Return why a validated default breaks its own constraints, or None."""
    if isinstance(value, Lit) and isinstance(value.value, int | float):
        v = value.value
        checks: tuple[tuple[str, Callable[[float], bool]], ...] = (
            ("ge", lambda b: v >= b),
            ("gt", lambda b: v > b),
            ("le", lambda b: v <= b),
            ("lt", lambda b: v < b),
        )
        for key, ok in checks:
            bound = c.get(key)
            if bound is not None and not ok(bound):
                return f"default {v!r} breaks its own constraint {key} = {bound!r}"
    size: int | None = None
    if isinstance(value, Lit) and isinstance(value.value, str):
        size = len(value.value)
        pattern = c.get("pattern")
        if pattern is not None and re.search(pattern, value.value) is None:
            return f"default {value.value!r} does not match its own pattern {pattern!r}"
    elif isinstance(value, SeqLit | DictLit):
        size = len(value.items)
    if size is not None:
        lo, hi = c.get("min_length"), c.get("max_length")
        if lo is not None and size < lo:
            return f"default has length {size}, below its own min_length = {lo}"
        if hi is not None and size > hi:
            return f"default has length {size}, above its own max_length = {hi}"
    return None
