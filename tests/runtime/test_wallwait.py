"""Wall-clock waits of daemons under a SimClock are reported (issue 9 item 12), on asyncio and trio.

pytest turns warnings into errors here (filterwarnings = error), so every other test of the
suite doubles as a no-false-positive check; the tests at the end pin chrono's own bounded
wall-clock waits (stop's grace, finalize_timeout, the ZMQ linger) explicitly.
"""

from __future__ import annotations

import inspect
import math
import warnings
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from chrono_daemon import (
    Channel,
    Context,
    Daemon,
    SimClock,
    Supervisor,
    WallClock,
    WallClockWaitError,
    WallClockWaitWarning,
    WouldBlock,
    daemon,
    open_channel,
)
from chrono_daemon.transports.zmq import MsgpackSerde, open_zmq_send

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

pytestmark = pytest.mark.anyio


class _Idle(Daemon):
    """A daemon that waits for the stop signal (subclasses add hooks)."""

    async def run(self, ctx: Context) -> None:
        await ctx.stop_event.wait()


HERE = __file__


def line_of(marker: str) -> int:
    """The line of this file that contains ``marker`` (the call a warning must point at)."""
    lines = inspect.getsource(inspect.getmodule(line_of)).splitlines()  # type: ignore[arg-type]
    return next(i for i, text in enumerate(lines, 1) if marker in text and "line_of" not in text)


@daemon
async def model_with_a_wall_sleep(ctx: Context, seen: list[float]) -> None:
    """Issue 9 item 12: the README's "model latency" pattern, with the wrong sleep."""
    async for t in ctx.clock.every(0.02):
        await anyio.sleep(0.005)  # WALL SLEEP
        seen.append(t)


async def advance_until_reported(
    clock: SimClock, recorded: list[warnings.WarningMessage], steps: int = 2000
) -> None:
    """Advance in 20 ms steps until a report arrives (bounded: the scan is rate-limited)."""
    for _ in range(steps):
        await clock.advance(0.02)
        if recorded:
            return
        await anyio.sleep(0.001)  # the driver is no daemon: this wall sleep is legitimate


async def test_a_daemon_awaiting_anyio_sleep_is_named_with_the_call() -> None:
    clock = SimClock()
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always", WallClockWaitWarning)
        async with Supervisor(clock=clock) as sup:
            sup.add(model_with_a_wall_sleep([]), name="policy")
            await advance_until_reported(clock, recorded)
            for _ in range(20):  # once per call site, not once per advance
                await clock.advance(0.02)
            await sup.stop(grace=0)
    assert len(recorded) == 1
    report = recorded[0]
    assert report.category is WallClockWaitWarning
    message = str(report.message)
    assert "daemon 'policy' awaits anyio.sleep(0.005)" in message
    assert f"{HERE}:{line_of('# WALL SLEEP')} (in model_with_a_wall_sleep)" in message
    assert "use ctx.clock.sleep" in message
    assert report.filename == HERE  # points at the driver's advance call


async def test_strict_mode_raises_from_the_advance() -> None:
    clock = SimClock(strict=True)
    async with Supervisor(clock=clock) as sup:
        sup.add(model_with_a_wall_sleep([]), name="policy")
        with pytest.raises(WallClockWaitError, match=r"daemon 'policy' awaits anyio\.sleep"):
            for _ in range(2000):
                await clock.advance(0.02)
                await anyio.sleep(0.001)
        await sup.stop(grace=0)


async def test_the_warning_category_can_be_made_an_error() -> None:
    clock = SimClock()
    async with Supervisor(clock=clock) as sup:
        sup.add(model_with_a_wall_sleep([]), name="policy")
        with warnings.catch_warnings():
            warnings.simplefilter("error", WallClockWaitWarning)
            with pytest.raises(WallClockWaitWarning, match="daemon 'policy'"):
                for _ in range(2000):
                    await clock.advance(0.02)
                    await anyio.sleep(0.001)
        await sup.stop(grace=0)


@daemon
async def reader_with_a_wall_timeout(ctx: Context, inp: Channel[int]) -> None:
    with anyio.move_on_after(30):
        async for _ in inp.recv:  # WALL TIMEOUT BODY
            pass


@daemon
async def parent_of_a_wall_sleeper(ctx: Context) -> None:
    async def child() -> None:
        while True:
            await ctx.clock.sleep(0.01)
            await anyio.sleep(0.002)  # CHILD WALL SLEEP

    async with anyio.create_task_group() as tg:
        tg.start_soon(child)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(
            lambda: reader_with_a_wall_timeout(open_channel()),
            ("a wall-clock timeout", "# WALL TIMEOUT BODY", "reader_with_a_wall_timeout"),
            id="timeout",
        ),
        pytest.param(
            parent_of_a_wall_sleeper,
            ("anyio.sleep(0.002)", "# CHILD WALL SLEEP", "parent_of_a_wall_sleeper.<locals>"),
            id="child-task",
        ),
    ],
)
async def test_timeouts_and_child_tasks_are_reported(
    make: Callable[[], Daemon], expected: tuple[str, str, str]
) -> None:
    call, marker, function = expected
    clock = SimClock()
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always", WallClockWaitWarning)
        async with Supervisor(clock=clock) as sup:
            sup.add(make(), name="culprit")
            await advance_until_reported(clock, recorded)
            await sup.stop(grace=0)
    assert len(recorded) == 1
    message = str(recorded[0].message)
    assert f"daemon 'culprit' awaits {call}" in message
    assert f"{HERE}:{line_of(marker)} (in {function}" in message


