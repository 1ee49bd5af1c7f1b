"""Positive typing cases: user code written against the generated package type-checks.

mypy --strict must accept this file with no error (tests/codegen/test_codegen_typing.py);
``assert_type`` pins the types the naming contract of SPEC §4.2 promises.
"""

from __future__ import annotations

from typing import assert_type

import msgspec

from chrono_daemon import Channel, Context, ReceiveStream, SendStream, Supervisor, open_channel
from chrono_daemon.recipes.latest import Latest
from generated.system_stack import (
    Action,
    ActuatorBase,
    Chunk,
    ChunkChannel,
    Mode,
    Obs,
    ObsRecv,
    ObsSend,
    S0DispenserBase,
    S1PolicyBase,
    S1PolicyParams,
    S2PlannerBase,
    Subgoal,
    SystemStackGraph,
    SystemStackParams,
)


class Planner(S2PlannerBase):
    async def step(self, ctx: Context, t: float) -> None:
        obs = self.obs.get()
        assert_type(obs, Obs | None)
        if obs is not None:
            await self.subgoal.send(Subgoal(target=obs.t, cog=obs.seq, t_planned=t))
        assert_type(self.params.latency, float)


class Policy(S1PolicyBase):
    async def step(self, ctx: Context, t: float) -> None:
        subgoal = self.subgoal.get()
        if subgoal is not None:
            actions = [subgoal.target] * self.params.chunk_size
            await self.chunk.send(Chunk(actions=actions, cog=subgoal.cog, t_emitted=t))


class Dispenser(S0DispenserBase):
    async def run(self, ctx: Context) -> None:
        async for chunk in self.chunk:
            assert_type(chunk, Chunk)
            for cmd in chunk.actions:
                await self.action.send(Action(cmd=cmd, t_dispensed=ctx.clock.now()))


class Actuator(ActuatorBase):
    async def on_action(self, ctx: Context, msg: Action) -> None:
        assert_type(msg.mode, Mode)


def build() -> SystemStackGraph:
    params = msgspec.toml.decode(b"[s1_policy]\nchunk_size = 4\n", type=SystemStackParams)
    assert_type(params.s1_policy, S1PolicyParams)
    graph = SystemStackGraph(
        s2_planner=Planner,
        s1_policy=Policy,
        s0_dispenser=Dispenser,
        actuator=Actuator,
        params=params,
    )
    assert_type(graph.inputs.obs, SendStream[Obs])
    assert_type(graph.outputs.actions, ReceiveStream[Action])
    assert_type(graph.daemons.s1_policy, S1PolicyBase)
    assert_type(graph.dropped(), dict[str, int])
    return graph


def hand_wired(sup: Supervisor) -> ObsSend:
    """Wire two stubs by hand with the generated channel aliases."""
    chunks: ChunkChannel = open_channel(4)
    actions: Channel[Action] = open_channel(1)
    sup.add(Dispenser(chunk=chunks.recv, action=actions.send), name="s0_dispenser")
    sup.add(Actuator(action=actions.recv), name="actuator")
    obs: Channel[Obs] = open_channel(1)
    recv: ObsRecv = obs.recv
    latest: Latest[Obs] = Latest()
    subgoals: Channel[Subgoal] = open_channel(1)
    sup.add(Planner(obs=latest, subgoal=subgoals.send))
    del recv
    return obs.send
