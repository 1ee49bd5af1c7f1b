"""Defaults and constraints (SPEC §3.2, RELIABILITY C): a default must satisfy its own type and
constraints, and constraints must fit the type and each other."""

from __future__ import annotations

import datetime
import math
import re
from typing import TYPE_CHECKING, Any, Literal

from ..model import DictLit, DictOf, EnumLit, ListOf, Lit, Named, OptionalOf, Prim, SeqLit, TupleOf
from ..suggest import did_you_mean
from .types import TypeProblem, type_label

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from ..model import TypeExpr, Value

__all__ = ("check_constraints", "check_default", "check_value_constraints")


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
        members = enum_values.get((t.module, t.name))
        if members is None:  # the enum failed to decode (reported there): nothing to check
            return EnumLit(t, value if isinstance(value, str) else "")
        if not isinstance(value, str):
            raise TypeProblem(
                f"an enum default is one of its value strings; {t.name!r} has {_listed(members)}"
            )
        if value not in members:
            raise TypeProblem(
                f"{value!r} is not a value of enum {t.name!r}{did_you_mean(value, members)}; "
                f"expected one of {_listed(members)}"
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


_LISTED = 12


def _listed(values: tuple[str, ...]) -> str:
    """``'a', 'b', 'c'``; a long enum ends with how many more there are."""
    shown = ", ".join(repr(v) for v in values[:_LISTED])
    more = len(values) - _LISTED
    return f"{shown} and {more} more" if more > 0 else shown


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
    if all(v is None for v in c.values()):
        return []  # most fields: nothing to check
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
