"""The ``chrono graph``, ``scaffold`` and ``schema`` commands and ``check --format github``.

Part of the CLI layer together with ``codegen/cli.py``, which registers these functions on the
Typer app: like ``cli.py``, and unlike every pipeline module, this module prints and exits.
The logic lives in ``diagram``, ``scaffold`` and ``jsonschema``; each command only loads,
resolves, calls one of them and reports. Exit codes follow ``cli.py``: 0 success, 1 schema
errors or a refused write, 2 usage errors, 3 an internal error.
"""

# No ``from __future__ import annotations``: Typer reads these signatures at run time.
# The pipeline, Jinja and msgspec are imported inside each command, not here: every ``chrono``
# invocation imports this module, and ``chrono gen``'s no-op fast path should not pay for them.

import enum
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated

import typer

from .errors import SchemaError, format_error, sort_errors
from .progress import Progress

if TYPE_CHECKING:
    from .model import Package

__all__ = (
    "EXIT_INTERNAL",
    "DiagramKind",
    "ReportFormat",
    "github_annotation",
    "graph_command",
    "print_github_annotations",
    "scaffold_command",
    "schema_command",
)

EXIT_INTERNAL = 3
"""A bug in chrono, not in the schema: one ``internal error, please report`` line."""


class DiagramKind(enum.StrEnum):
    """``chrono graph --format``."""

    mermaid = "mermaid"
    dot = "dot"


class ReportFormat(enum.StrEnum):
    """``chrono check --format``: plain ``path:line: error:`` lines, or also GitHub annotations."""

    text = "text"
    github = "github"


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


def _internal(exc: BaseException) -> typer.Exit:
    typer.echo(f"chrono: internal error, please report: {exc!r}", err=True)
    return typer.Exit(EXIT_INTERNAL)


def _report(errors: list[SchemaError]) -> None:
    for error in errors:
        typer.echo(format_error(error), err=True)
    count = sum(e.severity == "error" for e in errors)
    if count:
        typer.echo(
            f"chrono: {count} error{'s' if count != 1 else ''}; nothing was written", err=True
        )


def _resolved(directory: Path, progress: Progress) -> "Package":
    """Load and resolve ``directory``; print every problem; exit 1 on any error."""
    from .load import load
    from .resolve import resolve

    try:
        progress.stage("loading")
        loaded = load(directory)
        progress.stage("resolving")
        resolved = resolve(loaded.files)
    except Exception as exc:
        raise _internal(exc) from None
    errors = sort_errors(loaded.errors + resolved.errors)
    _report(errors)
    if resolved.package is None or any(e.severity == "error" for e in errors):
        raise typer.Exit(1)
    return resolved.package


def _write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` unless it already holds exactly that (mtime kept)."""
    try:
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            return
        path.write_text(text, encoding="utf-8", newline="\n")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        typer.echo(f"chrono: cannot write {path.as_posix()}: {reason}", err=True)
        raise typer.Exit(1) from None


def graph_command(
    directory: Annotated[Path, typer.Argument(help="Directory of *.toml schema files.")],
    fmt: Annotated[
        DiagramKind, typer.Option("--format", "-f", help="Diagram language.")
    ] = DiagramKind.mermaid,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the diagram to this file instead of stdout."),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--graph", "-g", help="Draw only this graph (a schema file stem); repeatable."
        ),
    ] = None,
) -> None:
    """Draw the topology of every graph in DIRECTORY as Mermaid or Graphviz dot.

    Daemons with their kind and rate, graph inputs and outputs, inserted tee/merge nodes.
    Every edge is labelled with its ports, message type, maxsize and policy.

    Example: chrono graph schemas/ --graph system_stack --format dot -o stack.dot
    """
    from .diagram import render_diagram

    with Progress("chrono graph") as progress:
        package = _resolved(directory, progress)
        try:
            text, missing = render_diagram(package, fmt.value, only=only or ())
        except Exception as exc:
            raise _internal(exc) from None
    if missing:
        known = sorted(m.stem for m in package.modules if m.graph is not None)
        for stem in missing:
            typer.echo(
                f"chrono: no graph named {stem!r} in {directory.as_posix()}; graphs: "
                f"{', '.join(known) or 'none'}",
                err=True,
            )
        raise typer.Exit(1)
    if output is None:
        typer.echo(text, nl=False)
    else:
        _write_text(output, text)


def scaffold_command(
    directory: Annotated[Path, typer.Argument(help="Directory of *.toml schema files.")],
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help="Directory for the implementation modules."),
    ],
    package: Annotated[
        str,
        typer.Option(
            "--package",
            "-p",
            help="Import path of the generated package (as passed to 'chrono gen -o').",
        ),
    ] = "generated",
) -> None:
    """Write an implementation module per graph of DIRECTORY into OUTPUT, never overwriting.

    Each module subclasses every daemon stub, with its hooks raising NotImplementedError.
    Ports and params are listed in comments; build_graph() wires the classes together.
    An existing file (or a symlink) is skipped and named: it is never modified.
    Daemons missing from an existing module get a new module <stem>_<daemon>.py.

    Example: chrono scaffold schemas/ -o impl/ --package generated
    """
    from .scaffold import check_package_path, plan_scaffold, write_scaffold

    problem = check_package_path(package)
    if problem is not None:
        typer.echo(f"chrono: {problem}", err=True)
        raise typer.Exit(2)
    with Progress("chrono scaffold") as progress:
        pkg = _resolved(directory, progress)
        progress.stage("rendering")
        try:
            plan = plan_scaffold(pkg, package, output)
        except Exception as exc:
            raise _internal(exc) from None
        report = write_scaffold(plan.files, output)

    def note(path: Path) -> str:
        text = plan.notes.get(PurePosixPath(path.relative_to(output).as_posix()), "")
        return f" ({text})" if text else ""

    for path in report.created:
        typer.echo(f"created {path.as_posix()}{note(path)}")
    for path, reason in report.skipped:
        typer.echo(f"skipped {path.as_posix()}: {reason}{note(path)}")
    for path, reason in report.failed:
        typer.echo(f"chrono: {path.as_posix()}: {reason}", err=True)
    if not plan.files:
        typer.echo(f"chrono: {directory.as_posix()} has no graph: nothing to scaffold")
    if report.failed:
        raise typer.Exit(1)


def schema_command(
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the JSON Schema to this file, not stdout."),
    ] = None,
) -> None:
    """Print the JSON Schema of the schema-file format, for editor completion and checks.

    Generated from the same msgspec Structs the loader decodes with.
    Editors: start a schema file with '#:schema ./chrono.schema.json' (Taplo, Even Better TOML),
    or add a [[rule]] to .taplo.toml; see docs/cli.md.

    Example: chrono schema -o chrono.schema.json
    """
    try:
        from .jsonschema import file_format_schema_json

        text = file_format_schema_json()
    except Exception as exc:
        raise _internal(exc) from None
    if output is None:
        typer.echo(text, nl=False)
    else:
        _write_text(output, text)
