"""How a daemon's failure is told to a person: one clear line first (issue 9, item 13).

Under the default ``"shutdown"`` policy the supervisor logs this line when the daemon fails,
before anything else is printed, and heads the ``ExceptionGroup`` that leaves the ``async
with`` block with the same facts; the original traceback is printed once, by Python, under
the ``DaemonError`` that chains it.
"""

from __future__ import annotations

import time
import traceback
from typing import TYPE_CHECKING

import anyio

from .clock import SimClock

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._errors import DaemonError
    from .clock import Clock

__all__ = ("describe_failure", "is_cancellation", "single_headline")


def describe_failure(
    name: str, error: BaseException, phase: str, clock: Clock, entered_at: float
) -> str:
    """``daemon 'x' failed in run at t=1.5 (SimClock), 0.012 s after start: Err(...) (file:line)``.

    ``entered_at`` is the ``time.monotonic()`` at which the supervisor was entered. The time on
    a ``SimClock`` is virtual; a ``WallClock``'s own reading (monotonic seconds) means nothing
    to a reader, so only the elapsed wall time is given then.
    """
    wall = f"{time.monotonic() - entered_at:.3f} s after the supervisor started"
    when = f"at t={clock.now():g} (SimClock), {wall}" if isinstance(clock, SimClock) else wall
    return f"daemon {name!r} failed in {phase} {when}: {error!r}{_where(error)}"


def _where(error: BaseException) -> str:
    """Where ``error`` was raised: the innermost frame of its traceback."""
    innermost = None
    for frame, lineno in traceback.walk_tb(error.__traceback__):
        innermost = frame.f_code, lineno
    if innermost is None:
        return ""
    code, lineno = innermost
    return f" ({code.co_filename}:{lineno} in {code.co_name})"


def single_headline(failures: Sequence[DaemonError]) -> str:
    """The message of the group that carries ``failures`` out of the supervisor."""
    if len(failures) == 1:
        return str(failures[0])
    return f"{len(failures)} daemons failed: " + "; ".join(str(f) for f in failures)


def is_cancellation(exc: BaseException) -> bool:
    """True for the backend's cancellation exception, or a group made only of them."""
    cancelled = anyio.get_cancelled_exc_class()
    if isinstance(exc, BaseExceptionGroup):
        return exc.split(cancelled)[1] is None
    return isinstance(exc, cancelled)
