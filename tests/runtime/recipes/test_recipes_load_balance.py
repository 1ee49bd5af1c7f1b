"""load_balance: strict round-robin, each item to exactly one destination."""

from __future__ import annotations

import anyio
import pytest

from chrono_daemon import Channel, ChannelClosed, EndOfStream, open_channel
from chrono_daemon.recipes import routing
from chrono_daemon.recipes.load_balance import load_balance

pytestmark = pytest.mark.anyio


async def test_strict_round_robin_and_all_destinations_close(anyio_backend: object) -> None:
    src: Channel[int] = open_channel(16)
    dests: list[Channel[int]] = [open_channel(16) for _ in range(3)]
    for i in range(10):
        src.send.send_nowait(i)
    await src.send.aclose()
    await load_balance(src.recv, [d.send for d in dests])
    got = [[item async for item in d.recv] for d in dests]  # ends: every dest was closed
    assert got == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]


async def test_a_busy_destination_holds_the_rotation(anyio_backend: object) -> None:
    src: Channel[int] = open_channel(8)
    a: Channel[int] = open_channel()
    b: Channel[int] = open_channel()  # nobody receives from b yet
    got_a: list[int] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(load_balance, src.recv, [a.send, b.send])

        async def drain_a() -> None:
            async for item in a.recv:
                got_a.append(item)

        tg.start_soon(drain_a)
        for i in range(6):
            src.send.send_nowait(i)
        await anyio.wait_all_tasks_blocked()
        assert got_a == [0]  # item 1 waits for b; a idles although it is free (strict turns)
        assert await b.recv.receive() == 1
        await anyio.wait_all_tasks_blocked()
        assert got_a == [0, 2]
        await src.send.aclose()
        assert [await b.recv.receive() for _ in range(2)] == [3, 5]
        with pytest.raises(EndOfStream):
            await b.recv.receive()
    assert got_a == [0, 2, 4]


async def test_a_gone_destination_leaves_the_rotation_without_losing_items(
    anyio_backend: object,
) -> None:
    src: Channel[int] = open_channel(16)
    a: Channel[int] = open_channel(16)
    gone: Channel[int] = open_channel(16)
    c: Channel[int] = open_channel(16)
    await gone.recv.aclose()
    for i in range(6):
        src.send.send_nowait(i)
    await src.send.aclose()
    await load_balance(src.recv, [a.send, gone.send, c.send])
    assert [i async for i in a.recv] == [0, 2, 4]
    assert [i async for i in c.recv] == [1, 3, 5]


async def test_no_live_destination_closes_the_source(anyio_backend: object) -> None:
    src: Channel[int] = open_channel()
    a: Channel[int] = open_channel()
    await a.recv.aclose()
    async with anyio.create_task_group() as tg:
        tg.start_soon(load_balance, src.recv, [a.send])
        await src.send.send(1)
        with pytest.raises(ChannelClosed):
            await src.send.send(2)


async def test_close_dests_false_leaves_them_open(anyio_backend: object) -> None:
    src: Channel[int] = open_channel(1)
    a: Channel[int] = open_channel(1)
    await src.send.send(1)
    await src.send.aclose()
    await load_balance(src.recv, [a.send], close_dests=False)
    assert a.recv.receive_nowait() == 1
    assert a.recv.statistics().open_send_streams == 1


async def test_no_destination_is_a_value_error(anyio_backend: object) -> None:
    src: Channel[int] = open_channel()
    with pytest.raises(ValueError, match=r"^load_balance\(\) needs at least one destination"):
        await load_balance(src.recv, [])


def test_subpackage_and_flat_module_export_the_same_object() -> None:
    assert routing.load_balance is load_balance
