"""worker_pool: concurrent handlers, errors as values, teardown on BaseException."""

from __future__ import annotations

import anyio
import pytest

from chrono_daemon import Channel, ChannelClosed, EndOfStream, SimClock, open_channel
from chrono_daemon.recipes import routing
from chrono_daemon.recipes.worker_pool import worker_pool

pytestmark = pytest.mark.anyio


class Fatal(BaseException):
    """Stands in for KeyboardInterrupt/SystemExit: not an ``Exception``."""


async def test_items_run_concurrently_on_idle_workers(anyio_backend: object) -> None:
    clock = SimClock()
    incoming: Channel[int] = open_channel(16)
    results: Channel[tuple[int, float] | Exception] = open_channel(16)

    async def handle(item: int) -> tuple[int, float]:
        await clock.sleep(1.0)
        return item, clock.now()

    for i in range(6):
        incoming.send.send_nowait(i)
    await incoming.send.aclose()
    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: worker_pool(incoming.recv, results.send, handle, workers=3))
        await clock.advance(1.0)
        assert results.recv.statistics().current_buffer_used == 3  # three at once
        await clock.advance(1.0)
    got = [r async for r in results.recv if not isinstance(r, Exception)]  # ends: closed
    assert sorted(got) == [(0, 1.0), (1, 1.0), (2, 1.0), (3, 2.0), (4, 2.0), (5, 2.0)]


async def test_a_handler_exception_is_sent_as_a_value_and_the_pool_keeps_going(
    anyio_backend: object,
) -> None:
    incoming: Channel[int] = open_channel(8)
    results: Channel[int | Exception] = open_channel(8)

    async def handle(item: int) -> int:
        if item == 2:
            raise ValueError(f"bad item {item}")
        return item * 10

    for i in range(5):
        incoming.send.send_nowait(i)
    await incoming.send.aclose()
    await worker_pool(incoming.recv, results.send, handle, workers=2)
    got = [r async for r in results.recv]
    errors = [r for r in got if isinstance(r, Exception)]
    assert sorted(r for r in got if isinstance(r, int)) == [0, 10, 30, 40]
    assert len(errors) == 1
    assert isinstance(errors[0], ValueError)
    assert str(errors[0]) == "bad item 2"


async def test_a_base_exception_tears_the_pool_down(anyio_backend: object) -> None:
    incoming: Channel[int] = open_channel(8)
    results: Channel[int | Exception] = open_channel(8)

    async def handle(item: int) -> int:
        if item == 1:
            raise Fatal
        return item

    for i in range(5):
        incoming.send.send_nowait(i)
    with pytest.RaisesGroup(Fatal, flatten_subgroups=True):
        await worker_pool(incoming.recv, results.send, handle, workers=1)
    assert results.recv.receive_nowait() == 0
    with pytest.raises(EndOfStream):  # closed on the way out
        results.recv.receive_nowait()


async def test_worker_buffer_queues_behind_a_busy_worker(anyio_backend: object) -> None:
    clock = SimClock()
    incoming: Channel[int] = open_channel()
    results: Channel[int | Exception] = open_channel(16)
    accepted: list[int] = []

    async def handle(item: int) -> int:
        await clock.sleep(1.0)
        return item

    async with anyio.create_task_group() as tg:
        tg.start_soon(
            lambda: worker_pool(incoming.recv, results.send, handle, workers=1, worker_buffer=2)
        )

        async def produce() -> None:
            for i in range(10):
                await incoming.send.send(i)
                accepted.append(i)
            await incoming.send.aclose()

        tg.start_soon(produce)
        await clock.advance(0.5)
        # one item in hand + two queued: the third send is taken, the fourth waits
        assert accepted == [0, 1, 2, 3]
        await clock.advance(20.0)
    assert [r async for r in results.recv] == list(range(10))


async def test_a_gone_results_consumer_closes_incoming(anyio_backend: object) -> None:
    incoming: Channel[int] = open_channel()
    results: Channel[int | Exception] = open_channel()
    await results.recv.aclose()

    async def handle(item: int) -> int:
        return item

    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: worker_pool(incoming.recv, results.send, handle, workers=2))
        await incoming.send.send(1)
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(ChannelClosed):
            await incoming.send.send(2)


@pytest.mark.parametrize(("workers", "worker_buffer"), [(0, 0), (-1, 0), (1, -1)])
async def test_bad_sizes_are_value_errors(
    anyio_backend: object, workers: int, worker_buffer: int
) -> None:
    incoming: Channel[int] = open_channel()
    results: Channel[int | Exception] = open_channel()

    async def handle(item: int) -> int:
        return item

    with pytest.raises(ValueError, match=r"^worker_pool\(\) needs worker"):
        await worker_pool(
            incoming.recv, results.send, handle, workers=workers, worker_buffer=worker_buffer
        )


def test_subpackage_and_flat_module_export_the_same_object() -> None:
    assert routing.worker_pool is worker_pool
