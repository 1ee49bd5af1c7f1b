"""Wire shapes, type hashes and schema-evolution rules: the documented path of ``chrono_wire``.

Everything here is ``chrono_wire``'s (see its docstring, ADR 0022 and docs/type-hashes.md);
the implementation lives in that top-level package so that ``chrono gen`` can hash message
types without importing the runtime.
"""

from chrono_wire import CATEGORIES as CATEGORIES
from chrono_wire import HASH_PREFIX as HASH_PREFIX
from chrono_wire import Category as Category
from chrono_wire import Change as Change
from chrono_wire import Container as Container
from chrono_wire import DictShape as DictShape
from chrono_wire import EnumShape as EnumShape
from chrono_wire import FieldShape as FieldShape
from chrono_wire import FixedTupleShape as FixedTupleShape
from chrono_wire import LiteralShape as LiteralShape
from chrono_wire import NamedShape as NamedShape
from chrono_wire import OptionalShape as OptionalShape
from chrono_wire import Ref as Ref
from chrono_wire import Scalar as Scalar
from chrono_wire import ScalarName as ScalarName
from chrono_wire import SeqShape as SeqShape
from chrono_wire import ShapeError as ShapeError
from chrono_wire import StructShape as StructShape
from chrono_wire import TypeShape as TypeShape
from chrono_wire import UnionShape as UnionShape
from chrono_wire import WireShape as WireShape
from chrono_wire import canonical_json as canonical_json
from chrono_wire import check_shape as check_shape
from chrono_wire import compare as compare
from chrono_wire import describe as describe
from chrono_wire import format_path as format_path
from chrono_wire import int_scalar as int_scalar
from chrono_wire import named_hashes as named_hashes
from chrono_wire import shape_from_json as shape_from_json
from chrono_wire import shape_hash as shape_hash
from chrono_wire import shape_of as shape_of
from chrono_wire import shape_to_json as shape_to_json
from chrono_wire import type_hash as type_hash

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
