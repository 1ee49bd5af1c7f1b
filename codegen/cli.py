"""The ``chrono`` command (SPEC §4.3): the Typer app and one registration line per command.

Each command is its own module in ``codegen/cmd/``; with them, this is the only part of
``codegen`` that prints or exits. Exit codes (``codegen/cmd/_common.py``): 0 success; 1 schema
errors, a stale tree under ``--check``, or a refused write; 2 usage errors (Typer); 3 an
internal error (a bug: please report it).
"""

from __future__ import annotations

from typing import Annotated

import typer

from .cmd._common import EXIT_INTERNAL
from .cmd.breaking import breaking_command
from .cmd.check import check_command
from .cmd.gen import gen_command
from .cmd.graph import graph_command
from .cmd.info import info_command
from .cmd.launch import launch_command
from .cmd.merge import merge_command
from .cmd.replay import replay_command
from .cmd.run import run_command
from .cmd.scaffold import scaffold_command
from .cmd.schema import schema_command

__all__ = ("EXIT_INTERNAL", "app", "main")

app = typer.Typer(
    name="chrono",
    help="chrono-daemon code generator: schema files -> a typed Python package.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (issue 6)
    pretty_exceptions_enable=False,
)


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


app.command("gen")(gen_command)
app.command("check")(check_command)
app.command("graph")(graph_command)
app.command("scaffold")(scaffold_command)
app.command("schema")(schema_command)
app.command("info")(info_command)
app.command("merge")(merge_command)
app.command("breaking")(breaking_command)
app.command("run")(run_command)
app.command("launch")(launch_command)
app.command("replay")(replay_command)


def main() -> None:
    """Console entry point (``chrono``)."""
    app()
