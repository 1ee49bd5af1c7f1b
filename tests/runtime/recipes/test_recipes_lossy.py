"""Lossy send wrappers: never block, and count every drop exactly."""

from __future__ import annotations

import anyio
import pytest

from chrono_daemon import (
    Channel,
    ChannelClosed,
    EndOfStream,
    SendStream,
    SimClock,
    open_channel,
)
from chrono_daemon.recipes import state
from chrono_daemon.recipes.lossy import CoalesceSend, DropNewestSend, DropOldestSend
from chrono_daemon.recipes.merge import merge

pytestmark = pytest.mark.anyio

Lossy = DropNewestSend[int] | DropOldestSend[int] | CoalesceSend[int]


def wrap(kind: str, ch: Channel[int]) -> Lossy:
    if kind == "drop_newest":
        return DropNewestSend(ch.send)
    if kind == "drop_oldest":
        return DropOldestSend(ch.send, ch.recv)
    return CoalesceSend(ch.send, ch.recv)


KINDS = ("drop_newest", "drop_oldest", "coalesce")


def test_wrappers_are_send_streams() -> None:
    ch: Channel[int] = open_channel(1)
    # mypy checks these assignments against the SendStream protocol
    streams: list[SendStream[int]] = [
        DropNewestSend(ch.send),
        DropOldestSend(ch.send, ch.recv),
        CoalesceSend(ch.send, ch.recv),
    ]
    assert all(s.statistics().max_buffer_size == 1 for s in streams)


@pytest.mark.parametrize(
    ("kind", "kept"),
    [
        ("drop_newest", [0, 1, 2]),  # the buffer keeps the oldest items
        ("drop_oldest", [7, 8, 9]),  # the buffer keeps the newest maxsize items
        ("coalesce", [9]),  # the backlog collapses to the newest item
    ],
)
async def test_which_items_survive_a_full_buffer(
    anyio_backend: object, kind: str, kept: list[int]
) -> None:
    ch: Channel[int] = open_channel(3)
    send = wrap(kind, ch)
    for i in range(10):
        await send.send(i)  # never blocks
    await send.aclose()
    got = [item async for item in ch.recv]
    assert got == kept
    assert send.dropped == 10 - len(kept)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("maxsize", [0, 1, 4])
async def test_consumed_plus_dropped_equals_produced_under_load(
    anyio_backend: object, kind: str, maxsize: int
) -> None:
    clock = SimClock()
    ch: Channel[int] = open_channel(maxsize)
    send = wrap(kind, ch)
    got: list[int] = []
    produced = 500

    async def producer() -> None:
        for i in range(produced):
            if i % 2:
                send.send_nowait(i)
            else:
                await send.send(i)
            await clock.sleep(0.01)
        await send.aclose()

    async def consumer() -> None:
        async for item in ch.recv:
            got.append(item)
            await clock.sleep(0.037)  # slower than the producer

    async with anyio.create_task_group() as tg:
        tg.start_soon(consumer)
        tg.start_soon(producer)
        await clock.advance(60.0)
    assert len(got) + send.dropped == produced
    assert send.dropped > 0
    assert got == sorted(got)  # order is kept among the survivors
    assert len(set(got)) == len(got)  # nothing duplicated
    if kind != "drop_newest" and maxsize > 0:  # the newest item always survives
        assert got[-1] == produced - 1


@pytest.mark.parametrize("kind", KINDS)
async def test_a_waiting_receiver_gets_the_item_on_a_rendezvous_channel(
    anyio_backend: object, kind: str
) -> None:
    ch: Channel[int] = open_channel(0)
    send = wrap(kind, ch)
    async with anyio.create_task_group() as tg:
        got: list[int] = []

        async def receive_one() -> None:
            got.append(await ch.recv.receive())

        tg.start_soon(receive_one)
        await anyio.wait_all_tasks_blocked()
        send.send_nowait(1)
        send.send_nowait(2)  # nobody waits now: dropped
    assert got == [1]
    assert send.dropped == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_a_gone_consumer_is_an_error_not_a_drop(anyio_backend: object, kind: str) -> None:
    ch: Channel[int] = open_channel(1)
    send = wrap(kind, ch)
    await ch.recv.aclose()
    with pytest.raises(ChannelClosed):
        await send.send(1)
    with pytest.raises(ChannelClosed):
        send.send_nowait(1)
    assert send.dropped == 0


@pytest.mark.parametrize("kind", KINDS)
async def test_aclose_and_statistics_pass_through(anyio_backend: object, kind: str) -> None:
    ch: Channel[int] = open_channel(2)
    send = wrap(kind, ch)
    send.send_nowait(1)
    assert send.statistics().current_buffer_used == 1
    await send.aclose()
    assert ch.recv.receive_nowait() == 1
    with pytest.raises(EndOfStream):
        ch.recv.receive_nowait()
    assert send.statistics().open_send_streams == 0


def test_subpackage_and_flat_module_export_the_same_objects() -> None:
    assert state.DropNewestSend is DropNewestSend
    assert state.DropOldestSend is DropOldestSend
    assert state.CoalesceSend is CoalesceSend


@pytest.mark.parametrize("kind", [*KINDS, "block"])
async def test_conservation_with_many_producers_into_one_consumer(
    anyio_backend: object, kind: str
) -> None:
    """RELIABILITY #55: N producers x M messages, one edge each, merged into a slow consumer."""
    clock = SimClock()
    producers, messages = 4, 200
    edges: list[Channel[tuple[int, int]]] = [open_channel(2) for _ in range(producers)]
    merged: Channel[tuple[int, int]] = open_channel(1)
    got: list[tuple[int, int]] = []
    senders: list[SendStream[tuple[int, int]]] = []
    counters: list[
        DropNewestSend[tuple[int, int]]
        | DropOldestSend[tuple[int, int]]
        | CoalesceSend[tuple[int, int]]
    ] = []
    for edge in edges:
        if kind == "block":
            senders.append(edge.send)
            continue
        lossy = (
            DropNewestSend(edge.send)
            if kind == "drop_newest"
            else DropOldestSend(edge.send, edge.recv)
            if kind == "drop_oldest"
            else CoalesceSend(edge.send, edge.recv)
        )
        counters.append(lossy)
        senders.append(lossy)

    async def produce(index: int) -> None:
        for k in range(messages):
            await senders[index].send((index, k))
            await clock.sleep(0.01 * (index + 1))
        await senders[index].aclose()

    async def consume() -> None:
        async for item in merged.recv:
            got.append(item)
            await clock.sleep(0.02)

    async with anyio.create_task_group() as tg:
        tg.start_soon(merge, [e.recv for e in edges], merged.send)
        tg.start_soon(consume)
        for index in range(producers):
            tg.start_soon(produce, index)
        await clock.advance(100.0)
    dropped = sum(c.dropped for c in counters)
    assert len(got) + dropped == producers * messages
    for index in range(producers):
        ks = [k for i, k in got if i == index]
        assert ks == sorted(set(ks))  # per-edge order kept, no duplicates
    if kind == "block":
        assert dropped == 0
        assert len(got) == producers * messages
    else:
        assert dropped > 0
