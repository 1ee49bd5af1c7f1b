"""Lockstep in one event loop (``run_local``): the split system_stack gives exactly the
one-process run's outputs (every message on every edge, with its virtual time), run after
run, on asyncio and trio; and what only lockstep can get wrong fails loudly."""

from __future__ import annotations

from pathlib import Path

import pytest
from lockstep_helpers import run_split, run_whole, upto

from chrono_daemon.run import plan_run

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"
EXAMPLE = str(REPO / "examples" / "system_stack_impl.py")
BUSY = str(Path(__file__).with_name("stack_impl.py"))
BACKENDS = ("asyncio", "trio")


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_example_split_in_three_runs_as_in_one_process(backend: str) -> None:
    plan = plan_run(SCHEMAS, "system_stack", EXAMPLE)
    whole, expected = run_whole(plan, backend)
    split, trace = run_split(plan, backend)
    assert whole.exit_code == 0
    assert {name: o.exit_code for name, o in split.outcomes.items()} == dict.fromkeys(
        ("env", "planner", "policy"), 0
    )
    assert len(expected["system_stack/s0_dispenser.action"]) == 24
    assert trace == expected


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_busy_split_with_full_buffers_runs_as_in_one_process(backend: str) -> None:
    plan = plan_run(SCHEMAS, "system_stack", BUSY)
    whole, expected = run_whole(plan, backend, until=3.0)
    split, trace = run_split(plan, backend, until=3.0)
    assert whole.exit_code == 0
    assert all(o.exit_code == 0 for o in split.outcomes.values()), split.outcomes
    # The chunk edge (maxsize 4) filled: the policy blocked and skipped ticks.
    chunks = [t for t, _ in expected["system_stack/s1_policy.chunk"] if t <= 3.0]
    assert 5 < len(chunks) < 29
    assert upto(trace, 3.0) == upto(expected, 3.0)
    assert trace == expected  # the stop after --until too, here


def test_twenty_lockstep_runs_on_both_backends_give_one_trace() -> None:
    plan = plan_run(SCHEMAS, "system_stack", BUSY)
    _, expected = run_whole(plan, "asyncio", until=2.0)
    traces = [run_split(plan, backend, until=2.0)[1] for _ in range(10) for backend in BACKENDS]
    assert all(t == expected for t in traces)
