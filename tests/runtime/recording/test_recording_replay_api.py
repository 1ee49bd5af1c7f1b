"""The replay-facing API on a hand-wired graph: feed recorded topics back at their recorded
times, then compare the new recording with the old one, topic by topic."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from recording_helpers import LATENCY, PERIOD, Reading, pipeline_edges, record_pipeline, relay, sink

from chrono_daemon import Context, ReceiveStream, SimClock, Supervisor, daemon
from chrono_daemon.recording import Recorder, read_messages, seconds
from chrono_daemon.recording.compare import FieldDiff, compare_recordings, diff_values
from chrono_daemon.recording.feed import feed
from chrono_daemon.recording.info import inspect_recording

if TYPE_CHECKING:
    from pathlib import Path

COUNT = 80
TYPES = dict.fromkeys(("g/in.readings", "g/relay1.out", "g/relay2.out"), Reading)


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("orig") / "orig.mcap"
    record_pipeline(path, COUNT, "asyncio")
    return path


def same_bytes(a: Path, b: Path) -> bool:
    return a.read_bytes() == b.read_bytes()


@daemon
async def discard(ctx: Context, inp: ReceiveStream[Reading]) -> None:
    async for _ in inp:  # the inputs of a replaced daemon go nowhere
        pass


async def replay(
    original: Path, new: Path, *, add: int = 0, latency: float = LATENCY, replace: bool = False
) -> list[Reading]:
    """What ``chrono replay`` will do: feed ``in.readings`` (and, replacing relay1, its
    recorded outputs) into a fresh graph under SimClock, recording the new run."""
    clock = SimClock()
    got: list[Reading] = []
    closed_at = inspect_recording(original).closed_at
    assert closed_at is not None
    end = seconds(closed_at)  # the original ran until then

    def fed(topic: str) -> Any:
        return read_messages(original, TYPES, topics=[topic])

    async with Recorder(new, clock=clock, graph="g") as recorder:
        channels, sends = pipeline_edges(recorder)
        async with Supervisor(clock=clock) as sup:

            async def feeder(ctx: Context, topic: str, index: int) -> None:
                await feed(fed(topic), sends[index], ctx.clock)

            sup.spawn(feeder, "g/in.readings", 0, name="feed-in")
            if replace:
                sup.spawn(feeder, "g/relay1.out", 1, name="feed-relay1")
                sup.add(discard(channels[0].recv), name="relay1")
            else:
                sup.add(slow_relay(channels[0].recv, sends[1], latency), name="relay1")
            sup.add(relay(channels[1].recv, sends[2], add), name="relay2")
            sup.add(sink(channels[2].recv, got))
            await clock.advance_to(end)
    return got


@daemon
async def slow_relay(ctx: Context, inp: ReceiveStream[Reading], out: Any, latency: float) -> None:
    async for item in inp:
        await ctx.clock.sleep(latency)
        await out.send(item)
    await out.aclose()


@pytest.mark.anyio
async def test_replaying_the_inputs_reproduces_the_recording(
    anyio_backend: object, original: Path, tmp_path: Path
) -> None:
    got = await replay(original, tmp_path / "new.mcap")
    assert len(got) == COUNT
    assert compare_recordings(original, tmp_path / "new.mcap") is None
    # Byte for byte, even: same times, same order, same payloads.
    assert same_bytes(tmp_path / "new.mcap", original)


@pytest.mark.anyio
async def test_a_changed_daemon_diverges_at_its_first_message(
    anyio_backend: object, original: Path, tmp_path: Path
) -> None:
    await replay(original, tmp_path / "new.mcap", add=1)
    divergence = compare_recordings(original, tmp_path / "new.mcap")
    assert divergence is not None
    first_out = next(m for m in read_messages(original) if m.topic == "g/relay2.out")
    assert (divergence.kind, divergence.topic, divergence.sequence) == (
        "payload",
        "g/relay2.out",
        0,
    )
    assert divergence.log_time == first_out.log_time
    assert divergence.diffs == (FieldDiff("$.value", 0, 1),)
    assert str(divergence) == (
        f"g/relay2.out #0 at t={seconds(first_out.log_time):.9g} s: the message differs\n"
        "  $.value: expected 0, got 1"
    )
    # Topics the change did not reach are still identical.
    assert compare_recordings(original, tmp_path / "new.mcap", topics=["g/relay1.out"]) is None


@pytest.mark.anyio
async def test_a_timing_change_is_found_at_the_earliest_instant(
    anyio_backend: object, original: Path, tmp_path: Path
) -> None:
    await replay(original, tmp_path / "new.mcap", latency=LATENCY * 2)
    divergence = compare_recordings(original, tmp_path / "new.mcap")
    assert divergence is not None
    assert (divergence.kind, divergence.topic, divergence.sequence) == (
        "log_time",
        "g/relay1.out",
        0,
    )
    assert divergence.log_time == round((PERIOD + LATENCY) * 1e9)
    assert divergence.actual is not None
    assert str(divergence) == "g/relay1.out #0 at t=0.012 s: delivered at t=0.014 s instead"


@pytest.mark.anyio
async def test_replacing_a_daemon_in_the_middle_feeds_its_recorded_outputs(
    anyio_backend: object, original: Path, tmp_path: Path
) -> None:
    got = await replay(original, tmp_path / "new.mcap", replace=True, add=0)
    assert len(got) == COUNT
    assert compare_recordings(original, tmp_path / "new.mcap") is None


def test_compare_reports_a_run_that_ends_early(original: Path, tmp_path: Path) -> None:
    shorter = tmp_path / "short.mcap"
    record_pipeline(shorter, COUNT - 1, "asyncio")
    divergence = compare_recordings(original, shorter)
    assert divergence is not None
    assert (divergence.kind, divergence.topic, divergence.sequence) == (
        "missing",
        "g/in.readings",
        COUNT - 1,
    )
    reverse = compare_recordings(shorter, original)
    assert reverse is not None
    assert reverse.kind == "extra"
    assert "not in the expected run" in str(reverse)


def test_field_level_diffs() -> None:
    expected = {"a": 1, "b": [1, 2, 3], "c": {"d": "x"}, "gone": True}
    actual = {"a": 1.0, "b": [1, 5], "c": {"d": "y"}, "new": None}
    assert [str(d) for d in diff_values(expected, actual)] == [
        "$.a: expected 1, got 1.0",
        "$.b[1]: expected 2, got 5",
        "$.b.length: expected 3, got 2",
        "$.c.d: expected 'x', got 'y'",
        "$.gone: expected True, got <absent>",
        "$.new: expected <absent>, got None",
    ]
    assert len(list(diff_values(list(range(50)), list(range(1, 51))))) == 10
