"""``execute``: host a built graph under a supervisor until it ends, is told to stop, or fails.

How a run ends, and its exit code:

- every daemon returned (the sources ended and the graph drained): 0;
- ``until`` reached (clock time since the start; under ``SimClock`` virtual time advances to it
  as fast as the daemons allow): a graceful ``stop(grace)``, then 0;
- SIGINT / SIGTERM: a graceful ``stop(grace)``, then 130 / 143 (a second signal cancels
  whatever is left at once);
- a daemon failed (the supervisor's ``"shutdown"`` policy stops the others): 1, naming it;
- the clock's ``driver`` failed (lockstep: the coordinator went away): 1, with its message.

A ``driver`` (``SimDriver``) replaces the built-in SimClock driver: a lockstep follower
(``chrono_daemon.lockstep.Follower``) moves time as its coordinator says, and handles the
stop signals itself.

Nothing here prints: progress goes to a callback, the outcome is returned.
"""

from __future__ import annotations

import contextlib
import signal
import time
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

import anyio

from chrono_daemon import DaemonError, SimClock, Supervisor, WallClock

from .signals import held_signals, on_signals

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from chrono_daemon import Clock

    from .plan import Built

__all__ = ("ClockKind", "DriverError", "RunOutcome", "SimDriver", "execute", "new_clock")

ClockKind = Literal["wall", "sim"]

_SIM_STEPS = 200  # advances per --until run: progress granularity, not semantics
_SIM_STEP = 1.0  # virtual seconds per advance without --until


class DriverError(Exception):
    """The ``SimDriver`` of a run cannot go on; ``str()`` says why."""


class SimDriver(Protocol):
    """Moves the virtual time of a run in place of ``execute``'s own driver."""

    clock: SimClock
    """The run's clock (the supervisor's)."""

    async def drive(self, sup: Supervisor, grace: float) -> None:
        """Move time until cancelled (once every daemon has ended); may raise DriverError."""
        ...

    def request_stop(self, signum: int) -> None:
        """A SIGINT/SIGTERM asked the run to stop."""
        ...

    async def finish(self) -> None:
        """Runs last, after the parts released their sockets."""
        ...


@dataclass
class RunOutcome:
    """How a run ended: its exit code, a one-line reason, details (tracebacks) to show, and
    what it left undelivered: items still buffered in in-process edges, and items dropped by
    lossy edges, each keyed ``"producer -> consumer"`` (only the non-zero ones)."""

    exit_code: int
    reason: str
    details: list[str] = field(default_factory=list)
    buffered: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)


def new_clock(kind: ClockKind) -> Clock:
    """A fresh ``SimClock`` (``"sim"``) or ``WallClock`` (``"wall"``)."""
    return SimClock() if kind == "sim" else WallClock()


@dataclass
class _Stop:
    signal: int | None = None


async def execute(
    built: Built,
    *,
    clock: ClockKind | Clock = "wall",
    until: float | None = None,
    grace: float = 5.0,
    on_progress: Callable[[float, float | None, float], None] | None = None,
    on_started: Callable[[Supervisor], Awaitable[None]] | None = None,
    handle_signals: bool = True,
    driver: SimDriver | None = None,
) -> RunOutcome:
    """Run ``built`` (a graph or a process of one) to its end; see the module docstring.

    ``clock`` is a new ``WallClock``/``SimClock`` by name, or the clock to use (the one a
    recorder tapping ``built`` reads its times from).

    ``on_progress(now, until, sim_rate)`` hears, under ``SimClock``, the virtual time reached
    and the simulated seconds per wall second so far. ``on_started(sup)`` runs (as a task) once
    every daemon finished ``on_start``; it may stop the run with ``sup.stop(...)``.
    ``handle_signals`` needs the main thread.
    """
    if until is not None and until < 0:
        raise ValueError(f"until must be >= 0, got {until}")
    runtime = new_clock(clock) if isinstance(clock, str) else clock
    if driver is not None:
        runtime = driver.clock
    sup = Supervisor(clock=runtime)
    stop = _Stop()
    failures: list[DaemonError] = []
    broken: list[DriverError] = []
    try:
        async with anyio.create_task_group() as tg:
            if handle_signals:

                def graceful(signum: int) -> None:
                    stop.signal = signum
                    if driver is not None:
                        driver.request_stop(signum)
                    else:
                        tg.start_soon(sup.stop, grace)

                await tg.start(on_signals, graceful, tg.cancel_scope.cancel)
            try:
                async with sup:
                    built.add_to(sup)
                    if driver is not None:
                        tg.start_soon(driver.drive, sup, grace)
                    else:
                        tg.start_soon(_drive, sup, runtime, until, grace, on_progress)
                    if on_started is not None:
                        tg.start_soon(_started, sup, on_started)
            finally:
                tg.cancel_scope.cancel()
    except* DaemonError as group:
        failures = [e for e in _leaves(group) if isinstance(e, DaemonError)]
    except* DriverError as group:
        broken = [e for e in _leaves(group) if isinstance(e, DriverError)]
    finally:
        left = {k: v for k, v in built.buffered().items() if v}
        lost = {k: v for k, v in built.dropped().items() if v}
        held = held_signals() if handle_signals else contextlib.nullcontext()
        with held, anyio.CancelScope(shield=True):
            await built.aclose()
            if driver is not None:
                await driver.finish()
    if broken:
        return RunOutcome(1, str(broken[0]), [], left, lost)
    if stop.signal is not None:
        name = signal.Signals(stop.signal).name
        return RunOutcome(128 + stop.signal, f"stopped by {name}", [], left, lost)
    if failures:
        first = failures[0]
        details = ["".join(traceback.format_exception(e.error)).rstrip() for e in failures]
        names = ", ".join(repr(e.name) for e in failures)
        return RunOutcome(1, f"daemon {names} failed: {first}", details, left, lost)
    return RunOutcome(0, "done", [], left, lost)


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    out: list[BaseException] = []
    for exc in group.exceptions:
        out += _leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc]
    return out


async def _started(sup: Supervisor, on_started: Callable[[Supervisor], Awaitable[None]]) -> None:
    await sup.wait_all_started()
    await on_started(sup)


async def _drive(
    sup: Supervisor,
    clock: Clock,
    until: float | None,
    grace: float,
    on_progress: Callable[[float, float | None, float], None] | None,
) -> None:
    """Stop the run at ``until``; under ``SimClock``, advance virtual time as fast as the
    daemons allow, also while they stop (a step in progress finishes at its exact time)."""
    await sup.wait_all_started()
    if not isinstance(clock, SimClock):
        if until is not None:
            await clock.sleep(until)
            await sup.stop(grace)
        return
    step = until / _SIM_STEPS if until else _SIM_STEP
    start = time.monotonic()
    stopping = False
    async with anyio.create_task_group() as tg:
        while True:  # cancelled by execute() once every daemon has ended
            target = clock.now() + step
            if until is not None and clock.now() < until:
                target = min(target, until)
            await clock.advance_to(target)
            if (until is None or clock.now() <= until) and on_progress is not None:
                elapsed = time.monotonic() - start
                on_progress(clock.now(), until, clock.now() / elapsed if elapsed else 0.0)
            if until is not None and clock.now() >= until and not stopping:
                stopping = True
                tg.start_soon(sup.stop, grace)
