"""batcher_loop / submit / Pending: dynamic batching where no caller ever hangs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio
import pytest

from chrono_daemon import Channel, ChannelClosed, EndOfStream, SimClock, open_channel
from chrono_daemon.recipes import coordination
from chrono_daemon.recipes.batcher import Pending, batcher_loop, submit

if TYPE_CHECKING:
    from collections.abc import Sequence

pytestmark = pytest.mark.anyio

Requests = Channel[Pending[int, int]]


def pending(req: int) -> Pending[int, int]:
    """A request built by hand, as the original library's callers do."""
    reply: Channel[int | Exception] = open_channel(maxsize=1)
    return Pending(req=req, reply=reply)


async def outcome(p: Pending[int, int]) -> int:
    """The response sent on ``p.reply``, raising the exception sent instead."""
    got = await p.reply.recv.receive()
    if isinstance(got, Exception):
        raise got
    return got


class Recorder:
    """A ``forward`` that records each batch and the time it was called."""

    def __init__(self, clock: SimClock | None = None) -> None:
        self.clock = clock
        self.batches: list[tuple[float, list[int]]] = []

    async def __call__(self, requests: list[int]) -> Sequence[int]:
        self.batches.append((self.clock.now() if self.clock else 0.0, list(requests)))
        return [r * 10 for r in requests]


async def call_many(requests: Requests, reqs: range, out: dict[int, int | BaseException]) -> None:
    async with anyio.create_task_group() as tg:
        for r in reqs:

            async def one(r: int = r) -> None:
                try:
                    response: int = await submit(requests.send, r)
                    out[r] = response
                except Exception as exc:
                    out[r] = exc

            tg.start_soon(one)


async def test_each_caller_gets_its_own_response_and_max_batch_holds(
    anyio_backend: object,
) -> None:
    requests: Requests = open_channel(4)
    forward = Recorder()
    out: dict[int, int | BaseException] = {}
    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: batcher_loop(requests.recv, forward, max_batch=3))
        await call_many(requests, range(10), out)
        await requests.send.aclose()
    assert out == {r: r * 10 for r in range(10)}
    assert all(1 <= len(batch) <= 3 for _, batch in forward.batches)
    assert sorted(r for _, batch in forward.batches for r in batch) == list(range(10))
    assert max(len(batch) for _, batch in forward.batches) == 3


async def test_the_delay_window_runs_on_the_given_clock(anyio_backend: object) -> None:
    clock = SimClock()
    requests: Requests = open_channel(8)
    forward = Recorder(clock)
    out: dict[int, int | BaseException] = {}

    async def submit_at(t: float, r: int) -> None:
        await clock.wait_until(t)
        response: int = await submit(requests.send, r)
        out[r] = response

    async with anyio.create_task_group() as tg:
        tg.start_soon(
            lambda: batcher_loop(
                requests.recv, forward, max_batch=3, max_queue_delay=0.5, clock=clock
            )
        )
        # window 1 opens at 1.0 and closes at 1.5 with two requests
        tg.start_soon(submit_at, 1.0, 1)
        tg.start_soon(submit_at, 1.2, 2)
        # window 2 opens at 2.0 and fills up (max_batch) at 2.3, before its deadline
        tg.start_soon(submit_at, 2.0, 3)
        tg.start_soon(submit_at, 2.1, 4)
        tg.start_soon(submit_at, 2.3, 5)
        tg.start_soon(submit_at, 2.4, 6)  # starts window 3, alone until 2.9
        await clock.advance(1.49)
        assert forward.batches == []
        await clock.advance(5.0)
        await requests.send.aclose()
    assert forward.batches == [(1.5, [1, 2]), (2.3, [3, 4, 5]), (2.9, [6])]
    assert out == {r: r * 10 for r in range(1, 7)}


async def test_a_forward_error_reaches_every_caller_of_that_batch(anyio_backend: object) -> None:
    requests: Requests = open_channel(8)
    calls = 0

    async def forward(reqs: list[int]) -> Sequence[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ValueError("model crashed")
        return [r * 10 for r in reqs]

    first_batch = [pending(r) for r in range(3)]
    for p in first_batch:  # queued before the batcher runs: they form one batch
        requests.send.send_nowait(p)
    out: dict[int, int | BaseException] = {}
    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: batcher_loop(requests.recv, forward, max_batch=8))
        for p in first_batch:
            with pytest.raises(ValueError, match=r"^model crashed$"):
                await outcome(p)
        await call_many(requests, range(3, 5), out)  # the batcher keeps going
        await requests.send.aclose()
    assert out == {3: 30, 4: 40}


@pytest.mark.parametrize("extra", [-1, 1])
async def test_a_wrong_response_count_fails_every_caller_of_the_batch(
    anyio_backend: object, extra: int
) -> None:
    requests: Requests = open_channel(8)

    async def forward(reqs: list[int]) -> Sequence[int]:
        return list(range(len(reqs) + extra))

    pendings = [pending(r) for r in range(4)]
    for p in pendings:
        requests.send.send_nowait(p)
    await requests.send.aclose()
    await batcher_loop(requests.recv, forward, max_batch=8)
    for p in pendings:
        with pytest.raises(
            RuntimeError, match=r"^batcher_loop: forward returned \d responses for 4 "
        ):
            await outcome(p)


