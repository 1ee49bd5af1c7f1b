"""``replay``: run a planned replay under a ``SimClock``, record it, compare it with the file.

The graph runs as ``chrono run --clock sim`` runs it (``execute``), as fast as the daemons
allow, its harness and replaced daemons playing the recording back. It stops as the original
did: at the original ``--until`` if there was one, else when the graph ends by itself or, at
the latest, when the original recorder closed (a replay that outlives its original is stopped
there, and a ``--check`` then tells what it did differently). With ``check``, the new run is
recorded (to ``record``, or a temporary file) on the recorded topics and compared with the
file, message by message in time order: the first divergence is the answer.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from chrono_daemon import SimClock
from chrono_daemon.recording import Divergence, RecordingError, compare_recordings
from chrono_daemon.run.record import close_recorder, open_recorder, run_description
from chrono_daemon.run.runner import RunOutcome, execute
from chrono_daemon.run.signals import held_signals

if TYPE_CHECKING:
    import os
    from collections.abc import Callable

    from .plan import ReplayPlan

__all__ = ("ReplayOutcome", "replay")


@dataclass
class ReplayOutcome:
    """How a replay ended.

    Attributes:
        run: the graph's run (exit code, reason, tracebacks, undelivered counts).
        checked: whether the new run was compared with the recording.
        divergence: the first difference found by the comparison, or None.
        errors: errors reading the recording while playing it back (they end the run).
    """

    run: RunOutcome
    checked: bool = False
    divergence: Divergence | None = None
    errors: list[RecordingError] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """The run's exit code; 1 for a divergence or a reading error when the run was fine."""
        if self.run.exit_code:
            return self.run.exit_code
        return 1 if self.divergence is not None or self.errors else 0


async def replay(
    plan: ReplayPlan,
    *,
    record: str | os.PathLike[str] | None = None,
    check: bool = False,
    until: float | None = None,
    on_progress: Callable[[float, float | None, float], None] | None = None,
    handle_signals: bool = True,
) -> ReplayOutcome:
    """Replay ``plan``; record the new run to ``record``; with ``check``, compare it.

    ``until`` overrides when the replay stops (see the module docstring).

    Raises:
        RunError: ``record`` cannot be written, or writing it failed.
        RecordingError: the recording cannot be read for the comparison.
    """
    recorded = plan.recording
    stop = until if until is not None else recorded.until
    if stop is None:
        stop = recorded.end
    clock = SimClock()
    with tempfile.TemporaryDirectory(prefix="chrono-replay-") as scratch:
        new = Path(record) if record is not None else Path(scratch) / "replay.mcap"
        recorder = None
        if record is not None or check:
            described = run_description("sim", stop, recorded.grace)
            topics = tuple(glob.escape(t) for t in plan.topics)
            recorder = open_recorder(plan.run, new, clock, topics=topics, run=described)
        try:
            built = plan.run.build(tap=recorder)
            outcome = await execute(
                built,
                clock=clock,
                until=stop,
                grace=recorded.grace,
                on_progress=on_progress,
                handle_signals=handle_signals,
            )
        finally:
            if recorder is not None:
                with held_signals() if handle_signals else contextlib.nullcontext():
                    await close_recorder(recorder)
        if recorded.errors:  # the daemon that fed it failed: the file is to blame, not code
            outcome = dataclasses.replace(
                outcome, exit_code=outcome.exit_code or 1, reason="playing the recording back "
                "failed", details=[],
            )  # fmt: skip
        result = ReplayOutcome(outcome, checked=check, errors=list(recorded.errors))
        if check and not result.errors:
            result.divergence = compare_recordings(
                recorded.path, new, topics=plan.topics, offset=recorded.offset
            )
    return result
