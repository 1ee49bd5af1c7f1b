"""SimClock's tie order is a function of the program (SPEC §2.3, ADR 0017; RELIABILITY 60, 85).

Every test runs on asyncio and trio; the ones that matter for trio's random task order repeat
their scenario many times inside one run, so a random order would show.
"""

from __future__ import annotations

import anyio
import pytest

from chrono_daemon import (
    Channel,
    Context,
    SimClock,
    Supervisor,
    WouldBlock,
    daemon,
    open_channel,
    simloop,
)

pytestmark = pytest.mark.anyio


@daemon
async def sleep_then_append(ctx: Context, out: list[str], seconds: float = 1.0) -> None:
    await ctx.clock.sleep(seconds)
    out.append(ctx.name)


async def _a_then_b() -> list[str]:
    clock = SimClock()
    out: list[str] = []
    async with Supervisor(clock=clock) as sup:
        sup.add(sleep_then_append(out), name="a")
        sup.add(sleep_then_append(out), name="b")
        await clock.advance(1.0)
    return out


async def test_issue_example_a_then_b_200_times() -> None:
    """Issue 14: trio gave `b, a` in 93 of 200 runs; the add order decides now."""
    for _ in range(200):
        assert await _a_then_b() == ["a", "b"]


async def _two_every_daemons() -> list[tuple[str, float]]:
    clock = SimClock()
    trace: list[tuple[str, float]] = []

    @daemon
    async def ticker(ctx: Context) -> None:
        async for t in ctx.clock.every(0.1):
            trace.append((ctx.name, t))

    async with Supervisor(clock=clock) as sup:
        sup.add(ticker(), name="x")
        sup.add(ticker(), name="y")
        await clock.advance(1.05)
        await sup.stop(grace=0)
    return trace


async def test_two_every_daemons_give_one_trace_100_times() -> None:
    """Issue 14 / RELIABILITY 85: two `every(0.1)` daemons gave 2 traces over 100 trio runs."""
    expected = [(name, round(k * 0.1, 9)) for k in range(1, 11) for name in ("x", "y")]
    for _ in range(100):
        assert await _two_every_daemons() == expected


async def test_many_tied_daemons_started_together_wake_in_add_order() -> None:
    """RELIABILITY 85: ties among daemons started in one batch follow the add order."""
    for _ in range(20):
        clock = SimClock()
        out: list[str] = []
        async with Supervisor(clock=clock) as sup:
            names = [f"d{i:02}" for i in range(30)]
            for name in names:
                sup.add(sleep_then_append(out), name=name)
            await clock.advance(1.0)
        assert out == names


async def test_explicit_order_decides_ties() -> None:
    """`Supervisor.add(order=)` pins a daemon's place (graphs split over processes)."""
    for _ in range(50):
        clock = SimClock()
        out: list[str] = []
        async with Supervisor(clock=clock) as sup:
            sup.add(sleep_then_append(out), name="late", order=7)
            sup.add(sleep_then_append(out), name="early", order=2)
            sup.add(sleep_then_append(out), name="middle", order=5)
            await clock.advance(1.0)
        assert out == ["early", "middle", "late"]


