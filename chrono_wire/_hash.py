"""Type hashes: ``CTH01_`` + sha256 of a canonical JSON form of a wire shape (ADR 0022).

The byte-for-byte definition is in docs/type-hashes.md; this module is its reference
implementation. In short: every named type is hashed on its own (Merkle style), a reference to
a named type is written as that type's hash, so a hash does not depend on type names, on the
order of the named-type table, or on the order fields, enum values and union members were
declared in. Docs and default values are not part of the shape at all.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import TYPE_CHECKING

from ._shape import (
    DictShape,
    EnumShape,
    FixedTupleShape,
    LiteralShape,
    OptionalShape,
    Ref,
    Scalar,
    SeqShape,
    UnionShape,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ._shape import NamedShape, TypeShape, WireShape

__all__ = ("HASH_PREFIX", "canonical_json", "expr_key", "named_hashes", "shape_hash")

HASH_PREFIX = "CTH01_"
"""Chrono Type Hash, version 01: bump the number whenever the canonical form changes."""

_SCALAR_KEYS = (
    "ge",
    "gt",
    "le",
    "lt",
    "multiple_of",
    "min_length",
    "max_length",
    "pattern",
    "tz",
    "custom_name",
)
_EXACT_FLOAT = 2**53  # integral floats below this are exactly representable as JSON integers


# One encoder for every call: json.dumps with options builds a new one each time (~40 us).
_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode


def _number(value: int | float) -> int | float | str:
    """Integral numbers as JSON integers (so ``ge = 0`` and ``ge = 0.0`` agree)."""
    if isinstance(value, int):
        return int(value)
    if not math.isfinite(value):
        return repr(value)  # 'inf', '-inf', 'nan': JSON has no such numbers
    if value.is_integer() and abs(value) < _EXACT_FLOAT:
        return int(value)
    return value


class _Canonical:
    """Builds canonical JSON values; memoises the hash of every named type it finishes.

    A named type met again while its own body is being written (a recursive type) is written
    as ``{"kind": "recursive", "depth": d}``, ``d`` counting named types outwards from the
    innermost one being written (0). Such a hash depends on where the cycle was entered, so it
    is memoised only for the type at which the cycle closes.
    """

    def __init__(self, types: Sequence[NamedShape]) -> None:
        self._types = types
        self._memo: dict[int, str] = {}
        self._stack: list[int] = []
        self._low = math.inf  # lowest stack position referenced by what is being written
        self._scalars: dict[Scalar, dict[str, object]] = {}  # most leaves repeat

    def named(self, index: int) -> str:
        memo = self._memo.get(index)
        if memo is not None:
            return memo
        pos = len(self._stack)
        outer_low = self._low
        self._low = math.inf
        self._stack.append(index)
        try:
            body = self._body(self._types[index])
        finally:
            self._stack.pop()
        digest = HASH_PREFIX + hashlib.sha256(_dumps(body).encode("ascii")).hexdigest()
        low = self._low
        if low >= pos:
            self._memo[index] = digest
            low = math.inf
        self._low = min(outer_low, low)
        return digest

    def body_of(self, index: int) -> object:
        """The canonical body of a named type written as a root (empty stack)."""
        self._stack.append(index)
        try:
            return self._body(self._types[index])
        finally:
            self._stack.pop()

    def _body(self, named: NamedShape) -> dict[str, object]:
        if isinstance(named, EnumShape):
            return {"kind": "enum", "values": _sorted(list(named.values))}
        fields = [
            {"name": f.name, "required": f.required, "type": self.expr(f.type)}
            for f in named.fields
        ]
        if not named.array_like:
            fields.sort(key=lambda f: str(f["name"]))
        out: dict[str, object] = {"kind": "struct", "fields": fields}
        if named.tag_field is not None:
            out["tag_field"] = named.tag_field
            out["tag"] = named.tag
        if named.array_like:
            out["array_like"] = True
        if named.forbid_unknown_fields:
            out["forbid_unknown_fields"] = True
        return out

    def expr(self, t: TypeShape) -> object:
        if isinstance(t, Ref):
            if t.index in self._stack:
                pos = self._stack.index(t.index)
                self._low = min(self._low, pos)
                return {"kind": "recursive", "depth": len(self._stack) - 1 - pos}
            return {"kind": "ref", "hash": self.named(t.index)}
        if isinstance(t, Scalar):
            out = self._scalars.get(t)
            if out is None:
                out = self._scalars[t] = _scalar(t)
            return out
        if isinstance(t, SeqShape):
            return _sized({"kind": t.container, "item": self.expr(t.item)}, t)
        if isinstance(t, DictShape):
            return _sized({"kind": "dict", "key": self.expr(t.key), "value": self.expr(t.value)}, t)
        if isinstance(t, OptionalShape):
            return {"kind": "optional", "item": self.expr(t.item)}
        if isinstance(t, UnionShape):
            return {"kind": "union", "members": _sorted([self.expr(m) for m in t.members])}
        if isinstance(t, FixedTupleShape):
            return {"kind": "fixed_tuple", "items": [self.expr(m) for m in t.items]}
        assert isinstance(t, LiteralShape)
        return {"kind": "literal", "values": _sorted(list(t.values))}


def _scalar(t: Scalar) -> dict[str, object]:
    out: dict[str, object] = {"kind": t.name}
    for key in _SCALAR_KEYS:
        value = getattr(t, key)
        if value is not None:
            is_number = isinstance(value, int | float) and not isinstance(value, bool)
            out[key] = _number(value) if is_number else value
    return out


def _sized(out: dict[str, object], t: SeqShape | DictShape) -> dict[str, object]:
    if t.min_length is not None:
        out["min_length"] = t.min_length
    if t.max_length is not None:
        out["max_length"] = t.max_length
    return out


def _sorted(values: list[object]) -> list[object]:
    """Order-free collections are written sorted by their own canonical JSON text."""
    return sorted(values, key=_dumps)


def _root(shape: WireShape) -> tuple[_Canonical, object]:
    canon = _Canonical(shape.types)
    if isinstance(shape.root, Ref):
        return canon, canon.body_of(shape.root.index)
    return canon, canon.expr(shape.root)


def canonical_json(shape: WireShape) -> bytes:
    """The exact bytes whose sha256 is the type hash of ``shape`` (docs/type-hashes.md)."""
    return _dumps(_root(shape)[1]).encode("ascii")


def shape_hash(shape: WireShape) -> str:
    """The type hash of ``shape``: ``CTH01_`` and 64 lowercase hex digits.

    Equal for equal wire shapes on every machine, Python version and hash seed; different
    when a field name, type, constraint, required flag, enum value, union member or tag
    differs. Type names, docs and default values do not count.
    """
    return HASH_PREFIX + hashlib.sha256(canonical_json(shape)).hexdigest()


def named_hashes(types: Sequence[NamedShape]) -> tuple[str, ...]:
    """The type hash of every entry of a named-type table, each as a root (linear time)."""
    canon = _Canonical(types)
    return tuple(canon.named(i) for i in range(len(types)))


def expr_key(types: Sequence[NamedShape]) -> Callable[[TypeShape], str]:
    """A function giving the canonical JSON text of a type expression of this table.

    Two expressions of two tables have equal keys exactly when their wire shapes are equal.
    """
    canon = _Canonical(types)
    return lambda t: _dumps(canon.expr(t))
