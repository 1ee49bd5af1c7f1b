"""Clocks: the one source of time for daemons (SPEC §2.3).

``WallClock`` follows ``time.monotonic``. ``SimClock`` holds virtual time that only a driver
moves, with ``advance``/``advance_to``. Its algorithm (ADR 0006): sleepers sit in a heap keyed by
``(deadline, registration number)``; an advance pops them one at a time, sets ``now()`` to the
sleeper's deadline, wakes it, and then waits until the event loop is idle — every task that
became runnable, directly or through channels, has run until it blocks again — before it looks
at the heap again. Idleness is observed, not guessed: on asyncio the loop's ready queue is
empty; on other backends ``anyio.wait_all_tasks_blocked()``.
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

from ._waiter import checkpoint

if TYPE_CHECKING:
    from collections import deque

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
        heapq.heappush(heap, (tick, next(clock._counter), future))
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


class _EventSleeper:
    """A sleeper for non-asyncio backends, shaped like the ``asyncio.Future`` subset we use."""

    __slots__ = ("_cancelled", "_event")

    def __init__(self) -> None:
        self._event = anyio.Event()
        self._cancelled = False

    def done(self) -> bool:
        return self._cancelled or self._event.is_set()

    def set_result(self, _: float) -> None:
        self._event.set()

    async def wait(self) -> None:
        try:
            await self._event.wait()
        except BaseException:
            self._cancelled = not self._event.is_set()
            raise


# A sleeper's result is its deadline (``_SimTicker`` hands the future to ``async for``).
_Sleeper = asyncio.Future[float] | _EventSleeper


# The heap is compacted (cancelled sleepers dropped) when it outgrows twice its size after the
# last compaction, and never below this many entries.
_COMPACT_MIN = 256


class SimClock:
    """Virtual time that moves only when a driver calls ``advance`` or ``advance_to``.

    During an advance, each sleeper whose deadline falls inside the window wakes exactly at its
    deadline (``now()`` equals it while the sleeper runs), in ``(deadline, registration order)``
    order; sleeps registered by woken tasks are honoured when they fall inside the window.
    Everything a wake-up sets in motion at one instant — chains of channel hops included — runs
    until it blocks before the clock moves on. After the advance, ``now()`` is the target.

    Args:
        t0: the initial time.
        settle_rounds: accepted for compatibility with the original library; settling is now
            exact (the loop is observed idle), so the value only has to be >= 1.
    """

    def __init__(self, t0: float = 0.0, *, settle_rounds: int = 8) -> None:
        if settle_rounds < 1:
            raise ValueError(f"settle_rounds must be >= 1, got {settle_rounds}")
        self._now = _quantize(_check_time(t0, "t0"))
        self.settle_rounds = settle_rounds
        self._heap: list[tuple[float, int, _Sleeper]] = []
        self._counter = itertools.count()
        self._compact_at = _COMPACT_MIN
        self._advancing = False

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
        return sum(1 for entry in self._heap if not entry[2].done())

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
        # The hot path of every periodic daemon (``_SimTicker`` inlines the asyncio branch).
        # A cancelled asyncio future is done(), so it is skipped when popped: no bookkeeping.
        loop = asyncio._get_running_loop()
        if loop is not None:
            future = loop.create_future()
            self._push(deadline, future)
            await future
        else:
            sleeper = _EventSleeper()
            self._push(deadline, sleeper)
            await sleeper.wait()

    def _push(self, deadline: float, sleeper: _Sleeper) -> None:
        heap = self._heap
        heapq.heappush(heap, (deadline, next(self._counter), sleeper))
        if len(heap) > self._compact_at:
            self._compact()

    def _compact(self) -> None:
        # Drop cancelled sleepers; amortised O(1), bounds memory under cancel storms. In place:
        # an advance in progress holds a reference to this list.
        heap = self._heap
        heap[:] = [entry for entry in heap if not entry[2].done()]
        heapq.heapify(heap)
        self._compact_at = max(_COMPACT_MIN, 2 * len(heap))

    def every(self, period: float, *, first: First = "after") -> AsyncIterator[float]:
        """Yield tick times ``start + k*period`` (see ``Clock.every``)."""
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
        """
        t = _quantize(_check_time(t, "t"))
        if t < self._now:
            return
        if self._advancing:
            raise RuntimeError("SimClock.advance called while another advance is in progress")
        self._advancing = True
        try:
            loop = asyncio._get_running_loop()
            ready: deque[asyncio.Handle] | None = getattr(loop, "_ready", None)
            if loop is not None and ready is not None:
                await _AsyncioPump(self, loop, ready, t).run()
            else:
                await self._advance_with_anyio(t)
            self._now = t
        finally:
            self._advancing = False

    def _pop_due(self, t: float) -> _Sleeper | None:
        """Pop the next live sleeper due at or before ``t`` and move ``now`` to its deadline."""
        heap = self._heap
        while heap and heap[0][0] <= t:
            deadline, _, sleeper = heapq.heappop(heap)
            if sleeper.done():  # cancelled before its deadline
                continue
            if deadline > self._now:
                self._now = deadline
            return sleeper
        return None

    async def _advance_with_anyio(self, t: float) -> None:
        await anyio.wait_all_tasks_blocked()
        while (sleeper := self._pop_due(t)) is not None:
            sleeper.set_result(self._now)  # _pop_due moved now to its deadline
            await anyio.wait_all_tasks_blocked()

    def _drop_dead_head(self) -> None:
        heap = self._heap
        while heap and heap[0][2].done():
            heapq.heappop(heap)


