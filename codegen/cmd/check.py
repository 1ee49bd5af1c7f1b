"""``chrono check DIR [--format text|github]``: validate only; every error with file:line."""

# No ``from __future__ import annotations``: Typer reads this signature at run time.

from pathlib import Path
from typing import Annotated

import typer

from ..progress import Progress
from ._common import (
    ReportFormat,
    internal_error,
    print_errors,
    print_github_annotations,
    without_gc,
)

__all__ = ("check_command",)


def check_command(
    directory: Annotated[Path, typer.Argument(help="Directory of *.toml schema files.")],
    fmt: Annotated[
        ReportFormat,
        typer.Option("--format", help="'github' also prints ::error annotations on stdout."),
    ] = ReportFormat.text,
) -> None:
    """Validate the schemas of DIRECTORY; print every error with file:line.

    Example: chrono check schemas/ --format github
    """
    try:
        with without_gc(), Progress("chrono check") as progress:
            from .. import pipeline

            errors = pipeline.check(directory, stage=progress.stage)
    except Exception as exc:
        raise internal_error(exc) from None
    print_errors(errors)
    if fmt is ReportFormat.github:
        print_github_annotations(errors)
    if any(e.severity == "error" for e in errors):
        raise typer.Exit(1)
    typer.echo(f"chrono: {directory.as_posix()}: no errors")
