"""Clock semantics (SPEC §2.3; RELIABILITY 59-62), on asyncio and trio."""

from __future__ import annotations

import math

import anyio
import pytest

from chrono_daemon import Channel, Clock, SimClock, WallClock, open_channel

pytestmark = pytest.mark.anyio


async def test_canary_three_sleepers_wake_in_order_under_one_advance() -> None:
    """The named canary: if this fails, SimClock's core promise is broken."""
    clock = SimClock()
    woke: list[tuple[int, float]] = []

    async def sleeper(seconds: int) -> None:
        await clock.sleep(seconds)
        woke.append((seconds, clock.now()))

    async with anyio.create_task_group() as tg:
        for seconds in (3, 1, 2):
            tg.start_soon(sleeper, seconds)
        await clock.advance(5)
    assert woke == [(1, 1.0), (2, 2.0), (3, 3.0)]
    assert clock.now() == 5.0


async def test_ties_wake_in_registration_order() -> None:
    clock = SimClock()
    woke: list[int] = []

    async def sleeper(i: int) -> None:
        await clock.wait_until(1.0)
        woke.append(i)

    async with anyio.create_task_group() as tg:
        for i in range(50):
            tg.start_soon(sleeper, i)
            await anyio.wait_all_tasks_blocked()  # registration order == i
        await clock.advance(1.0)
    assert woke == list(range(50))


async def test_sleeps_registered_during_advance_are_honoured() -> None:
    clock = SimClock()
    times: list[float] = []

    async def chain() -> None:
        for _ in range(4):
            await clock.sleep(0.25)
            times.append(clock.now())

    async with anyio.create_task_group() as tg:
        tg.start_soon(chain)
        await clock.advance(0.9)
        assert times == [0.25, 0.5, 0.75]
        await clock.advance(0.2)
    assert times == [0.25, 0.5, 0.75, 1.0]


async def test_multi_hop_chain_completes_before_time_moves() -> None:
    """A wakes, sends to B, B forwards to C, C registers a sleep: all at one instant."""
    clock = SimClock()
    ab: Channel[float] = open_channel()
    bc: Channel[float] = open_channel()
    trace: list[tuple[str, float]] = []

    async def a() -> None:
        async for t in clock.every(1.0):
            trace.append(("a", t))
            await ab.send.send(t)

    async def b() -> None:
        async for t in ab.recv:
            trace.append(("b", clock.now()))
            await bc.send.send(t)

    async def c() -> None:
        async for _ in bc.recv:
            trace.append(("c", clock.now()))
            await clock.sleep(0.5)
            trace.append(("c-slept", clock.now()))

    async with anyio.create_task_group() as tg:
        for fn in (a, b, c):
            tg.start_soon(fn)
        await clock.advance(2.2)
        tg.cancel_scope.cancel()
    assert trace == [
        ("a", 1.0), ("b", 1.0), ("c", 1.0), ("c-slept", 1.5),
        ("a", 2.0), ("b", 2.0), ("c", 2.0),
    ]  # fmt: skip


async def test_thousand_periodic_tasks_count_exactly() -> None:
    """RELIABILITY 59: the original lost ticks; every tick here is counted exactly."""
    clock = SimClock()
    periods = [(10 + 10 * (i % 7)) / 1000 for i in range(1000)]
    counts = [0] * len(periods)
    end = 1.005  # half a 10 ms period away from every tick

    async def ticker(i: int) -> None:
        async for _ in clock.every(periods[i]):
            counts[i] += 1

    async with anyio.create_task_group() as tg:
        for i in range(len(periods)):
            tg.start_soon(ticker, i)
        await clock.advance_to(end)
        tg.cancel_scope.cancel()
    expected = [math.floor(end / p + 1e-9) for p in periods]
    assert counts == expected
    assert sum(counts) == sum(expected)


async def test_every_does_not_drift() -> None:
    """RELIABILITY 61: tick k is start + k*period from an integer k, never a running sum."""
    clock = SimClock(t0=0.1)
    ticks: list[float] = []

    async def consumer() -> None:
        async for t in clock.every(0.1):
            ticks.append(t)
            assert clock.now() == t

    async with anyio.create_task_group() as tg:
        tg.start_soon(consumer)
        await clock.advance_to(0.1 + 1000 * 0.1 + 0.05)
        tg.cancel_scope.cancel()
    assert len(ticks) == 1000
    assert ticks == [round(0.1 + k * 0.1, 9) for k in range(1, 1001)]


