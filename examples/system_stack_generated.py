"""The System 2/1/0 stack of SPEC §5.6, built from the generated package.

``schemas/system_stack.toml`` declares the messages, daemons and edges; ``chrono gen schemas/``
wrote ``generated/system_stack``. This program only implements the four stubs and drives the
graph under a ``SimClock``: a harness pushes observations at 20 Hz for a few simulated seconds
and reads the graph output. Run it with::

    PYTHONPATH=. .venv/bin/python examples/system_stack_generated.py
"""

from __future__ import annotations

import anyio

from chrono_daemon import Context, EndOfStream, SimClock, Supervisor, WouldBlock
from chrono_daemon.recipes.cooperative_every import cooperative_every
from generated.system_stack import (
    Action,
    ActuatorBase,
    Chunk,
    Mode,
    Obs,
    S0DispenserBase,
    S1PolicyBase,
    S2PlannerBase,
    Subgoal,
    SystemStackGraph,
)

OBS_RATE_HZ = 20.0
OBS_OFFSET = 0.025  # observations arrive between the daemons' ticks: no same-instant ties
DISPENSE_PERIOD = 0.05
POLICY_LATENCY = 0.02


class Planner(S2PlannerBase):
    """System 2: once a second, plan a subgoal from the latest observation (~50 ms)."""

    cog = 0  # subgoals planned so far

    async def step(self, ctx: Context, t: float) -> None:
        obs = self.obs.get()
        if obs is None:
            return
        await ctx.clock.sleep(self.params.latency)
        self.cog += 1
        await self.subgoal.send(
            Subgoal(target=float(obs.seq % 10), cog=self.cog, t_planned=ctx.clock.now())
        )


class Policy(S1PolicyBase):
    """System 1: at 10 Hz, turn the latest observation and subgoal into a chunk (~20 ms)."""

    async def step(self, ctx: Context, t: float) -> None:
        obs, subgoal = self.obs.get(), self.subgoal.get()
        if obs is None or subgoal is None:
            return
        await ctx.clock.sleep(POLICY_LATENCY)
        n = self.params.chunk_size
        error = subgoal.target - float(obs.seq % 10)
        actions = [round(error * (k + 1) / n, 3) for k in range(n)]
        await self.chunk.send(Chunk(actions=actions, cog=subgoal.cog, t_emitted=ctx.clock.now()))


class Dispenser(S0DispenserBase):
    """System 0: every 50 ms, emit the next action of the newest chunk."""

    async def run(self, ctx: Context) -> None:
        pending: list[float] = []
        async for _ in cooperative_every(ctx, DISPENSE_PERIOD):
            try:
                while True:  # a newer chunk replaces what is left of the old one
                    pending = list(self.chunk.receive_nowait().actions)
            except WouldBlock:
                pass
            except EndOfStream:
                return
            if pending:
                cmd = max(-10.0, min(10.0, pending.pop(0)))
                await self.action.send(
                    Action(cmd=cmd, mode=Mode.tracking, t_dispensed=ctx.clock.now())
                )


class Actuator(ActuatorBase):
    """Logs every action it is handed."""

    log: list[Action]

    async def on_start(self, ctx: Context) -> None:
        self.log = []

    async def on_action(self, ctx: Context, msg: Action) -> None:
        self.log.append(msg)


def _drain(graph: SystemStackGraph, into: list[Action]) -> None:
    """Read everything the graph output holds now (it is bounded: never let it fill up)."""
    while True:
        try:
            into.append(graph.outputs.actions.receive_nowait())
        except (WouldBlock, EndOfStream):
            return


async def run_stack(seconds: float = 10.0) -> list[str]:
    """Run the graph for ``seconds`` of virtual time; return the summary lines."""
    clock = SimClock()
    graph = SystemStackGraph(
        s2_planner=Planner, s1_policy=Policy, s0_dispenser=Dispenser, actuator=Actuator
    )
    outputs: list[Action] = []
    steps = round(seconds * OBS_RATE_HZ)
    async with Supervisor(clock=clock) as sup:
        graph.add_to(sup)
        for seq in range(steps):
            await clock.advance_to(seq / OBS_RATE_HZ + OBS_OFFSET)
            await graph.inputs.obs.send(Obs(t=clock.now(), seq=seq))
            _drain(graph, outputs)
        await clock.advance_to(seconds + OBS_OFFSET)
        _drain(graph, outputs)
        await graph.inputs.obs.aclose()
        await sup.stop(grace=1.0)
    actuator = graph.daemons.actuator
    assert isinstance(actuator, Actuator)

    def show(a: Action) -> str:
        return f"t={a.t_dispensed:.3f} cmd={a.cmd:+.3f} mode={a.mode.value}"

    # The same shape as the hand-wired mock (examples/system_stack_mock.py), minus wall time,
    # so the output can be pinned by a test.
    lines = [
        f"{seconds:g} simulated s: {steps} observations in, {len(outputs)} actions out "
        f"({len(actuator.log)} actuated)"
    ]
    lines += [f"  {show(a)}" for a in outputs[:3]]
    if outputs:
        lines.append(f"  ... last: {show(outputs[-1])}")
    return lines


def main() -> None:
    """Print the summary of a 10-second run."""
    for line in anyio.run(run_stack):
        print(line)


if __name__ == "__main__":
    main()
