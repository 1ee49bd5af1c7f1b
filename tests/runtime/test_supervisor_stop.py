"""Supervisor.stop traps (issue 9, items 11 and 15), on asyncio and trio.

The wall-clock bounds below (``anyio.fail_after``) are far below the ``grace`` passed to
``stop``: each test fails if ``stop`` waited for the grace, and never sleeps itself.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from chrono_daemon import Channel, Context, Daemon, SimClock, Supervisor, daemon, open_channel

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

pytestmark = pytest.mark.anyio

STOP_MESSAGES = "stop: cancelled the daemons"


def stop_messages(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if STOP_MESSAGES in r.getMessage()]


async def stop_while(
    clock: SimClock,
    hosted: Daemon,
    outside: Callable[[], Coroutine[Any, Any, None]],
    *,
    grace: float,
) -> None:
    """Start ``hosted``, run ``outside`` next to the supervisor, and stop it with ``grace``."""
    with anyio.fail_after(10):  # far below grace: reaching it means stop() waited for it
        async with Supervisor(clock=clock) as sup, anyio.create_task_group() as tg:
            sup.add(hosted)
            await sup.wait_all_started()
            tg.start_soon(outside)
            await sup.stop(grace=grace)


# -- item 11: stop(grace) under a SimClock nobody advances ---------------------------------------


async def test_stop_does_not_burn_wall_grace_on_daemons_asleep_on_sim_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The README's "model latency" pattern, stopped mid-sleep: cancelled at once, and named."""
    clock = SimClock()
    steps: list[float] = []

    @daemon
    async def policy(ctx: Context) -> None:
        async for _ in ctx.clock.every(0.1):
            await ctx.clock.sleep(0.005)  # model latency
            steps.append(ctx.clock.now())

    @daemon
    async def polite(ctx: Context) -> None:
        await ctx.stop_event.wait()

    caplog.set_level(logging.INFO, logger="chrono_daemon")
    with anyio.fail_after(10):  # grace is 60 s: reaching this bound means stop() waited for it
        async with Supervisor(clock=clock) as sup:
            sup.add(policy())
            sup.add(polite())
            await clock.advance(0.1025)  # mid-sleep: the step began at 0.1 and ends at 0.105
            await sup.stop(grace=60.0)
    assert steps == []
    assert {h.state for h in sup.snapshot().values()} == {"stopped"}
    assert stop_messages(caplog) == [
        (
            logging.INFO,
            "stop: cancelled the daemons waiting on SimClock time that nobody advances "
            "(t=0.1025): policy",
        )
    ]


async def test_daemons_blocked_behind_a_sim_sleeper_are_cancelled_with_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = SimClock()
    link: Channel[int] = open_channel(0)
    got: list[int] = []

    @daemon
    async def producer(ctx: Context) -> None:
        try:
            await ctx.clock.sleep(3600)
            await link.send.send(1)
        finally:
            await link.send.aclose()

    @daemon
    async def consumer(ctx: Context) -> None:
        async for item in link.recv:  # waits on the sleeper, so on virtual time too
            got.append(item)

    caplog.set_level(logging.INFO, logger="chrono_daemon")
    with anyio.fail_after(10):
        async with Supervisor(clock=clock) as sup:
            sup.add(producer())
            sup.add(consumer())
            await sup.wait_all_started()
            await sup.stop(grace=60.0)
    assert got == []
    [(_, message)] = stop_messages(caplog)
    assert message.endswith("(t=0): producer, consumer")  # in add order
    assert {h.state for h in sup.snapshot().values()} == {"stopped"}


async def test_an_advance_in_progress_is_not_mistaken_for_a_stall() -> None:
    """A driver still advancing the clock moves the sleepers: stop waits for them to return."""
    clock = SimClock()
    done: list[float] = []

    @daemon
    async def finisher(ctx: Context) -> None:
        await ctx.clock.sleep(1.0)
        done.append(ctx.clock.now())

    async def drive() -> None:
        for _ in range(20):
            await clock.advance(0.1)
            await anyio.lowlevel.checkpoint()  # a real driver yields between steps

    await stop_while(clock, finisher(), drive, grace=60.0)
    assert done == [1.0]