# -- no false positives ------------------------------------------------------------------------


async def test_plain_tasks_and_wall_clock_supervisors_may_wait_on_wall_time() -> None:
    """Only daemons of SimClock supervisors are checked: a task outside any daemon, a daemon of
    a WallClock supervisor, and a harness timeout around the whole supervisor (trio: the
    daemons' tasks sit inside its scope) are fine while a SimClock advances."""
    clock = SimClock()

    @daemon
    async def wall_daemon(ctx: Context) -> None:
        for _ in range(10**6):
            await anyio.sleep(0.001)

    async def plain_task() -> None:
        for _ in range(10**6):
            await anyio.sleep(0.001)

    with anyio.fail_after(30):
        await _wall_and_sim_supervisors(clock, wall_daemon(), plain_task)


async def _wall_and_sim_supervisors(
    clock: SimClock, wall_daemon: Daemon, plain_task: Callable[[], Coroutine[Any, Any, None]]
) -> None:
    async with Supervisor(clock=WallClock()) as wall_sup, Supervisor(clock=clock) as sim_sup:
        wall_sup.add(wall_daemon)
        sim_sup.add(_virtual_model([]))
        async with anyio.create_task_group() as tg:
            tg.start_soon(plain_task)
            for _ in range(50):
                await clock.advance(0.02)
                await anyio.sleep(0.001)
            tg.cancel_scope.cancel()
        await sim_sup.stop(grace=0)
        await wall_sup.stop(grace=0)


@daemon
async def _virtual_model(ctx: Context, seen: list[float]) -> None:
    async for t in ctx.clock.every(0.02):
        await ctx.clock.sleep(0.005)
        seen.append(t)


async def test_stop_called_from_a_daemon_mid_advance_is_not_reported() -> None:
    """`ctx.supervisor.stop()` waits its grace in wall time inside the calling daemon while the
    driver keeps advancing: chrono's own bounded wait, never a report (or, here, an error)."""
    clock = SimClock()

    @daemon
    async def stopper(ctx: Context) -> None:
        await ctx.clock.sleep(0.05)
        await ctx.supervisor.stop(grace=30, finalize_timeout=30)

    @daemon
    async def worker(ctx: Context) -> None:
        async for _ in ctx.clock.every(0.1):
            if ctx.stopping:
                return

    with anyio.fail_after(20):
        async with Supervisor(clock=clock) as sup:
            sup.add(stopper())
            sup.add(worker())
            await clock.advance(0.06)  # stopper is inside stop(), waiting for worker
            for _ in range(30):
                await anyio.sleep(0.002)
                await clock.advance(0.001)  # the scan runs (warnings are errors in this suite)
            assert sup.snapshot()["worker"].state != "stopped"
            await clock.advance(0.05)  # worker sees the stop at its tick at 0.1
    assert clock.now() == 0.14


async def test_finalize_timeout_during_an_advance_is_not_reported() -> None:
    """A cancelled daemon's on_stop runs shielded under a wall-clock finalize_timeout; here it
    needs virtual time, which the driver supplies while it waits."""
    clock = SimClock()
    finished: list[float] = []

    class SlowStop(Daemon):
        async def run(self, ctx: Context) -> None:
            await ctx.clock.sleep(math.inf)  # ignores the stop signal: stop() cancels it

        async def on_stop(self, ctx: Context) -> None:
            await ctx.clock.sleep(0.5)
            finished.append(ctx.clock.now())

    async with Supervisor(clock=clock) as sup:
        sup.add(SlowStop(), name="slow")
        await clock.advance(0.1)
        async with anyio.create_task_group() as tg:
            tg.start_soon(sup.stop, 0, 5)
            for _ in range(40):
                await anyio.sleep(0.002)
                await clock.advance(0.02)
    assert finished == [0.6]


async def test_zmq_linger_during_an_advance_is_not_reported() -> None:
    """A daemon's on_stop closes a ZMQ send stream nobody reads: the bounded linger is a wall
    wait of the transport, not of the daemon."""
    clock = SimClock()
    closed = anyio.Event()

    class Publisher(_Idle):
        def __init__(self) -> None:
            self.out = open_zmq_send(
                "inproc://wallwait-linger", linger_ms=200, serde=MsgpackSerde(int)
            )

        async def run(self, ctx: Context) -> None:
            for i in range(1_000_000):  # fill the socket: the end-of-stream cannot be queued
                try:
                    self.out.send_nowait(i)
                except WouldBlock:  # full
                    break
            await ctx.stop_event.wait()

        async def on_stop(self, ctx: Context) -> None:
            await self.out.aclose()
            closed.set()

    async with Supervisor(clock=clock) as sup:
        sup.add(Publisher(), name="publisher")
        await clock.advance(0.1)
        sup.signal_stop()
        with anyio.fail_after(10):
            while not closed.is_set():
                await anyio.sleep(0.005)
                await clock.advance(0.01)
