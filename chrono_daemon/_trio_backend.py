"""The runtime's hot paths on trio, written on ``trio.lowlevel`` instead of anyio (ADR 0018).

Imported lazily, and only once the running backend is known to be trio (so trio is installed):
the core stays importable with anyio alone. Everything here mirrors an asyncio fast path of the
core: a parked task instead of an ``asyncio.Future``, ``trio.testing.wait_all_tasks_blocked``
instead of the ready-queue pump, and an optional ``trio.abc.Clock`` that wakes SimClock
sleepers from trio's own idle point (``chrono_daemon.simloop``).
"""

from __future__ import annotations

import contextlib
import math
import time
from typing import TYPE_CHECKING, Any

import outcome
import trio
import trio.testing
from trio.lowlevel import Abort, RunVar, current_task, reschedule, wait_task_rescheduled
from trio.lowlevel import checkpoint as checkpoint

from ._order import current_tag

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .clock import SimClock

__all__ = (
    "IdleHookClock",
    "Sleeper",
    "Waiter",
    "advance",
    "all_tasks",
    "checkpoint",
    "has_deadlines",
    "wall_timeout_left",
)


class Sleeper:
    """A SimClock sleeper: the parked task, resumed with its deadline as the result."""

    __slots__ = ("_done", "_task")

    def __init__(self) -> None:
        self._task = current_task()
        self._done = False

    def done(self) -> bool:
        return self._done

    def set_result(self, deadline: float) -> None:
        self._done = True
        reschedule(self._task, outcome.Value(deadline))

    def _abort(self, _: object) -> Abort:
        self._done = True  # cancelled: the clock skips it when popped
        return Abort.SUCCEEDED

    async def wait(self) -> float:
        result: float = await wait_task_rescheduled(self._abort)
        return result


class Waiter:
    """The channel's one-shot wake-up (``_waiter.Waiter``) as a parked trio task."""

    __slots__ = ("_task", "_woken")

    def __init__(self) -> None:
        self._task: trio.lowlevel.Task | None = None
        self._woken = False

    def wake(self) -> None:
        if not self._woken:
            self._woken = True
            task, self._task = self._task, None
            if task is not None:
                reschedule(task)

    def _abort(self, _: object) -> Abort:
        self._task = None
        return Abort.SUCCEEDED

    async def wait(self) -> None:
        if self._woken:
            await checkpoint()
            return
        self._task = current_task()
        await wait_task_rescheduled(self._abort)


# The advances in progress in this trio run, oldest first. The newest goes first: an advance
# started from inside a daemon woken by another clock (a nested supervisor) completes before
# the outer clock wakes anyone else.
_ADVANCES: RunVar[list[SimClock]] = RunVar("chrono_daemon_advances")
_INSTRUMENT: RunVar[_IdleInstrument] = RunVar("chrono_daemon_idle_instrument")


class _IdleInstrument(trio.abc.Instrument):
    """Wakes the newest advance's next sleeper from trio's idle point, on the default path.

    The driver of an advance waits in ``wait_all_tasks_blocked()`` (cushion 0), which is
    correct on its own: trio wakes it once no task is runnable, it wakes one sleeper, and waits
    again — two loop iterations per wake-up. While advances run, this instrument saves one:
    right before trio's I/O wait, if no task is runnable (it counts them: scheduled minus
    stepped, synchronised with trio's own count whenever it is installed) and trio is not going
    to block (timeout 0, because the driver waits for idle), it wakes the sleeper itself; trio
    then runs it in the same iteration instead of waking the driver. When nothing is due it
    does nothing, and the driver wakes as before and ends the advance.
    """

    def __init__(self, active: list[SimClock]) -> None:
        self._active = active
        self._runnable = 0
        self._synced = False

    def installed(self) -> None:
        self._synced = False  # counts made while it was not installed are gone

    def task_scheduled(self, task: trio.lowlevel.Task) -> None:
        self._runnable += 1

    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        self._runnable -= 1

    def before_io_wait(self, timeout: float) -> None:
        if not self._synced:
            self._runnable = trio.lowlevel.current_statistics().tasks_runnable
            self._synced = True
        if self._runnable or timeout != 0 or not self._active:
            return
        clock = self._active[-1]
        sleeper = clock._pop_due(clock._target)
        if sleeper is not None:
            sleeper.set_result(clock._now)


def _advances() -> tuple[list[SimClock], _IdleInstrument]:
    try:
        return _ADVANCES.get(), _INSTRUMENT.get()
    except LookupError:
        active: list[SimClock] = []
        instrument = _IdleInstrument(active)
        _ADVANCES.set(active)
        _INSTRUMENT.set(instrument)
        return active, instrument


