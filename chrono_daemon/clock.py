"""Clocks: the one source of time for daemons (SPEC §2.3).

``WallClock`` follows ``time.monotonic``. ``SimClock`` holds virtual time that only a driver
moves, with ``advance``/``advance_to``. Its algorithm (ADR 0006, tie order ADR 0017): sleepers
sit in a heap keyed by ``(deadline, daemon order, registration number)``; an advance pops them
one at a time, sets ``now()`` to the sleeper's deadline, wakes it, and then waits until the
event loop is idle — every task that became runnable, directly or through channels, has run
until it blocks again — before it looks at the heap again. Idleness is observed, not guessed
(``_sim_asyncio``, ``_trio_backend``; ADR 0018 for the opt-in idle hooks of ``simloop``).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING, Literal, Protocol

import anyio

from ._order import current_tag
from ._sim_asyncio import advance as _advance_on_asyncio
from ._waiter import checkpoint, trio_backend
from ._wallwait import check as _check_wall_waits

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ("Clock", "SimClock", "WallClock")

First = Literal["now", "after"]


class Clock(Protocol):
    """What daemons use for time: sleep through ``ctx.clock``, never ``anyio.sleep``."""

    def now(self) -> float:
        """Current time in seconds (monotonic; virtual under ``SimClock``)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds``; a non-positive value is a checkpoint."""
        ...

    async def wait_until(self, deadline: float) -> None:
        """Sleep until ``now() >= deadline``; a deadline not in the future is a checkpoint."""
        ...

    def every(self, period: float, *, first: First = "after") -> AsyncIterator[float]:
        """Yield tick times ``start + k*period``; a late consumer skips missed ticks."""
        ...


# SimClock times (and every() ticks) are rounded to whole nanoseconds, so decimal steps land
# where users expect: ten advance(0.1) reach 1.0, and the tick at 0.3 is due at advance_to(0.3)
# (unrounded, 0.1 * 3 == 0.30000000000000004 and the sum of ten 0.1 is 0.9999999999999999).
_DIGITS = 9


def _quantize(t: float) -> float:
    return round(t, _DIGITS)


def _check_time(value: float, what: str) -> float:
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{what} must not be NaN")
    return value


class _TickSchedule:
    """``every()``'s schedule: tick k is ``start + k*period``, from k, never summed (no drift)."""

    __slots__ = ("_clock", "_k", "_period", "_start")

    def __init__(self, clock: Clock, period: float, first: First) -> None:
        period = _check_time(period, "period")
        if period <= 0 or math.isinf(period):
            raise ValueError(f"period must be positive and finite, got {period}")
        if first not in ("now", "after"):
            raise ValueError(f"first must be 'now' or 'after', got {first!r}")
        self._clock = clock
        self._period = period
        self._start = clock.now()
        self._k = -1 if first == "now" else 0

    def _next_tick(self, now: float) -> float:
        k = self._k + 1
        tick = _quantize(self._start + k * self._period)
        if tick < now:
            # Behind schedule: skip to the first tick not in the past (no burst catch-up).
            k = max(k, math.ceil((now - self._start) / self._period))
            tick = _quantize(self._start + k * self._period)
            if tick < now:  # float rounding in the division
                k += 1
                tick = _quantize(self._start + k * self._period)
        self._k = k
        return tick


class _Ticker(_TickSchedule, AsyncIterator[float]):
    """``every()`` on any clock: sleep until each tick through ``wait_until``."""

    __slots__ = ()

    def __aiter__(self) -> _Ticker:
        return self

    async def __anext__(self) -> float:
        tick = self._next_tick(self._clock.now())
        await self._clock.wait_until(tick)
        return tick


class _SimTicker(_TickSchedule, AsyncIterator[float]):
    """``SimClock.every``: the same ticks, straight onto the clock's heap (hot path).

    ``__anext__`` is a plain method returning the sleeper future itself, whose result the
    clock sets to the tick time: ``async for`` awaits it with no coroutine in between.
    """

    __slots__ = ()

    _clock: SimClock

    def __init__(self, clock: SimClock, period: float, first: First) -> None:
        super().__init__(clock, period, first)
        if _quantize(self._period) <= 0:  # issue 9 item 17: ticks would pile up at one instant
            raise ValueError(
                f"period {period!r} s is below SimClock's resolution (times are whole "
                "nanoseconds): every tick would fall on the same instant; use a period of "
                "at least 1e-09 s"
            )

    def __aiter__(self) -> _SimTicker:
        return self

    def __anext__(self) -> Awaitable[float]:
        clock = self._clock
        now = clock._now
        k = self._k + 1
        tick = round(self._start + k * self._period, _DIGITS)  # _quantize, inlined
        if tick > now:  # on schedule: the common case, kept inline
            self._k = k
        else:
            tick = self._next_tick(now)
            if tick <= now:
                return _checkpoint_then(tick)
        loop = asyncio._get_running_loop()
        if loop is None:
            return _sleep_then(clock, tick)
        # clock._push, inlined: this runs once per tick of every periodic daemon. The future
        # is built directly (what loop.create_future() does, minus a Python frame).
        future: asyncio.Future[float] = asyncio.Future(loop=loop)
        heap = clock._heap
        heapq.heappush(heap, (tick, current_tag.get().order, next(clock._counter), future))
        if len(heap) > clock._compact_at:
            clock._compact()
        return future