# The handles of every advance in progress. Another clock's pump waiting in the ready queue is
# not work at this instant; without this, two SimClocks advancing in one loop would each wait
# for the other's handle to leave the queue, forever.
_PUMP_HANDLES: set[asyncio.Handle] = set()


def advancing_on_asyncio() -> bool:
    """True while some SimClock advance runs on an asyncio loop in this process."""
    return bool(_PUMP_HANDLES)


def _only_pumps(ready: deque[asyncio.Handle]) -> bool:
    return len(ready) <= len(_PUMP_HANDLES) and all(h in _PUMP_HANDLES for h in ready)


class _AsyncioPump:
    """Drives one advance on asyncio as a loop callback instead of a task.

    Every runnable task or callback sits in the loop's ready queue, so when this callback runs
    and finds the queue empty, every other task is blocked: the instant is settled and the next
    sleeper may wake. A plain callback per wake-up is much cheaper than resuming the driver task.
    """

    __slots__ = ("_active", "_clock", "_done", "_handle", "_loop", "_ready", "_target")

    def __init__(
        self,
        clock: SimClock,
        loop: asyncio.AbstractEventLoop,
        ready: deque[asyncio.Handle],
        target: float,
    ) -> None:
        self._clock = clock
        self._loop = loop
        self._ready = ready
        self._target = target
        self._done: asyncio.Future[None] = loop.create_future()
        self._active = True
        # One handle, re-queued for every wake-up: loop.call_soon would build a new Handle
        # (and copy the context) each time, a measurable share of a wake-up's cost.
        self._handle = asyncio.Handle(self._step, (), loop, None)

    async def run(self) -> None:
        _PUMP_HANDLES.add(self._handle)
        self._ready.append(self._handle)
        try:
            await self._done
        finally:
            self._active = False  # cancelled driver: stop waking sleepers
            _PUMP_HANDLES.discard(self._handle)

    def _step(self) -> None:
        if not self._active:
            return
        ready = self._ready
        if ready and not _only_pumps(ready):  # something can still run at this instant
            ready.append(self._handle)
            return
        clock = self._clock
        heap = clock._heap
        # _pop_due, inlined: this runs once per wake-up.
        while heap and heap[0][0] <= self._target:
            deadline, _, sleeper = heapq.heappop(heap)
            if not sleeper.done():  # else: cancelled before its deadline
                if deadline > clock._now:
                    clock._now = deadline
                sleeper.set_result(deadline)
                ready.append(self._handle)
                return
        if not self._done.done():
            self._done.set_result(None)
