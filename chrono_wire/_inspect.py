"""The wire shape of a Python type, read through ``msgspec.inspect`` (ADR 0022).

Works for every type msgspec can decode: generated message Structs, hand-written Structs,
dataclasses, TypedDicts, NamedTuples, enums, unions, containers and scalars. For a generated
message it gives exactly the shape ``codegen`` derives from the schema (a test holds both to
the same hash).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, cast

import msgspec.inspect as mi

from ._hash import shape_hash
from ._shape import (
    DictShape,
    EnumShape,
    FieldShape,
    FixedTupleShape,
    LiteralShape,
    OptionalShape,
    Ref,
    Scalar,
    ScalarName,
    SeqShape,
    StructShape,
    TypeShape,
    UnionShape,
    WireShape,
    int_scalar,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._shape import Container, NamedShape

__all__ = ("shape_of", "type_hash")

_PLAIN: dict[type[mi.Type], ScalarName] = {
    mi.AnyType: "any",
    mi.NoneType: "none",
    mi.BoolType: "bool",
    mi.DateType: "date",
    mi.TimeDeltaType: "timedelta",
    mi.UUIDType: "uuid",
    mi.DecimalType: "decimal",
    mi.RawType: "raw",
    mi.ExtType: "ext",
}
_SIZED: dict[type[mi.Type], ScalarName] = {
    mi.BytesType: "bytes",
    mi.ByteArrayType: "bytearray",
    mi.MemoryViewType: "memoryview",
}
_SEQUENCES: dict[type[mi.Type], Container] = {
    mi.ListType: "list",
    mi.VarTupleType: "tuple",
    mi.SetType: "set",
    mi.FrozenSetType: "frozenset",
}


def _name(cls: object) -> str:
    return cast("str", getattr(cls, "__qualname__", None) or repr(cls))


class _Builder:
    """Translates one ``msgspec.inspect`` tree, numbering named types as they are met."""

    def __init__(self) -> None:
        self.types: list[NamedShape | None] = []
        self._index: dict[object, int] = {}

    def shape(self, tp: object) -> WireShape:
        root = self.expr(mi.type_info(tp))
        types = tuple(t for t in self.types if t is not None)
        assert len(types) == len(self.types)
        return WireShape(root=root, types=types)

    def _named(self, key: object, build: Callable[[], NamedShape]) -> Ref:
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self.types)
            self.types.append(None)  # reserved first: a recursive type refers to itself
            self.types[index] = build()
        return Ref(index=index)

    def expr(self, t: mi.Type) -> TypeShape:
        while isinstance(t, mi.Metadata):  # docs and JSON-schema extras: not the wire
            t = t.type
        plain = _PLAIN.get(type(t))
        if plain is not None:
            return Scalar(name=plain)
        if isinstance(t, mi.IntType):
            return int_scalar(ge=t.ge, gt=t.gt, le=t.le, lt=t.lt, multiple_of=t.multiple_of)
        if isinstance(t, mi.FloatType):
            return Scalar(
                name="float", ge=t.ge, gt=t.gt, le=t.le, lt=t.lt, multiple_of=t.multiple_of
            )
        if isinstance(t, mi.StrType):
            return Scalar(
                name="str", min_length=t.min_length, max_length=t.max_length, pattern=t.pattern
            )
        sized = _SIZED.get(type(t))
        if sized is not None:
            lengths = cast("mi.BytesType", t)
            return Scalar(name=sized, min_length=lengths.min_length, max_length=lengths.max_length)
        if isinstance(t, mi.DateTimeType | mi.TimeType):
            return Scalar(name="datetime" if isinstance(t, mi.DateTimeType) else "time", tz=t.tz)
        if isinstance(t, mi.CustomType):
            return Scalar(name="custom", custom_name=f"{t.cls.__module__}.{_name(t.cls)}")
        container = _SEQUENCES.get(type(t))
        if container is not None:
            seq = cast("mi.ListType", t)
            return SeqShape(
                container=container,
                item=self.expr(seq.item_type),
                min_length=seq.min_length,
                max_length=seq.max_length,
            )
        if isinstance(t, mi.TupleType):
            return FixedTupleShape(items=tuple(self.expr(i) for i in t.item_types))
        if isinstance(t, mi.DictType):
            return DictShape(
                key=self.expr(t.key_type),
                value=self.expr(t.value_type),
                min_length=t.min_length,
                max_length=t.max_length,
            )
        if isinstance(t, mi.UnionType):
            members = [self.expr(m) for m in t.types if not isinstance(m, mi.NoneType)]
            inner = members[0] if len(members) == 1 else UnionShape(members=tuple(members))
            return OptionalShape(item=inner) if t.includes_none else inner
        if isinstance(t, mi.LiteralType):
            return LiteralShape(values=tuple(t.values))
        if isinstance(t, mi.EnumType):
            cls = t.cls
            return self._named(
                cls,
                functools.partial(EnumShape, name=_name(cls), values=tuple(m.value for m in cls)),
            )
        if isinstance(t, mi.StructType | mi.DataclassType | mi.TypedDictType | mi.NamedTupleType):
            return self._named(t.cls, functools.partial(self._struct, t))
        raise TypeError(f"msgspec type {t!r} has no wire shape")  # pragma: no cover - new msgspec

    def _struct(
        self, t: mi.StructType | mi.DataclassType | mi.TypedDictType | mi.NamedTupleType
    ) -> StructShape:
        fields = tuple(
            FieldShape(name=f.encode_name, type=self.expr(f.type), required=f.required)
            for f in t.fields
        )
        if isinstance(t, mi.StructType):
            return StructShape(
                name=_name(t.cls),
                fields=fields,
                tag_field=t.tag_field,
                tag=t.tag,
                array_like=t.array_like,
                forbid_unknown_fields=t.forbid_unknown_fields,
            )
        return StructShape(
            name=_name(t.cls), fields=fields, array_like=isinstance(t, mi.NamedTupleType)
        )


@functools.lru_cache(maxsize=512)
def _cached_shape(tp: object) -> WireShape:
    return _Builder().shape(tp)


def shape_of(tp: object) -> WireShape:
    """The wire shape of ``tp`` (a Struct class, ``int``, ``list[Obs]``, ``Ping | Pong``...).

    Raises:
        TypeError: msgspec cannot encode/decode ``tp``.
    """
    try:
        return _cached_shape(tp)
    except TypeError as exc:
        if "unhashable" not in str(exc):
            raise
        return _Builder().shape(tp)


def type_hash(tp: object) -> str:
    """The type hash of ``tp`` (``CTH01_...``); for a generated message, its
    ``__chrono_type_hash__``.

    Raises:
        TypeError: msgspec cannot encode/decode ``tp``.
    """
    return shape_hash(shape_of(tp))
