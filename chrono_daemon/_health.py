"""What ``Supervisor.snapshot()`` reports, and the bookkeeping behind it (SPEC §2.6).

A live daemon has a ``_Record``. When it finishes, the record (with the daemon, its arguments
and its events) is released and only its frozen ``DaemonHealth`` is kept, in a bounded history:
a host that spawns a daemon per request stays flat in memory (issue 9, item 14).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Iterator

    import anyio

    from .daemon import Daemon

__all__ = ("DaemonFailurePhase", "DaemonHealth", "DaemonState")

DaemonState = Literal["starting", "running", "restarting", "stopped", "failed"]
DaemonFailurePhase = Literal["on_start", "run", "on_stop"]

# How many finished daemons snapshot() keeps, counted separately for those that ended cleanly
# and those that ended with an error, so a flood of short clean jobs never hides a failure.
FINISHED_KEPT = 1000


@dataclass(frozen=True)
class DaemonHealth:
    """One daemon's state as seen by ``Supervisor.snapshot()``.

    ``state`` is ``"failed"`` only when the daemon's error was raised out of the supervisor
    (``"shutdown"``, ``"restart"`` past ``max_retries``, a ``BaseException`` such as
    ``KeyboardInterrupt``); a daemon that ended otherwise is ``"stopped"``, with ``last_error``
    and ``last_error_phase`` telling what it raised (e.g. under ``on_error="ignore"``).
    ``uptime`` is live for a running daemon, frozen once it ended, ``None`` before it started;
    times are on the supervisor clock.
    """

    name: str
    state: DaemonState
    restart_count: int
    last_error: BaseException | None
    last_error_phase: DaemonFailurePhase | None
    started_at: float | None
    uptime: float | None


class _Record:
    """The supervisor's bookkeeping for one hosted daemon, from ``add`` until it finishes."""

    __slots__ = (
        "cancel_scope",
        "daemon",
        "ended_at",
        "forced",
        "in_stop",
        "last_error",
        "last_error_phase",
        "logger_name",
        "name",
        "order",
        "restart_count",
        "seq",
        "started",
        "started_at",
        "state",
    )

    def __init__(self, name: str, daemon: Daemon, seq: int, logger_name: str, order: int) -> None:
        self.name = name
        self.daemon = daemon
        self.seq = seq  # add order: snapshot() lists daemons in it
        self.order = order  # the daemon's place in SimClock tie order (ADR 0017)
        self.logger_name = logger_name
        self.state: DaemonState = "starting"
        self.restart_count = 0
        self.last_error: BaseException | None = None
        self.last_error_phase: DaemonFailurePhase | None = None
        self.started_at: float | None = None
        self.ended_at: float | None = None
        # Created once an event loop runs (Supervisor._start): anyio objects need one, and
        # snapshot() must work in plain synchronous code before entry.
        self.cancel_scope: anyio.CancelScope | None = None
        self.started: anyio.Event | None = None
        self.in_stop = False  # blocked in Supervisor.stop() called from this daemon
        self.forced = False  # cancelled by stop() instead of returning by itself

    def health(self, now: float) -> DaemonHealth:
        """This daemon's health at clock time ``now``."""
        uptime = None
        if self.started_at is not None:
            uptime = (now if self.ended_at is None else self.ended_at) - self.started_at
        return DaemonHealth(
            name=self.name,
            state=self.state,
            restart_count=self.restart_count,
            last_error=self.last_error,
            last_error_phase=self.last_error_phase,
            started_at=self.started_at,
            uptime=uptime,
        )


class _FinishedDaemons:
    """The health of the last ``FINISHED_KEPT`` clean and failed daemons, with their add order."""

    __slots__ = ("_clean", "_failed")

    def __init__(self) -> None:
        self._clean: OrderedDict[str, tuple[int, DaemonHealth]] = OrderedDict()
        self._failed: OrderedDict[str, tuple[int, DaemonHealth]] = OrderedDict()

    def add(self, seq: int, health: DaemonHealth) -> None:
        """Keep ``health``, forgetting the oldest entry of its kind past the bound."""
        kept = self._clean if health.last_error is None else self._failed
        kept[health.name] = (seq, health)
        if len(kept) > FINISHED_KEPT:
            kept.popitem(last=False)

    def discard(self, name: str) -> None:
        """Forget ``name`` (a new daemon now uses it)."""
        self._clean.pop(name, None)
        self._failed.pop(name, None)

    def __contains__(self, name: str) -> bool:
        return name in self._clean or name in self._failed

    def __iter__(self) -> Iterator[tuple[int, DaemonHealth]]:
        yield from self._clean.values()
        yield from self._failed.values()
