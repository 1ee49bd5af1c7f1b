"""``execute``: how a run ends, on asyncio and trio, and the hooks later issues build on.

The closed-loop stack of examples/system_stack_impl.py runs under SimClock: whole, and split
into its three per-process classes wired by ``MemoryEndpoints`` in one event loop (exact, so
the two must print the same lines, and each wire must carry each message once). A counting
``EdgeTap`` sees every message a consumer received, in order.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from chrono_daemon.run import MemoryEndpoints, RunPlan, execute, plan_run
from chrono_daemon.tap import graph_input_topic, port_topic

if TYPE_CHECKING:
    from chrono_daemon import SendStream

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"
EXAMPLE = REPO / "examples" / "system_stack_impl.py"
ENDLESS = REPO / "tests" / "launch" / "endless_impl.py"


def plan(impl: Path | str = EXAMPLE) -> RunPlan:
    return plan_run(SCHEMAS, "system_stack", str(impl))


def printed(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


async def test_the_graph_drains_and_ends_by_itself(capsys: pytest.CaptureFixture[str]) -> None:
    """No --until: the harness returns, end-of-stream reaches every daemon (the periodic
    planner and policy included) and the run ends with 0."""
    outcome = await execute(plan().build(), clock="sim", handle_signals=False)
    assert (outcome.exit_code, outcome.reason) == (0, "done")
    lines = printed(capsys)
    assert len(lines) == 25
    assert lines[0] == "harness: obs 0 action 0: cmd=+0.125"
    assert lines[-1] == "actuator: 24 actions"


async def test_the_split_graph_prints_the_same_and_each_message_crosses_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    await execute(plan().build(), clock="sim", handle_signals=False)
    whole = printed(capsys)
    wires = MemoryEndpoints()
    built = plan().build(split=True, endpoints=wires)
    assert [type(p).__name__ for p in built.parts] == [
        "SystemStackEnvProcess",
        "SystemStackPlannerProcess",
        "SystemStackPolicyProcess",
    ]
    outcome = await execute(built, clock="sim", handle_signals=False)
    assert outcome.exit_code == 0
    assert printed(capsys) == whole
    assert wires.sent == {
        "in.obs->planner": 3,
        "in.obs->policy": 3,
        "s2_planner.subgoal->policy": 3,
        "s1_policy.chunk->env": 3,
    }


async def test_until_stops_virtual_time_gracefully(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = await execute(plan(ENDLESS).build(), clock="sim", until=4.5, handle_signals=False)
    assert (outcome.exit_code, outcome.reason) == (0, "done")
    rounds = [line for line in printed(capsys) if line.startswith("round ")]
    # The 1 Hz planner paces the loop: rounds end just after t = 1, 2, 3, 4.
    assert rounds == ["round 0", "round 1", "round 2", "round 3"]


async def test_progress_reports_virtual_time_and_speed() -> None:
    seen: list[tuple[float, float | None, float]] = []
    await execute(
        plan(ENDLESS).build(),
        clock="sim",
        until=2.0,
        on_progress=lambda now, until, rate: seen.append((now, until, rate)),
        handle_signals=False,
    )
    assert seen[-1][:2] == (2.0, 2.0)
    assert [t for t, _, _ in seen] == sorted(t for t, _, _ in seen)
    assert all(rate >= 0 for _, _, rate in seen)


async def test_a_failing_daemon_fails_the_run_naming_it(tmp_path: Path) -> None:
    module = tmp_path / f"impl_{tmp_path.name}.py"
    module.write_text(
        EXAMPLE.read_text()
        + textwrap.dedent(
            """
            class Broken(Policy):
                async def step(self, ctx: Context, t: float) -> None:
                    raise ZeroDivisionError("policy bug")


            del Policy
            """
        )
    )
    outcome = await execute(plan(module).build(), clock="sim", handle_signals=False)
    assert outcome.exit_code == 1
    assert outcome.reason.startswith("daemon 's1_policy' failed: daemon 's1_policy' failed in run")
    assert "ZeroDivisionError: policy bug" in outcome.details[0]
    assert 'in step\n    raise ZeroDivisionError("policy bug")' in outcome.details[0]


class CountingTap:
    """Records every item each producer port sends, in order."""

    def __init__(self) -> None:
        self.seen: dict[str, list[Any]] = {}
        self.types: dict[str, object] = {}

    def tap(self, topic: str, message_type: object, send: SendStream[Any]) -> SendStream[Any]:
        assert topic not in self.seen, f"{topic} tapped twice"
        self.seen[topic] = []
        self.types[topic] = message_type
        return _Recording(send, self.seen[topic])


class _Recording:
    def __init__(self, inner: SendStream[Any], log: list[Any]) -> None:
        self.inner, self.log = inner, log

    async def send(self, item: Any) -> None:
        await self.inner.send(item)
        self.log.append(item)

    def send_nowait(self, item: Any) -> None:
        self.inner.send_nowait(item)
        self.log.append(item)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def statistics(self) -> Any:
        return self.inner.statistics()


@pytest.mark.parametrize("split", [False, True], ids=["whole", "split"])
async def test_a_tap_sees_every_message_consumers_received_in_order(
    split: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    from generated.system_stack import Action, Chunk, Obs, Subgoal

    tap = CountingTap()
    await execute(plan().build(tap=tap, split=split), clock="sim", handle_signals=False)
    received = [line.split("cmd=")[1] for line in printed(capsys) if "cmd=" in line]
    stack = "system_stack"
    assert tap.types == {
        graph_input_topic(stack, "obs"): Obs,
        port_topic(stack, "s2_planner", "subgoal"): Subgoal,
        port_topic(stack, "s1_policy", "chunk"): Chunk,
        port_topic(stack, "s0_dispenser", "action"): Action,
    }
    actions = tap.seen[port_topic(stack, "s0_dispenser", "action")]
    assert [f"{a.cmd:+.3f}" for a in actions] == received
    assert len(received) == 24
    assert [o.seq for o in tap.seen[graph_input_topic(stack, "obs")]] == [0, 1, 2]
    assert [s.cog for s in tap.seen[port_topic(stack, "s2_planner", "subgoal")]] == [0, 1, 2]
    chunks = tap.seen[port_topic(stack, "s1_policy", "chunk")]
    assert [a for c in chunks for a in c.actions] == [a.cmd for a in actions]


STUCK = """
import sys
sys.path.insert(0, {examples!r})

