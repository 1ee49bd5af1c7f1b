"""The system_stack example as a longer, quiet run for bench/record.py's replay speed: the
example's daemons, and a harness that closes the loop for ``ROUNDS`` observations without
printing (one round is about one simulated second: the planner runs at 1 Hz)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import system_stack_impl as stack  # the example, found through the line above

from generated.system_stack import Action, ActuatorBase, Mode, Obs

if TYPE_CHECKING:
    from chrono_daemon import Context

ROUNDS = 300


class Planner(stack.Planner):
    pass


class Policy(stack.Policy):
    pass


class Dispenser(stack.Dispenser):
    pass


class Actuator(ActuatorBase):
    async def on_action(self, ctx: Context, msg: Action) -> None:
        pass


class Harness(stack.Harness):
    async def run(self, ctx: Context) -> None:
        for seq in range(ROUNDS):
            await self.inputs.obs.send(Obs(t=ctx.clock.now(), seq=seq))
            while (await self.outputs.actions.receive()).mode is not Mode.idle:
                pass
