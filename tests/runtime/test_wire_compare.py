"""The schema-evolution rules over wire shapes (``chrono_daemon.wire.compare``; issue 13).

``chrono breaking`` tests the rules through schemas (tests/codegen/breaking); these cover what
only hand-written types have, the run-time mode (``by_name=False``), and the property that ties
the rules to the hash: two shapes have equal hashes exactly when ``compare`` finds nothing.
"""

from __future__ import annotations

import datetime
import random
from typing import Annotated, Literal

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chrono_daemon.wire import (
    DictShape,
    EnumShape,
    FieldShape,
    NamedShape,
    OptionalShape,
    Ref,
    Scalar,
    ScalarName,
    SeqShape,
    StructShape,
    TypeShape,
    UnionShape,
    WireShape,
    compare,
    shape_hash,
    shape_of,
)


class V1(msgspec.Struct, array_like=True):
    a: int
    b: str


class V2(msgspec.Struct, array_like=True):
    b: str
    a: int


class Open(msgspec.Struct):
    a: int


class Closed(msgspec.Struct, forbid_unknown_fields=True):
    a: int


class TagA(msgspec.Struct, tag="a"):
    x: int


class TagB(msgspec.Struct, tag="b"):
    x: int


def rules(old: object, new: object) -> list[tuple[str, tuple[str, ...], list[str]]]:
    return [(c.rule, c.path, sorted(c.breaks)) for c in compare(shape_of(old), shape_of(new))]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (V1, V2, [("FIELD_ORDER_CHANGED", (), ["WIRE"])]),
        (Open, Closed, [("UNKNOWN_FIELDS_FORBIDDEN", (), ["WIRE"])]),
        (Closed, Open, [("UNKNOWN_FIELDS_ALLOWED", (), [])]),
        (TagA, TagB, [("TAG_CHANGED", (), ["WIRE"])]),
        (
            Open,
            TagA,
            [
                ("TAG_ADDED", (), []),
                ("FIELD_REMOVED", ("a",), ["CODE", "WIRE"]),
                ("FIELD_ADDED_REQUIRED", ("x",), ["CODE", "WIRE"]),
            ],
        ),
        (dict[str, int], dict[int, int], [("TYPE_CHANGED", ("{key}",), ["CODE", "WIRE"])]),
        (Literal["a", "b"], Literal["a"], [("LITERAL_VALUE_REMOVED", (), ["CODE", "WIRE"])]),
        (Literal["a"], Literal["a", "b"], [("LITERAL_VALUE_ADDED", (), [])]),
        (tuple[int, str], tuple[int, bytes], [("TYPE_CHANGED", ("[1]",), ["CODE", "WIRE"])]),
        (tuple[int, str], tuple[int], [("TYPE_CHANGED", (), ["CODE", "WIRE"])]),
        (
            Annotated[float, msgspec.Meta(multiple_of=0.5)],
            Annotated[float, msgspec.Meta(multiple_of=0.25)],
            [("CONSTRAINT_NARROWED", (), ["WIRE"])],
        ),
        (
            datetime.datetime,
            Annotated[datetime.datetime, msgspec.Meta(tz=True)],
            [("CONSTRAINT_NARROWED", (), ["WIRE"])],
        ),
        (
            Annotated[str, msgspec.Meta(max_length=5)],
            Annotated[str, msgspec.Meta(max_length=9)],
            [("CONSTRAINT_WIDENED", (), [])],
        ),
        (int, int | None, [("MADE_OPTIONAL", (), ["CODE"])]),
        (TagA | TagB, TagA, [("TYPE_CHANGED", (), ["CODE", "WIRE"])]),
        (list[int], set[int], [("TYPE_CHANGED", (), ["CODE", "WIRE"])]),
    ],
)
def test_rules_of_hand_written_types(
    old: object, new: object, expected: list[tuple[str, tuple[str, ...], list[str]]]
) -> None:
    assert rules(old, new) == expected
    assert (shape_hash(shape_of(old)) == shape_hash(shape_of(new))) == (expected == [])


class Inner(msgspec.Struct):
    x: int


class Outer(msgspec.Struct):
    items: list[dict[str, Inner]]


class Inner2(msgspec.Struct):
    x: str


class Outer2(msgspec.Struct):
    items: list[dict[str, Inner2]]


def test_changes_carry_a_readable_path_and_message() -> None:
    (change,) = compare(shape_of(Outer), shape_of(Outer2))
    assert change.path == ("items", "[]", "{}", "x")
    assert change.message == "field 'items[]{}.x' changed type from int to str"
    assert str(change) == change.message
    assert change.breaking


