"""Implementation modules of the system_stack graph that differ from the example on purpose,
written to a directory as ``.py`` files for ``chrono run``/``replay --impl``."""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

_HEAD = f"""
import sys
sys.path.insert(0, {str(EXAMPLES)!r})
import system_stack_impl as stack
from generated.system_stack import Subgoal


class Planner(stack.Planner):
    pass


class Policy(stack.Policy):
    pass


class Dispenser(stack.Dispenser):
    pass


class Actuator(stack.Actuator):
    pass


class Harness(stack.Harness):
    pass
"""

PLANNER_OFF_BY_ONE = """
class Planner(stack.Planner):
    '''Plans the subgoal of the second observation one step further.'''

    async def step(self, ctx, t):
        obs = self.obs.get()
        if obs is None or self.obs.version == self.seen:
            return
        self.seen = self.obs.version
        await ctx.clock.sleep(self.params.latency)
        target = float((3 * obs.seq + 1) % 7) + (1.0 if obs.seq == 1 else 0.0)
        await self.subgoal.send(Subgoal(target=target, cog=obs.seq, t_planned=ctx.clock.now()))
"""

BROKEN_POLICY = """
class Policy(stack.Policy):
    '''Fails at its first tick: only a replay that replaces it can pass.'''

    async def step(self, ctx, t):
        raise RuntimeError("this policy must not run")
"""

LOUD_DISPENSER = """
class Dispenser(stack.Dispenser):
    '''Dispenses every command doubled (clamped to the limits).'''

    async def run(self, ctx):
        async for chunk in self.chunk:
            last = len(chunk.actions) - 1
            for k, value in enumerate(chunk.actions):
                mode = stack.Mode.idle if k == last else stack.Mode.tracking
                cmd = max(-10.0, min(10.0, 2 * value))
                await self.action.send(
                    stack.Action(cmd=cmd, mode=mode, t_dispensed=ctx.clock.now())
                )
"""


def write_impl(directory: Path, name: str, *overrides: str) -> Path:
    """``directory/name.py``: the example's classes, with ``overrides`` redefining some."""
    path = directory / f"{name}.py"
    path.write_text(_HEAD + "".join(overrides))
    return path
