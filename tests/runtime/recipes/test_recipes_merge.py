"""merge: N:1 fan-in, per-source FIFO, ends only after every source closed."""

from __future__ import annotations

import anyio
import pytest

from chrono_daemon import Channel, ChannelClosed, EndOfStream, SimClock, open_channel
from chrono_daemon.recipes import routing
from chrono_daemon.recipes.merge import merge

pytestmark = pytest.mark.anyio

Item = tuple[str, int]


async def produce(clock: SimClock, ch: Channel[Item], tag: str, n: int, period: float) -> None:
    for i in range(n):
        await ch.send.send((tag, i))
        await clock.sleep(period)
    await ch.send.aclose()


async def test_per_source_fifo_and_everything_arrives(anyio_backend: object) -> None:
    clock = SimClock()
    sources: list[Channel[Item]] = [open_channel(1) for _ in range(3)]
    dest: Channel[Item] = open_channel(2)
    got: list[Item] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(merge, [s.recv for s in sources], dest.send)
        for tag, src, period in zip("abc", sources, (0.1, 0.25, 0.05), strict=True):
            tg.start_soon(produce, clock, src, tag, 20, period)

        async def consume() -> None:
            async for item in dest.recv:
                got.append(item)
                await clock.sleep(0.01)

        tg.start_soon(consume)
        await clock.advance(10.0)
    assert len(got) == 60
    for tag in "abc":
        assert [i for t, i in got if t == tag] == list(range(20))
    # the sources really interleave (not one after the other)
    assert {t for t, _ in got[:6]} == {"a", "b", "c"}


async def test_ends_only_after_every_source_closed(anyio_backend: object) -> None:
    a: Channel[int] = open_channel(1)
    b: Channel[int] = open_channel(1)
    dest: Channel[int] = open_channel(4)
    async with anyio.create_task_group() as tg:
        tg.start_soon(merge, [a.recv, b.recv], dest.send)
        await a.send.send(1)
        await a.send.aclose()
        await anyio.wait_all_tasks_blocked()
        assert dest.recv.receive_nowait() == 1
        assert dest.recv.statistics().open_send_streams == 1  # b is still open
        await b.send.send(2)
        await b.send.aclose()
    assert dest.recv.receive_nowait() == 2
    with pytest.raises(EndOfStream):
        dest.recv.receive_nowait()


async def test_close_dest_false_leaves_the_destination_open(anyio_backend: object) -> None:
    a: Channel[int] = open_channel(1)
    dest: Channel[int] = open_channel(4)
    await a.send.send(5)
    await a.send.aclose()
    await merge([a.recv], dest.send, close_dest=False)
    assert dest.recv.receive_nowait() == 5
    assert dest.recv.statistics().open_send_streams == 1
    dest.send.send_nowait(6)  # still usable by another producer
    assert dest.recv.receive_nowait() == 6


async def test_a_gone_consumer_closes_every_source(anyio_backend: object) -> None:
    a: Channel[int] = open_channel()
    b: Channel[int] = open_channel()
    dest: Channel[int] = open_channel()
    await dest.recv.aclose()
    async with anyio.create_task_group() as tg:
        tg.start_soon(merge, [a.recv, b.recv], dest.send)
        await a.send.send(1)  # taken by the merge, which finds the consumer gone
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(ChannelClosed):
            await a.send.send(2)
        with pytest.raises(ChannelClosed):
            await b.send.send(3)


async def test_no_source_is_a_value_error(anyio_backend: object) -> None:
    dest: Channel[int] = open_channel()
    with pytest.raises(ValueError, match=r"^merge\(\) needs at least one source"):
        await merge([], dest.send)


def test_subpackage_and_flat_module_export_the_same_object() -> None:
    assert routing.merge is merge
