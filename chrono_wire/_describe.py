"""Short, Python-like labels of shape nodes for messages: ``list[float]``, ``Obs | None``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._shape import (
    DictShape,
    FixedTupleShape,
    LiteralShape,
    OptionalShape,
    Ref,
    Scalar,
    SeqShape,
    UnionShape,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._shape import NamedShape, TypeShape

__all__ = ("describe", "format_number", "format_path")

_PYTHON_NAMES = {"none": "None", "datetime": "datetime", "custom": "custom"}


def format_number(value: int | float) -> str:
    """``-10`` for an integral value (also ``-10.0``), ``repr`` otherwise."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def describe(t: TypeShape, types: Sequence[NamedShape]) -> str:
    """The type as a Python annotation would spell it, without constraints."""
    if isinstance(t, Ref):
        return types[t.index].name if 0 <= t.index < len(types) else "?"
    if isinstance(t, Scalar):
        if t.name == "custom":
            return t.custom_name or "custom"
        return _PYTHON_NAMES.get(t.name, t.name)
    if isinstance(t, SeqShape):
        item = describe(t.item, types)
        return f"tuple[{item}, ...]" if t.container == "tuple" else f"{t.container}[{item}]"
    if isinstance(t, DictShape):
        return f"dict[{describe(t.key, types)}, {describe(t.value, types)}]"
    if isinstance(t, OptionalShape):
        return f"{describe(t.item, types)} | None"
    if isinstance(t, UnionShape):
        return " | ".join(describe(m, types) for m in t.members)
    if isinstance(t, FixedTupleShape):
        return f"tuple[{', '.join(describe(m, types) for m in t.items)}]"
    assert isinstance(t, LiteralShape)
    return f"Literal[{', '.join(repr(v) for v in t.values)}]"


def format_path(path: Sequence[str]) -> str:
    """Join path segments: fields with dots, ``[]`` items / ``{}`` values / ``<T>`` members
    appended: ``poses[].x``, ``cmd<Stop>.reason``."""
    out = ""
    for segment in path:
        if segment[:1] in ("[", "{", "<") or not out:
            out += segment
        else:
            out += "." + segment
    return out
