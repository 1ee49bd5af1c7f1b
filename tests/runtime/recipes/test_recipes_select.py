"""select: the first ready receiver's (index, item); EndOfStream once all are closed."""

from __future__ import annotations

import anyio
import pytest

from chrono_daemon import Channel, ChannelClosed, EndOfStream, SimClock, open_channel
from chrono_daemon.recipes import coordination
from chrono_daemon.recipes.select import select

pytestmark = pytest.mark.anyio


async def test_returns_the_first_receiver_to_deliver(anyio_backend: object) -> None:
    clock = SimClock()
    a: Channel[str] = open_channel()
    b: Channel[str] = open_channel()

    async def send_later(ch: Channel[str], delay: float, item: str) -> None:
        await clock.sleep(delay)
        await ch.send.send(item)

    async with anyio.create_task_group() as tg:
        tg.start_soon(send_later, a, 2.0, "a")
        tg.start_soon(send_later, b, 1.0, "b")
        result: list[tuple[int, str]] = []

        async def selector() -> None:
            result.append(await select(a.recv, b.recv))
            result.append(await select(a.recv, b.recv))

        tg.start_soon(selector)
        await clock.advance(1.0)
        assert result == [(1, "b")]
        await clock.advance(1.0)
        assert result == [(1, "b"), (0, "a")]


async def test_ready_receivers_win_in_argument_order(anyio_backend: object) -> None:
    a: Channel[int] = open_channel(2)
    b: Channel[int] = open_channel(2)
    b.send.send_nowait(20)
    a.send.send_nowait(10)
    assert await select(a.recv, b.recv) == (0, 10)
    assert await select(a.recv, b.recv) == (1, 20)


async def test_closed_receivers_are_skipped_and_all_closed_is_end_of_stream(
    anyio_backend: object,
) -> None:
    a: Channel[int] = open_channel(1)
    b: Channel[int] = open_channel(1)
    await a.send.aclose()
    b.send.send_nowait(2)
    await b.send.aclose()
    assert await select(a.recv, b.recv) == (1, 2)
    with pytest.raises(EndOfStream):
        await select(a.recv, b.recv)


async def test_all_closing_while_waiting_is_end_of_stream(anyio_backend: object) -> None:
    a: Channel[int] = open_channel()
    b: Channel[int] = open_channel()
    async with anyio.create_task_group() as tg:
        outcome: list[BaseException] = []

        async def selector() -> None:
            try:
                await select(a.recv, b.recv)
            except EndOfStream as exc:
                outcome.append(exc)

        tg.start_soon(selector)
        await anyio.wait_all_tasks_blocked()
        await a.send.aclose()
        await anyio.wait_all_tasks_blocked()
        assert outcome == []  # b is still open
        await b.send.aclose()
    assert len(outcome) == 1


async def test_simultaneous_deliveries_lose_nothing(anyio_backend: object) -> None:
    clock = SimClock()
    chans: list[Channel[tuple[int, int]]] = [open_channel() for _ in range(3)]
    n = 50

    async def produce(index: int) -> None:
        for k in range(n):
            await clock.sleep(1.0)  # all three deliver at the same instants
            await chans[index].send.send((index, k))
        await chans[index].send.aclose()

    got: list[tuple[int, int]] = []

    async def consume() -> None:
        while True:
            try:
                index, item = await select(*(c.recv for c in chans))
            except EndOfStream:
                return
            assert item[0] == index
            got.append(item)

    async with anyio.create_task_group() as tg:
        for i in range(3):
            tg.start_soon(produce, i)
        tg.start_soon(consume)
        await clock.advance(n + 1.0)
    assert sorted(got) == [(i, k) for i in range(3) for k in range(n)]
    for i in range(3):
        assert [k for j, k in got if j == i] == list(range(n))  # per-receiver order kept


async def select_all(receivers: list[Channel[int]], into: list[tuple[int, int]]) -> None:
    while True:
        into.append(await select(*(r.recv for r in receivers)))


async def test_items_delivered_in_the_same_instant_are_all_returned(
    anyio_backend: object,
) -> None:
    a: Channel[int] = open_channel()
    b: Channel[int] = open_channel()
    got: list[tuple[int, int]] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(select_all, [a, b], got)
        await anyio.wait_all_tasks_blocked()
        a.send.send_nowait(1)  # both of the select's receives are handed an item
        b.send.send_nowait(2)  # before it runs again
        await anyio.wait_all_tasks_blocked()
        tg.cancel_scope.cancel()
    assert got == [(0, 1), (1, 2)]


async def test_cancelling_a_select_that_was_handed_an_item_loses_nothing(
    anyio_backend: object,
) -> None:
    a: Channel[int] = open_channel()
    b: Channel[int] = open_channel()
    async with anyio.create_task_group() as tg:
        tg.start_soon(select, a.recv, b.recv)
        await anyio.wait_all_tasks_blocked()
        a.send.send_nowait(1)  # handed to the waiting select...
        tg.cancel_scope.cancel()  # ...which is cancelled before it could return it
    assert a.recv.statistics().waiters_receive == 0
    assert b.recv.statistics().waiters_receive == 0
    got: list[tuple[int, int]] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(select_all, [a, b], got)
        await anyio.wait_all_tasks_blocked()
        tg.cancel_scope.cancel()
    assert got == [(0, 1)]


async def test_a_closed_receiving_end_raises_channel_closed(anyio_backend: object) -> None:
    a: Channel[int] = open_channel()
    await a.recv.aclose()
    with pytest.raises(ChannelClosed):
        await select(a.recv)


async def test_no_receiver_is_a_value_error(anyio_backend: object) -> None:
    with pytest.raises(ValueError, match=r"^select\(\) needs at least one receiver"):
        await select()


def test_subpackage_and_flat_module_export_the_same_object() -> None:
    assert coordination.select is select
