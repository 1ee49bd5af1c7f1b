"""What every ``chrono`` command shares: exit codes, error printing, report formats.

Exit codes: 0 success; 1 schema errors, a stale tree under ``--check``, or a refused write;
2 usage errors (Typer); 3 an internal error (a bug: please report it).
"""

from __future__ import annotations

import contextlib
import enum
import gc
from typing import TYPE_CHECKING

import typer

from ..errors import SchemaError, format_error, sort_errors

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from ..model import Package
    from ..progress import Progress

__all__ = (
    "EXIT_INTERNAL",
    "ReportFormat",
    "github_annotation",
    "internal_error",
    "plural",
    "print_errors",
    "print_github_annotations",
    "resolved",
    "without_gc",
    "write_text",
)

EXIT_INTERNAL = 3
"""A bug in chrono, not in the schema: one ``internal error, please report`` line."""


class ReportFormat(enum.StrEnum):
    """``chrono check --format``: plain ``path:line: error:`` lines, or also GitHub annotations."""

    text = "text"
    github = "github"


@contextlib.contextmanager
def without_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (a short generator run), then resume.

    The pipeline allocates many objects and makes few reference cycles, so reference counting
    frees nearly everything, and the collector's passes were about a quarter of a cold
    ``chrono gen`` (issue 15.8). Only for commands that end soon: never around ``chrono run``.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def internal_error(exc: BaseException) -> typer.Exit:
    """Print the one ``internal error, please report`` line; return the exit to raise."""
    typer.echo(f"chrono: internal error, please report: {exc!r}", err=True)
    return typer.Exit(EXIT_INTERNAL)


def plural(count: int, noun: str) -> str:
    """``count`` and ``noun``, with an ``s`` unless it is exactly one: ``1 error``, ``2 errors``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def print_errors(errors: list[SchemaError]) -> None:
    """Print every problem on stderr, then a count line when any of them is an error."""
    for error in errors:
        typer.echo(format_error(error), err=True)
    count = sum(e.severity == "error" for e in errors)
    warnings = len(errors) - count
    if count:
        summary = plural(count, "error")
        if warnings:
            summary += f", {plural(warnings, 'warning')}"
        typer.echo(f"chrono: {summary}; nothing was written", err=True)


def _escape_data(text: str) -> str:
    # GitHub's workflow-command escaping: a raw newline would end the annotation early.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(error: SchemaError) -> str:
    """``::error file=PATH,line=N,col=N::MESSAGE`` (``::warning`` for warnings) for GitHub CI.

    ``line``/``col`` are left out when unknown (0); values are escaped as GitHub requires.
    """
    props = [f"file={_escape_property(error.path)}"]
    if error.line > 0:
        props.append(f"line={error.line}")
        if error.col > 0:
            props.append(f"col={error.col}")
    return f"::{error.severity} {','.join(props)}::{_escape_data(error.message)}"


def print_github_annotations(errors: list[SchemaError]) -> None:
    """Print one annotation per problem on stdout, where the Actions runner reads commands."""
    for error in errors:
        typer.echo(github_annotation(error))


def resolved(directory: Path, progress: Progress) -> Package:
    """Load and resolve ``directory``; print every problem; exit 1 on any error."""
    from ..load import load
    from ..resolve import resolve

    try:
        progress.stage("loading")
        loaded = load(directory)
        progress.stage("resolving")
        result = resolve(loaded.files)
    except Exception as exc:
        raise internal_error(exc) from None
    errors = sort_errors(loaded.errors + result.errors)
    print_errors(errors)
    if result.package is None or any(e.severity == "error" for e in errors):
        raise typer.Exit(1)
    return result.package


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` unless it already holds exactly that (mtime kept)."""
    try:
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            return
        path.write_text(text, encoding="utf-8", newline="\n")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        typer.echo(f"chrono: cannot write {path.as_posix()}: {reason}", err=True)
        raise typer.Exit(1) from None
