"""A recording made with other message types is refused up front, by message and field."""

from __future__ import annotations

import enum
import types
from typing import TYPE_CHECKING, Any

import msgspec
import pytest

from chrono_daemon import Channel, SimClock, open_channel
from chrono_daemon.recording import IncompatibleRecording, Recorder
from chrono_daemon.recording.compat import check_types, schema_differences

if TYPE_CHECKING:
    from pathlib import Path


class Mode(enum.Enum):
    idle = "idle"
    busy = "busy"


class Inner(msgspec.Struct, frozen=True, kw_only=True):
    x: float


class Obs(msgspec.Struct, frozen=True, kw_only=True):
    t: float
    seq: int
    mode: Mode
    note: str | None = None
    inner: Inner
    items: list[Inner] = []


OBS_FIELDS: list[Any] = [
    ("t", float),
    ("seq", int),
    ("mode", Mode),
    ("note", str | None, None),
    ("inner", Inner),
    ("items", list[Inner], []),
]


def obs_like(*changes: tuple[Any, ...], drop: str = "") -> type:
    """``Obs`` with fields replaced or added (``(name, type)`` or ``(name, type, default)``)."""
    fields = [f for f in OBS_FIELDS if f[0] != drop]
    changed = {c[0]: c for c in changes}
    fields = [changed.pop(f[0], f) for f in fields] + list(changed.values())
    required = [f for f in fields if len(f) == 2]
    optional = [f for f in fields if len(f) == 3]
    return msgspec.defstruct("Obs", required + optional, frozen=True, kw_only=True)


def differences(new_type: type) -> list[str]:
    from chrono_daemon.recording import json_schema

    return schema_differences(json_schema(Obs), json_schema(new_type))


SmallMode = enum.Enum("Mode", {"idle": "idle"})  # type: ignore[misc]
InnerInt = msgspec.defstruct("Inner", [("x", str)], frozen=True, kw_only=True)


@pytest.mark.parametrize(
    ("new_type", "expected"),
    [
        (obs_like(("seq", str)), ["Obs.seq: type changed from integer to string"]),
        (obs_like(drop="seq"), ["Obs.seq: field was removed"]),
        (
            obs_like(("extra", int)),
            ["Obs.extra: new required field (recorded messages do not have it)"],
        ),
        (obs_like(("note", str)), ["Obs.note: type changed from null | string to string"]),
        (obs_like(("mode", SmallMode)), ["Obs.mode: enum values ['busy'] were removed"]),
        (obs_like(("inner", InnerInt)), ["Obs.inner.x: type changed from number to string"]),
        (
            obs_like(("items", types.GenericAlias(list, (InnerInt,)), [])),
            ["Obs.items[].x: type changed from number to string"],
        ),
        # Compatible: a new field with a default, an int read as a float, an optional widening.
        (obs_like(("extra", int, 0)), []),
        (obs_like(("seq", float)), []),
        (obs_like(("t", float | None, None)), []),
        (Obs, []),
    ],
)
def test_schema_differences(new_type: type, expected: list[str]) -> None:
    assert differences(new_type) == expected


def test_check_types_names_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "v1.mcap"
    edge: Channel[Obs] = open_channel(1)
    with Recorder(path, clock=SimClock()) as recorder:
        recorder.tap("g/in.obs", Obs, edge.send)
    check_types(path, {"g/in.obs": Obs})  # the same types: nothing to say
    with pytest.raises(
        IncompatibleRecording,
        match=(
            rf"^{path}: recorded with incompatible message types:\n"
            r"  g/in.obs \(test_recording_compat.Obs\): Obs.seq: field was removed\n"
            r"  g/in.missing: not in the recording$"
        ),
    ):
        check_types(path, {"g/in.obs": obs_like(drop="seq"), "g/in.missing": Obs})