async def advance(clock: SimClock, target: float) -> None:
    """Run ``clock``'s advance to ``target``: one sleeper per idle point, as ADR 0006 says."""
    hook = trio.lowlevel.current_clock()
    if isinstance(hook, IdleHookClock):
        await hook.advance(clock, target)
        return
    active, instrument = _advances()
    if not active:
        instrument.installed()
        trio.lowlevel.add_instrument(instrument)
    try:
        await clock._advance_polling(target, trio.testing.wait_all_tasks_blocked, active)
    finally:
        if not active:
            # trio drops an instrument that raised (it logs why): the driver alone is correct
            with contextlib.suppress(KeyError):
                trio.lowlevel.remove_instrument(instrument)


class _HookedAdvance:
    __slots__ = ("clock", "target", "task")

    def __init__(self, clock: SimClock, target: float, task: trio.lowlevel.Task) -> None:
        self.clock = clock
        self.target = target
        self.task = task


class IdleHookClock(trio.abc.Clock):
    """trio's clock (real time, like ``trio.SystemClock``) plus the SimClock idle hook.

    trio asks ``deadline_to_sleep_time`` how long to wait for I/O only when no task is
    runnable: exactly the point where a SimClock instant is settled. While an advance runs,
    the hook wakes its next sleeper there (or tells the driver it is done) and answers 0, so
    trio polls I/O without blocking and runs the woken task: one loop iteration per wake-up
    instead of two, and no driver task in between. Real I/O and expired wall-clock deadlines
    are still processed on every iteration.
    """

    def __init__(self) -> None:
        self._advances: list[_HookedAdvance] = []

    def start_clock(self) -> None:
        pass

    def current_time(self) -> float:
        return time.perf_counter()

    def deadline_to_sleep_time(self, deadline: float) -> float:
        advances = self._advances
        if not advances:
            return deadline - time.perf_counter()
        current = advances[-1]  # the newest advance goes first (see _ADVANCES)
        clock = current.clock
        sleeper = clock._pop_due(current.target)
        if sleeper is None:
            advances.pop()
            reschedule(current.task)
        else:
            sleeper.set_result(clock._now)
        return 0.0

    async def advance(self, clock: SimClock, target: float) -> None:
        """Park the driver until the hook has woken every sleeper due by ``target``."""
        advance = _HookedAdvance(clock, target, current_task())
        advances = self._advances

        def abort(_: Any) -> Abort:
            if advance in advances:
                advances.remove(advance)
            return Abort.SUCCEEDED

        advances.append(advance)
        await wait_task_rescheduled(abort)


# -- wall-clock waits under SimClock (``_wallwait``) --------------------------------------------


def has_deadlines() -> bool:
    """Whether any cancel scope of this run has a wall-clock deadline (trio.sleep has one)."""
    return math.isfinite(trio.lowlevel.current_statistics().seconds_to_next_deadline)


def all_tasks() -> Iterator[trio.lowlevel.Task]:
    """Every task of this run, from the root task down its nurseries."""
    stack = [trio.lowlevel.current_root_task()]
    while stack:
        task = stack.pop()
        if task is None:
            continue
        yield task
        for nursery in task.child_nurseries:
            stack.extend(nursery.child_tasks)


def wall_timeout_left(task: trio.lowlevel.Task) -> float | None:
    """Seconds left on the nearest wall-clock deadline ``task``'s daemon entered, if any.

    Only scopes entered by the task or by its ancestors of the same daemon count (a harness's
    ``fail_after`` around the whole supervisor is not the daemon's). trio has no public view
    of a task's cancel scopes: this reads the private cancel-status chain, and reports
    nothing if trio's internals change shape.
    """
    tag = task.context.get(current_tag)
    deadline = math.inf
    owner: trio.lowlevel.Task | None = task
    status = getattr(task, "_cancel_status", None)
    while status is not None and owner is not None:
        scope = getattr(status, "_scope", None)
        nursery = owner.parent_nursery
        if nursery is not None and scope is nursery.cancel_scope:
            owner = nursery.parent_task  # the scopes from here on are the parent task's
            if owner is None or owner.context.get(current_tag) is not tag:
                break  # entered outside the daemon
        if scope is not None and not scope.cancel_called:
            deadline = min(deadline, scope.deadline)
        status = getattr(status, "_parent", None)
    return deadline - trio.current_time() if math.isfinite(deadline) else None
