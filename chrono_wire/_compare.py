"""The schema-evolution rules, once, over wire shapes (ADR 0022, docs/type-hashes.md).

``compare(old, new)`` lists every difference between two shapes of one message type as a
``Change``. A change *breaks* a category when code of that category built against ``old`` fails
against ``new``:

- ``WIRE``: the bytes peers exchange (msgspec MessagePack/JSON maps keyed by field name): a
  reader of the new schema refuses data of the old one, or a reader of the old schema loses
  data the new one no longer writes (peers built from either version, recordings).
- ``CODE``: what user implementations and hand wiring are written against (constructor
  arguments, attribute types, names).

A change that breaks nothing (a field added with a default, a widened constraint, a new enum
value) is still listed, so ``compare(a, b) == []`` exactly when the two hashes are equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ._describe import describe, format_number, format_path
from ._hash import expr_key
from ._shape import (
    DictShape,
    EnumShape,
    FixedTupleShape,
    LiteralShape,
    OptionalShape,
    Ref,
    Scalar,
    SeqShape,
    StructShape,
    UnionShape,
)

if TYPE_CHECKING:
    from ._shape import FieldShape, TypeShape, WireShape

__all__ = ("CATEGORIES", "Category", "Change", "compare")

Category = Literal["WIRE", "CODE"]
CATEGORIES: tuple[Category, ...] = ("WIRE", "CODE")

_NONE: frozenset[Category] = frozenset()
_WIRE: frozenset[Category] = frozenset({"WIRE"})
_CODE: frozenset[Category] = frozenset({"CODE"})
_BOTH: frozenset[Category] = frozenset({"WIRE", "CODE"})


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two wire shapes.

    Attributes:
        rule: a stable identifier, e.g. ``FIELD_REMOVED`` (the table in docs/type-hashes.md).
        path: where, from the root: field names, ``[]`` (items), ``{}`` (dict values),
            ``{key}`` (dict keys), ``<Member>`` (union members), ``[i]`` (tuple items).
        breaks: the categories it breaks; empty for a compatible change.
        message: one line saying what changed, where, and why it matters.
    """

    rule: str
    path: tuple[str, ...]
    breaks: frozenset[Category]
    message: str

    @property
    def breaking(self) -> bool:
        """True when the change breaks at least one category."""
        return bool(self.breaks)

    def __str__(self) -> str:
        return self.message


def _where(path: tuple[str, ...]) -> str:
    return f"field {format_path(path)!r}" if path else "the type"


