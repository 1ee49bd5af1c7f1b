"""``chrono scaffold DIR -o IMPL [--package generated]``: implementation skeletons."""

# No ``from __future__ import annotations``: Typer reads this signature at run time.

from pathlib import Path, PurePosixPath
from typing import Annotated

import typer

from ..progress import Progress
from ._common import internal_error, resolved

__all__ = ("scaffold_command",)


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
    from ..scaffold import check_package_path, plan_scaffold, write_scaffold

    problem = check_package_path(package)
    if problem is not None:
        typer.echo(f"chrono: {problem}", err=True)
        raise typer.Exit(2)
    with Progress("chrono scaffold") as progress:
        pkg = resolved(directory, progress)
        progress.stage("rendering")
        try:
            plan = plan_scaffold(pkg, package, output)
        except Exception as exc:
            raise internal_error(exc) from None
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
