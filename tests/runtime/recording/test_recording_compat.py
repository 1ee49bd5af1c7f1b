"""A recording made with other message types is refused up front, by message and field,
with chrono_daemon.wire's rules; compatible changes are reported and accepted."""

from __future__ import annotations

import enum
import types
from typing import TYPE_CHECKING, Any

import msgspec
import pytest

from chrono_daemon import Channel, SimClock, open_channel
from chrono_daemon.recording import IncompatibleRecording, Recorder
from chrono_daemon.recording.compat import check_types

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


SmallMode = enum.Enum("Mode", {"idle": "idle"})  # type: ignore[misc]
InnerInt = msgspec.defstruct("Inner", [("x", str)], frozen=True, kw_only=True)
TOPIC = "g/in.obs"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("compat") / "v1.mcap"
    edge: Channel[Obs] = open_channel(1)
    with Recorder(path, clock=SimClock()) as recorder:
        recorder.tap(TOPIC, Obs, edge.send)
    return path


# The rules are chrono_daemon.wire's (docs/type-hashes.md), read in the direction the data
# flows: the recorded type wrote the file, today's type reads it.
BREAKS = [
    (obs_like(("seq", str)), "field 'seq' changed type from int to str"),
    (obs_like(("seq", float)), "field 'seq' changed type from int to float"),
    (obs_like(drop="seq"), "field 'seq' was removed"),
    (
        obs_like(("extra", int)),
        "field 'extra' was added without a default: payloads written by the old schema lack it",
    ),
    (
        obs_like(("note", str)),
        "field 'note' changed type from str | None to str: None is no longer accepted",
    ),
    (
        obs_like(("mode", SmallMode)),
        "field 'mode': enum value 'busy' was removed: payloads holding it are refused",
    ),
    (obs_like(("inner", InnerInt)), "field 'inner.x' changed type from float to str"),
    (
        obs_like(("items", types.GenericAlias(list, (InnerInt,)), [])),
        "field 'items[].x' changed type from float to str",
    ),
    (int, "the type changed type from Obs to int"),
]


@pytest.mark.parametrize(("new_type", "expected"), BREAKS)
def test_a_wire_break_refuses_the_recording_naming_message_and_field(
    recorded: Path, new_type: type, expected: str
) -> None:
    with pytest.raises(IncompatibleRecording) as caught:
        check_types(recorded, {TOPIC: new_type})
    assert str(caught.value) == (
        f"{recorded}: recorded with incompatible message types:\n  {TOPIC} (Obs): {expected}"
    )


@pytest.mark.parametrize(
    ("new_type", "notes"),
    [
        (Obs, []),
        (obs_like(("extra", int, 0)), [f"{TOPIC} (Obs): field 'extra' was added with a default"]),
        (
            obs_like(("t", float | None, None)),
            [
                f"{TOPIC} (Obs): field 't' changed type from float to float | None: code "
                "reading it must now handle None"
            ],
        ),
    ],
)
def test_a_compatible_change_is_reported_and_accepted(
    recorded: Path, new_type: type, notes: list[str]
) -> None:
    assert check_types(recorded, {TOPIC: new_type}) == notes


def test_check_types_names_every_problem(recorded: Path) -> None:
    with pytest.raises(
        IncompatibleRecording,
        match=(
            rf"^{recorded}: recorded with incompatible message types:\n"
            rf"  {TOPIC} \(Obs\): field 'seq' was removed\n"
            r"  g/in.missing: not in the recording$"
        ),
    ):
        check_types(recorded, {TOPIC: obs_like(drop="seq"), "g/in.missing": Obs})


def test_a_file_without_wire_shapes_or_with_a_damaged_one_is_named(
    recorded: Path, tmp_path: Path
) -> None:
    from dataclasses import replace

    from chrono_daemon.recording import CorruptRecording
    from chrono_daemon.recording.info import inspect_recording

    channel = inspect_recording(recorded).channels[TOPIC]
    old = {TOPIC: replace(channel, wire_shape="")}
    with pytest.raises(IncompatibleRecording, match=r"has no stored wire shape .*format 1"):
        check_types(recorded, {TOPIC: Obs}, channels=old)
    damaged = {TOPIC: replace(channel, wire_shape='{"root": 3}')}
    with pytest.raises(CorruptRecording, match=r"wire shape of topic .g/in\.obs. is damaged"):
        check_types(recorded, {TOPIC: Obs}, channels=damaged)
