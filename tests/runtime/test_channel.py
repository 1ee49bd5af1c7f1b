"""Channel semantics (SPEC §2.2; RELIABILITY 51-54), on asyncio and trio."""

from __future__ import annotations

import anyio
import pytest

from chrono_daemon import (
    Channel,
    ChannelClosed,
    ChannelInUse,
    ChannelStats,
    EndOfStream,
    SimClock,
    WouldBlock,
    open_channel,
)

pytestmark = pytest.mark.anyio


async def test_buffered_items_survive_send_close() -> None:
    ch: Channel[int] = open_channel(maxsize=4)
    for i in range(4):
        await ch.send.send(i)
    await ch.send.aclose()
    assert [item async for item in ch.recv] == [0, 1, 2, 3]
    with pytest.raises(EndOfStream):
        await ch.recv.receive()
    with pytest.raises(EndOfStream):
        ch.recv.receive_nowait()


async def test_rendezvous_send_completes_when_receiver_takes_item() -> None:
    ch: Channel[str] = open_channel()
    events: list[str] = []

    async def producer() -> None:
        await ch.send.send("x")
        events.append("sent")

    async with anyio.create_task_group() as tg:
        tg.start_soon(producer)
        await anyio.wait_all_tasks_blocked()
        assert events == []
        assert ch.send.statistics().waiters_send == 1
        assert await ch.recv.receive() == "x"
    assert events == ["sent"]


async def test_close_send_wakes_blocked_receiver_with_end_of_stream() -> None:
    ch: Channel[int] = open_channel()
    result: list[type[BaseException]] = []

    async def consumer() -> None:
        try:
            await ch.recv.receive()
        except EndOfStream:
            result.append(EndOfStream)

    async with anyio.create_task_group() as tg:
        tg.start_soon(consumer)
        await anyio.wait_all_tasks_blocked()
        await ch.send.aclose()
    assert result == [EndOfStream]


@pytest.mark.parametrize("value", [None, 0, "", b""])
async def test_receiver_close_fails_blocked_sender_promptly(value: object) -> None:
    ch: Channel[object] = open_channel()
    raised: list[type[BaseException]] = []

    async def producer() -> None:
        try:
            await ch.send.send(value)
        except ChannelClosed:
            raised.append(ChannelClosed)

    async with anyio.create_task_group() as tg:
        tg.start_soon(producer)
        await anyio.wait_all_tasks_blocked()
        await ch.recv.aclose()
    assert raised == [ChannelClosed]
    with pytest.raises(ChannelClosed):
        await ch.send.send(value)
    with pytest.raises(ChannelClosed):
        ch.send.send_nowait(value)
    with pytest.raises(ChannelClosed):
        await ch.recv.receive()


async def test_send_on_own_closed_side_raises() -> None:
    ch: Channel[int] = open_channel(1)
    await ch.send.aclose()
    await ch.send.aclose()  # idempotent
    with pytest.raises(ChannelClosed):
        await ch.send.send(1)


async def test_nowait_paths() -> None:
    ch: Channel[int] = open_channel(maxsize=1)
    with pytest.raises(WouldBlock):
        ch.recv.receive_nowait()
    ch.send.send_nowait(1)
    with pytest.raises(WouldBlock):
        ch.send.send_nowait(2)
    assert ch.recv.receive_nowait() == 1
    unbuffered: Channel[int] = open_channel()
    with pytest.raises(WouldBlock):
        unbuffered.send.send_nowait(1)


async def test_second_blocked_sender_raises_channel_in_use() -> None:
    ch: Channel[int] = open_channel()
    errors: list[BaseException] = []

    async def second() -> None:
        try:
            await ch.send.send(2)
        except ChannelInUse as exc:
            errors.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(ch.send.send, 1)
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(second)
        await anyio.wait_all_tasks_blocked()
        assert len(errors) == 1
        assert "single-producer/single-consumer" in str(errors[0])
        assert await ch.recv.receive() == 1


async def test_second_blocked_receiver_raises_channel_in_use() -> None:
    ch: Channel[int] = open_channel()
    async with anyio.create_task_group() as tg:
        tg.start_soon(ch.recv.receive)
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(ChannelInUse):
            await ch.recv.receive()
        await ch.send.send(1)


async def test_waiting_sender_comes_before_later_send_nowait() -> None:
    ch: Channel[int] = open_channel(maxsize=1)
    ch.send.send_nowait(1)
    async with anyio.create_task_group() as tg:
        tg.start_soon(ch.send.send, 2)
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(WouldBlock):
            ch.send.send_nowait(3)
        assert [ch.recv.receive_nowait(), await ch.recv.receive()] == [1, 2]


async def test_statistics() -> None:
    ch: Channel[int] = open_channel(maxsize=3)
    await ch.send.send(1)
    assert ch.recv.statistics() == ChannelStats(
        current_buffer_used=1,
        max_buffer_size=3,
        open_send_streams=1,
        open_receive_streams=1,
        waiters_send=0,
        waiters_receive=0,
    )
    await ch.recv.aclose()
    assert ch.send.statistics().open_receive_streams == 0
    assert ch.send.statistics().current_buffer_used == 0


def test_open_channel_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError, match="maxsize must be >= 0"):
        open_channel(-1)
    with pytest.raises(TypeError, match="maxsize must be an int"):
        open_channel(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("maxsize", [0, 1, 3])
async def test_cancelled_operations_neither_lose_nor_duplicate(maxsize: int) -> None:
    """RELIABILITY 52: every item arrives exactly once or not at all, in order; a send that
    returned normally was delivered."""
    ch: Channel[int] = open_channel(maxsize)
    completed: list[int] = []
    received: list[int] = []

    async def producer() -> None:
        for i in range(300):
            with anyio.CancelScope() as scope:
                if i % 3 == 0:
                    scope.cancel()  # cancelled before or while sending
                await ch.send.send(i)
                completed.append(i)
        await ch.send.aclose()

    async def consumer() -> None:
        n = 0
        while True:
            n += 1
            with anyio.CancelScope() as scope:
                if n % 5 == 0:
                    scope.cancel()
                try:
                    received.append(await ch.recv.receive())
                except EndOfStream:
                    return

    async with anyio.create_task_group() as tg:
        tg.start_soon(producer)
        tg.start_soon(consumer)
    assert received == sorted(set(received))
    assert set(completed) <= set(received)
    assert all(i % 3 != 0 for i in completed)


async def test_send_and_receive_checkpoint_so_sleepers_wake() -> None:
    """RELIABILITY 54: a tight producer on a never-full channel still lets SimClock work."""
    clock = SimClock()
    ch: Channel[int] = open_channel(maxsize=10_000)
    woke: list[float] = []

    async def sleeper() -> None:
        await clock.sleep(1.0)
        woke.append(clock.now())

    async def producer() -> None:
        for i in range(1000):
            await ch.send.send(i)

    async with anyio.create_task_group() as tg:
        tg.start_soon(sleeper)
        tg.start_soon(producer)
        await clock.advance(1.0)
    assert woke == [1.0]
    assert ch.recv.statistics().current_buffer_used == 1000


async def test_endpoints_are_async_context_managers() -> None:
    ch: Channel[int] = open_channel(maxsize=1)
    async with ch.send as send:  # type: ignore[attr-defined]
        await send.send(1)
    assert [x async for x in ch.recv] == [1]
