"""Lossless and bounded (RELIABILITY 81): every message that crossed a tapped edge is in the
file, in order; nothing that did not cross is; memory stays bounded under a slow disk."""

from __future__ import annotations

import errno
import io
import time
from typing import TYPE_CHECKING

import anyio
import pytest
from recording_helpers import LATENCY, Reading, pipeline_edges, relay, sink, source

import chrono_daemon.recording.recorder as recorder_module
from chrono_daemon import (
    Channel,
    ChannelClosed,
    Context,
    SimClock,
    Supervisor,
    WouldBlock,
    daemon,
    open_channel,
)
from chrono_daemon.recording import Recorder, RecordingClosed, RecordingError, read_messages

if TYPE_CHECKING:
    from pathlib import Path

    from chrono_daemon import SendStream


class StalledDisk(io.RawIOBase):
    """A disk that stalls on its first write until the producers are held back (so the test
    sees back-pressure whatever the machine's speed), then writes slowly."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.name = "slow.mcap"
        self.recorder: Recorder | None = None
        self.biggest = 0

    def writable(self) -> bool:
        return True

    def write(self, block: bytes) -> int:  # type: ignore[override]
        deadline = time.monotonic() + 10.0  # bounded: a broken sink fails the test, not hangs
        while not self.data and time.monotonic() < deadline:
            if self.recorder is not None and self.recorder.statistics().blocked_writes:
                break
            time.sleep(0.001)  # the simulated disk's stall, on the writer thread
        time.sleep(0.0005)
        self.data += block
        self.biggest = max(self.biggest, len(block))
        return len(block)


@daemon
async def fast_source(ctx: Context, out: SendStream[Reading], count: int) -> None:
    for k in range(count):
        await out.send(Reading(t=ctx.clock.now(), value=k))
        await ctx.clock.sleep(0.001)
    await out.aclose()


@pytest.mark.anyio
async def test_a_producer_faster_than_the_disk_loses_nothing_in_bounded_memory(
    anyio_backend: object, tmp_path: Path
) -> None:
    count, max_queued = 1000, 8 * 1024
    disk = StalledDisk()
    clock = SimClock()
    got: list[Reading] = []
    recorder = Recorder(disk, clock=clock, chunk_size=2048, max_queued=max_queued)  # type: ignore[arg-type]
    disk.recorder = recorder
    async with recorder:
        channels, sends = pipeline_edges(recorder)
        async with Supervisor(clock=clock) as sup:
            sup.add(fast_source(sends[0], count))
            sup.add(relay(channels[0].recv, sends[1]), name="relay1")
            sup.add(relay(channels[1].recv, sends[2]), name="relay2")
            sup.add(sink(channels[2].recv, got))
            await clock.advance_to(count * LATENCY + 1.0)  # the relays set the pace
    stats = recorder.statistics()
    assert len(got) == count
    assert stats.messages == 3 * count
    assert stats.blocked_writes > 0, "the disk was never behind: the test proves nothing"
    # The bound: max_queued, or one block alone (the summary written at the end can be bigger).
    assert stats.max_queued_bytes <= max(max_queued, disk.biggest)
    assert disk.biggest < 4 * max_queued
    path = tmp_path / "slow.mcap"
    path.write_bytes(disk.data)
    read = list(read_messages(path, dict.fromkeys(recorder.topics, Reading)))
    by_topic = {t: [r.message for r in read if r.topic == t] for t in recorder.topics}
    assert by_topic["g/relay2.out"] == got  # what the consumer received, in its order
    assert [m.value for m in by_topic["g/in.readings"]] == list(range(count))
    for topic in recorder.topics:
        assert [r.sequence for r in read if r.topic == topic] == list(range(count))
    assert [r.log_time for r in read] == sorted(r.log_time for r in read)


@pytest.mark.anyio
async def test_a_send_that_does_not_deliver_records_nothing(
    anyio_backend: object, tmp_path: Path
) -> None:
    clock = SimClock()
    path = tmp_path / "undelivered.mcap"
    rendezvous: Channel[int] = open_channel(0)
    full: Channel[int] = open_channel(1)
    closed: Channel[int] = open_channel(1)
    async with Recorder(path, clock=clock) as recorder:
        blocked = recorder.tap("g/a.blocked", int, rendezvous.send)
        nowait = recorder.tap("g/a.full", int, full.send)
        refused = recorder.tap("g/a.closed", int, closed.send)
        async with anyio.create_task_group() as tg:
            tg.start_soon(blocked.send, 1)  # nobody receives: cancelled below
            await anyio.wait_all_tasks_blocked()
            tg.cancel_scope.cancel()
        nowait.send_nowait(2)
        with pytest.raises(WouldBlock):
            nowait.send_nowait(3)
        await closed.recv.aclose()
        with pytest.raises(ChannelClosed):
            await refused.send(4)
        await clock.advance(1.0)
        async with anyio.create_task_group() as tg:
            tg.start_soon(blocked.send, 5)
            assert await rendezvous.recv.receive() == 5
    read = [(r.topic, r.message, r.sequence, r.log_time) for r in read_messages(path)]
    assert read == [("g/a.full", 2, 0, 0), ("g/a.blocked", 5, 0, 1_000_000_000)]


@pytest.mark.anyio
async def test_publish_time_is_when_the_send_was_issued(
    anyio_backend: object, tmp_path: Path
) -> None:
    """A producer that waits for room: log_time is when the item entered the edge."""
    clock = SimClock()
    path = tmp_path / "wait.mcap"
    edge: Channel[int] = open_channel(0)
    async with Recorder(path, clock=clock) as recorder:
        send = recorder.tap("g/p.out", int, edge.send)

        async def late_consumer() -> None:
            await clock.sleep(0.25)
            assert await edge.recv.receive() == 7

        async with anyio.create_task_group() as tg:
            tg.start_soon(late_consumer)
            tg.start_soon(send.send, 7)
            await anyio.wait_all_tasks_blocked()
            await clock.advance(1.0)
    (message,) = read_messages(path)
    assert (message.publish_time, message.log_time) == (0, 250_000_000)


@pytest.mark.anyio
async def test_an_instant_too_large_to_hold_is_written_as_it_came(
    anyio_backend: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recorder_module, "MAX_INSTANT_BYTES", 2000)
    path = tmp_path / "burst.mcap"
    a: Channel[int] = open_channel(1000)
    b: Channel[int] = open_channel(1000)
    async with Recorder(path, clock=SimClock()) as recorder:
        to_a, to_b = recorder.tap("g/x.a", int, a.send), recorder.tap("g/x.b", int, b.send)
        for k in range(300):
            await (to_b if k % 2 else to_a).send(k)
    assert recorder.statistics().unordered_instants == 1
    read = list(read_messages(path))
    assert len(read) == 300
    assert [r.message for r in read if r.topic == "g/x.a"] == list(range(0, 300, 2))
    assert [r.sequence for r in read if r.topic == "g/x.b"] == list(range(150))


@pytest.mark.anyio
async def test_topics_select_what_is_recorded(anyio_backend: object, tmp_path: Path) -> None:
    path = tmp_path / "some.mcap"
    async with Recorder(path, clock=SimClock(), topics=["g/relay*"]) as recorder:
        channels, sends = pipeline_edges(recorder)
        assert sends[0] is channels[0].send  # untapped: the endpoint itself, at no cost
        assert recorder.topics == ("g/relay1.out", "g/relay2.out")


def test_a_topic_is_tapped_once_and_not_after_close(tmp_path: Path) -> None:
    edge: Channel[int] = open_channel(1)
    recorder = Recorder(tmp_path / "x.mcap", clock=SimClock())
    send = recorder.tap("g/a.out", int, edge.send)
    with pytest.raises(ValueError, match=r"^topic 'g/a.out' is tapped twice"):
        recorder.tap("g/a.out", int, edge.send)
    recorder.close()
    recorder.close()  # idempotent
    with pytest.raises(RecordingClosed, match="the recorder is closed"):
        recorder.tap("g/b.out", int, edge.send)
    with pytest.raises(
        RecordingClosed, match=r"a message on 'g/a.out' was sent after the recorder"
    ):
        send.send_nowait(1)


class FullDisk(io.RawIOBase):
    name = "full.mcap"

    def writable(self) -> bool:
        return True

    def write(self, block: bytes) -> int:  # type: ignore[override]
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_failing_disk_is_an_error_never_a_silent_loss() -> None:
    recorder = Recorder(FullDisk(), clock=SimClock())  # type: ignore[arg-type]
    with pytest.raises(RecordingError, match=r"^writing full.mcap failed: .*No space left"):
        recorder.close()


def test_an_unwritable_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match=r"^cannot write recording .*/no/such/x.mcap: No such"):
        Recorder(tmp_path / "no" / "such" / "x.mcap", clock=SimClock())


def test_a_negative_clock_time_is_refused(tmp_path: Path) -> None:
    edge: Channel[int] = open_channel(1)
    with Recorder(tmp_path / "neg.mcap", clock=SimClock(-1.0)) as recorder:
        send = recorder.tap("g/a.out", int, edge.send)
        with pytest.raises(RecordingError, match=r"clock time -1.0 s is negative"):
            send.send_nowait(1)


@pytest.mark.anyio
async def test_the_pipeline_helper_records_what_the_sink_got(
    anyio_backend: object, tmp_path: Path
) -> None:
    from recording_helpers import run_pipeline

    got = await run_pipeline(tmp_path / "p.mcap", 50)
    assert got == [Reading(t=round((k + 1) * 0.01, 9), value=k) for k in range(50)]
    recorded = [r.message for r in read_messages(tmp_path / "p.mcap", topics=["g/relay2.out"])]
    assert recorded == [{"t": r.t, "value": r.value} for r in got]
    assert source is not None


def test_params_that_are_not_json_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match=r"^the params cannot be stored as JSON: "):
        Recorder(tmp_path / "p.mcap", clock=SimClock(), params={"gain": object()})
    assert not (tmp_path / "p.mcap").exists()