async def _checkpoint_then(tick: float) -> float:
    await checkpoint()
    return tick


async def _sleep_then(clock: SimClock, tick: float) -> float:
    await clock._sleep_until(tick)
    return tick


class WallClock:
    """Real time: ``time.monotonic()`` and real sleeps."""

    def now(self) -> float:
        """Return ``time.monotonic()``."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of real time (non-positive: a checkpoint; NaN: ``ValueError``)."""
        seconds = _check_time(seconds, "seconds")
        if seconds <= 0:
            await checkpoint()
        else:
            await anyio.sleep(seconds)

    async def wait_until(self, deadline: float) -> None:
        """Sleep until ``time.monotonic() >= deadline``."""
        deadline = _check_time(deadline, "deadline")
        await self.sleep(deadline - time.monotonic())

    def every(self, period: float, *, first: First = "after") -> AsyncIterator[float]:
        """Yield tick times ``start + k*period`` (see ``Clock.every``)."""
        return _Ticker(self, period, first)


class _Sleeper(Protocol):
    """A parked sleeper: an ``asyncio.Future`` on asyncio, ``_trio_backend.Sleeper`` on trio.

    Its result is its deadline (``_SimTicker`` hands the future to ``async for``); a cancelled
    sleeper is ``done()`` and is skipped when popped.
    """

    def done(self) -> bool: ...

    def set_result(self, result: float, /) -> None: ...


# (deadline, daemon order, registration number, sleeper): ties on the deadline are broken by
# the program-defined daemon order (ADR 0017), then by registration within that order.
_Entry = tuple[float, tuple[int, ...], int, _Sleeper]

# The heap is compacted (cancelled sleepers dropped) when it outgrows twice its size after the
# last compaction, and never below this many entries.
_COMPACT_MIN = 256