import system_stack_impl as stack
from chrono_daemon import Context
from chrono_daemon.recipes.cooperative_every import cooperative_every
from generated.system_stack import Chunk


class Planner(stack.Planner):
    pass


class Policy(stack.Policy):
    async def step(self, ctx: Context, t: float) -> None:
        if self.chunk.statistics().current_buffer_used < 4:
            await self.chunk.send(Chunk(actions=[t], cog=0, t_emitted=t))


class Dispenser(stack.Dispenser):
    async def run(self, ctx: Context) -> None:
        await self.chunk.receive()
        async for _ in cooperative_every(ctx, 1.0):
            pass


class Actuator(stack.Actuator):
    pass


class Harness(stack.Harness):
    async def run(self, ctx: Context) -> None:
        await ctx.stop_event.wait()
"""


async def test_a_stop_counts_what_it_leaves_buffered(tmp_path: Path) -> None:
    """RELIABILITY 77: every buffered message is delivered or counted. A dispenser that takes
    one chunk and then only idles leaves the chunk edge (maxsize 4) full when --until stops."""
    module = tmp_path / f"impl_{tmp_path.name}.py"
    module.write_text(STUCK.format(examples=str(REPO / "examples")))
    outcome = await execute(plan(module).build(), clock="sim", until=3.0, handle_signals=False)
    assert outcome.exit_code == 0
    assert outcome.buffered == {"s1_policy.chunk -> s0_dispenser.chunk": 4}
    assert outcome.dropped == {}