async def test_wall_grace_still_bounds_waits_on_other_things(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nobody asleep on the SimClock: a daemon waiting on something else gets the grace."""
    clock = SimClock()
    release = anyio.Event()
    released: list[bool] = []

    @daemon
    async def waits_on_the_world(ctx: Context) -> None:
        await release.wait()  # set by a task outside the supervisor, as I/O would
        released.append(True)

    async def world() -> None:
        await anyio.wait_all_tasks_blocked()
        await anyio.sleep(0.05)  # stands for real I/O: real time passes outside the graph
        release.set()

    caplog.set_level(logging.INFO, logger="chrono_daemon")
    await stop_while(clock, waits_on_the_world(), world, grace=30.0)
    assert released == [True]
    assert stop_messages(caplog) == []


async def test_grace_expiry_names_the_cancelled_daemons_as_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @daemon
    async def deaf(ctx: Context) -> None:
        await anyio.sleep_forever()  # ignores the stop signal

    @daemon
    async def polite(ctx: Context) -> None:
        await ctx.stop_event.wait()

    caplog.set_level(logging.INFO, logger="chrono_daemon")
    async with Supervisor() as sup:
        sup.add(deaf())
        sup.add(polite())
        await sup.wait_all_started()
        await sup.stop(grace=0.01)
    assert stop_messages(caplog) == [
        (logging.WARNING, "stop: cancelled the daemons still running after grace=0.01s: deaf")
    ]


async def test_grace_zero_logs_what_it_cancelled_quietly(caplog: pytest.LogCaptureFixture) -> None:
    @daemon
    async def deaf(ctx: Context) -> None:
        await anyio.sleep_forever()

    caplog.set_level(logging.INFO, logger="chrono_daemon")
    async with Supervisor() as sup:
        sup.add(deaf())
        await sup.wait_all_started()
        await sup.stop(grace=0)
    assert stop_messages(caplog) == [
        (logging.INFO, "stop: cancelled the daemons still running after grace=0s: deaf")
    ]


# -- item 15: stop() from many daemons at once ---------------------------------------------------


@pytest.mark.parametrize("grace", [0.5, 60.0])
@pytest.mark.parametrize("callers", [2, 20])
async def test_stop_from_many_daemons_at_once_returns_at_once_for_each(
    callers: int, grace: float, caplog: pytest.LogCaptureFixture
) -> None:
    """Waiting for each other, every caller would sit out the grace: with 60 s the wall bound
    trips; with 0.5 s the first caller to give up would cancel the others inside stop()."""
    clock = SimClock()
    returned: list[str] = []
    cleaned: list[str] = []

    class Harness(Daemon):
        async def run(self, ctx: Context) -> None:
            await ctx.clock.sleep(1.0)  # every harness wakes at the same instant
            await ctx.supervisor.stop(grace=grace)
            returned.append(ctx.name)

        async def on_stop(self, ctx: Context) -> None:
            cleaned.append(ctx.name)

    caplog.set_level(logging.INFO, logger="chrono_daemon")
    with anyio.fail_after(10):
        async with Supervisor(clock=clock) as sup:
            for i in range(callers):
                sup.add(Harness(), name=f"harness{i}")
            await clock.advance(1.0)
    assert sorted(returned) == sorted(cleaned) == sorted(f"harness{i}" for i in range(callers))
    assert {h.state for h in sup.snapshot().values()} == {"stopped"}
    assert stop_messages(caplog) == []  # nobody had to be cancelled


async def test_daemons_calling_stop_still_wait_for_the_daemons_that_do_not() -> None:
    events: list[str] = []

    class Harness(Daemon):
        async def run(self, ctx: Context) -> None:
            await ctx.supervisor.stop(grace=30.0)
            events.append(f"{ctx.name} returned")

    class Worker(Daemon):
        async def run(self, ctx: Context) -> None:
            await ctx.stop_event.wait()
            await anyio.lowlevel.checkpoint()
            events.append("worker returned")

    with anyio.fail_after(10):
        async with Supervisor() as sup:
            sup.add(Worker(), name="worker")
            await sup.wait_all_started()
            sup.add(Harness(), name="a")
            sup.add(Harness(), name="b")
    assert events[0] == "worker returned"
    assert sorted(events[1:]) == ["a returned", "b returned"]


async def test_an_outside_stop_joins_daemons_that_called_stop() -> None:
    @daemon
    async def harness(ctx: Context) -> None:
        await ctx.supervisor.stop(grace=30.0)
        await anyio.sleep_forever()  # cancelled here, right after stop() returned

    with anyio.fail_after(10):
        async with Supervisor() as sup:
            sup.add(harness())
            sup.add(harness(), name="harness2")
            await sup.wait_all_started()
            await anyio.wait_all_tasks_blocked()
            await sup.stop(grace=30.0)
            assert {h.state for h in sup.snapshot().values()} == {"stopped"}
