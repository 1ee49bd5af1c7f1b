"""A busy system_stack for lockstep tests: every tick does something, buffers fill, and every
message sent is printed (``TRACE <virtual time> <topic> <message>``) when ``STACK_TRACE=1``.

The harness sends an observation every ``STACK_OBS_PERIOD`` s (default 0.05) until stopped;
the planner plans from each new one; the policy emits a chunk at each 10 Hz tick with a new
observation; the dispenser spaces the actions of a chunk ``STACK_ACTION_GAP`` s apart
(default 0.02: 8 actions take longer than a policy period, so the chunk edge's 4 slots fill
and the policy blocks, then skips ticks: outputs depend on exact back-pressure).
``STACK_SLOW=<daemon>`` makes that daemon sleep 2 ms of *wall* time per step;
``STACK_HANG=<daemon>`` makes it block its whole process (a wall-clock sleep of 10 minutes)
at its first step after t = 1 s; ``STACK_PIDS=1`` prints ``pid <process> <pid>`` at start.
"""

from __future__ import annotations

import dataclasses
import os
import time
from typing import TYPE_CHECKING, Any

import anyio

from chrono_daemon._order import current_tag
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
    from chrono_daemon import Context, SendStream

OBS_PERIOD = float(os.environ.get("STACK_OBS_PERIOD", "0.05"))
ACTION_GAP = float(os.environ.get("STACK_ACTION_GAP", "0.02"))
TRACE = os.environ.get("STACK_TRACE") == "1"
SLOW = os.environ.get("STACK_SLOW", "")
HANG = os.environ.get("STACK_HANG", "")
PIDS = os.environ.get("STACK_PIDS") == "1"
PROCESS = {"s2_planner": "planner", "s1_policy": "policy", "s0_dispenser": "env"}


def _slow(daemon: str) -> None:
    if daemon == SLOW:
        time.sleep(0.002)  # real time: the follower is slower than the others
    if daemon == HANG:
        clock = current_tag.get().clock
        if clock is not None and clock.now() >= 1.0:
            time.sleep(600)  # the whole process stops answering


def _started(daemon: str) -> None:
    if PIDS:
        print(f"pid {PROCESS[daemon]} {os.getpid()}", flush=True)


class Traced:
    """Prints every item sent on ``inner`` with the virtual time, then forwards it."""

    def __init__(self, inner: SendStream[Any], topic: str) -> None:
        self.inner = inner
        self.topic = topic

    def _say(self, item: object) -> None:
        clock = current_tag.get().clock
        assert clock is not None
        print(f"TRACE {clock.now()!r} {self.topic} {item!r}", flush=True)

    async def send(self, item: Any) -> None:
        await self.inner.send(item)
        self._say(item)

    def send_nowait(self, item: Any) -> None:
        self.inner.send_nowait(item)
        self._say(item)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def statistics(self) -> Any:
        return self.inner.statistics()


def _traced(inner: Any, topic: str) -> Any:
    return Traced(inner, topic) if TRACE else inner


class Planner(S2PlannerBase):
    seen = 0

    async def on_start(self, ctx: Context) -> None:
        _started("s2_planner")
        self.subgoal = _traced(self.subgoal, "s2_planner.subgoal")

    async def step(self, ctx: Context, t: float) -> None:
        _slow("s2_planner")
        obs = self.obs.get()
        if obs is None or self.obs.version == self.seen:
            return
        self.seen = self.obs.version
        await ctx.clock.sleep(self.params.latency)
        target = float((3 * obs.seq + 1) % 7)
        await self.subgoal.send(Subgoal(target=target, cog=obs.seq, t_planned=ctx.clock.now()))


class Policy(S1PolicyBase):
    seen = 0

    async def on_start(self, ctx: Context) -> None:
        _started("s1_policy")
        self.chunk = _traced(self.chunk, "s1_policy.chunk")

    async def step(self, ctx: Context, t: float) -> None:
        _slow("s1_policy")
        subgoal, obs = self.subgoal.get(), self.obs.get()
        if subgoal is None or obs is None or self.obs.version == self.seen:
            return
        self.seen = self.obs.version
        await ctx.clock.sleep(0.02)
        n = self.params.chunk_size
        error = subgoal.target - float(obs.seq % 10)
        actions = [round(error * (k + 1) / n, 3) for k in range(n)]
        await self.chunk.send(Chunk(actions=actions, cog=obs.seq, t_emitted=ctx.clock.now()))


class Dispenser(S0DispenserBase):
    async def on_start(self, ctx: Context) -> None:
        _started("s0_dispenser")
        self.action = _traced(self.action, "s0_dispenser.action")

    async def run(self, ctx: Context) -> None:
        async for chunk in self.chunk:
            _slow("s0_dispenser")
            last = len(chunk.actions) - 1
            for k, value in enumerate(chunk.actions):
                mode = Mode.idle if k == last else Mode.tracking
                cmd = max(-10.0, min(10.0, value))
                await self.action.send(Action(cmd=cmd, mode=mode, t_dispensed=ctx.clock.now()))
                await ctx.clock.sleep(ACTION_GAP)


class Actuator(ActuatorBase):
    count = 0

    async def on_action(self, ctx: Context, msg: Action) -> None:
        self.count += 1


class Harness(SystemStackHarnessBase):
    async def on_start(self, ctx: Context) -> None:
        if TRACE:
            self.inputs = dataclasses.replace(self.inputs, obs=Traced(self.inputs.obs, "in.obs"))

    async def run(self, ctx: Context) -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._read)
            seq = 0
            async for t in ctx.clock.every(OBS_PERIOD, first="now"):
                if ctx.stopping:
                    break
                _slow("harness")
                await self.inputs.obs.send(Obs(t=t, seq=seq))
                seq += 1
            tg.cancel_scope.cancel()

    async def _read(self) -> None:
        async for _ in self.outputs.actions:
            pass