def test_run_time_mode_ignores_names_and_by_name_mode_reports_them() -> None:
    a = WireShape(
        root=Ref(index=0),
        types=(
            StructShape(name="M", fields=(FieldShape(name="p", type=Ref(index=1), required=True),)),
            StructShape(
                name="P", fields=(FieldShape(name="x", type=Scalar(name="int"), required=True),)
            ),
        ),
    )
    renamed = WireShape(
        root=a.root,
        types=(a.types[0], msgspec.structs.replace(a.types[1], name="Q")),
    )
    assert compare(a, renamed) == []
    (change,) = compare(a, renamed, by_name=True)
    assert (change.rule, change.message) == ("TYPE_RENAMED", "field 'p' changed type from P to Q")


# -- the property: equal hashes <=> no change ---------------------------------------------------

_SCALARS: tuple[ScalarName, ...] = ("int", "float", "str", "bytes", "bool")


def _scalar(draw: st.DrawFn) -> Scalar:
    name = draw(st.sampled_from(_SCALARS))
    if name in ("int", "float") and draw(st.booleans()):
        return Scalar(name=name, ge=draw(st.integers(-3, 3)))
    if name in ("str", "bytes") and draw(st.booleans()):
        return Scalar(name=name, max_length=draw(st.integers(0, 3)))
    return Scalar(name=name)


def _type(draw: st.DrawFn, refs: list[int], depth: int = 0) -> TypeShape:
    choice = draw(st.integers(0, 5 if depth < 2 else 1))
    if choice == 1 and refs:
        return Ref(index=draw(st.sampled_from(refs)))
    if choice == 2:
        return SeqShape(
            container=draw(st.sampled_from(["list", "tuple"])), item=_type(draw, refs, depth + 1)
        )
    if choice == 3:
        return DictShape(key=Scalar(name="str"), value=_type(draw, refs, depth + 1))
    if choice == 4:
        return OptionalShape(item=_type(draw, refs, depth + 1))
    return _scalar(draw)


@st.composite
def shapes(draw: st.DrawFn) -> WireShape:
    """A root struct and up to three named types; each refers only to later ones (acyclic)."""
    count = draw(st.integers(1, 4))
    types: list[NamedShape] = []
    for i in range(count):
        later = list(range(i + 1, count))
        if i > 0 and draw(st.booleans()):
            values = draw(st.lists(st.sampled_from("abcd"), min_size=1, unique=True))
            types.append(EnumShape(name=f"E{i}", values=tuple(values)))
            continue
        names = draw(st.lists(st.sampled_from("pqrstu"), unique=True, max_size=4))
        fields = tuple(
            FieldShape(name=n, type=_type(draw, later), required=draw(st.booleans())) for n in names
        )
        types.append(StructShape(name=f"S{i}", fields=fields))
    return WireShape(root=Ref(index=0), types=tuple(types))


def _neutral(shape: WireShape, rng: random.Random) -> WireShape:
    """The same wire shape written differently: other names, orders and table layout."""
    order = list(range(len(shape.types)))
    rng.shuffle(order)
    new_index = {old: new for new, old in enumerate(order)}

    def fix(t: TypeShape) -> TypeShape:
        if isinstance(t, Ref):
            return Ref(index=new_index[t.index])
        if isinstance(t, SeqShape | OptionalShape):
            return msgspec.structs.replace(t, item=fix(t.item))
        if isinstance(t, DictShape):
            return msgspec.structs.replace(t, value=fix(t.value))
        if isinstance(t, UnionShape):
            return UnionShape(members=tuple(fix(m) for m in t.members))
        return t

    table: list[NamedShape] = []
    for old in order:
        named = shape.types[old]
        if isinstance(named, EnumShape):
            values = list(named.values)
            rng.shuffle(values)
            table.append(EnumShape(name=f"Other{old}", values=tuple(values)))
        else:
            fields = [msgspec.structs.replace(f, type=fix(f.type)) for f in named.fields]
            rng.shuffle(fields)
            table.append(StructShape(name=f"Other{old}", fields=tuple(fields)))
    return WireShape(root=fix(shape.root), types=tuple(table))


@settings(max_examples=300, deadline=None)
@given(a=shapes(), b=shapes(), seed=st.integers(0, 2**32))
def test_equal_hashes_exactly_when_compare_finds_nothing(
    a: WireShape, b: WireShape, seed: int
) -> None:
    same = _neutral(a, random.Random(seed))
    assert shape_hash(same) == shape_hash(a)
    assert compare(a, same) == []
    assert compare(same, a) == []
    assert (shape_hash(a) == shape_hash(b)) == (compare(a, b) == []) == (compare(b, a) == [])
