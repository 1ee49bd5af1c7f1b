"""The closed-loop stack of examples/system_stack_impl.py, with a harness that never returns.

Each process prints ``pid <name> <pid>`` when its daemons start, so a test can check that no
process outlives the launch.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from generated.system_stack import Mode, Obs

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import system_stack_impl as stack  # the example, found through the line above

if TYPE_CHECKING:
    from chrono_daemon import Context


def _say_pid(name: str) -> None:
    print(f"pid {name} {os.getpid()}", flush=True)


class Planner(stack.Planner):
    async def on_start(self, ctx: Context) -> None:
        _say_pid("planner")


class Policy(stack.Policy):
    async def on_start(self, ctx: Context) -> None:
        _say_pid("policy")


class Dispenser(stack.Dispenser):
    pass


class Actuator(stack.Actuator):
    pass


class Harness(stack.Harness):
    """Round after round, until stopped."""

    async def on_start(self, ctx: Context) -> None:
        _say_pid("env")

    async def run(self, ctx: Context) -> None:
        seq = 0
        while True:
            await self.inputs.obs.send(Obs(t=ctx.clock.now(), seq=seq))
            while (await self.outputs.actions.receive()).mode is not Mode.idle:
                pass
            print(f"round {seq}", flush=True)
            seq += 1
