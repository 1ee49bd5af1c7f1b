"""Options shared by ``chrono run`` and ``chrono launch`` (Typer reads them at run time)."""

# No ``from __future__ import annotations``: Typer inspects these annotations at run time.
import enum
from pathlib import Path
from typing import Annotated

import typer

__all__ = (
    "Address",
    "Backend",
    "BackendOption",
    "ClockKind",
    "ClockOption",
    "GraceOption",
    "GraphOption",
    "ImplOption",
    "ParamsOption",
    "RecordOption",
    "RecordTopicsOption",
    "SchemasArgument",
    "UntilOption",
    "fail",
)


class ClockKind(enum.StrEnum):
    """``--clock``."""

    wall = "wall"
    sim = "sim"


class Backend(enum.StrEnum):
    """``--backend``."""

    asyncio = "asyncio"
    trio = "trio"


SchemasArgument = Annotated[Path, typer.Argument(help="Directory of *.toml schema files.")]
GraphOption = Annotated[
    str, typer.Option("--graph", "-g", help="The graph to run: a schema file's stem.")
]
ImplOption = Annotated[
    str,
    typer.Option(
        "--impl",
        help="The implementation module (importable from the current directory, or a .py "
        "path): its one subclass of each generated stub base is used.",
    ),
]
ParamsOption = Annotated[
    Path | None, typer.Option("--params", help="A TOML file with the graph's params.")
]
ClockOption = Annotated[
    ClockKind,
    typer.Option("--clock", help="wall: real time; sim: virtual time, as fast as possible."),
]
UntilOption = Annotated[
    float | None,
    typer.Option(
        "--until", help="Stop gracefully at this clock time (seconds from the start).", min=0.0
    ),
]
GraceOption = Annotated[
    float,
    typer.Option(
        "--grace",
        help="Seconds daemons get to return after a stop (--until, Ctrl-C, SIGTERM) before "
        "they are cancelled.",
        min=0.0,
    ),
]
BackendOption = Annotated[Backend, typer.Option("--backend", help="The async backend.")]
Address = Annotated[
    list[str] | None,
    typer.Option(
        "--address",
        help="LABEL=ADDRESS: where the wire LABEL (e.g. 's1_policy.chunk->env') binds and "
        "connects, overriding the schema (repeatable; also $CHRONO_ADDRESSES).",
    ),
]


RecordOption = Annotated[
    Path | None,
    typer.Option(
        "--record",
        help="Record every edge (or those --record-topics selects) to this MCAP file.",
        metavar="FILE.mcap",
    ),
]
RecordTopicsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--record-topics",
        help="Record only the topics matching this fnmatch pattern ('s1_policy.*', 'in.*', "
        "'system_stack/*.chunk'; repeatable).",
        metavar="PATTERN",
    ),
]


def fail(lines: list[str], code: int = 1) -> typer.Exit:
    """Print ``lines`` on stderr; the ``typer.Exit`` to raise."""
    for line in lines:
        typer.echo(line, err=True)
    return typer.Exit(code)
