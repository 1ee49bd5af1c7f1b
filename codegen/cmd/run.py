"""``chrono run``: run a graph, or one process of it, in this process (SPEC §6.2).

Only parses options and wires ``chrono_daemon.run``: plan (every check, nothing started),
build (tapped by a recorder with ``--record``), execute; then prints the outcome and exits 0 /
1 (bad input, a daemon failed, or the recording failed) / 130 (SIGINT) / 143 (SIGTERM).
"""

# No ``from __future__ import annotations``: Typer reads this signature at run time.
import functools
import os
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
from ._run_output import print_outcome, show_progress

__all__ = ("run_command",)

GRACE = 5.0
"""Seconds daemons get to return after a stop request before they are cancelled (``--grace``)."""


def run_command(
    schemas: SchemasArgument,
    graph: GraphOption,
    impl: ImplOption,
    process: Annotated[
        str | None,
        typer.Option(
            "--process", "-p", help="Run only this process (a \\[processes] entry) of the graph."
        ),
    ] = None,
    params: ParamsOption = None,
    clock: ClockOption = ClockKind.wall,
    until: UntilOption = None,
    backend: BackendOption = Backend.asyncio,
    address: Address = None,
    record: RecordOption = None,
    record_topics: RecordTopicsOption = None,
    grace: GraceOption = GRACE,
) -> None:
    """Run graph GRAPH of SCHEMAS (or its process PROCESS) with the classes of IMPL.

    Example: chrono run schemas/ -g system_stack --impl impl.system_stack --clock sim --until 60
    --record run.mcap
    """
    import anyio

    from chrono_daemon import SimClock
    from chrono_daemon.launch.child import die_with_launcher, follow_launcher
    from chrono_daemon.launch.control import LOCKSTEP_ENV, connect_control
    from chrono_daemon.lockstep.child import build_follower
    from chrono_daemon.run import (
        RunError,
        RunOutcome,
        close_recorder,
        env_addresses,
        execute,
        new_clock,
        open_recorder,
        parse_addresses,
        plan_run,
        record_patterns,
        run_description,
    )
    from chrono_daemon.run.signals import held_signals
    from chrono_daemon.transports.zmq import ZmqChannelError

    from ..progress import Progress

    die_with_launcher()
    try:
        overrides = {**env_addresses(), **parse_addresses(address or [], source="--address")}
        plan = plan_run(schemas, graph, impl, process=process, params=params, addresses=overrides)
        topics = record_patterns(plan.module, record_topics or [])
        if topics is not None and record is None:
            raise RunError(["chrono run: --record-topics selects what --record FILE records"])
    except RunError as exc:
        raise fail(exc.lines) from None
    runtime = new_clock(clock.value)
    recorder = None
    if record is not None:
        run = run_description(clock.value, until, grace)
        try:
            recorder = open_recorder(plan, record, runtime, topics=topics, run=run)
        except RunError as exc:
            raise fail(exc.lines) from None
    link = connect_control()
    follower = None
    try:
        if link is not None and plan.process is not None and os.environ.get(LOCKSTEP_ENV):
            # launch --clock sim: this process follows the launcher's lockstep coordinator
            assert isinstance(runtime, SimClock)
            built, follower = build_follower(plan, link, tap=recorder, clock=runtime)
        else:
            built = plan.build(tap=recorder)
    except ZmqChannelError as exc:
        raise fail([f"chrono run: {plan.name}: {exc}"]) from None
    on_started = None
    if link is not None and plan.process is not None and follower is None:
        on_started = functools.partial(follow_launcher, link, plan.process.name, grace=grace)

    with Progress("chrono run") as progress:

        async def main() -> "RunOutcome":
            try:
                return await execute(
                    built,
                    clock=runtime,
                    until=until,
                    grace=grace,
                    on_progress=show_progress(progress),
                    on_started=on_started,
                    driver=follower,
                )
            finally:
                with held_signals():  # the run is over: let its recording complete
                    if link is not None:
                        await link.aclose()
                    if recorder is not None:
                        await close_recorder(recorder)

        try:
            outcome = anyio.run(main, backend=backend.value)
        except KeyboardInterrupt:  # before the signal handlers were in place
            raise typer.Exit(130) from None
        except RunError as exc:  # writing the recording failed (disk full...)
            raise fail(exc.lines) from None
    print_outcome("chrono run", plan.name, outcome)
    raise typer.Exit(outcome.exit_code)
