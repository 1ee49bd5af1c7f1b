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
from collections.abc import AsyncIterator
from typing import Literal, Protocol

import anyio
from anyio.lowlevel import checkpoint

from ._waiter import Waiter, new_waiter

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


def _check_time(value: float, what: str) -> float:
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{what} must not be NaN")
    return value


class _Ticker(AsyncIterator[float]):
    """``every()``: tick k is ``start + k*period``, computed from k, never summed (no drift)."""

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

    def __aiter__(self) -> _Ticker:
        return self

    async def __anext__(self) -> float:
        k = self._k + 1
        tick = self._start + k * self._period
        now = self._clock.now()
        if tick < now:
            # Behind schedule: skip to the first tick not in the past (no burst catch-up).
            k = max(k, math.ceil((now - self._start) / self._period))
            tick = self._start + k * self._period
            if tick < now:  # float rounding in the division
                k += 1
                tick = self._start + k * self._period
        self._k = k
        await self._clock.wait_until(tick)
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


class _Sleeper:
    __slots__ = ("alive", "waiter")

    def __init__(self, waiter: Waiter) -> None:
        self.waiter = waiter
        self.alive = True


# Compact the heap once cancelled entries outnumber live ones by this margin, so a storm of
# sleep-then-cancel never grows memory without bound.
_COMPACT_MIN_DEAD = 64


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
        self._now = _check_time(t0, "t0")
        self.settle_rounds = settle_rounds
        self._heap: list[tuple[float, int, _Sleeper]] = []
        self._counter = itertools.count()
        self._dead = 0
        self._advancing = False

    def now(self) -> float:
        """Return the current virtual time."""
        return self._now

    @property
    def pending(self) -> int:
        """Number of sleepers currently waiting on this clock."""
        return len(self._heap) - self._dead

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
        deadline = _check_time(deadline, "deadline")
        if deadline <= self._now:
            await checkpoint()
            return
        sleeper = _Sleeper(new_waiter())
        heapq.heappush(self._heap, (deadline, next(self._counter), sleeper))
        try:
            await sleeper.waiter.wait()
        except BaseException:
            if sleeper.alive:  # cancelled before its deadline: leave the queue
                sleeper.alive = False
                self._dead += 1
                self._maybe_compact()
            raise

    def every(self, period: float, *, first: First = "after") -> AsyncIterator[float]:
        """Yield tick times ``start + k*period`` (see ``Clock.every``)."""
        return _Ticker(self, period, first)

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
        t = _check_time(t, "t")
        if t < self._now:
            return
        if self._advancing:
            raise RuntimeError("SimClock.advance called while another advance is in progress")
        self._advancing = True
        try:
            await _settle()
            heap = self._heap
            while heap and heap[0][0] <= t:
                deadline, _, sleeper = heapq.heappop(heap)
                if not sleeper.alive:
                    self._dead -= 1
                    continue
                sleeper.alive = False
                if deadline > self._now:
                    self._now = deadline
                sleeper.waiter.wake()
                await _settle()
            self._now = t
        finally:
            self._advancing = False

    def _drop_dead_head(self) -> None:
        heap = self._heap
        while heap and not heap[0][2].alive:
            heapq.heappop(heap)
            self._dead -= 1

    def _maybe_compact(self) -> None:
        if self._dead >= _COMPACT_MIN_DEAD and self._dead * 2 > len(self._heap):
            # In place: an advance in progress holds a reference to this list.
            self._heap[:] = [entry for entry in self._heap if entry[2].alive]
            heapq.heapify(self._heap)
            self._dead = 0


async def _settle() -> None:
    """Return once no other task can run: everything woken so far has blocked again."""
    loop = asyncio._get_running_loop()
    ready = getattr(loop, "_ready", None) if loop is not None else None
    if ready is None:
        await anyio.wait_all_tasks_blocked()
        return
    # asyncio: every runnable task or callback sits in the loop's ready queue. After our own
    # checkpoint, an empty queue means every other task is waiting on something.
    await checkpoint()
    while ready:
        await checkpoint()
