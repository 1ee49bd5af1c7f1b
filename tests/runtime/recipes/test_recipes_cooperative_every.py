"""cooperative_every: clock ticks that end as soon as the daemon is asked to stop."""

from __future__ import annotations

import anyio
import pytest

from chrono_daemon import Context, SimClock, Supervisor
from chrono_daemon.recipes import coordination
from chrono_daemon.recipes.cooperative_every import cooperative_every

pytestmark = pytest.mark.anyio


async def test_ticks_like_clock_every_and_ends_promptly_on_stop(anyio_backend: object) -> None:
    clock = SimClock()
    ticks: list[float] = []
    finished: list[float] = []

    async def loop(ctx: Context) -> None:
        ticks.extend([t async for t in cooperative_every(ctx, 0.25)])
        finished.append(ctx.clock.now())  # reached only if the loop ended on its own

    async with Supervisor(clock=clock) as sup:
        sup.spawn(loop)
        await clock.advance(1.1)
        # Nobody advances the clock any more: the loop must end without its next tick.
        with anyio.fail_after(5):  # wall-clock bound: the stop must not wait for its grace
            await sup.stop(grace=30)
    assert ticks == [0.25, 0.5, 0.75, 1.0]
    assert finished == [1.1]
    assert sup.snapshot()["loop"].state == "stopped"


async def test_a_stop_during_a_step_ends_the_loop_before_the_next_tick(
    anyio_backend: object,
) -> None:
    clock = SimClock()
    steps: list[float] = []

    async def loop(ctx: Context) -> None:
        async for t in cooperative_every(ctx, 1.0, first="now"):
            steps.append(t)
            if t == 2.0:
                ctx.supervisor.signal_stop()
                await ctx.clock.sleep(0.5)  # the running step is not interrupted
                steps.append(ctx.clock.now())

    async with Supervisor(clock=clock) as sup:
        sup.spawn(loop)
        await clock.advance(10.0)
        assert sup.snapshot()["loop"].state == "stopped"
    assert steps == [0.0, 1.0, 2.0, 2.5]


async def test_already_stopping_yields_nothing(anyio_backend: object) -> None:
    clock = SimClock()
    steps: list[float] = []

    async def loop(ctx: Context) -> None:
        steps.extend([t async for t in cooperative_every(ctx, 1.0, first="now")])

    sup = Supervisor(clock=clock)
    sup.signal_stop()
    async with sup:
        sup.spawn(loop)
    assert steps == []


async def test_bad_period_is_a_value_error(anyio_backend: object) -> None:
    async def loop(ctx: Context) -> None:
        cooperative_every(ctx, 0.0)

    with pytest.raises(ExceptionGroup) as info:
        async with Supervisor(clock=SimClock()) as sup:
            sup.spawn(loop)
    assert isinstance(info.value.exceptions[0].__cause__, ValueError)


def test_subpackage_and_flat_module_export_the_same_object() -> None:
    assert coordination.cooperative_every is cooperative_every


async def test_a_stop_ends_every_loop_of_its_supervisor_and_no_other(
    anyio_backend: object,
) -> None:
    clock = SimClock()
    ended: list[str] = []

    async def loop(ctx: Context) -> None:
        async for _ in cooperative_every(ctx, 0.1):
            pass
        ended.append(ctx.name)

    async with Supervisor(clock=clock) as outer:

        async def inner_host(ctx: Context) -> None:
            async with Supervisor(clock=clock) as inner:
                for i in range(3):
                    inner.spawn(loop, name=f"inner{i}")
                await ctx.stop_event.wait()
                await inner.stop(grace=30)

        for i in range(3):
            outer.spawn(loop, name=f"outer{i}")
        outer.spawn(inner_host)
        await clock.advance(1.0)
        assert ended == []
        with anyio.fail_after(5):  # wall-clock bound: no stop may wait for its grace
            await outer.stop(grace=30)
    assert sorted(ended) == ["inner0", "inner1", "inner2", "outer0", "outer1", "outer2"]


async def test_stopping_one_supervisor_leaves_another_ticking(anyio_backend: object) -> None:
    clock = SimClock()
    ticks: dict[str, int] = {"a": 0, "b": 0}

    async def loop(ctx: Context, key: str) -> None:
        async for _ in cooperative_every(ctx, 0.1):
            ticks[key] += 1

    async with Supervisor(clock=clock) as a, Supervisor(clock=clock) as b:
        a.spawn(loop, "a")
        b.spawn(loop, "b")
        await clock.advance(0.5)
        with anyio.fail_after(5):
            await a.stop(grace=30)
        await clock.advance(0.5)
        assert ticks["a"] == 5
        assert ticks["b"] == 10
        with anyio.fail_after(5):
            await b.stop(grace=30)