class _Comparer:
    def __init__(self, old: WireShape, new: WireShape, *, by_name: bool) -> None:
        self.old = old.types
        self.new = new.types
        self.by_name = by_name
        self.changes: list[Change] = []
        self._seen: set[tuple[int, int]] = set()
        self._old_key = expr_key(old.types)
        self._new_key = expr_key(new.types)

    def add(self, rule: str, path: tuple[str, ...], breaks: frozenset[Category], text: str) -> None:
        self.changes.append(Change(rule, path, breaks, f"{_where(path)} {text}"))

    def note(
        self, rule: str, path: tuple[str, ...], breaks: frozenset[Category], text: str
    ) -> None:
        """A change inside the type at ``path`` (not of its type as a whole)."""
        where = f"field {format_path(path)!r}: " if path else ""
        self.changes.append(Change(rule, path, breaks, where + text))

    def _label(self, t: TypeShape, old: bool) -> str:
        return describe(t, self.old if old else self.new)

    def retyped(self, o: TypeShape, n: TypeShape, path: tuple[str, ...]) -> None:
        self.add(
            "TYPE_CHANGED",
            path,
            _BOTH,
            f"changed type from {self._label(o, True)} to {self._label(n, False)}",
        )

    # -- type expressions ----------------------------------------------------------------------

    def type(
        self, o: TypeShape, n: TypeShape, path: tuple[str, ...], *, root: bool = False
    ) -> None:
        if isinstance(o, OptionalShape) and not isinstance(n, OptionalShape):
            self.add(
                "OPTIONAL_TO_REQUIRED",
                path,
                _BOTH,
                f"changed type from {self._label(o, True)} to {self._label(n, False)}: "
                "None is no longer accepted",
            )
            self.type(o.item, n, path)
        elif isinstance(n, OptionalShape) and not isinstance(o, OptionalShape):
            self.add(
                "MADE_OPTIONAL",
                path,
                _CODE,
                f"changed type from {self._label(o, True)} to {self._label(n, False)}: "
                "code reading it must now handle None",
            )
            self.type(o, n.item, path)
        elif isinstance(o, OptionalShape) and isinstance(n, OptionalShape):
            self.type(o.item, n.item, path)
        elif isinstance(o, Ref) and isinstance(n, Ref):
            self.named(o.index, n.index, path, root=root)
        elif isinstance(o, Scalar) and isinstance(n, Scalar) and o.name == n.name:
            if o.name == "custom" and o.custom_name != n.custom_name:
                self.retyped(o, n, path)
            else:
                self.scalar(o, n, path)
        elif isinstance(o, SeqShape) and isinstance(n, SeqShape):
            self.seq(o, n, path)
        elif isinstance(o, DictShape) and isinstance(n, DictShape):
            self.type(o.key, n.key, (*path, "{key}"))
            self.type(o.value, n.value, (*path, "{}"))
            self.lengths(o, n, path)
        elif isinstance(o, UnionShape) and isinstance(n, UnionShape):
            self.union(o, n, path)
        elif (
            isinstance(o, FixedTupleShape)
            and isinstance(n, FixedTupleShape)
            and len(o.items) == len(n.items)
        ):
            for i, (oi, ni) in enumerate(zip(o.items, n.items, strict=True)):
                self.type(oi, ni, (*path, f"[{i}]"))
        elif isinstance(o, LiteralShape) and isinstance(n, LiteralShape):
            self.members(
                "LITERAL_VALUE", path, [repr(v) for v in o.values], [repr(v) for v in n.values]
            )
        else:
            self.retyped(o, n, path)

    def seq(self, o: SeqShape, n: SeqShape, path: tuple[str, ...]) -> None:
        if o.container != n.container:
            arrays = {"list", "tuple"}
            if {o.container, n.container} <= arrays:
                self.add(
                    "CONTAINER_CHANGED",
                    path,
                    _CODE,
                    f"changed type from {self._label(o, True)} to {self._label(n, False)} "
                    "(the same array on the wire)",
                )
            else:
                self.retyped(o, n, path)
                return
        self.type(o.item, n.item, (*path, "[]"))
        self.lengths(o, n, path)

    def union(self, o: UnionShape, n: UnionShape, path: tuple[str, ...]) -> None:
        old = {key: (m, label) for m in o.members for key, label in [self._member(m, True)]}
        new = {key: (m, label) for m in n.members for key, label in [self._member(m, False)]}
        gone = [k for k in old if k not in new]
        came = [k for k in new if k not in old]
        tagged = [k for k in (*gone, *came) if k.startswith("tag:")]
        if len(gone) == 1 and len(came) == 1 and len(tagged) == 2:
            (o_ref, o_label), (n_ref, n_label) = old[gone[0]], new[came[0]]
            self.note(
                "TAG_CHANGED",
                path,
                _BOTH,
                f"union member tag changed from {o_label!r} to {n_label!r}: payloads with "
                "the old tag are refused",
            )
            assert isinstance(o_ref, Ref)
            assert isinstance(n_ref, Ref)
            self.named(o_ref.index, n_ref.index, (*path, f"<{n_label}>"), ignore_tag=True)
            gone, came = [], []
        for k in gone:
            self.note(
                "UNION_MEMBER_REMOVED",
                path,
                _BOTH,
                f"union member {old[k][1]!r} was removed: payloads of it are refused",
            )
        for k, (m, _) in old.items():
            if k in new:
                n_member, label = new[k]
                self.type(m, n_member, (*path, f"<{label}>"))
        for k in came:
            self.note(
                "UNION_MEMBER_ADDED",
                path,
                _NONE,
                f"union member {new[k][1]!r} was added: consumers built from the old schema "
                "refuse it",
            )

    def _member(self, t: TypeShape, old: bool) -> tuple[str, str]:
        """The key that pairs union members (a tagged Struct by its tag, others by kind,
        as msgspec allows one member of each kind) and a label for messages."""
        types = self.old if old else self.new
        if isinstance(t, Ref):
            named = types[t.index]
            if isinstance(named, StructShape) and named.tag is not None:
                return f"tag:{named.tag_field}={named.tag!r}", str(named.tag)
            return ("struct" if isinstance(named, StructShape) else "enum"), named.name
        label = describe(t, types)
        if isinstance(t, Scalar):
            return f"scalar:{t.name}", label
        if isinstance(t, SeqShape):
            return "array", label
        return type(t).__name__, label

    # -- named types ---------------------------------------------------------------------------

    def named(
        self,
        i: int,
        j: int,
        path: tuple[str, ...],
        *,
        root: bool = False,
        ignore_tag: bool = False,
    ) -> None:
        o, n = self.old[i], self.new[j]
        if type(o) is not type(n):
            self.retyped(Ref(index=i), Ref(index=j), path)
            return
        if self.by_name and not root:
            if o.name == n.name:
                return  # the named type is compared on its own, once
            if not ignore_tag:  # a renamed union member: its tag change says it all
                self.add("TYPE_RENAMED", path, _CODE, f"changed type from {o.name} to {n.name}")
        if (i, j) in self._seen:
            return
        self._seen.add((i, j))
        if isinstance(o, EnumShape):
            assert isinstance(n, EnumShape)
            self.members(
                "ENUM_VALUE", path, [repr(v) for v in o.values], [repr(v) for v in n.values]
            )
        else:
            assert isinstance(o, StructShape)
            assert isinstance(n, StructShape)
            self.struct(o, n, path, ignore_tag=ignore_tag)

    def members(self, rule: str, path: tuple[str, ...], old: list[str], new: list[str]) -> None:
        """Enum or Literal values: a removed one breaks, an added one is a consumer risk."""
        what = "enum value" if rule == "ENUM_VALUE" else "literal value"
        gone = [v for v in old if v not in new]
        came = [v for v in new if v not in old]
        hint = f" (renamed to {came[0]}?)" if len(gone) == 1 and len(came) == 1 else ""
        for v in gone:
            self.note(
                f"{rule}_REMOVED",
                path,
                _BOTH,
                f"{what} {v} was removed{hint}: payloads holding it are refused",
            )
        for v in came:
            self.note(
                f"{rule}_ADDED",
                path,
                _NONE,
                f"{what} {v} was added: consumers built from the old schema refuse it",
            )

    def struct(
        self, o: StructShape, n: StructShape, path: tuple[str, ...], *, ignore_tag: bool
    ) -> None:
        if not ignore_tag:
            self.tags(o, n, path)
        if o.array_like != n.array_like:
            layout = "an array" if n.array_like else "an object keyed by field name"
            self.note("LAYOUT_CHANGED", path, _WIRE, f"now encodes as {layout}")
        if o.forbid_unknown_fields != n.forbid_unknown_fields:
            if n.forbid_unknown_fields:
                self.note(
                    "UNKNOWN_FIELDS_FORBIDDEN",
                    path,
                    _WIRE,
                    "now refuses unknown fields: payloads with extra fields are refused",
                )
            else:
                self.note("UNKNOWN_FIELDS_ALLOWED", path, _NONE, "now ignores unknown fields")
        old = {f.name: f for f in o.fields}
        new = {f.name: f for f in n.fields}
        if o.array_like and n.array_like:
            common_old = [f.name for f in o.fields if f.name in new]
            common_new = [f.name for f in n.fields if f.name in old]
            if common_old != common_new:
                self.note(
                    "FIELD_ORDER_CHANGED",
                    path,
                    _WIRE,
                    f"field order changed from {common_old} to {common_new} (array layout)",
                )
        came = [f for f in n.fields if f.name not in old]
        for f in o.fields:
            if f.name in new:
                self.field(f, new[f.name], (*path, f.name))
                continue
            twins = [c.name for c in came if self._new_key(c.type) == self._old_key(f.type)]
            hint = f" (renamed to {twins[0]!r}?)" if twins else ""
            self.add("FIELD_REMOVED", (*path, f.name), _BOTH, f"was removed{hint}")
        for f in came:
            if f.required:
                self.add(
                    "FIELD_ADDED_REQUIRED",
                    (*path, f.name),
                    _BOTH,
                    "was added without a default: payloads written by the old schema lack it",
                )
            else:
                self.add("FIELD_ADDED", (*path, f.name), _NONE, "was added with a default")

    def tags(self, o: StructShape, n: StructShape, path: tuple[str, ...]) -> None:
        old = None if o.tag_field is None else f"{o.tag_field}={o.tag!r}"
        new = None if n.tag_field is None else f"{n.tag_field}={n.tag!r}"
        if old == new:
            return
        if old is not None and new is not None:
            self.note(
                "TAG_CHANGED",
                path,
                _WIRE,
                f"tag changed from {old} to {new}: payloads with the old tag are refused",
            )
        elif new is not None:
            self.note("TAG_ADDED", path, _NONE, f"is now tagged ({new}); untagged payloads decode")
        else:
            self.note("TAG_REMOVED", path, _NONE, f"is no longer tagged (was {old})")

    def field(self, o: FieldShape, n: FieldShape, path: tuple[str, ...]) -> None:
        o_opt, n_opt = isinstance(o.type, OptionalShape), isinstance(n.type, OptionalShape)
        if o.required and not n.required and not (n_opt and not o_opt):
            self.add("DEFAULT_ADDED", path, _NONE, "gained a default")
        elif not o.required and n.required and not (o_opt and not n_opt):
            self.add(
                "DEFAULT_REMOVED",
                path,
                _BOTH,
                "lost its default: it is now required, and payloads without it are refused",
            )
        self.type(o.type, n.type, path)

    # -- constraints ---------------------------------------------------------------------------

    def constraint(
        self, path: tuple[str, ...], narrowed: bool, what: str, old: object, new: object
    ) -> None:
        """A changed constraint: narrowing breaks ``WIRE`` (old data may fail), widening not."""
        change = f"{what} {'narrowed' if narrowed else 'widened'} from {old} to {new}"
        if narrowed:
            self.note(
                "CONSTRAINT_NARROWED",
                path,
                _WIRE,
                f"{change}: payloads valid before may be refused",
            )
        else:
            self.note("CONSTRAINT_WIDENED", path, _NONE, change)

    def scalar(self, o: Scalar, n: Scalar, path: tuple[str, ...]) -> None:
        self.bound(path, "lower", _lower(o), _lower(n))
        self.bound(path, "upper", _upper(o), _upper(n))
        if o.multiple_of != n.multiple_of:
            self.constraint(
                path, n.multiple_of is not None, "multiple_of", o.multiple_of, n.multiple_of
            )
        if o.pattern != n.pattern:
            old, new = _text(o.pattern), _text(n.pattern)
            self.constraint(path, n.pattern is not None, "pattern", old, new)
        if o.tz != n.tz:
            self.constraint(path, n.tz is not None, "timezone requirement", o.tz, n.tz)
        self.lengths(o, n, path)

    def bound(
        self,
        path: tuple[str, ...],
        side: Literal["lower", "upper"],
        old: tuple[int | float, bool] | None,
        new: tuple[int | float, bool] | None,
    ) -> None:
        if old == new:
            return
        if old is None or new is None:
            narrowed = old is None
        else:
            sign = 1 if side == "lower" else -1
            moved = (new[0] - old[0]) * sign
            narrowed = moved > 0 or (moved == 0 and old[1] and not new[1])
        what = f"{side} bound"
        self.constraint(path, narrowed, what, _bound_text(side, old), _bound_text(side, new))

    def lengths(
        self,
        o: Scalar | SeqShape | DictShape,
        n: Scalar | SeqShape | DictShape,
        path: tuple[str, ...],
    ) -> None:
        if o.min_length != n.min_length:
            narrowed = (n.min_length or 0) > (o.min_length or 0)
            self.constraint(path, narrowed, "min_length", _text(o.min_length), _text(n.min_length))
        if o.max_length != n.max_length:
            narrowed = n.max_length is not None and (
                o.max_length is None or n.max_length < o.max_length
            )
            self.constraint(path, narrowed, "max_length", _text(o.max_length), _text(n.max_length))


