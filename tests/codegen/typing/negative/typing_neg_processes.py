"""Negative typing cases for the per-process classes and the harness stub.

tests/codegen/test_codegen_typing.py runs mypy over this file and requires the set of
(line, error code) it reports to equal the set of expect markers on the lines below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from generated.system_stack import (
    Chunk,
    S1PolicyBase,
    S2PlannerBase,
    SystemStackHarnessBase,
    SystemStackPlannerProcess,
    SystemStackPolicyProcess,
)

if TYPE_CHECKING:
    from chrono_daemon import Context
    from chrono_daemon.transports.boundary import BoundaryEndpoints


class Planner(S2PlannerBase):
    async def step(self, ctx: Context, t: float) -> None:
        return None


class Policy(S1PolicyBase):
    async def step(self, ctx: Context, t: float) -> None:
        return None


class Harness(SystemStackHarnessBase):
    async def run(self, ctx: Context) -> None:
        await self.inputs.obs.send(Chunk(actions=[1.0], cog=0, t_emitted=0.0))  # expect: [arg-type]


def build(endpoints: BoundaryEndpoints) -> None:
    SystemStackPolicyProcess(s1_policy=Planner, endpoints=endpoints)  # expect: [arg-type]
    SystemStackPolicyProcess(s1_policy=Policy, s2_planner=Planner, endpoints=endpoints)  # expect: [call-arg]
    SystemStackPlannerProcess(s2_planner=Planner)  # expect: [call-arg]
    planner = SystemStackPlannerProcess(s2_planner=Planner, endpoints=endpoints)
    print(planner.inputs)  # expect: [attr-defined]
