"""Positive typing cases for the per-process classes and the harness stub: mypy --strict clean."""

from __future__ import annotations

from typing import TYPE_CHECKING

from generated.system_stack import (
    Action,
    ActuatorBase,
    Obs,
    S0DispenserBase,
    S1PolicyBase,
    SystemStackEnvProcess,
    SystemStackHarnessBase,
    SystemStackParams,
    SystemStackPolicyProcess,
)

if TYPE_CHECKING:
    from chrono_daemon import Context, ReceiveStream, SendStream
    from chrono_daemon.tap import EdgeTap
    from chrono_daemon.transports.boundary import BoundaryEndpoints


class Policy(S1PolicyBase):
    async def step(self, ctx: Context, t: float) -> None:
        return None


class Dispenser(S0DispenserBase):
    async def run(self, ctx: Context) -> None:
        return None


class Actuator(ActuatorBase):
    async def on_action(self, ctx: Context, msg: Action) -> None:
        return None


class Harness(SystemStackHarnessBase):
    async def run(self, ctx: Context) -> None:
        await self.inputs.obs.send(Obs(t=ctx.clock.now(), seq=0))
        action: Action = await self.outputs.actions.receive()
        print(action.cmd)


def build(endpoints: BoundaryEndpoints, tap: EdgeTap) -> Harness:
    # A process needs the implementations of its own daemons only.
    SystemStackPolicyProcess(s1_policy=Policy, endpoints=endpoints, params=SystemStackParams())
    env = SystemStackEnvProcess(
        s0_dispenser=Dispenser, actuator=Actuator, endpoints=endpoints, tap=tap
    )
    obs: SendStream[Obs] = env.inputs.obs
    actions: ReceiveStream[Action] = env.outputs.actions
    print(obs, actions, env.daemons.actuator, env.dropped())
    return Harness(inputs=env.inputs, outputs=env.outputs)
