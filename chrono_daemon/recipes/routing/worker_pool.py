"""``worker_pool``: dispatch items to idle workers (SPEC §2.7, flat module ``worker_pool``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import anyio

from chrono_daemon import Channel, ChannelClosed, open_channel

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from chrono_daemon import ReceiveStream, SendStream

__all__ = ("worker_pool",)

T = TypeVar("T")
R = TypeVar("R")


async def worker_pool(
    incoming: ReceiveStream[T],
    results: SendStream[R | Exception],
    handle: Callable[[T], Awaitable[R]],
    *,
    workers: int = 1,
    worker_buffer: int = 0,
    close_results: bool = True,
) -> None:
    """Run ``handle(item)`` for each item of ``incoming`` on ``workers`` concurrent workers.

    Each item goes to a worker that has room — with ``worker_buffer=0``, an idle one; with
    ``worker_buffer=n``, one holding fewer than ``n`` queued items besides the one it handles
    — preferring the worker that became free first. When every worker is full, the pool stops
    receiving (backpressure).

    Every outcome is sent to ``results`` in completion order (not input order): the handler's
    return value, or the ``Exception`` it raised, as a value — the pool keeps going. A
    ``BaseException`` from the handler (cancellation, ``KeyboardInterrupt``, ...) tears the
    pool down and propagates.

    When ``incoming`` ends, the workers finish what they hold, then ``results`` is closed
    unless ``close_results=False`` (also when the pool fails or is cancelled). If ``results``'
    consumer has gone (``ChannelClosed``), the pool cancels its workers, closes ``incoming`` and
    returns.

    Raises:
        ValueError: ``workers < 1`` or ``worker_buffer < 0``.
    """
    if workers < 1:
        raise ValueError(f"worker_pool() needs workers >= 1, got {workers}")
    if worker_buffer < 0:
        raise ValueError(f"worker_pool() needs worker_buffer >= 0, got {worker_buffer}")
    slots_per_worker = 1 + worker_buffer
    # A free slot is a token naming its worker; the dispatcher takes one per item and the
    # worker hands it back when the item is done. Every send on these channels is
    # ``send_nowait`` into a buffer sized for every token, so it never blocks or fails.
    free: Channel[int] = open_channel(workers * slots_per_worker)
    for _ in range(slots_per_worker):
        for index in range(workers):
            free.send.send_nowait(index)
    queues: list[Channel[T]] = [open_channel(slots_per_worker) for _ in range(workers)]
    results_lock = anyio.Lock()
    results_gone = False

    async def work(index: int) -> None:
        nonlocal results_gone
        async for item in queues[index].recv:
            outcome: R | Exception
            try:
                outcome = await handle(item)
            except Exception as exc:
                outcome = exc
            async with results_lock:
                try:
                    await results.send(outcome)
                except ChannelClosed:
                    results_gone = True
                    tg.cancel_scope.cancel()
                    return
            free.send.send_nowait(index)

    try:
        async with anyio.create_task_group() as tg:
            for index in range(workers):
                tg.start_soon(work, index, name=f"worker_pool worker {index}")
            try:
                async for item in incoming:
                    index = await free.recv.receive()
                    queues[index].send.send_nowait(item)
            finally:
                for queue in queues:
                    await queue.send.aclose()
        if results_gone:
            await incoming.aclose()
    finally:
        if close_results:
            await results.aclose()
