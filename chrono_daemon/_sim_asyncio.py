"""SimClock advances on asyncio: the ready-queue pump (ADR 0006) and the idle-hook loop (0018).

Three ways to find the idle point, best first:

- ``SimEventLoop`` (opt-in through ``chrono_daemon.simloop``): the loop itself wakes the next
  sleeper when its ready queue is empty, and skips the I/O poll while advancing (bounded).
- any loop with a ``_ready`` queue (the default): a pump callback that re-queues itself until
  the queue holds nothing else.
- any other loop (uvloop): ``anyio.wait_all_tasks_blocked()`` before each wake-up.

All three wake one sleeper at a time, and when several advances run in one loop, only the
newest wakes anyone: an advance started from a task that another clock woke (a daemon
advancing its inner supervisor's clock) completes before the outer clock moves on, and
independent clocks never wait for each other.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import TYPE_CHECKING

import anyio

if TYPE_CHECKING:
    from collections import deque

    from .clock import SimClock

__all__ = ("POLL_INTERVAL", "SimEventLoop", "advance", "advancing_on_asyncio")

# The start number of the pump handle of every advance in progress (any loop of the process).
_PUMPS: dict[asyncio.Handle, int] = {}
_PUMP_NUMBERS = itertools.count()
# Advances in progress on SimEventLoops, and on loops without a ready queue, by loop.
_HOOKED: dict[asyncio.AbstractEventLoop, list[tuple[SimClock, float, asyncio.Future[None]]]] = {}
_POLLING: dict[asyncio.AbstractEventLoop, list[SimClock]] = {}


def advancing_on_asyncio() -> bool:
    """True while some SimClock advance runs on an asyncio loop in this process."""
    return bool(_PUMPS or _HOOKED or _POLLING)


async def advance(clock: SimClock, loop: asyncio.AbstractEventLoop, target: float) -> None:
    """Run ``clock``'s advance to ``target`` on ``loop``, the fastest way the loop allows."""
    if isinstance(loop, SimEventLoop):
        await loop._chrono_advance(clock, target)
        return
    ready: deque[asyncio.Handle] | None = getattr(loop, "_ready", None)
    if ready is not None:
        await _Pump(clock, loop, ready, target).run()
        return
    active = _POLLING.setdefault(loop, [])
    try:
        await clock._advance_polling(target, anyio.wait_all_tasks_blocked, active)
    finally:
        if not active:
            del _POLLING[loop]


class _Pump:
    """Drives one advance as a loop callback instead of a task.

    Every runnable task or callback sits in the loop's ready queue, so when this callback runs
    and finds nothing else there (older advances' pumps aside), every other task is blocked:
    the instant is settled and the next sleeper may wake. A plain callback per wake-up is much
    cheaper than resuming the driver task.
    """

    __slots__ = ("_active", "_clock", "_done", "_handle", "_number", "_ready", "_target")

    def __init__(
        self,
        clock: SimClock,
        loop: asyncio.AbstractEventLoop,
        ready: deque[asyncio.Handle],
        target: float,
    ) -> None:
        self._clock = clock
        self._ready = ready
        self._target = target
        self._done: asyncio.Future[None] = loop.create_future()
        self._active = True
        self._number = next(_PUMP_NUMBERS)
        # One handle, re-queued for every wake-up: loop.call_soon would build a new Handle
        # (and copy the context) each time, a measurable share of a wake-up's cost.
        self._handle = asyncio.Handle(self._step, (), loop, None)

    async def run(self) -> None:
        _PUMPS[self._handle] = self._number
        self._ready.append(self._handle)
        try:
            await self._done
        finally:
            self._active = False  # cancelled driver: stop waking sleepers
            del _PUMPS[self._handle]

    def _settled(self) -> bool:
        """Nothing but older advances' pumps is runnable (they wait for this one)."""
        ready = self._ready
        if not ready:
            return True
        number = self._number
        return len(ready) <= len(_PUMPS) and all(_PUMPS.get(h, number) < number for h in ready)

    def _step(self) -> None:
        if not self._active:
            return
        ready = self._ready
        if ready and not self._settled():  # something can still run at this instant
            ready.append(self._handle)
            return
        clock = self._clock
        heap = clock._heap
        # clock._pop_due, inlined: this runs once per wake-up.
        while heap and heap[0][0] <= self._target:
            deadline, _, _, sleeper = heapq.heappop(heap)
            if not sleeper.done():  # else: cancelled before its deadline
                if deadline > clock._now:
                    clock._now = deadline
                sleeper.set_result(deadline)
                ready.append(self._handle)
                return
        if not self._done.done():
            self._done.set_result(None)


# While an advance runs on a SimEventLoop, the loop polls I/O and moves due wall-clock timers
# to its ready queue at least this often (seconds of wall time); in between it only runs ready
# callbacks. A poll is a system call, about a third of a wake-up's cost.
POLL_INTERVAL = 0.001


class SimEventLoop(asyncio.SelectorEventLoop):
    """An asyncio loop whose idle point wakes SimClock sleepers (opt-in, ADR 0018).

    While any SimClock advances in this loop, each iteration that finds the ready queue empty
    wakes the next due sleeper of the newest advance (or completes it) and runs what became
    ready without polling I/O, except once per ``POLL_INTERVAL`` of wall time: real I/O and
    wall-clock timers are then serviced, so they lag by at most ``POLL_INTERVAL`` plus one
    loop iteration. In debug mode every iteration polls. Outside advances it is a plain
    ``SelectorEventLoop``. Use it through ``chrono_daemon.simloop``.
    """

    def __init__(self, selector: object = None) -> None:
        super().__init__(selector)  # type: ignore[arg-type]
        self._chrono_advances: list[tuple[SimClock, float, asyncio.Future[None]]] = []
        self._chrono_poll_at = 0.0

    async def _chrono_advance(self, clock: SimClock, target: float) -> None:
        done: asyncio.Future[None] = self.create_future()
        entry = (clock, target, done)
        advances = self._chrono_advances
        advances.append(entry)
        _HOOKED[self] = advances
        try:
            await done
        finally:
            if entry in advances:
                advances.remove(entry)
            if not advances:
                _HOOKED.pop(self, None)

    def _run_once(self) -> None:
        advances = self._chrono_advances
        if not advances:
            super()._run_once()  # type: ignore[misc]
            return
        ready: deque[asyncio.Handle] = self._ready  # type: ignore[attr-defined]
        if not ready:  # idle: the instant is settled
            clock, target, done = advances[-1]
            heap = clock._heap
            # clock._pop_due, inlined: this runs once per wake-up.
            while heap and heap[0][0] <= target:
                deadline, _, _, sleeper = heapq.heappop(heap)
                if not sleeper.done():  # else: cancelled before its deadline
                    if deadline > clock._now:
                        clock._now = deadline
                    sleeper.set_result(deadline)
                    break
            else:
                advances.pop()
                if not done.done():
                    done.set_result(None)
        now = time.monotonic()
        if now < self._chrono_poll_at and not self._debug:  # type: ignore[attr-defined]
            for _ in range(len(ready)):
                handle = ready.popleft()
                if not handle._cancelled:
                    handle._run()
            return
        self._chrono_poll_at = now + POLL_INTERVAL
        super()._run_once()  # type: ignore[misc]
