"""The ``chrono`` command (SPEC §4.3). The only module of ``codegen`` that prints or exits.

Exit codes: 0 success; 1 schema errors, a stale tree under ``--check``, or a refused write;
2 usage errors (Typer); 3 an internal error (a bug: please report it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .cmd.launch import launch_command
from .cmd.run import run_command
from .commands import (
    ReportFormat,
    graph_command,
    print_github_annotations,
    scaffold_command,
    schema_command,
)
from .errors import SchemaError, format_error
from .fastpath import probe, record
from .pipeline import check as check_schemas
from .pipeline import generate_to
from .progress import Progress

__all__ = ("app", "main")

EXIT_INTERNAL = 3

app = typer.Typer(
    name="chrono",
    help="chrono-daemon code generator: schema files -> a typed Python package.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (issue 6)
    pretty_exceptions_enable=False,
)


def _print_errors(errors: list[SchemaError]) -> None:
    for error in errors:
        typer.echo(format_error(error), err=True)
    count = sum(e.severity == "error" for e in errors)
    warnings = len(errors) - count
    if count:
        summary = f"{count} error{'s' if count != 1 else ''}"
        if warnings:
            summary += f", {warnings} warning{'s' if warnings != 1 else ''}"
        typer.echo(f"chrono: {summary}; nothing was written", err=True)


def _version(value: bool) -> None:
    if value:
        # Imported here: the runtime pulls in anyio and asyncio, which no other command needs
        # (and the no-op fast path of ``gen`` should not pay for).
        from chrono_daemon import __version__

        typer.echo(f"chrono {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Show the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
) -> None:
    """chrono-daemon code generator: schema files -> a typed Python package."""


@app.command("gen")
def gen(
    directory: Annotated[Path, typer.Argument(help="Directory of *.toml schema files.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output package directory.")] = Path(
        "generated"
    ),
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit 1 listing the files that are stale."),
    ] = False,
) -> None:
    """Validate the schemas of DIRECTORY and generate the typed package into OUT.

    Example: chrono gen schemas/ -o generated/ --check
    """
    # No-op fast path (codegen/fastpath.py): an unchanged DIR and OUT skip the whole pipeline.
    fast = None if check else probe(directory, out)
    if fast is not None and fast.unchanged is not None:
        typer.echo(f"chrono: {out.as_posix()}: 0 written, 0 removed, {fast.unchanged} unchanged")
        return
    try:
        with Progress("chrono gen") as progress:
            result, report = generate_to(directory, out, check_only=check, stage=progress.stage)
    except Exception as exc:  # a bug, not a user error: one line, distinct exit code
        typer.echo(f"chrono: internal error, please report: {exc!r}", err=True)
        raise typer.Exit(EXIT_INTERNAL) from None
    _print_errors(result.errors)
    if report is None:
        raise typer.Exit(1)
    if report.errors:
        for error in report.errors:
            typer.echo(format_error(error), err=True)
        typer.echo("chrono: refused to write; nothing was changed", err=True)
        raise typer.Exit(1)
    shown = out.as_posix()
    if check:
        if report.stale:
            for rel in report.stale:
                typer.echo(f"{shown}/{rel}: stale", err=True)
            typer.echo(
                f"chrono: {len(report.stale)} generated file(s) out of date; run "
                f"'chrono gen {directory.as_posix()} -o {shown}'",
                err=True,
            )
            raise typer.Exit(1)
        typer.echo(f"chrono: {shown} is up to date ({len(report.unchanged)} files)")
        return
    typer.echo(
        f"chrono: {shown}: {len(report.written)} written, {len(report.removed)} removed, "
        f"{len(report.unchanged)} unchanged"
    )
    if fast is not None and not result.errors:  # warnings are re-reported by a full run
        record(fast, out)


@app.command("check")
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
        with Progress("chrono check") as progress:
            errors = check_schemas(directory, stage=progress.stage)
    except Exception as exc:
        typer.echo(f"chrono: internal error, please report: {exc!r}", err=True)
        raise typer.Exit(EXIT_INTERNAL) from None
    _print_errors(errors)
    if fmt is ReportFormat.github:
        print_github_annotations(errors)
    if any(e.severity == "error" for e in errors):
        raise typer.Exit(1)
    typer.echo(f"chrono: {directory.as_posix()}: no errors")


app.command("graph")(graph_command)
app.command("scaffold")(scaffold_command)
app.command("schema")(schema_command)
app.command("run")(run_command)
app.command("launch")(launch_command)


def main() -> None:
    """Console entry point (``chrono``)."""
    app()
