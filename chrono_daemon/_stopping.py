"""When ``Supervisor.stop`` may stop waiting for daemons under a ``SimClock`` (issue 9, item 11).

A daemon asleep on virtual time wakes only when someone advances the clock. Once the event loop
is idle (every task is blocked), no advance of the clock is running and a sleeper is pending on
it, nothing in the process will ever move that clock again: the daemons still running are
waiting on virtual time that nobody advances, or on something that waits on it, and waiting
wall-clock grace for them only burns real time. Daemons blocked on anything else (real I/O, a
thread) with nobody asleep on the clock are left to the wall-clock grace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import anyio

if TYPE_CHECKING:
    from .clock import SimClock

__all__ = ("StopReason", "sim_time_stalled")

# Why stop() cancels the daemons still running: the wall-clock grace ran out (or was 0), or
# they wait on SimClock time that nobody advances.
StopReason = Literal["grace", "stalled"]

# While an advance runs (its driver moves time) or nobody sleeps on the clock, look again this
# often (wall seconds). Between looks this task is blocked, and it never waits for the loop to go
# idle while an advance runs: the advance itself waits for idleness at every wake-up, and on trio
# a second waiter would be woken in its place and delay it.
_LOOK_AGAIN = 0.01


async def sim_time_stalled(clock: SimClock) -> None:
    """Return once the loop is idle, ``clock`` is not advancing and someone sleeps on it."""
    while True:
        if not clock.advancing:
            await anyio.wait_all_tasks_blocked()
            if not clock.advancing and clock.next_deadline() is not None:
                return
        await anyio.sleep(_LOOK_AGAIN)