class SimClock:
    """Virtual time that moves only when a driver calls ``advance`` or ``advance_to``.

    During an advance, each sleeper whose deadline falls inside the window wakes exactly at its
    deadline (``now()`` equals it while the sleeper runs). Sleepers due at the same instant wake
    one at a time in the program's order: by daemon order (the order daemons were added to
    their supervisor, or the ``order=`` given to ``Supervisor.add``; a daemon's child tasks
    share its place; tasks outside any daemon come first), then in registration order (ADR
    0017). Sleeps registered by woken tasks are honoured when they fall inside the window.
    Everything a wake-up sets in motion at one instant — chains of channel hops included — runs
    until it blocks before the next sleeper wakes. After the advance, ``now()`` is the target.
    Times are whole nanoseconds: a sleep rounds to the nearest one (shorter than half a
    nanosecond: a checkpoint), and an ``every()`` period below one is a ``ValueError``.

    A daemon of a supervisor on this clock that awaits wall-clock time instead (``anyio.sleep``,
    a wall-clock timeout) is reported when an advance starts or ends: a
    ``WallClockWaitWarning`` naming the daemon and the call, once per call site.

    Args:
        t0: the initial time.
        settle_rounds: accepted for compatibility with the original library; settling is now
            exact (the loop is observed idle), so the value only has to be >= 1.
        strict: raise ``WallClockWaitError`` from the advance instead of warning.
    """

    def __init__(self, t0: float = 0.0, *, settle_rounds: int = 8, strict: bool = False) -> None:
        if settle_rounds < 1:
            raise ValueError(f"settle_rounds must be >= 1, got {settle_rounds}")
        self._now = _quantize(_check_time(t0, "t0"))
        self.settle_rounds = settle_rounds
        self._heap: list[_Entry] = []
        self._counter = itertools.count()
        self._compact_at = _COMPACT_MIN
        self._advancing = False
        self._target = self._now  # of the advance in progress
        self.strict = strict
        self._wall_check_at = -math.inf  # see _wallwait.check
        self._wall_waits_seen: set[tuple[str, str]] = set()

    def now(self) -> float:
        """Return the current virtual time."""
        return self._now

    @property
    def advancing(self) -> bool:
        """True while an ``advance``/``advance_to`` of this clock is running (read-only)."""
        return self._advancing

    @property
    def pending(self) -> int:
        """Number of sleepers currently waiting on this clock."""
        return sum(1 for entry in self._heap if not entry[3].done())

    def next_deadline(self) -> float | None:
        """Return the earliest pending deadline, or None when nobody sleeps."""
        self._drop_dead_head()
        return self._heap[0][0] if self._heap else None

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of virtual time (non-positive: a checkpoint; NaN: ``ValueError``)."""
        seconds = _check_time(seconds, "seconds")
        if seconds <= 0:
            await checkpoint()
        else:
            await self.wait_until(self._now + seconds)

    async def wait_until(self, deadline: float) -> None:
        """Sleep until virtual time reaches ``deadline`` (``inf``: until cancelled)."""
        deadline = _quantize(_check_time(deadline, "deadline"))
        if deadline <= self._now:
            await checkpoint()
            return
        await self._sleep_until(deadline)

    async def _sleep_until(self, deadline: float) -> None:
        # The hot path of every sleeping daemon (``_SimTicker`` inlines the asyncio branch).
        loop = asyncio._get_running_loop()
        if loop is not None:
            future = loop.create_future()
            self._push(deadline, future)
            await future
        else:
            sleeper = trio_backend().Sleeper()
            self._push(deadline, sleeper)
            await sleeper.wait()

    def _push(self, deadline: float, sleeper: _Sleeper) -> None:
        heap = self._heap
        heapq.heappush(heap, (deadline, current_tag.get().order, next(self._counter), sleeper))
        if len(heap) > self._compact_at:
            self._compact()

    def _compact(self) -> None:
        # Drop cancelled sleepers; amortised O(1), bounds memory under cancel storms. In place:
        # an advance in progress holds a reference to this list.
        heap = self._heap
        heap[:] = [entry for entry in heap if not entry[3].done()]
        heapq.heapify(heap)
        self._compact_at = max(_COMPACT_MIN, 2 * len(heap))

    def every(self, period: float, *, first: First = "after") -> AsyncIterator[float]:
        """Yield tick times ``start + k*period`` (see ``Clock.every``).

        Raises:
            ValueError: ``period`` is not positive and finite, is below one nanosecond, or
                ``first`` is not ``"now"``/``"after"``.
        """
        return _SimTicker(self, period, first)

    async def advance(self, dt: float) -> None:
        """Move virtual time forward by ``dt`` seconds, running everything due on the way.

        Raises:
            ValueError: ``dt`` is negative or NaN.
        """
        dt = _check_time(dt, "dt")
        if dt < 0:
            raise ValueError(f"cannot advance by a negative amount ({dt}); time can't go back")
        await self.advance_to(self._now + dt)

    async def advance_to(self, t: float) -> None:
        """Move virtual time forward to ``t``; a ``t`` in the past is a no-op.

        Raises:
            RuntimeError: another advance of this clock is in progress.
            WallClockWaitError: ``strict`` and a daemon awaits wall-clock time.
        """
        t = _quantize(_check_time(t, "t"))
        if t < self._now:
            return
        if self._advancing:
            raise RuntimeError("SimClock.advance called while another advance is in progress")
        self._advancing = True
        self._target = t
        try:
            _check_wall_waits(self)
            loop = asyncio._get_running_loop()
            if loop is not None:
                await _advance_on_asyncio(self, loop, t)
            else:
                await trio_backend().advance(self, t)
            self._now = t
            _check_wall_waits(self)
        finally:
            self._advancing = False

    def _pop_due(self, t: float) -> _Sleeper | None:
        """Pop the next live sleeper due at or before ``t`` and move ``now`` to its deadline."""
        heap = self._heap
        while heap and heap[0][0] <= t:
            deadline, _, _, sleeper = heapq.heappop(heap)
            if sleeper.done():  # cancelled before its deadline
                continue
            if deadline > self._now:
                self._now = deadline
            return sleeper
        return None

    async def _advance_polling(
        self, t: float, wait_idle: Callable[[], Awaitable[None]], active: list[SimClock]
    ) -> None:
        """Advance by waiting for idle with ``wait_idle`` before each wake-up.

        ``active`` lists the advances in progress in this event loop, oldest first: only the
        newest wakes anyone, so an advance nested in another clock's instant (a daemon of an
        outer supervisor advancing its inner supervisor's clock) completes first.
        """
        active.append(self)
        try:
            while True:
                await wait_idle()
                if active[-1] is not self:
                    continue
                sleeper = self._pop_due(t)
                if sleeper is None:
                    return
                sleeper.set_result(self._now)  # _pop_due moved now to its deadline
        finally:
            active.remove(self)

    def _drop_dead_head(self) -> None:
        heap = self._heap
        while heap and heap[0][3].done():
            heapq.heappop(heap)
