"""``chrono graph DIR [--format mermaid|dot] [-o FILE] [--graph STEM ...]``: draw the topology."""

# No ``from __future__ import annotations``: Typer reads this signature at run time.

import enum
from pathlib import Path
from typing import Annotated

import typer

from ..progress import Progress
from ._common import internal_error, resolved, write_text

__all__ = ("DiagramKind", "graph_command")


class DiagramKind(enum.StrEnum):
    """``chrono graph --format``."""

    mermaid = "mermaid"
    dot = "dot"


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
    from ..diagram import render_diagram

    with Progress("chrono graph") as progress:
        package = resolved(directory, progress)
        try:
            text, missing = render_diagram(package, fmt.value, only=only or ())
        except Exception as exc:
            raise internal_error(exc) from None
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
        write_text(output, text)
