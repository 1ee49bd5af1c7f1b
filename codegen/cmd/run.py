"""``chrono run``: run a graph, or one process of it, in this process (SPEC §6.2).

Only parses options and wires ``chrono_daemon.run``: plan (every check, nothing started),
build, execute; then prints the outcome and exits 0 / 1 (bad input, or a daemon failed) /
130 (SIGINT) / 143 (SIGTERM).
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
    GraphOption,
    ImplOption,
    ParamsOption,
    SchemasArgument,
    UntilOption,
    fail,
)

__all__ = ("run_command",)

GRACE = 5.0
"""Seconds daemons get to return after a stop request before they are cancelled."""


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
) -> None:
    """Run graph GRAPH of SCHEMAS (or its process PROCESS) with the classes of IMPL.

    Example: chrono run schemas/ -g system_stack --impl impl.system_stack --clock sim --until 60
    """
    import anyio

    from chrono_daemon.launch.child import die_with_launcher, follow_launcher
    from chrono_daemon.launch.control import LOCKSTEP_ENV, connect_control
    from chrono_daemon.lockstep.child import build_follower
    from chrono_daemon.run import (
        RunError,
        RunOutcome,
        env_addresses,
        execute,
        parse_addresses,
        plan_run,
    )
    from chrono_daemon.transports.zmq import ZmqChannelError

    from ..progress import Progress

    die_with_launcher()
    try:
        overrides = {**env_addresses(), **parse_addresses(address or [], source="--address")}
        plan = plan_run(schemas, graph, impl, process=process, params=params, addresses=overrides)
    except RunError as exc:
        raise fail(exc.lines) from None
    link = connect_control()
    follower = None
    try:
        if link is not None and plan.process is not None and os.environ.get(LOCKSTEP_ENV):
            built, follower = build_follower(plan, link)  # launch --clock sim: lockstep
        else:
            built = plan.build()
    except ZmqChannelError as exc:
        raise fail([f"chrono run: {plan.name}: {exc}"]) from None
    on_started = None
    if link is not None and plan.process is not None and follower is None:
        on_started = functools.partial(follow_launcher, link, plan.process.name, grace=GRACE)

    with Progress("chrono run") as progress:

        def show(now: float, target: float | None, rate: float) -> None:
            of = "" if target is None else f" of {target:g}"
            progress.stage(f"t = {now:.1f}{of} s, {rate:,.0f} simulated s per s")

        async def main() -> "RunOutcome":
            try:
                return await execute(
                    built,
                    clock=clock.value,
                    until=until,
                    grace=GRACE,
                    on_progress=show,
                    on_started=on_started,
                    driver=follower,
                )
            finally:
                if link is not None:
                    await link.aclose()

        try:
            outcome = anyio.run(main, backend=backend.value)
        except KeyboardInterrupt:  # before the signal handlers were in place
            raise typer.Exit(130) from None
    for detail in outcome.details:
        typer.echo(detail, err=True)
    for what, counts in (("still buffered", outcome.buffered), ("dropped", outcome.dropped)):
        if counts:
            listed = ", ".join(f"{edge}: {n}" for edge, n in counts.items())
            total = sum(counts.values())
            typer.echo(f"chrono run: {plan.name}: {total} message(s) {what}: {listed}", err=True)
    if outcome.exit_code != 0:
        typer.echo(f"chrono run: {plan.name}: {outcome.reason}", err=True)
    raise typer.Exit(outcome.exit_code)
