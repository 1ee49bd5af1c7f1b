"""The wire shape of a message type: what its encoding is made of (ADR 0022).

A ``WireShape`` is a root type expression plus a table of the named types (Structs and enums)
it refers to, by index. Everything that decides which bytes an encoder writes and which a
decoder accepts is in it: field names as encoded, field types, constraints, whether a field is
required, enum values, union members, struct tags. Docs and default *values* are not. Names of
types are kept for messages, but never hashed: msgspec never writes them (except as a tag).

The shapes are msgspec Structs, so they travel as they are (MessagePack in the ZMQ handshake,
JSON in recordings) and decode with validation.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import msgspec

__all__ = (
    "Container",
    "DictShape",
    "EnumShape",
    "FieldShape",
    "FixedTupleShape",
    "LiteralShape",
    "NamedShape",
    "OptionalShape",
    "Ref",
    "Scalar",
    "ScalarName",
    "SeqShape",
    "ShapeError",
    "StructShape",
    "TypeShape",
    "UnionShape",
    "WireShape",
    "check_shape",
    "int_scalar",
)

ScalarName = Literal[
    "any",
    "none",
    "bool",
    "int",
    "float",
    "str",
    "bytes",
    "bytearray",
    "memoryview",
    "datetime",
    "date",
    "time",
    "timedelta",
    "uuid",
    "decimal",
    "raw",
    "ext",
    "custom",
]
Container = Literal["list", "tuple", "set", "frozenset"]


class _Node(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, tag_field="kind"):
    """Base of every shape node: immutable, compact when encoded, tagged by ``kind``."""


class Scalar(_Node, frozen=True, tag="scalar"):
    """A leaf type and its constraints (``None``: absent).

    ``int`` bounds are normalised to ``ge``/``le`` (``gt=0`` is ``ge=1``). ``tz`` is the
    datetime/time timezone requirement (``True`` aware, ``False`` naive, ``None`` either).
    ``custom`` names a type msgspec only handles through hooks (``custom_name``).
    """

    name: ScalarName
    ge: int | float | None = None
    gt: int | float | None = None
    le: int | float | None = None
    lt: int | float | None = None
    multiple_of: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    tz: bool | None = None
    custom_name: str | None = None


def int_scalar(
    *,
    ge: int | None = None,
    gt: int | None = None,
    le: int | None = None,
    lt: int | None = None,
    multiple_of: int | None = None,
) -> Scalar:
    """An ``int`` scalar with its bounds in their one spelling: ``gt=0`` is ``ge=1``."""
    lows = [b for b in (ge, None if gt is None else gt + 1) if b is not None]
    highs = [b for b in (le, None if lt is None else lt - 1) if b is not None]
    return Scalar(
        name="int",
        ge=max(lows) if lows else None,
        le=min(highs) if highs else None,
        multiple_of=multiple_of,
    )


class SeqShape(_Node, frozen=True, tag="seq"):
    """``list[T]``, ``tuple[T, ...]``, ``set[T]`` or ``frozenset[T]`` (all MessagePack arrays)."""

    container: Container
    item: TypeShape
    min_length: int | None = None
    max_length: int | None = None


class FixedTupleShape(_Node, frozen=True, tag="fixed_tuple"):
    """``tuple[A, B, C]``: an array of exactly these items."""

    items: tuple[TypeShape, ...]


class DictShape(_Node, frozen=True, tag="dict"):
    """``dict[K, V]``."""

    key: TypeShape
    value: TypeShape
    min_length: int | None = None
    max_length: int | None = None


class OptionalShape(_Node, frozen=True, tag="optional"):
    """``T | None``."""

    item: TypeShape


class UnionShape(_Node, frozen=True, tag="union"):
    """``A | B | ...`` without ``None`` (an optional union is ``OptionalShape(UnionShape)``)."""

    members: tuple[TypeShape, ...]


class LiteralShape(_Node, frozen=True, tag="literal"):
    """``Literal[...]`` of strings, ints (and ``None``)."""

    values: tuple[str | int | None, ...]


class Ref(_Node, frozen=True, tag="ref"):
    """A named type: entry ``index`` of ``WireShape.types``."""

    index: int


TypeShape: TypeAlias = (
    Scalar
    | SeqShape
    | FixedTupleShape
    | DictShape
    | OptionalShape
    | UnionShape
    | LiteralShape
    | Ref
)
"""A type expression."""


class FieldShape(msgspec.Struct, frozen=True, kw_only=True):
    """A field as encoded: its wire ``name``, ``type``, and whether a payload must carry it."""

    name: str
    type: TypeShape
    required: bool


class StructShape(_Node, frozen=True, tag="struct"):
    """A Struct (or dataclass, TypedDict, NamedTuple): an object keyed by field name.

    ``name`` is for messages only (not hashed). ``tag_field``/``tag`` are set for a tagged
    Struct (generated union members: ``type`` = the message name). ``array_like`` Structs
    (and NamedTuples) encode as arrays, in field order.
    """

    name: str
    fields: tuple[FieldShape, ...]
    tag_field: str | None = None
    tag: str | int | None = None
    array_like: bool = False
    forbid_unknown_fields: bool = False


class EnumShape(_Node, frozen=True, tag="enum"):
    """An enum: encoded as one of its ``values``; ``name`` is for messages only."""

    name: str
    values: tuple[str | int, ...]


NamedShape: TypeAlias = StructShape | EnumShape
"""An entry of the named-type table."""


class WireShape(msgspec.Struct, frozen=True, kw_only=True):
    """A type expression (``root``) and the named types it refers to (``types``, by index).

    For a message type the root is ``Ref(index=0)``. Build one with ``shape_of(tp)``, hash it
    with ``shape_hash``, compare two with ``compare``.
    """

    root: TypeShape
    types: tuple[NamedShape, ...] = ()


class ShapeError(ValueError):
    """A ``WireShape`` that refers to a named type it does not hold (e.g. from a bad peer)."""


def _refs(t: TypeShape) -> list[int]:
    if isinstance(t, Ref):
        return [t.index]
    if isinstance(t, SeqShape | OptionalShape):
        return _refs(t.item)
    if isinstance(t, DictShape):
        return _refs(t.key) + _refs(t.value)
    if isinstance(t, UnionShape):
        return [i for m in t.members for i in _refs(m)]
    if isinstance(t, FixedTupleShape):
        return [i for m in t.items for i in _refs(m)]
    return []


def check_shape(shape: WireShape) -> WireShape:
    """Return ``shape`` if every ``Ref`` points into its table; raise ``ShapeError`` if not."""
    roots = [shape.root]
    roots += [f.type for n in shape.types if isinstance(n, StructShape) for f in n.fields]
    count = len(shape.types)
    for t in roots:
        for index in _refs(t):
            if not 0 <= index < count:
                raise ShapeError(f"type reference {index} is outside the table of {count} types")
    return shape