async def test_a_cancelled_batcher_answers_every_request_it_accepted(
    anyio_backend: object,
) -> None:
    clock = SimClock()
    requests: Requests = open_channel(8)
    in_forward = anyio.Event()

    async def forward(reqs: list[int]) -> Sequence[int]:
        in_forward.set()
        await clock.sleep(100.0)  # never finishes: nobody advances the clock
        return reqs

    held = [pending(r) for r in range(2)]
    buffered = [pending(r) for r in range(2, 5)]
    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: batcher_loop(requests.recv, forward, max_batch=2))
        for p in held + buffered:
            requests.send.send_nowait(p)
        await in_forward.wait()
        tg.cancel_scope.cancel()
    for p in held + buffered:
        with pytest.raises(RuntimeError, match=r"^the batcher stopped before answering"):
            await outcome(p)
        with pytest.raises(EndOfStream):  # exactly one outcome, then the reply is closed
            p.reply.recv.receive_nowait()
    with pytest.raises(ChannelClosed):  # later callers are refused, not left hanging
        await submit(requests.send, 99)


async def test_many_concurrent_callers_on_a_full_channel_do_not_collide(
    anyio_backend: object,
) -> None:
    clock = SimClock()
    requests: Requests = open_channel()  # rendezvous: every submit but one must queue

    async def forward(reqs: list[int]) -> Sequence[int]:
        await clock.sleep(0.1)
        return [r + 1 for r in reqs]

    out: dict[int, int | BaseException] = {}
    async with anyio.create_task_group() as tg:
        tg.start_soon(
            lambda: batcher_loop(
                requests.recv, forward, max_batch=4, max_queue_delay=0.01, clock=clock
            )
        )
        tg.start_soon(call_many, requests, range(40), out)
        await clock.advance(10.0)
        await requests.send.aclose()
    assert out == {r: r + 1 for r in range(40)}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_batch": 0}, r"max_batch >= 1"),
        ({"max_queue_delay": -0.1}, r"max_queue_delay >= 0"),
        ({"max_queue_delay": float("nan")}, r"max_queue_delay >= 0"),
    ],
)
async def test_bad_arguments_are_value_errors(
    anyio_backend: object, kwargs: dict[str, float], message: str
) -> None:
    requests: Requests = open_channel()
    with pytest.raises(ValueError, match=message):
        await batcher_loop(requests.recv, Recorder(), **kwargs)  # type: ignore[arg-type]


async def test_pending_built_by_hand_is_answered_on_its_reply_channel(
    anyio_backend: object,
) -> None:
    """The original's shape: ``Pending(req, reply)``, sent directly, read from ``reply.recv``."""
    requests: Requests = open_channel(maxsize=8)
    replies: list[Channel[int | Exception]] = [open_channel(maxsize=1) for _ in range(3)]
    forward = Recorder()
    for req, reply in zip([1, 2, 3], replies, strict=True):
        await requests.send.send(Pending(req=req, reply=reply))
    await requests.send.aclose()
    await batcher_loop(requests.recv, forward)
    assert [batch for _, batch in forward.batches] == [[1, 2, 3]]
    assert [await reply.recv.receive() for reply in replies] == [10, 20, 30]


async def test_a_wrong_count_reaches_a_submit_caller_with_the_real_numbers(
    anyio_backend: object,
) -> None:
    requests: Requests = open_channel(maxsize=8)

    async def bad_forward(reqs: list[int]) -> Sequence[int]:
        assert reqs == [1]
        return []

    async with anyio.create_task_group() as tg:
        tg.start_soon(batcher_loop, requests.recv, bad_forward)
        with pytest.raises(RuntimeError, match="forward returned 0 responses for 1 requests"):
            await submit(requests.send, 1)
        await requests.send.aclose()


async def test_a_rendezvous_reply_channel_is_answered_once_its_caller_reads(
    anyio_backend: object,
) -> None:
    requests: Requests = open_channel(maxsize=1)
    reply: Channel[int | Exception] = open_channel()  # maxsize=0: the batcher must wait
    async with anyio.create_task_group() as tg:
        tg.start_soon(batcher_loop, requests.recv, Recorder())
        await requests.send.send(Pending(req=4, reply=reply))
        await anyio.wait_all_tasks_blocked()  # the batcher is blocked handing the answer over
        assert await reply.recv.receive() == 40
        await requests.send.aclose()


async def test_a_caller_that_gave_up_does_not_block_the_batcher(anyio_backend: object) -> None:
    requests: Requests = open_channel(maxsize=4)
    gone = pending(1)
    await gone.reply.recv.aclose()  # the caller was cancelled and closed its end
    kept = pending(2)
    for p in (gone, kept):
        requests.send.send_nowait(p)
    await requests.send.aclose()
    await batcher_loop(requests.recv, Recorder())
    assert await outcome(kept) == 20


def test_subpackage_and_flat_module_export_the_same_objects() -> None:
    assert coordination.batcher_loop is batcher_loop
    assert coordination.submit is submit
    assert coordination.Pending is Pending
