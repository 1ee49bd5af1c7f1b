"""The SimClock operations a follower needs, on the clock's internals (``chrono_daemon.clock``).

A follower does not advance its clock with ``advance_to``: the coordinator decides which
sleeper wakes next across every process, so the follower pops the clock's heap itself, one
sleeper at a time, exactly as ``SimClock._pop_due`` does, and observes idleness with a
separate, empty ``SimClock`` whose advance completes once the event loop is idle (the same
observation every advance makes, ADR 0006/0018). The lockstep tests break if these internals
change shape.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from chrono_daemon import SimClock

if TYPE_CHECKING:
    from .protocol import Key

__all__ = ("Idle", "head", "hold", "move_to", "pop_before")


def hold(clock: SimClock) -> None:
    """Mark ``clock`` as advancing for good: its time moves only through this module, and
    ``Supervisor.stop`` must not take the pauses between the coordinator's commands for a
    stall (``_stopping.sim_time_stalled``), nor may anyone else call ``advance``."""
    clock._advancing = True


def head(clock: SimClock) -> tuple[float, Key] | None:
    """The earliest live sleeper's deadline and tie-order key, or None."""
    clock._drop_dead_head()
    if not clock._heap:
        return None
    deadline, key, _, _ = clock._heap[0]
    return deadline, key


def pop_before(clock: SimClock, bound: tuple[float, int, Key, int], index: int) -> bool:
    """Wake the earliest live sleeper if ``(deadline, 0, key, index)`` is below ``bound``,
    moving ``now`` to its deadline; return whether one woke."""
    heap = clock._heap
    while heap:
        deadline, key, _, sleeper = heap[0]
        if sleeper.done():
            heapq.heappop(heap)
            continue
        if (deadline, 0, key, index) >= bound:
            return False
        heapq.heappop(heap)
        if deadline > clock._now:
            clock._now = deadline
        sleeper.set_result(deadline)
        return True
    return False


def move_to(clock: SimClock, now: float) -> None:
    """Set ``now`` (never backwards); nobody may sleep until before it.

    Raises:
        RuntimeError: a sleeper is due before ``now`` (a lockstep bug: it would be skipped).
    """
    first = head(clock)
    if first is not None and first[0] < now:
        raise RuntimeError(f"lockstep: moving to t={now} would skip a sleeper due at {first[0]}")
    if now > clock._now:
        clock._now = now


class Idle:
    """``await idle()``: returns once every other task of the event loop is blocked."""

    def __init__(self) -> None:
        self._probe = SimClock()

    async def __call__(self) -> None:
        await self._probe.advance_to(0.0)