async def test_decimal_steps_land_on_ticks() -> None:
    """RELIABILITY 61: no tick missing at boundaries such as t = 0.3 (times are whole ns)."""
    clock = SimClock()
    ticks: list[float] = []

    async def consumer() -> None:
        async for t in clock.every(0.1):
            ticks.append(t)

    async with anyio.create_task_group() as tg:
        tg.start_soon(consumer)
        await clock.advance_to(0.3)
        assert ticks == [0.1, 0.2, 0.3]
        for _ in range(7):
            await clock.advance(0.1)
        assert clock.now() == 1.0
        assert ticks == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
        tg.cancel_scope.cancel()


async def test_every_first_now_and_skipping_missed_ticks() -> None:
    clock = SimClock()
    ticks: list[float] = []

    async def slow_consumer() -> None:
        async for t in clock.every(1.0, first="now"):
            ticks.append(t)
            if t == 1.0:
                await clock.sleep(2.5)  # falls behind: 2.0 and 3.0 are skipped

    async with anyio.create_task_group() as tg:
        tg.start_soon(slow_consumer)
        await clock.advance(5.5)
        tg.cancel_scope.cancel()
    assert ticks == [0.0, 1.0, 4.0, 5.0]


def test_every_rejects_bad_periods() -> None:
    clock = SimClock()
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="period"):
            clock.every(bad)
    with pytest.raises(ValueError, match="first"):
        clock.every(1.0, first="later")  # type: ignore[arg-type]


def test_simclock_argument_validation() -> None:
    with pytest.raises(ValueError, match="settle_rounds"):
        SimClock(settle_rounds=0)
    assert SimClock(settle_rounds=3).settle_rounds == 3
    assert SimClock(t0=2.5).now() == 2.5


async def test_advance_validation_and_past_targets() -> None:
    clock = SimClock(t0=1.0)
    with pytest.raises(ValueError, match="negative"):
        await clock.advance(-0.1)
    with pytest.raises(ValueError, match="NaN"):
        await clock.advance(math.nan)
    await clock.advance_to(0.5)  # the past: a no-op
    assert clock.now() == 1.0
    await clock.advance(0)
    assert clock.now() == 1.0


async def test_sleep_edge_cases() -> None:
    """RELIABILITY 62: 0 and negative are checkpoints, NaN raises, inf sleeps until cancelled."""
    clock = SimClock()
    await clock.sleep(0)
    await clock.sleep(-1)
    with pytest.raises(ValueError, match="NaN"):
        await clock.sleep(math.nan)
    with pytest.raises(ValueError, match="NaN"):
        await clock.wait_until(math.nan)
    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.sleep, math.inf)
        await clock.advance(1e9)
        assert clock.pending == 1
        tg.cancel_scope.cancel()
    assert clock.pending == 0


async def test_cancelled_sleepers_leave_the_queue() -> None:
    clock = SimClock()
    for _ in range(3000):
        with anyio.CancelScope() as scope:
            scope.cancel()
            await clock.sleep(1.0)
        with anyio.move_on_after(0):
            await clock.sleep(1.0)
    assert clock.pending == 0
    assert len(clock._heap) <= 512  # compaction bounds memory, no leak
    assert clock.next_deadline() is None
    woke: list[float] = []

    async def sleeper() -> None:
        await clock.sleep(1.0)
        woke.append(clock.now())

    async with anyio.create_task_group() as tg:
        tg.start_soon(sleeper)
        await clock.advance(2.0)
    assert woke == [1.0]


async def test_concurrent_advance_is_refused() -> None:
    clock = SimClock()

    async def busy() -> None:
        await clock.sleep(1.0)
        with pytest.raises(RuntimeError, match="another advance"):
            await clock.advance(1.0)

    async with anyio.create_task_group() as tg:
        tg.start_soon(busy)
        await clock.advance(1.0)


