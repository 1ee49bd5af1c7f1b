"""``chrono launch``: start one process per ``[processes]`` entry and supervise them (SPEC §6.2).

Only parses options and wires ``chrono_daemon.launch.launch``; each child's output is printed
prefixed with its process name; with ``--record F``, the children's recordings are merged into
F at the end. Exits 0 (every child exited 0) / 1 (bad input, a child failed: named with its
status, or the recording could not be merged) / 130 / 143.
"""

# No ``from __future__ import annotations``: Typer reads this signature at run time.
import functools
from typing import Annotated

import typer

from ._graph_options import (
    Address,
    Backend,
    BackendOption,
    ClockKind,
    ClockOption,
    GraceOption,
    GraphOption,
    ImplOption,
    ParamsOption,
    RecordOption,
    RecordTopicsOption,
    SchemasArgument,
    UntilOption,
    fail,
)
from ._run_output import show_progress

__all__ = ("launch_command",)

WatchdogOption = Annotated[
    float,
    typer.Option(
        "--watchdog",
        help="With --clock sim: wall seconds a process may take to answer one lockstep step "
        "before the launch fails naming it.",
    ),
]


def launch_command(
    schemas: SchemasArgument,
    graph: GraphOption,
    impl: ImplOption,
    params: ParamsOption = None,
    clock: ClockOption = ClockKind.wall,
    until: UntilOption = None,
    backend: BackendOption = Backend.asyncio,
    address: Address = None,
    record: RecordOption = None,
    record_topics: RecordTopicsOption = None,
    watchdog: WatchdogOption = 60.0,
    grace: GraceOption = 5.0,
) -> None:
    """Run every process of graph GRAPH as its own OS process on this machine.

    With --clock sim the processes advance in lockstep virtual time: the outputs are the same
    every run, on both backends, and as in one process (docs/lockstep.md).

    Example: chrono launch schemas/ --graph system_stack --impl impl.system_stack --until 30
    """
    import anyio

    from chrono_daemon.launch import launch
    from chrono_daemon.run import RunError, env_addresses, parse_addresses

    from ..progress import Progress

    def line(process: str, stream: str, text: str) -> None:
        typer.echo(f"[{process}] {text}", err=stream == "stderr")

    def ready() -> None:
        typer.echo("chrono launch: every process is running", err=True)

    progress = Progress("chrono launch")
    try:
        overrides = {**env_addresses(), **parse_addresses(address or [], source="--address")}
        run = functools.partial(
            launch,
            schemas,
            graph,
            impl,
            params=params,
            clock=clock.value,
            until=until,
            backend=backend.value,
            addresses=overrides,
            grace=grace,
            on_line=line,
            on_ready=ready,
            record=record,
            record_topics=record_topics or (),
            watchdog=watchdog,
            on_progress=show_progress(progress),
        )
        with progress:
            outcome = anyio.run(run, backend=backend.value)
    except RunError as exc:
        raise fail(exc.lines) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    for note in outcome.notes:
        typer.echo(note, err=True)
    if outcome.exit_code != 0:
        typer.echo(f"chrono launch: {graph}: {outcome.reason}", err=True)
    raise typer.Exit(outcome.exit_code)
