"""End to end: the generated System 2/1/0 graph under SimClock, on asyncio and trio.

The example program (``examples/system_stack_generated.py``) implements the generated stubs;
its summary is pinned here, and it must be identical on both backends (SPEC §2.3 determinism).
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from chrono_daemon import EndOfStream, SimClock, Supervisor, WouldBlock
from generated.system_stack import Action, Obs, SystemStackGraph, SystemStackParams

REPO = Path(__file__).resolve().parents[2]


def _load_example() -> Any:
    # Loaded by path: importing it as ``examples.system_stack_generated`` would give mypy two
    # names for one file (``mypy examples tests`` maps it to ``system_stack_generated``).
    path = REPO / "examples" / "system_stack_generated.py"
    spec = importlib.util.spec_from_file_location("_system_stack_example", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXAMPLE = _load_example()

PINNED = [
    "10 simulated s: 200 observations in, 178 actions out (178 actuated)",
    "  t=1.150 cmd=+1.000 mode=tracking",
    "  t=1.200 cmd=+2.000 mode=tracking",
    "  t=1.250 cmd=+0.750 mode=tracking",
    "  ... last: t=10.000 cmd=+0.500 mode=tracking",
]


def test_example_output_is_pinned() -> None:
    proc = subprocess.run(
        [sys.executable, "examples/system_stack_generated.py"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == PINNED


@pytest.mark.anyio
async def test_same_summary_on_every_backend(anyio_backend: object) -> None:
    assert await EXAMPLE.run_stack(10.0) == PINNED


@pytest.mark.anyio
async def test_graph_timing_and_shutdown(anyio_backend: object) -> None:
    """Every action reaches both tee consumers; closing the input ends the graph cleanly."""
    clock = SimClock()
    params = SystemStackParams.__struct_config__  # the params Struct is decodable config
    assert params.forbid_unknown_fields
    graph = SystemStackGraph(
        s2_planner=EXAMPLE.Planner,
        s1_policy=EXAMPLE.Policy,
        s0_dispenser=EXAMPLE.Dispenser,
        actuator=EXAMPLE.Actuator,
    )
    received: list[Action] = []
    async with Supervisor(clock=clock) as sup:
        graph.add_to(sup)
        assert set(sup.snapshot()) == {
            "s2_planner",
            "s1_policy",
            "s0_dispenser",
            "actuator",
            "tee:in.obs",
            "tee:s0_dispenser.action",
            "latest:s2_planner.obs",
            "latest:s1_policy.obs",
            "latest:s1_policy.subgoal",
        }
        for seq in range(40):
            await graph.inputs.obs.send(Obs(t=clock.now(), seq=seq))
            await clock.advance(0.05)
            while True:
                try:
                    received.append(graph.outputs.actions.receive_nowait())
                except WouldBlock:
                    break
        # the planner ticks at 1 Hz and sleeps its 50 ms latency before sending a subgoal
        assert graph.daemons.s2_planner.params.latency == 0.05
        await graph.inputs.obs.aclose()
        await sup.stop(grace=1.0)
    health = sup.snapshot()
    assert {h.state for h in health.values()} == {"stopped"}
    actuator = graph.daemons.actuator
    assert isinstance(actuator, EXAMPLE.Actuator)
    assert [a.t_dispensed for a in actuator.log] == [a.t_dispensed for a in received]
    assert received[0].t_dispensed == pytest.approx(1.15)
    assert all(
        b.t_dispensed - a.t_dispensed == pytest.approx(0.05)
        for a, b in itertools.pairwise(received)
    )
    # the dispenser's output was closed by its stub: the tee closed the graph output after it
    with pytest.raises(EndOfStream):
        graph.outputs.actions.receive_nowait()
    await graph.aclose()
    await anyio.lowlevel.checkpoint()


@pytest.mark.anyio
async def test_a_restarted_generated_daemon_keeps_its_outputs(anyio_backend: object) -> None:
    """Under on_error="restart" a failing stub's outputs stay open (ctx.will_restart), so the
    graph carries on after the restart instead of failing on a closed channel."""

    class FlakyPolicy(EXAMPLE.Policy):  # type: ignore[misc,name-defined]
        failures = 0

        async def step(self, ctx: Any, t: float) -> None:
            if t == pytest.approx(2.0) and FlakyPolicy.failures == 0:
                FlakyPolicy.failures += 1
                raise RuntimeError("policy glitch")
            await super().step(ctx, t)

    clock = SimClock()
    graph = SystemStackGraph(
        s2_planner=EXAMPLE.Planner,
        s1_policy=FlakyPolicy,
        s0_dispenser=EXAMPLE.Dispenser,
        actuator=EXAMPLE.Actuator,
    )
    received: list[Action] = []
    async with Supervisor(clock=clock, on_error="restart") as sup:
        graph.add_to(sup)
        for seq in range(80):
            await graph.inputs.obs.send(Obs(t=clock.now(), seq=seq))
            await clock.advance(0.05)
            while True:
                try:
                    received.append(graph.outputs.actions.receive_nowait())
                except WouldBlock:
                    break
        health = sup.snapshot()["s1_policy"]
        assert (health.state, health.restart_count) == ("running", 1)
        await graph.inputs.obs.aclose()
        await sup.stop(grace=1.0)
    assert FlakyPolicy.failures == 1
    assert received[-1].t_dispensed > 3.0  # actions keep flowing after the restart at t=2