async def test_wallclock_basics() -> None:
    clock: Clock = WallClock()
    before = clock.now()
    await clock.sleep(0)
    await clock.sleep(-1)
    await clock.wait_until(before)  # in the past: a checkpoint
    assert clock.now() >= before
    with pytest.raises(ValueError, match="NaN"):
        await clock.sleep(math.nan)
    ticks = clock.every(1e-4, first="now")
    assert await ticks.__anext__() >= before


async def test_traces_are_identical_across_runs() -> None:
    """RELIABILITY 60 (per backend here; across backends in test_cross_backend_trace)."""
    assert await _trace() == await _trace()


async def _trace() -> list[tuple[str, float]]:
    clock = SimClock()
    trace: list[tuple[str, float]] = []
    ch: Channel[str] = open_channel(2)

    async def ticker(name: str, period: float) -> None:
        async for t in clock.every(period):
            trace.append((name, t))
            if name == "a":
                await ch.send.send(name)

    async def sink() -> None:
        async for item in ch.recv:
            trace.append(("sink:" + item, clock.now()))

    async with anyio.create_task_group() as tg:
        for name, period in (("a", 0.3), ("b", 0.2), ("c", 0.6)):
            tg.start_soon(ticker, name, period)
        tg.start_soon(sink)
        await clock.advance(3.05)
        tg.cancel_scope.cancel()
    return trace


def test_cross_backend_trace() -> None:
    """The determinism invariant: the same trace on asyncio and trio."""
    traces = [anyio.run(_trace, backend=b) for b in ("asyncio", "trio")]
    assert traces[0] == traces[1]
    assert len(traces[0]) > 20


def test_sub_nanosecond_periods_are_rejected() -> None:
    """Issue 9 item 17: every(1e-10) gave 105 ticks at 11 distinct times, some at the start
    even with first="after"; a period below the 1 ns resolution is refused instead."""
    clock = SimClock()
    for bad in (1e-10, 4.9e-10):
        with pytest.raises(ValueError, match=r"below SimClock's resolution.*at least 1e-09 s"):
            clock.every(bad)
    clock.every(1e-9)  # one nanosecond is fine
    WallClock().every(1e-10)  # real time has no such resolution


async def test_nanosecond_periods_tick_at_distinct_times_after_the_start() -> None:
    clock = SimClock(t0=3.0)
    ticks: list[float] = []

    async def consumer() -> None:
        async for t in clock.every(1e-9):
            ticks.append(t)

    async with anyio.create_task_group() as tg:
        tg.start_soon(consumer)
        await clock.advance(1e-8)
        tg.cancel_scope.cancel()
    assert ticks == [round(3.0 + k * 1e-9, 9) for k in range(1, 11)]
    assert len(set(ticks)) == 10


async def test_sleeps_round_to_the_nearest_nanosecond() -> None:
    """Issue 9 item 17, defined: a positive sleep shorter than half a nanosecond is a checkpoint
    (like sleep(0): computed remainders such as 0.1 * 3 - 0.3 must not crash a daemon); from
    half a nanosecond on, it sleeps one."""
    clock = SimClock(t0=1.0)
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.now()))

    async with anyio.create_task_group() as tg:
        tg.start_soon(sleeper, "noise", 0.1 * 3 - 0.3)
        tg.start_soon(sleeper, "0.4 ns", 4e-10)
        await anyio.wait_all_tasks_blocked()
        assert sorted(woke) == [("0.4 ns", 1.0), ("noise", 1.0)]  # checkpoints: no time moved
        tg.start_soon(sleeper, "0.6 ns", 6e-10)
        await anyio.wait_all_tasks_blocked()
        assert clock.pending == 1
        await clock.advance(1e-9)
    assert woke[-1] == ("0.6 ns", 1.000000001)


async def test_time_does_not_move_while_a_task_only_checkpoints() -> None:
    """RELIABILITY 63: the clock never jumps past work in progress at the current instant."""
    clock = SimClock()
    seen: list[float] = []
    woke: list[float] = []

    async def busy() -> None:
        for _ in range(500):
            seen.append(clock.now())
            await anyio.lowlevel.checkpoint()

    async def sleeper() -> None:
        await clock.sleep(1.0)
        woke.append(clock.now())

    async with anyio.create_task_group() as tg:
        tg.start_soon(sleeper)
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(busy)
        await clock.advance(2.0)
    assert seen == [0.0] * 500
    assert woke == [1.0]