def test_order_must_be_an_int() -> None:
    sup = Supervisor(clock=SimClock())
    with pytest.raises(TypeError, match="order must be an int, got str"):
        sup.add(sleep_then_append([]), order="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="order must be an int, got bool"):
        sup.add(sleep_then_append([]), order=True)


async def _child_and_second() -> list[str]:
    clock = SimClock()
    out: list[str] = []

    @daemon
    async def parent(ctx: Context) -> None:
        async def child() -> None:
            await ctx.clock.sleep(1.0)
            out.append("first's child")

        async with anyio.create_task_group() as tg:
            tg.start_soon(child)

    async with Supervisor(clock=clock) as sup:
        sup.add(parent(), name="first")
        sup.add(sleep_then_append(out), name="second")
        await clock.advance(1.0)
    return out


async def test_child_tasks_share_their_daemons_place() -> None:
    """A daemon's child tasks inherit its order: a child of the first daemon beats the second
    daemon's own tie, whichever task trio happens to start first."""
    for _ in range(50):
        assert await _child_and_second() == ["first's child", "second"]


async def _daemon_then_plain_task() -> list[str]:
    clock = SimClock()
    out: list[str] = []

    async def plain_task() -> None:
        await clock.sleep(1.0)
        out.append("plain task")

    async with Supervisor(clock=clock) as sup, anyio.create_task_group() as tg:
        sup.add(sleep_then_append(out), name="daemon")
        await anyio.wait_all_tasks_blocked()  # the daemon registers its sleep first
        tg.start_soon(plain_task)
        await anyio.wait_all_tasks_blocked()
        await clock.advance(1.0)
    return out


async def test_tasks_outside_daemons_come_before_daemons() -> None:
    """A plain task (the driver's side, order ``()``) registered later still wakes first."""
    for _ in range(20):
        assert await _daemon_then_plain_task() == ["plain task", "daemon"]


async def _nested_supervisor_ties() -> list[str]:
    clock = SimClock()
    out: list[str] = []

    @daemon
    async def host(ctx: Context) -> None:
        async with Supervisor(clock=ctx.clock) as inner:
            inner.add(sleep_then_append(out), name="inner-1")
            inner.add(sleep_then_append(out), name="inner-2")

    async with Supervisor(clock=clock) as sup:
        sup.add(sleep_then_append(out), name="before")
        sup.add(host(), name="host")
        sup.add(sleep_then_append(out), name="after")
        await clock.advance(1.0)
    return out


async def test_nested_supervisor_daemons_sort_inside_their_parent() -> None:
    """Keys nest: the inner supervisor's daemons tie-break after the daemons added before their
    host daemon and before those added after it."""
    for _ in range(30):
        assert await _nested_supervisor_ties() == ["before", "inner-1", "inner-2", "after"]


async def _cascade() -> tuple[str, ...]:
    """Issue 14's cascade: A and B due at t=1, A first; A sends to C, which forwards into a
    buffered channel that B polls with `receive_nowait`. One wake-up at a time, B sees it."""
    clock = SimClock()
    a_to_c: Channel[str] = open_channel()
    c_to_b: Channel[str] = open_channel(4)
    seen: list[str] = []

    @daemon
    async def a(ctx: Context) -> None:
        await ctx.clock.sleep(1.0)
        await a_to_c.send.send("item")

    @daemon
    async def c(ctx: Context) -> None:
        async for item in a_to_c.recv:
            await c_to_b.send.send(item)

    @daemon
    async def b(ctx: Context) -> None:
        await ctx.clock.sleep(1.0)
        try:
            seen.append(c_to_b.recv.receive_nowait())
        except WouldBlock:
            seen.append("nothing")

    async with Supervisor(clock=clock) as sup:
        sup.add(a())
        sup.add(b())  # B's sleep is registered before C even runs: the tie is A, then B
        sup.add(c())
        await clock.advance(2.0)
        await sup.stop(grace=0)
    return tuple(seen)


async def test_cascade_example_one_wake_up_at_a_time() -> None:
    for _ in range(50):
        assert await _cascade() == ("item",)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_cascade_example_on_the_simloop_path(backend: str) -> None:
    async def many() -> list[tuple[str, ...]]:
        return [await _cascade() for _ in range(50)]

    assert simloop.run(many, backend=backend) == [("item",)] * 50


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_issue_example_on_the_simloop_path_200_times(backend: str) -> None:
    async def many() -> list[list[str]]:
        return [await _a_then_b() for _ in range(200)]

    assert simloop.run(many, backend=backend) == [["a", "b"]] * 200


async def _nested_clocks() -> list[tuple[str, float, float]]:
    """A daemon of the outer clock advances its inner supervisor's own clock: that advance is
    part of the outer instant, so the outer clock must not move while it runs."""
    outer = SimClock()
    trace: list[tuple[str, float, float]] = []

    @daemon
    async def inner_ticker(ctx: Context, inner: SimClock) -> None:
        async for t in ctx.clock.every(0.25):
            trace.append((ctx.name, t, outer.now()))

    @daemon
    async def session(ctx: Context) -> None:
        inner = SimClock()
        async with Supervisor(clock=inner) as sup:
            sup.add(inner_ticker(inner), name="inner")
            async for _ in ctx.clock.every(1.0):
                await inner.advance(1.0)
                trace.append(("session", inner.now(), outer.now()))

    @daemon
    async def outer_ticker(ctx: Context) -> None:
        async for t in ctx.clock.every(0.5):
            trace.append((ctx.name, t, outer.now()))

    async with Supervisor(clock=outer) as sup:
        sup.add(session())
        sup.add(outer_ticker(), name="outer")
        await outer.advance(2.0)
        await sup.stop(grace=0)
    return trace


NESTED = [
    ("outer", 0.5, 0.5),
    ("inner", 0.25, 1.0), ("inner", 0.5, 1.0), ("inner", 0.75, 1.0), ("inner", 1.0, 1.0),
    ("session", 1.0, 1.0),
    ("outer", 1.0, 1.0),
    ("outer", 1.5, 1.5),
    ("inner", 1.25, 2.0), ("inner", 1.5, 2.0), ("inner", 1.75, 2.0), ("inner", 2.0, 2.0),
    ("session", 2.0, 2.0),
    ("outer", 2.0, 2.0),
]  # fmt: skip


async def test_nested_supervisor_clock_advances_inside_the_outer_instant() -> None:
    for _ in range(10):
        assert await _nested_clocks() == NESTED


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_nested_clocks_on_the_simloop_path(backend: str) -> None:
    assert simloop.run(_nested_clocks, backend=backend) == NESTED


def test_nested_clocks_on_a_loop_without_a_ready_queue() -> None:
    """uvloop has no `_ready`: the polling fallback gives the same trace."""
    import uvloop  # a dev dependency; only this test needs it

    loop_factory = uvloop.new_event_loop
    traces = [
        anyio.run(_nested_clocks, backend_options={"loop_factory": loop_factory}),
        anyio.run(_a_then_b, backend_options={"loop_factory": loop_factory}),
        anyio.run(_cascade, backend_options={"loop_factory": loop_factory}),
    ]
    assert traces == [NESTED, ["a", "b"], ("item",)]
