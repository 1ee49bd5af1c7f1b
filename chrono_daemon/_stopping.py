"""What ``Supervisor.stop`` waits on, and when it may stop waiting (ADR 0015).

``StopWaits`` tracks the daemons still running and which of them are inside ``stop()``: a
caller inside a daemon waits for every daemon but those (so any number may call it at once), an
outside caller waits for all. Every waiter re-checks on one shared event, set whenever a daemon
finishes or enters ``stop``.

The stall rule: a daemon asleep on a ``SimClock`` wakes only when someone advances the clock.
Once the event loop stays idle (every task is blocked), with no advance of the clock running
and a sleeper pending on it, for ``STALL_WINDOW`` (0.1 s) of wall time, nothing in the process
will move that clock again: the daemons still running wait on virtual time that nobody
advances (or on something that waits on it), and waiting wall-clock grace for them only burns
real time. Daemons blocked on anything else (real
I/O, a thread) with nobody asleep on the clock are left to the grace.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Literal

import anyio

from ._wallwait import wall_wait_allowed
from .clock import SimClock

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

    from ._health import _Record
    from .clock import Clock

__all__ = ("STALL_WINDOW", "StopReason", "StopWaits", "sim_time_stalled")

# Why stop() cancels the daemons still running: the wall-clock grace ran out (or was 0), or
# they wait on SimClock time that nobody advances.
StopReason = Literal["grace", "stalled"]

# How long (wall seconds) virtual time must stay stalled before stop() stops waiting for it.
STALL_WINDOW = 0.1

# While an advance runs (its driver moves time) or nobody sleeps on the clock, look again this
# often (wall seconds). Between looks this task is blocked, and it never waits for the loop to go
# idle while an advance runs: the advance itself waits for idleness at every wake-up, and on trio
# a second waiter would be woken in its place and delay it.
_LOOK_AGAIN = 0.01


async def sim_time_stalled(clock: SimClock) -> None:
    """Return once ``clock`` has stalled for ``STALL_WINDOW`` wall seconds.

    Stalled: the loop is idle, ``clock`` is not advancing and someone sleeps on it, at every
    look for a whole window, with virtual time unchanged. The window keeps a driver that pauses
    between advances (paced to wall time, or awaiting real I/O) from being taken for none.
    """
    stalled_at: tuple[float, float] | None = None  # (virtual now, wall time) of the first look
    while True:
        if not clock.advancing:
            await anyio.wait_all_tasks_blocked()
            if not clock.advancing and clock.next_deadline() is not None:
                if stalled_at is None or stalled_at[0] != clock.now():
                    stalled_at = (clock.now(), time.monotonic())
                elif time.monotonic() - stalled_at[1] >= STALL_WINDOW:
                    return
            else:
                stalled_at = None
        else:
            stalled_at = None
        with wall_wait_allowed():  # chrono's own poll, not a daemon's wall-clock wait
            await anyio.sleep(_LOOK_AGAIN)


class StopWaits:
    """The waiting side of ``Supervisor.stop`` over the supervisor's live ``records``."""

    __slots__ = ("_changed", "_in_stop", "_records", "_stalled")

    def __init__(self, records: dict[str, _Record]) -> None:
        self._records = records  # the supervisor's own dict of daemons that have not finished
        self._changed: anyio.Event | None = None  # created on entry (needs an event loop)
        self._in_stop = 0  # live daemons blocked in stop()
        self._stalled: anyio.Event | None = None

    def arm(self) -> None:
        """Called on entry into the supervisor."""
        self._changed = anyio.Event()

    def enter(self, caller: _Record) -> None:
        """``caller``, a live daemon, is now inside ``stop()``."""
        if not caller.in_stop:
            caller.in_stop = True
            self._in_stop += 1
            self.notify()

    def finished(self, record: _Record) -> None:
        """``record`` has just left the live daemons."""
        if record.in_stop:
            self._in_stop -= 1
        self.notify()

    def notify(self) -> None:
        """Wake every waiter. Creates no anyio object: it may run in a coroutine that is being
        closed outside any event loop (the waiters re-arm the event)."""
        if self._changed is not None:
            self._changed.set()

    def settled_for(self, caller: _Record | None) -> bool:
        """Every daemon has ended, but those inside ``stop()`` when a daemon is the caller."""
        return len(self._records) == (self._in_stop if caller is not None else 0)

    async def settled(self, caller: _Record | None) -> None:
        """Wait until ``settled_for(caller)``."""
        while not self.settled_for(caller):
            await self._next_change()

    async def _next_change(self) -> None:
        assert self._changed is not None
        if self._changed.is_set():
            self._changed = anyio.Event()
        await self._changed.wait()

    async def grace_period(
        self, grace: float, caller: _Record | None, clock: Clock, task_group: TaskGroup
    ) -> StopReason | None:
        """Wait for the daemons to return; why the ones left must be cancelled, or None."""
        if self.settled_for(caller):
            return None
        if grace == 0:
            return "grace"
        stalled = self._watch_sim_time(clock, task_group)
        with wall_wait_allowed(), anyio.move_on_after(grace):
            while not self.settled_for(caller):
                if stalled is not None and stalled.is_set():
                    return "stalled"
                await self._next_change()
        return None if self.settled_for(caller) else "grace"

    def _watch_sim_time(self, clock: Clock, task_group: TaskGroup) -> anyio.Event | None:
        """Under a SimClock, an event set once the daemons wait on time nobody advances.

        One watcher task per supervisor, however many tasks call ``stop``; it ends once every
        daemon has ended, so it never holds the ``async with`` block open.
        """
        if not isinstance(clock, SimClock):
            return None
        if self._stalled is None:
            stalled = self._stalled = anyio.Event()

            async def watch() -> None:
                async with anyio.create_task_group() as tg:

                    async def look() -> None:
                        await sim_time_stalled(clock)
                        stalled.set()
                        self.notify()
                        tg.cancel_scope.cancel()

                    tg.start_soon(look)
                    await self.settled(None)
                    tg.cancel_scope.cancel()

            with wall_wait_allowed():  # the watcher polls wall time on purpose
                task_group.start_soon(watch, name="Supervisor.stop: SimClock stall watch")
        return self._stalled

    def cancel_the_rest(
        self, reason: StopReason, grace: float, clock: Clock, logger: logging.Logger
    ) -> None:
        """Cancel every daemon still running (but callers of ``stop``) and name them."""
        forced = [r for r in self._records.values() if not r.in_stop and not r.forced]
        for record in forced:
            record.forced = True
            assert record.cancel_scope is not None
            record.cancel_scope.cancel()
        if not forced:
            return
        names = ", ".join(r.name for r in forced)
        if reason == "stalled":
            self._stalled = None  # a later stop() watches afresh (the clock may move again)
            logger.info(
                "stop: cancelled the daemons waiting on SimClock time that nobody advances "
                "(t=%g): %s", clock.now(), names,
            )  # fmt: skip
        else:
            level = logging.WARNING if grace > 0 else logging.INFO
            logger.log(
                level, "stop: cancelled the daemons still running after grace=%gs: %s",
                grace, names,
            )  # fmt: skip

    def stuck(self) -> list[str]:
        """The daemons still running that are not inside ``stop()``, sorted by name."""
        return sorted(r.name for r in self._records.values() if not r.in_stop)
