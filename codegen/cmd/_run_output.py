"""What ``chrono run`` and ``chrono replay`` print about a run: progress, then the outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from collections.abc import Callable

    from chrono_daemon.run import RunOutcome

    from ..progress import Progress

__all__ = ("print_outcome", "show_progress")


def show_progress(progress: Progress) -> Callable[[float, float | None, float], None]:
    """An ``on_progress`` for ``execute`` that draws ``t = 41.0 of 100 s, ...`` on ``progress``."""

    def show(now: float, target: float | None, rate: float) -> None:
        of = "" if target is None else f" of {target:g}"
        progress.stage(f"t = {now:.1f}{of} s, {rate:,.0f} simulated s per s")

    return show


def print_outcome(command: str, name: str, outcome: RunOutcome) -> None:
    """Tracebacks, undelivered messages and, for a run that failed, its reason, on stderr."""
    for detail in outcome.details:
        typer.echo(detail, err=True)
    for what, counts in (("still buffered", outcome.buffered), ("dropped", outcome.dropped)):
        if counts:
            listed = ", ".join(f"{edge}: {n}" for edge, n in counts.items())
            total = sum(counts.values())
            typer.echo(f"{command}: {name}: {total} message(s) {what}: {listed}", err=True)
    if outcome.exit_code != 0:
        typer.echo(f"{command}: {name}: {outcome.reason}", err=True)
