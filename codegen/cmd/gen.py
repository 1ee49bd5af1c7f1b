"""``chrono gen DIR [-o OUT] [--check]``: validate and generate the typed package into OUT."""

# No ``from __future__ import annotations``: Typer reads this signature at run time.
# The pipeline is imported inside the command: the no-op fast path should not pay for it.

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import format_error
from ..fastpath import probe, record
from ..progress import Progress
from ._common import internal_error, print_errors, without_gc

if TYPE_CHECKING:
    from ..write import WriteReport

__all__ = ("gen_command",)


def gen_command(
    directory: Annotated[Path, typer.Argument(help="Directory of *.toml schema files.")],
    out_text: Annotated[
        str,
        typer.Option(
            "-o", "--out", help="Output package directory.", metavar="<path>", show_default=True
        ),
    ] = "generated",
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit 1 listing the files that are stale."),
    ] = False,
) -> None:
    """Validate the schemas of DIRECTORY and generate the typed package into OUT.

    Example: chrono gen schemas/ -o generated/ --check
    """
    if not out_text:  # Path("") is Path("."): an unset variable in -o "$OUT" must not mean "here"
        raise typer.BadParameter(
            "is empty; give the output package directory", param_hint="'-o' / '--out'"
        )
    out = Path(out_text)
    # No-op fast path (codegen/fastpath.py): an unchanged DIR and OUT skip the whole pipeline.
    fast = None if check else probe(directory, out)
    if fast is not None and fast.unchanged is not None:
        typer.echo(f"chrono: {out.as_posix()}: 0 written, 0 removed, {fast.unchanged} unchanged")
        return
    try:
        with without_gc(), Progress("chrono gen") as progress:
            from .. import pipeline

            result, report = pipeline.generate_to(
                directory, out, check_only=check, stage=progress.stage
            )
    except Exception as exc:  # a bug, not a user error: one line, distinct exit code
        raise internal_error(exc) from None
    print_errors(result.errors)
    if report is None:
        raise typer.Exit(1)
    shown = out.as_posix()
    if report.errors:
        for error in report.errors:
            typer.echo(format_error(error), err=True)
        if report.swapped:
            typer.echo(f"chrono: {shown}: {_counts(report)}; see the error above", err=True)
        else:
            typer.echo("chrono: refused to write; nothing was changed", err=True)
        raise typer.Exit(1)
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
    typer.echo(f"chrono: {shown}: {_counts(report)}")
    if fast is not None and not result.errors:  # warnings are re-reported by a full run
        record(fast, out, report.snapshot)


def _counts(report: "WriteReport") -> str:
    return (
        f"{len(report.written)} written, {len(report.removed)} removed, "
        f"{len(report.unchanged)} unchanged"
    )
