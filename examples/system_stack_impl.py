"""The System 2/1/0 stack as a program for ``chrono run`` and ``chrono launch``.

The same module runs the graph whole, in one process, under virtual time::

    chrono run schemas/ --graph system_stack --impl examples/system_stack_impl.py --clock sim

and split into the three processes of ``schemas/system_stack.toml`` (env, planner, policy),
over ZeroMQ, in real time::

    chrono launch schemas/ --graph system_stack --impl examples/system_stack_impl.py

The harness closes the loop: it sends one observation, waits until the action chunk planned
from it has been dispensed (its last action is marked ``idle``), then sends the next. So every
run, in one process or three, under either clock, prints the same lines; only the speed
differs (the 1 Hz planner paces the real-time run). After ``ROUNDS`` observations the harness
returns, its input closes, and the end of the stream crosses every process: each daemon ends
once its inputs have, and every process exits 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    SystemStackHarnessBase,
)

if TYPE_CHECKING:
    from chrono_daemon import Context

ROUNDS = 3
POLICY_LATENCY = 0.02


class Planner(S2PlannerBase):
    """System 2: at each 1 Hz tick with a new observation, plan a subgoal (~50 ms)."""

    seen = 0  # the version of the last observation planned from

    async def step(self, ctx: Context, t: float) -> None:
        obs = self.obs.get()
        if obs is None or self.obs.version == self.seen:
            return
        self.seen = self.obs.version
        await ctx.clock.sleep(self.params.latency)
        target = float((3 * obs.seq + 1) % 7)
        await self.subgoal.send(Subgoal(target=target, cog=obs.seq, t_planned=ctx.clock.now()))


class Policy(S1PolicyBase):
    """System 1: at each 10 Hz tick with a new subgoal, emit a chunk of actions (~20 ms)."""

    seen = 0  # the version of the last subgoal turned into a chunk

    async def step(self, ctx: Context, t: float) -> None:
        subgoal, obs = self.subgoal.get(), self.obs.get()
        if subgoal is None or obs is None or self.subgoal.version == self.seen:
            return
        self.seen = self.subgoal.version
        await ctx.clock.sleep(POLICY_LATENCY)
        n = self.params.chunk_size
        error = subgoal.target - float(obs.seq % 10)
        actions = [round(error * (k + 1) / n, 3) for k in range(n)]
        await self.chunk.send(Chunk(actions=actions, cog=subgoal.cog, t_emitted=ctx.clock.now()))


class Dispenser(S0DispenserBase):
    """System 0: dispense every action of each chunk; the last one is marked ``idle``."""

    async def run(self, ctx: Context) -> None:
        async for chunk in self.chunk:
            last = len(chunk.actions) - 1
            for k, value in enumerate(chunk.actions):
                mode = Mode.idle if k == last else Mode.tracking
                cmd = max(-10.0, min(10.0, value))
                await self.action.send(Action(cmd=cmd, mode=mode, t_dispensed=ctx.clock.now()))


class Actuator(ActuatorBase):
    """Counts the actions it is handed, and says how many when it stops."""

    count = 0

    async def on_action(self, ctx: Context, msg: Action) -> None:
        self.count += 1

    async def on_stop(self, ctx: Context) -> None:
        print(f"actuator: {self.count} actions", flush=True)
        await super().on_stop(ctx)


class Harness(SystemStackHarnessBase):
    """Sends ``ROUNDS`` observations, each once the previous one's chunk was dispensed."""

    async def run(self, ctx: Context) -> None:
        for seq in range(ROUNDS):
            await self.inputs.obs.send(Obs(t=ctx.clock.now(), seq=seq))
            k = 0
            while True:
                action = await self.outputs.actions.receive()
                print(f"harness: obs {seq} action {k}: cmd={action.cmd:+.3f}", flush=True)
                k += 1
                if action.mode is Mode.idle:
                    break
