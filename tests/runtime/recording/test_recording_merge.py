"""Multi-process recordings: each process records its own edges; the files merge by time."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import anyio
import pytest
from mcap.reader import make_reader
from recording_helpers import PERIOD, Reading, pipeline_edges, relay, sink, source

from chrono_daemon import SimClock, Supervisor
from chrono_daemon.recording import (
    Recorder,
    RecordingError,
    TruncatedRecording,
    read_messages,
)
from chrono_daemon.recording.info import inspect_recording
from chrono_daemon.recording.merge import merge_recordings

if TYPE_CHECKING:
    from pathlib import Path

    from chrono_daemon import SendStream

T = TypeVar("T")


class Split:
    """Two recorders as two processes would have them: each taps the topics it produces."""

    def __init__(self, first: Recorder, second: Recorder) -> None:
        self.first, self.second = first, second

    def tap(self, topic: str, message_type: object, send: SendStream[T]) -> SendStream[T]:
        owner = self.first if topic == "g/in.readings" else self.second
        return owner.tap(topic, message_type, send)


def record_split(a: Path, b: Path, count: int, backend: str = "asyncio") -> None:
    async def main() -> None:
        clock = SimClock()
        got: list[Reading] = []
        with (
            Recorder(a, clock=clock, graph="g", process="harness", chunk_size=512) as first,
            Recorder(b, clock=clock, graph="g", process="workers", chunk_size=512) as second,
        ):
            channels, sends = pipeline_edges(Split(first, second))
            async with Supervisor(clock=clock) as sup:
                sup.add(source(sends[0], count))
                sup.add(relay(channels[0].recv, sends[1]), name="relay1")
                sup.add(relay(channels[1].recv, sends[2]), name="relay2")
                sup.add(sink(channels[2].recv, got))
                await clock.advance_to(count * PERIOD + 1.0)

    anyio.run(main, backend=backend)


def test_merged_files_are_one_recording_in_time_order(tmp_path: Path) -> None:
    from recording_helpers import record_pipeline

    a, b, whole = tmp_path / "a.mcap", tmp_path / "b.mcap", tmp_path / "whole.mcap"
    record_split(a, b, 100)
    record_pipeline(whole, 100, "asyncio")
    merged = tmp_path / "merged.mcap"
    assert merge_recordings([a, b], merged) == 300
    assert merged.stat().st_mode & 0o777 == whole.stat().st_mode & 0o777  # not the temp's 0600

    def rows(path: Path) -> list[tuple[str, int, int, int, bytes]]:
        return [
            (m.topic, m.log_time, m.publish_time, m.sequence, m.data) for m in read_messages(path)
        ]

    assert rows(merged) == rows(whole)  # the same messages, in the order one recorder writes
    info = inspect_recording(merged)
    assert [run["process"] for run in info.runs] == ["harness", "workers"]
    assert dict(info.metadata)["chrono.merge"] == {
        "inputs": '["a.mcap","b.mcap"]',
        "truncated_inputs": "[]",
    }
    with merged.open("rb") as file:  # mcap's own reader agrees, through the index
        reader = make_reader(file)
        assert sum(1 for _ in reader.iter_messages()) == 300
        metadata = [
            m.metadata["process"] for m in reader.iter_metadata() if m.name == "chrono.recording"
        ]
    assert metadata == ["harness", "workers"]


def test_merge_does_not_depend_on_the_order_of_its_inputs(tmp_path: Path) -> None:
    a, b = tmp_path / "a.mcap", tmp_path / "b.mcap"
    record_split(a, b, 60, backend="trio")
    merge_recordings([a, b], tmp_path / "ab.mcap")
    merge_recordings([b, a], tmp_path / "ba.mcap")
    assert (tmp_path / "ab.mcap").read_bytes() == (tmp_path / "ba.mcap").read_bytes()


def test_a_topic_in_two_inputs_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    from recording_helpers import record_pipeline

    one, two = tmp_path / "one.mcap", tmp_path / "two.mcap"
    record_pipeline(one, 5, "asyncio")
    record_pipeline(two, 5, "asyncio")
    out = tmp_path / "out.mcap"
    with pytest.raises(
        RecordingError,
        match=r"^topic 'g/in.readings' is recorded in both .*one.mcap and .*two.mcap",
    ):
        merge_recordings([one, two], out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.mcap", "two.mcap"]
    with pytest.raises(RecordingError, match=r"one.mcap is given twice"):
        merge_recordings([one, one], out)
    with pytest.raises(RecordingError, match=r"the output would overwrite the input"):
        merge_recordings([one], one)


def test_a_truncated_input_is_refused_or_salvaged(tmp_path: Path) -> None:
    from recording_helpers import record_pipeline

    path = tmp_path / "full.mcap"
    record_pipeline(path, 200, "asyncio", chunk_size=512)
    cut = tmp_path / "cut.mcap"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    with pytest.raises(TruncatedRecording):
        merge_recordings([cut], tmp_path / "x.mcap")
    assert not (tmp_path / "x.mcap").exists()
    fixed = tmp_path / "fixed.mcap"
    count = merge_recordings([cut], fixed, allow_truncated=True)
    full = list(read_messages(path))
    assert 0 < count < len(full)
    assert [m.data for m in read_messages(fixed)] == [m.data for m in full[:count]]
    assert (
        dict(inspect_recording(fixed).metadata)["chrono.merge"]["truncated_inputs"]
        == '["cut.mcap"]'
    )
