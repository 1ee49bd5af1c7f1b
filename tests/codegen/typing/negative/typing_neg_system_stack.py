"""Negative typing cases: each marked line is one misuse mypy --strict must flag.

tests/codegen/test_codegen_typing.py runs mypy over this file and requires the set of
(line, error code) it reports to equal the set of expect markers on the lines below.
"""

from __future__ import annotations

from chrono_daemon import Channel, Context, open_channel
from generated.system_stack import (
    Action,
    ActuatorBase,
    Chunk,
    Obs,
    S0DispenserBase,
    S1PolicyBase,
    S2PlannerBase,
    SystemStackGraph,
)


class Planner(S2PlannerBase):
    async def step(self, ctx: Context, t: float) -> None:
        obs = self.obs.get()
        print(obs.seq)  # expect: [union-attr]


class Policy(S1PolicyBase):
    async def step(self, ctx: Context, t: float) -> None:
        await self.chunk.send(Obs(t=t, seq=1))  # expect: [arg-type]


class Dispenser(S0DispenserBase):
    async def run(self, ctx: Context) -> None:
        async for chunk in self.chunk:
            await self.action.send(Action(cmd=chunk.actions[0], t_dispensed="now"))  # expect: [arg-type]


class Actuator(ActuatorBase):
    async def on_action(self, ctx: Context, msg: Action) -> None:
        pass


class Unfinished(S2PlannerBase):
    pass


async def misuse() -> None:
    Obs(t="yesterday", seq=1)  # expect: [arg-type]
    SystemStackGraph(s2_planner=Policy, s1_policy=Policy, s0_dispenser=Dispenser, actuator=Actuator)  # expect: [arg-type]
    SystemStackGraph(s2_planner=Unfinished, s1_policy=Policy, s0_dispenser=Dispenser, actuator=Actuator)  # expect: [type-abstract]
    obs: Channel[Obs] = open_channel(1)
    actions: Channel[Action] = open_channel(1)
    Dispenser(chunk=obs, action=actions.send)  # expect: [arg-type]
    Dispenser(chunk=obs.recv, action=actions.send)  # expect: [arg-type]
    graph = SystemStackGraph(s2_planner=Planner, s1_policy=Policy, s0_dispenser=Dispenser, actuator=Actuator)
    await graph.outputs.actions.send(Action(cmd=0.0, t_dispensed=0.0))  # expect: [attr-defined]
    await graph.inputs.obs.send(Chunk(actions=[1.0], cog=0, t_emitted=0.0))  # expect: [arg-type]