def _text(value: object) -> str:
    return "none" if value is None else repr(value)


def _lower(s: Scalar) -> tuple[int | float, bool] | None:
    """The tighter of ``ge`` (inclusive) and ``gt`` (exclusive)."""
    candidates = [(v, True) for v in (s.ge,) if v is not None]
    candidates += [(v, False) for v in (s.gt,) if v is not None]
    if not candidates:
        return None
    return max(candidates, key=lambda b: (b[0], not b[1]))


def _upper(s: Scalar) -> tuple[int | float, bool] | None:
    candidates = [(v, True) for v in (s.le,) if v is not None]
    candidates += [(v, False) for v in (s.lt,) if v is not None]
    if not candidates:
        return None
    return min(candidates, key=lambda b: (b[0], b[1]))


def _bound_text(side: str, bound: tuple[int | float, bool] | None) -> str:
    if bound is None:
        return "none"
    op = (">=" if bound[1] else ">") if side == "lower" else ("<=" if bound[1] else "<")
    return f"{op} {format_number(bound[0])}"


def compare(old: WireShape, new: WireShape, *, by_name: bool = False) -> list[Change]:
    """Every difference from ``old`` to ``new``, in field order, breaking or not.

    With ``by_name`` (``chrono breaking``, which compares every named type of two schema
    versions on its own), a nested named type that has the same name on both sides is not
    descended into, and a different name is a ``CODE`` change (``TYPE_RENAMED``). Without it
    (run time: ZMQ peers, recordings) only the structure counts, and then ``compare`` returns
    ``[]`` exactly when the two type hashes are equal.
    """
    comparer = _Comparer(old, new, by_name=by_name)
    comparer.type(old.root, new.root, (), root=True)
    return comparer.changes
