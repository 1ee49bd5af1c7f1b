"""``chrono breaking NEW --against OLD``: exit 1 on any breaking change (docs/cli.md).

Only parses options, calls ``codegen.breaking.check_breaking`` and reports: one
``path:line:col: error: ...`` line per break on stderr (in NEW, or in OLD for removals), GitHub
annotations on stdout with ``--format github``. Exit codes: 0 no breaking change, 1 breaking
changes or schema errors, 2 usage errors (NEW is not a directory, ``--against`` unreadable or an
explicit ``REV:PATH`` that does not exist), 3 an internal error.
"""

# No ``from __future__ import annotations``: Typer reads these signatures at run time.

import enum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import format_error
from ._common import EXIT_INTERNAL, ReportFormat, github_annotation, plural

__all__ = ("BreakCategory", "breaking_command")


class BreakCategory(enum.StrEnum):
    """``--category``: what a break must break to be reported."""

    WIRE = "WIRE"
    CODE = "CODE"


def breaking_command(
    new: Annotated[
        Path,
        typer.Argument(
            help="Directory of *.toml schema files (the new version).",
            metavar="NEW",
            exists=True,
            file_okay=False,
        ),
    ],
    against: Annotated[
        str,
        typer.Option(
            "--against",
            help="The old version: a schema directory, or a git revision (main, HEAD~1, "
            "v1.2:schemas) of the repository holding NEW.",
        ),
    ],
    category: Annotated[
        list[BreakCategory] | None,
        typer.Option(
            "--category",
            case_sensitive=False,
            help="Report only changes that break this (repeatable): WIRE (peers, recordings) "
            "or CODE (implementations, hand wiring). Default: both.",
        ),
    ] = None,
    fmt: Annotated[
        ReportFormat,
        typer.Option("--format", help="'github' also prints ::error annotations on stdout."),
    ] = ReportFormat.text,
) -> None:
    """Report every change from OLD to NEW that breaks peers, recordings or code.

    Example: chrono breaking schemas/ --against main --category WIRE
    """
    from ..breaking import AgainstError, check_breaking

    categories = [c.value for c in category] if category else ["WIRE", "CODE"]
    try:
        report = check_breaking(new, against, categories=categories)  # type: ignore[arg-type]
    except AgainstError as exc:
        typer.echo(f"chrono breaking: --against: {exc}", err=True)
        raise typer.Exit(2) from None
    except Exception as exc:  # a bug, not a user error: one line, distinct exit code
        typer.echo(f"chrono: internal error, please report: {exc!r}", err=True)
        raise typer.Exit(EXIT_INTERNAL) from None
    if report.note is not None:
        typer.echo(f"chrono breaking: {report.note}", err=True)
    if report.errors:
        for error in report.errors:
            typer.echo(format_error(error), err=True)
        typer.echo(
            f"chrono breaking: {len(report.errors)} schema error(s); fix them to compare",
            err=True,
        )
        if fmt is ReportFormat.github:
            for error in report.errors:
                typer.echo(github_annotation(error))
        raise typer.Exit(1)
    for found in report.breaks:
        typer.echo(format_error(found.as_error()), err=True)
    if fmt is ReportFormat.github:
        for found in report.breaks:
            typer.echo(github_annotation(found.as_annotation()))
    shown = " or ".join(categories)
    if report.breaks:
        typer.echo(
            f"chrono breaking: {plural(len(report.breaks), 'breaking change')} "
            f"({shown}) against {report.old_label}",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(
        f"chrono breaking: {new.as_posix()}: no breaking change ({shown}) "
        f"against {report.old_label}"
    )
