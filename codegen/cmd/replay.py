"""``chrono replay FILE.mcap SCHEMAS --graph G --impl MODULE``: a recording, played back
into the graph under virtual time (SPEC §6.2).

Only parses options and wires ``chrono_daemon.replay``: plan (the file, the schemas, MODULE,
the types: every check, nothing started), replay, compare; then prints what happened. Exits
0 (with ``--check``: the new run matched the recording) / 1 (bad input, an incompatible or
damaged recording, a daemon failed, or ``--check`` found a divergence: the first one is
printed with its topic, time, sequence number and a field-level diff) / 130 / 143.
"""

# No ``from __future__ import annotations``: Typer reads this signature at run time.
from pathlib import Path
from typing import Annotated

import typer

from ._graph_options import (
    Backend,
    BackendOption,
    GraphOption,
    ImplOption,
    ParamsOption,
    SchemasArgument,
    fail,
)
from ._run_output import print_outcome, show_progress
from .info import load_recording_library

__all__ = ("replay_command",)


def replay_command(
    recording: Annotated[Path, typer.Argument(help="The recording (.mcap) to play back.")],
    schemas: SchemasArgument,
    graph: GraphOption,
    impl: ImplOption,
    replace: Annotated[
        list[str] | None,
        typer.Option(
            "--replace",
            help="Play back the recorded outputs of this daemon instead of running it "
            "(repeatable).",
            metavar="DAEMON",
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Compare every recorded edge of the new run with the recording."
        ),
    ] = False,
    record: Annotated[
        Path | None,
        typer.Option("--record", help="Record the new run to this file.", metavar="NEW.mcap"),
    ] = None,
    params: ParamsOption = None,
    until: Annotated[
        float | None,
        typer.Option(
            "--until",
            help="Stop at this virtual time (default: when the recorded run stopped).",
            min=0.0,
        ),
    ] = None,
    backend: BackendOption = Backend.asyncio,
) -> None:
    """Play RECORDING back into graph GRAPH of SCHEMAS run with the classes of IMPL.

    The recorded graph inputs (and the recorded outputs of each --replace daemon) are sent at
    their recorded times, under virtual time, as fast as possible; the params are the
    recorded ones unless --params is given.

    Example: chrono replay run.mcap schemas/ -g system_stack --impl impl.system_stack --check
    """
    load_recording_library()
    import anyio

    from chrono_daemon.recording import RecordingError
    from chrono_daemon.replay import ReplayOutcome, plan_replay, replay
    from chrono_daemon.run import RunError

    from ..progress import Progress

    try:
        plan = plan_replay(recording, schemas, graph, impl, replace=replace or [], params=params)
    except RunError as exc:
        raise fail(exc.lines) from None
    except RecordingError as exc:
        raise fail([f"chrono: error: {exc}"]) from None
    for note in plan.notes:
        typer.echo(f"chrono replay: note: {note}", err=True)

    with Progress("chrono replay") as progress:

        async def main() -> ReplayOutcome:
            return await replay(
                plan, record=record, check=check, until=until, on_progress=show_progress(progress)
            )

        try:
            outcome = anyio.run(main, backend=backend.value)
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
        except RunError as exc:
            raise fail(exc.lines) from None
        except RecordingError as exc:
            raise fail([f"chrono: error: {exc}"]) from None
    name = plan.run.name
    print_outcome("chrono replay", name, outcome.run)
    for error in outcome.errors:
        typer.echo(f"chrono: error: {error}", err=True)
    if outcome.divergence is not None:
        typer.echo(f"chrono replay: {name}: diverged from {recording}:", err=True)
        typer.echo(f"  {outcome.divergence}".replace("\n", "\n  "), err=True)
    elif outcome.checked and not outcome.errors:
        count = plan.recording.info.message_count
        topics = len(plan.topics)
        typer.echo(f"chrono replay: {name}: identical to {recording} ({count:,} messages on "
                   f"{topics} topics)")  # fmt: skip
    raise typer.Exit(outcome.exit_code)
