"""Type hashes (ADR 0022, docs/type-hashes.md): stable, and equal from schema and from class."""

from __future__ import annotations

import datetime
import enum
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import msgspec
import pytest

from chrono_daemon.wire import (
    HASH_PREFIX,
    Ref,
    ShapeError,
    WireShape,
    canonical_json,
    shape_from_json,
    shape_hash,
    shape_of,
    shape_to_json,
    type_hash,
)

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("wire_golden_hashes.json")
HASH = re.compile(r"^CTH01_[0-9a-f]{64}$")


def _dump(seed: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": f"{REPO}:{REPO / 'tests/runtime'}"}
    done = subprocess.run(
        [sys.executable, str(REPO / "tests" / "runtime" / "wire_hash_dump.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, str] = json.loads(done.stdout)
    return result


def test_golden_hashes_hold_across_processes_and_hash_seeds() -> None:
    """The same hashes in fresh interpreters under three hash seeds, equal to the golden file.

    A change here means the canonical form changed: bump ``HASH_PREFIX`` (CTH02) and update
    docs/type-hashes.md, never just the golden file (UPDATE_GOLDEN=1 rewrites it).
    """
    runs = [_dump(seed) for seed in ("0", "1", "random")]
    assert runs[0] == runs[1] == runs[2]
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(runs[0], indent=2, sort_keys=True) + "\n")
    assert runs[0] == json.loads(GOLDEN.read_text())
    assert all(HASH.match(h) for h in runs[0].values())


@pytest.mark.parametrize("stem", ["geometry", "odometry", "system_stack"])
def test_every_generated_message_carries_its_runtime_hash(stem: str) -> None:
    module = importlib.import_module(f"generated.{stem}.messages")
    classes = [
        c for c in vars(module).values() if isinstance(c, type) and issubclass(c, msgspec.Struct)
    ]
    assert classes
    for cls in classes:
        assert cls.__chrono_type_hash__ == type_hash(cls), cls  # type: ignore[attr-defined]


def test_the_documented_example_is_byte_exact() -> None:
    """docs/type-hashes.md shows the canonical bytes and hash of system_stack.Action."""
    from generated.system_stack.messages import Action

    doc = (REPO / "docs" / "type-hashes.md").read_text()
    assert canonical_json(shape_of(Action)).decode() in doc
    assert type_hash(Action) in doc
    assert Action.__chrono_type_hash__ == type_hash(Action)


class Mode(enum.Enum):
    a = "a"
    b = "b"


class Base(msgspec.Struct):
    x: int
    y: Annotated[float, msgspec.Meta(ge=0)]
    mode: Mode = Mode.a


class Reordered(msgspec.Struct, kw_only=True):
    mode: Mode = Mode.b  # another default value
    y: Annotated[float, msgspec.Meta(ge=0.0, description="docs")] = 1.0
    x: int = 3


class Renamed(msgspec.Struct, kw_only=True):
    mode: Mode = Mode.b
    y: Annotated[float, msgspec.Meta(ge=0.0, title="t", description="d")]  # 0.0 is 0
    x: Annotated[int, msgspec.Meta(description="x")]


class Mode2(enum.Enum):  # the values of Mode, another name and order
    b = "b"
    a = "a"


class OtherEnum(msgspec.Struct):
    x: int
    y: Annotated[float, msgspec.Meta(ge=0)]
    mode: Mode2 = Mode2.a


class Mode3(enum.Enum):
    a = "a"
    c = "c"


def test_what_the_hash_ignores() -> None:
    """Field order, docs, default values, type names: not part of the wire shape."""
    assert type_hash(Renamed) == type_hash(Base) == type_hash(OtherEnum)
    assert type_hash(Reordered) != type_hash(Base)  # x and y gained defaults: not required


@pytest.mark.parametrize(
    "changed",
    [
        "field name",
        "field type",
        "constraint",
        "required",
        "enum value",
        "tag",
        "array_like",
        "forbid_unknown_fields",
    ],
)
def test_what_the_hash_sees(changed: str) -> None:
    """Each of these alone changes the hash (defstruct: one variant of Base per change)."""
    variants: dict[str, tuple[str, list[Any], dict[str, Any]]] = {
        "field name": ("X", [("z", int), ("y", Annotated[float, msgspec.Meta(ge=0)])], {}),
        "field type": ("X", [("x", str), ("y", Annotated[float, msgspec.Meta(ge=0)])], {}),
        "constraint": ("X", [("x", int), ("y", Annotated[float, msgspec.Meta(ge=1)])], {}),
        "required": ("X", [("x", int, 0), ("y", Annotated[float, msgspec.Meta(ge=0)])], {}),
        "enum value": ("X", [("x", int), ("y", Annotated[float, msgspec.Meta(ge=0)])], {}),
        "tag": ("X", [("x", int), ("y", Annotated[float, msgspec.Meta(ge=0)])], {"tag": True}),
        "array_like": (
            "X",
            [("x", int), ("y", Annotated[float, msgspec.Meta(ge=0)])],
            {"array_like": True},
        ),
        "forbid_unknown_fields": (
            "X",
            [("x", int), ("y", Annotated[float, msgspec.Meta(ge=0)])],
            {"forbid_unknown_fields": True},
        ),
    }
    name, fields, options = variants[changed]
    mode_type = Mode3 if changed == "enum value" else Mode
    variant = msgspec.defstruct(
        name, [*fields, ("mode", mode_type, mode_type.a)], kw_only=True, **options
    )
    assert type_hash(variant) != type_hash(Base)


def test_int_bounds_have_one_spelling() -> None:
    gt = Annotated[int, msgspec.Meta(gt=0, lt=10)]
    ge = Annotated[int, msgspec.Meta(ge=1, le=9)]
    assert type_hash(gt) == type_hash(ge)
    assert type_hash(Annotated[float, msgspec.Meta(gt=0)]) != type_hash(
        Annotated[float, msgspec.Meta(ge=0)]
    )


class Tree(msgspec.Struct):
    kids: list[Tree]
    label: str


class Forest(msgspec.Struct):
    trees: list[Tree]
    best: Tree | None


def test_recursive_types_hash_without_looping() -> None:
    assert HASH.match(type_hash(Tree))
    assert b'{"depth":0,"kind":"recursive"}' in canonical_json(shape_of(Tree))
    # Entered through Forest, Tree hashes as on its own (a cycle closing at itself).
    assert f'"hash":"{type_hash(Tree)}"'.encode() in canonical_json(shape_of(Forest))


def test_shapes_round_trip_through_json_and_bad_ones_are_refused() -> None:
    shape = shape_of(Base)
    assert shape_from_json(shape_to_json(shape)) == shape
    assert shape_hash(shape_from_json(shape_to_json(shape))) == type_hash(Base)
    with pytest.raises(ShapeError, match=r"^type reference 3 is outside the table of 1 types$"):
        shape_from_json(shape_to_json(WireShape(root=Ref(index=3), types=shape.types[:1])))
    with pytest.raises(ShapeError, match=r"^not a valid wire shape: "):
        shape_from_json(b'{"root": 5}')
    with pytest.raises(ShapeError, match=r"^not a valid wire shape: "):
        shape_from_json(b"[" * 100_000)


def test_datetime_and_prefix() -> None:
    aware = Annotated[datetime.datetime, msgspec.Meta(tz=True)]
    assert type_hash(aware) != type_hash(datetime.datetime)
    assert type_hash(int).startswith(HASH_PREFIX)
    with pytest.raises(TypeError):
        type_hash(object())
