"""Dynamic batching: ``Pending``, ``batcher_loop``, ``submit`` (SPEC §2.7, flat module ``batcher``).

Many callers ``submit`` requests into one channel; one ``batcher_loop`` gathers them into
batches, makes one ``forward`` call per batch and hands each caller its own response. The
promise to callers: every request that entered the channel gets exactly one outcome — its
response, or an exception — so no caller ever hangs on a failed or stopped batcher.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import anyio
from anyio.lowlevel import checkpoint

from chrono_daemon import Channel, ChannelClosed, EndOfStream, WallClock, WouldBlock, open_channel

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from chrono_daemon import Clock, ReceiveStream, SendStream

__all__ = ("Pending", "batcher_loop", "submit")

Req = TypeVar("Req")
Resp = TypeVar("Resp")


@dataclass
class Pending(Generic[Req, Resp]):
    """One request travelling to a batcher, and the channel its outcome comes back on.

    The batcher sends exactly one item on ``reply`` — the response, or the ``Exception`` that
    failed the batch — and then closes ``reply.send``. ``submit`` builds one for you; to build
    it yourself, give every request its own reply channel with ``maxsize >= 1``, so the batcher
    never waits for a caller to read (a rendezvous reply channel makes it wait)::

        reply: Channel[int | Exception] = open_channel(maxsize=1)
        await requests.send.send(Pending(req=7, reply=reply))
        outcome = await reply.recv.receive()  # a response, or an Exception to raise

    Attributes:
        req: what the caller asks for.
        reply: where the outcome is sent.
    """

    req: Req
    reply: Channel[Resp | Exception]


# submit() is called by many tasks on one SPSC send stream. The fast path is send_nowait (no
# task ever blocks, so no ChannelInUse); when it would block, callers queue on a FIFO lock per
# stream and one of them at a time blocks in send. Entries hold the stream itself, so its id()
# cannot be reused while stored, and are removed once nobody waits on the lock.
_send_locks: dict[int, tuple[SendStream[Any], anyio.Lock, list[int]]] = {}


async def _send_shared(out: SendStream[Pending[Req, Resp]], pending: Pending[Req, Resp]) -> None:
    key = id(out)
    if key not in _send_locks:
        try:
            out.send_nowait(pending)
        except WouldBlock:
            pass
        else:
            await checkpoint()
            return
    entry = _send_locks.setdefault(key, (out, anyio.Lock(), [0]))
    users = entry[2]
    users[0] += 1
    try:
        async with entry[1]:
            await out.send(pending)
    finally:
        users[0] -= 1
        if users[0] == 0:
            del _send_locks[key]


async def submit(out: SendStream[Pending[Req, Resp]], req: Req) -> Resp:
    """Send ``req`` to the batcher reading from ``out``'s channel and wait for its response.

    Safe to call from many tasks at once on the same ``out`` (the calls queue in FIFO order
    when the channel is full). If the batch fails, the ``forward`` error (or the error for a
    wrong number of responses) is raised here.

    Raises:
        ChannelClosed: the batcher is gone, so the request was not accepted.
    """
    reply: Channel[Resp | Exception] = open_channel(maxsize=1)
    await _send_shared(out, Pending(req=req, reply=reply))
    try:
        outcome = await reply.recv.receive()
    except EndOfStream:  # only a reply channel shared by several requests gets here
        raise RuntimeError("the batcher closed this request's reply without answering") from None
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


async def batcher_loop(
    incoming: ReceiveStream[Pending[Req, Resp]],
    forward: Callable[[list[Req]], Awaitable[Sequence[Resp]]],
    *,
    max_batch: int = 32,
    max_queue_delay: float = 0.0,
    clock: Clock | None = None,
) -> None:
    """Gather pending requests into batches and answer each from one ``forward`` call.

    A batch starts with the first request that arrives. It takes every request already
    waiting, then — if ``max_queue_delay > 0`` and the batch is not full — keeps collecting
    until ``max_queue_delay`` seconds on ``clock`` have passed since that first request, or
    ``max_batch`` requests are in. Then ``await forward(requests)`` must return one response
    per request, in order; response ``i`` goes to the caller of request ``i``. Batches are
    forwarded one at a time.

    If ``forward`` raises an ``Exception``, every caller of that batch gets that exception; if
    it returns the wrong number of responses, every caller gets a ``RuntimeError`` saying so.
    The loop then goes on with the next batch. It returns when ``incoming`` ends. If it is
    cancelled or ``forward`` raises a ``BaseException``, every request it holds or that is
    still buffered in ``incoming`` gets a ``RuntimeError`` (with the cause chained), then
    ``incoming`` is closed so later ``submit`` calls raise ``ChannelClosed``.

    Args:
        incoming: where ``submit`` sends the requests.
        forward: the batched operation.
        max_batch: the largest batch (>= 1).
        max_queue_delay: how long a batch may wait to fill up (>= 0 seconds on ``clock``).
        clock: the clock for the delay window (default ``WallClock()``; pass ``ctx.clock``).

    Raises:
        ValueError: ``max_batch < 1`` or ``max_queue_delay < 0``.
    """
    if max_batch < 1:
        raise ValueError(f"batcher_loop() needs max_batch >= 1, got {max_batch}")
    if not max_queue_delay >= 0:
        raise ValueError(f"batcher_loop() needs max_queue_delay >= 0, got {max_queue_delay}")
    clock = clock if clock is not None else WallClock()
    batch: list[Pending[Req, Resp]] = []
    try:
        while True:
            try:
                batch.append(await incoming.receive())
            except EndOfStream:
                return
            ended = _take_ready(incoming, batch, max_batch)
            if not ended and max_queue_delay > 0 and len(batch) < max_batch:
                deadline = clock.now() + max_queue_delay
                ended = await _collect_until(incoming, batch, max_batch, clock, deadline)
            await _run_batch(batch, forward)
            batch = []
            if ended:
                return
    except BaseException as exc:
        with anyio.CancelScope(shield=True):  # answering never waits: see _fail_all
            await _fail_all(batch, incoming, exc)
            await incoming.aclose()
        raise


def _take_ready(
    incoming: ReceiveStream[Pending[Req, Resp]], batch: list[Pending[Req, Resp]], max_batch: int
) -> bool:
    """Add what is already waiting, up to ``max_batch``; return True if ``incoming`` ended."""
    while len(batch) < max_batch:
        try:
            batch.append(incoming.receive_nowait())
        except WouldBlock:
            return False
        except EndOfStream:
            return True
    return False


async def _collect_until(
    incoming: ReceiveStream[Pending[Req, Resp]],
    batch: list[Pending[Req, Resp]],
    max_batch: int,
    clock: Clock,
    deadline: float,
) -> bool:
    """Receive until the batch is full or ``deadline`` on ``clock``; True if ``incoming`` ended."""
    ended = False
    async with anyio.create_task_group() as tg:

        async def close_window() -> None:
            await clock.wait_until(deadline)
            tg.cancel_scope.cancel()

        tg.start_soon(close_window)
        try:
            while len(batch) < max_batch:
                # A receive cancelled after it was handed an item still returns the item.
                batch.append(await incoming.receive())
        except EndOfStream:
            ended = True
        tg.cancel_scope.cancel()
    return ended


async def _run_batch(
    batch: list[Pending[Req, Resp]], forward: Callable[[list[Req]], Awaitable[Sequence[Resp]]]
) -> None:
    try:
        responses = await forward([p.req for p in batch])
    except Exception as exc:
        for pending in batch:
            await _answer(pending, exc)
        return
    if len(responses) != len(batch):
        error = RuntimeError(
            f"batcher_loop: forward returned {len(responses)} responses for {len(batch)} "
            "requests; it must return exactly one response per request, in order"
        )
        for pending in batch:
            await _answer(pending, error)
        return
    for pending, response in zip(batch, responses, strict=True):
        await _answer(pending, response)


async def _answer(pending: Pending[Req, Resp], outcome: Resp | Exception) -> None:
    """Send ``outcome`` on the request's reply and close it; waits only on a full reply."""
    reply = pending.reply.send
    with contextlib.suppress(ChannelClosed):  # the caller gave up: nobody is left to answer
        try:
            reply.send_nowait(outcome)
        except WouldBlock:  # a caller-built rendezvous (or full) reply channel
            await reply.send(outcome)
    await reply.aclose()


async def _fail_all(
    batch: list[Pending[Req, Resp]],
    incoming: ReceiveStream[Pending[Req, Resp]],
    cause: BaseException,
) -> None:
    """Answer every request held or still buffered, so that no caller waits forever.

    Runs shielded while the batcher is cancelled, so it never waits: a reply that has no room
    right now is closed unanswered (its caller sees the reply end instead).
    """
    stranded = list(batch)
    while True:
        try:
            stranded.append(incoming.receive_nowait())
        except (WouldBlock, EndOfStream):
            break
        except Exception:  # e.g. this end already closed: nothing more to rescue
            break
    for pending in stranded:
        error = RuntimeError(f"the batcher stopped before answering this request ({cause!r})")
        error.__cause__ = cause
        reply = pending.reply.send
        with contextlib.suppress(WouldBlock, ChannelClosed):
            reply.send_nowait(error)
        await reply.aclose()
