"""Wire shapes, type hashes and schema-evolution rules (optional: needs msgspec; ADR 0022).

- ``shape_of(tp)`` / ``type_hash(tp)``: the wire shape and ``CTH01_...`` hash of a Python type
  (a generated message carries its hash as ``__chrono_type_hash__``).
- ``compare(old, new)``: every difference between two shapes, each a ``Change`` saying which
  categories (``WIRE``, ``CODE``) it breaks. ``chrono breaking``, the ZMQ connect-time check
  and replay all use these rules.
- ``shape_to_json`` / ``shape_from_json``: a shape as stored in recordings.

A top-level package of its own because the runtime (the ZMQ type check, recordings) and the
generator (``chrono gen``, ``chrono breaking``) both use it, and the generator should not pay
for importing the runtime (asyncio) on every run; ``chrono_daemon.wire`` re-exports it, and that
is the documented path. It imports only msgspec and the stdlib; the runtime core never imports
it (tests/runtime/test_import_boundary.py). The hash is specified byte for byte in
docs/type-hashes.md.
"""

from __future__ import annotations

import msgspec

from ._compare import CATEGORIES as CATEGORIES
from ._compare import Category as Category
from ._compare import Change as Change
from ._compare import compare as compare
from ._describe import describe as describe
from ._describe import format_path as format_path
from ._hash import HASH_PREFIX as HASH_PREFIX
from ._hash import canonical_json as canonical_json
from ._hash import named_hashes as named_hashes
from ._hash import shape_hash as shape_hash
from ._inspect import shape_of as shape_of
from ._inspect import type_hash as type_hash
from ._shape import Container as Container
from ._shape import DictShape as DictShape
from ._shape import EnumShape as EnumShape
from ._shape import FieldShape as FieldShape
from ._shape import FixedTupleShape as FixedTupleShape
from ._shape import LiteralShape as LiteralShape
from ._shape import NamedShape as NamedShape
from ._shape import OptionalShape as OptionalShape
from ._shape import Ref as Ref
from ._shape import Scalar as Scalar
from ._shape import ScalarName as ScalarName
from ._shape import SeqShape as SeqShape
from ._shape import ShapeError as ShapeError
from ._shape import StructShape as StructShape
from ._shape import TypeShape as TypeShape
from ._shape import UnionShape as UnionShape
from ._shape import WireShape as WireShape
from ._shape import check_shape as check_shape
from ._shape import int_scalar as int_scalar

__all__ = (
    "CATEGORIES",
    "HASH_PREFIX",
    "Category",
    "Change",
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
    "canonical_json",
    "check_shape",
    "compare",
    "describe",
    "format_path",
    "int_scalar",
    "named_hashes",
    "shape_from_json",
    "shape_hash",
    "shape_of",
    "shape_to_json",
    "type_hash",
)

_JSON_DECODER = msgspec.json.Decoder(WireShape)


def shape_to_json(shape: WireShape) -> bytes:
    """``shape`` as compact JSON (with type names), e.g. for an MCAP schema's metadata."""
    return msgspec.json.encode(shape)


def shape_from_json(data: bytes | str) -> WireShape:
    """Decode and check a shape written by ``shape_to_json``.

    Raises:
        ShapeError: ``data`` is not a valid wire shape (the message says where).
    """
    try:
        return check_shape(_JSON_DECODER.decode(data))
    except (msgspec.DecodeError, RecursionError) as exc:
        raise ShapeError(f"not a valid wire shape: {exc}") from exc
