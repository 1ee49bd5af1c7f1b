"""tee: 1:N broadcast with backpressure, closing every destination at the end."""

from __future__ import annotations

import anyio
import pytest

from chrono_daemon import Channel, ChannelClosed, EndOfStream, open_channel
from chrono_daemon.recipes import routing
from chrono_daemon.recipes.fanout import tee

pytestmark = pytest.mark.anyio


async def drain(recv: Channel[int], out: list[int]) -> None:
    async for item in recv.recv:
        out.append(item)


async def test_every_item_reaches_every_destination_then_all_close(anyio_backend: object) -> None:
    src: Channel[int] = open_channel(4)
    a: Channel[int] = open_channel()
    b: Channel[int] = open_channel(2)
    got_a: list[int] = []
    got_b: list[int] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(tee, src.recv, a.send, b.send)
        tg.start_soon(drain, a, got_a)
        tg.start_soon(drain, b, got_b)
        for i in range(10):
            await src.send.send(i)
        await src.send.aclose()
    # drain() returning at all proves both destinations were closed (EndOfStream).
    assert got_a == list(range(10))
    assert got_b == list(range(10))
    assert a.recv.statistics().open_send_streams == 0
    assert b.recv.statistics().open_send_streams == 0


async def test_one_slow_destination_holds_the_tee(anyio_backend: object) -> None:
    src: Channel[int] = open_channel(8)
    fast: Channel[int] = open_channel()
    slow: Channel[int] = open_channel()  # nobody receives until we say so
    got_fast: list[int] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(tee, src.recv, fast.send, slow.send)
        tg.start_soon(drain, fast, got_fast)
        for i in range(5):
            src.send.send_nowait(i)
        await anyio.wait_all_tasks_blocked()
        # item 0 reached `fast`, then the tee blocked on `slow`: nothing more moves.
        assert got_fast == [0]
        assert src.recv.statistics().current_buffer_used == 4
        assert await slow.recv.receive() == 0
        await anyio.wait_all_tasks_blocked()
        assert got_fast == [0, 1]
        for expected in range(1, 5):
            assert await slow.recv.receive() == expected
        await src.send.aclose()
        with pytest.raises(EndOfStream):
            await slow.recv.receive()
    assert got_fast == [0, 1, 2, 3, 4]


async def test_a_gone_consumer_is_skipped_and_the_rest_keep_receiving(
    anyio_backend: object,
) -> None:
    src: Channel[int] = open_channel(4)
    gone: Channel[int] = open_channel(1)
    alive: Channel[int] = open_channel(1)
    got: list[int] = []
    await gone.recv.aclose()
    async with anyio.create_task_group() as tg:
        tg.start_soon(tee, src.recv, gone.send, alive.send)
        tg.start_soon(drain, alive, got)
        for i in range(3):
            await src.send.send(i)
        await src.send.aclose()
    assert got == [0, 1, 2]


async def test_when_every_consumer_is_gone_the_producer_sees_channel_closed(
    anyio_backend: object,
) -> None:
    src: Channel[int] = open_channel()
    a: Channel[int] = open_channel()
    await a.recv.aclose()
    async with anyio.create_task_group() as tg:
        tg.start_soon(tee, src.recv, a.send)
        await src.send.send(1)  # taken by the tee, which then finds no live destination
        with pytest.raises(ChannelClosed):
            await src.send.send(2)


async def test_destinations_are_closed_when_the_tee_is_cancelled(anyio_backend: object) -> None:
    src: Channel[int] = open_channel()
    a: Channel[int] = open_channel(1)
    b: Channel[int] = open_channel(1)
    async with anyio.create_task_group() as tg:
        tg.start_soon(tee, src.recv, a.send, b.send)
        await src.send.send(7)
        await anyio.wait_all_tasks_blocked()
        tg.cancel_scope.cancel()
    assert a.recv.receive_nowait() == 7
    assert b.recv.receive_nowait() == 7
    with pytest.raises(EndOfStream):
        a.recv.receive_nowait()
    with pytest.raises(EndOfStream):
        b.recv.receive_nowait()


async def test_no_destination_is_a_value_error(anyio_backend: object) -> None:
    src: Channel[int] = open_channel()
    with pytest.raises(ValueError, match=r"^tee\(\) needs at least one destination"):
        await tee(src.recv)


def test_subpackage_and_flat_module_export_the_same_object() -> None:
    assert routing.tee is tee
