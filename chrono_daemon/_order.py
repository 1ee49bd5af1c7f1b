"""The program-defined order that breaks SimClock deadline ties (ADR 0017).

Every task carries a ``TaskTag`` in a context variable. A ``Supervisor`` sets it where a
daemon's task starts, and child tasks inherit it (asyncio and trio both copy the context of the
task that starts them). Its ``order`` is the daemon's path of order indices from the outermost
supervisor (``(2,)`` for the third daemon of a top-level supervisor, ``(2, 0)`` for the first
daemon of a supervisor that daemon runs); tasks outside any daemon have ``()``. Sleepers that
share a deadline wake in ascending ``order``, then in the order they were registered.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .clock import Clock

__all__ = ("ROOT", "TaskTag", "current_tag")


class TaskTag(NamedTuple):
    """What the runtime knows about the daemon a task belongs to."""

    order: tuple[int, ...]
    """Tie-break key of the task's SimClock sleeps (compared as a tuple)."""
    daemon: str | None
    """The daemon's name, for diagnostics (None outside any daemon)."""
    clock: Clock | None
    """The clock of the daemon's supervisor (None outside any daemon)."""


ROOT = TaskTag((), None, None)

current_tag: ContextVar[TaskTag] = ContextVar("chrono_daemon_task_tag", default=ROOT)
