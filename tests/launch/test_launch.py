"""``chrono launch`` of the system_stack graph split into env / planner / policy (SPEC §6.2,
RELIABILITY 76-78): real OS processes, ZeroMQ between them, supervised.

Every wait is bounded; every process a test starts (the launcher, and each child, whose pid the
endless implementation prints) is killed when the test ends, pass or fail.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from launch_helpers import (
    BOUND,
    ENDLESS_IMPL,
    EXAMPLE_IMPL,
    REPO,
    SCHEMAS,
    launch_args,
    started,
    wait_gone,
)

pytestmark = pytest.mark.slow

READY = "chrono launch: every process is running"
GRACE_BOUND = 5.0 + 5.0 + 5.0  # the children's grace, the SIGKILL margin, and some slack


def one_process_lines() -> list[str]:
    """What the whole graph prints run in one process, under virtual time."""
    argv = [sys.executable, "-m", "codegen", "run", str(SCHEMAS), "--graph", "system_stack"]
    argv += ["--impl", str(EXAMPLE_IMPL), "--clock", "sim"]
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=BOUND)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_split_run_prints_what_the_one_process_run_prints() -> None:
    with started(*launch_args(EXAMPLE_IMPL)) as launch:
        code, _ = launch.finish()
    assert code == 0, launch.err
    env = [line.removeprefix("[env] ") for line in launch.out if line.startswith("[env] ")]
    expected = one_process_lines()
    assert len(expected) == 3 * 8 + 1  # three chunks of 8 actions, and the actuator's count
    assert env == expected
    assert [line for line in launch.out if not line.startswith("[env] ")] == []
    assert READY in launch.err


def test_two_launches_of_one_graph_at_once_do_not_meet() -> None:
    with (
        started(*launch_args(EXAMPLE_IMPL)) as first,
        started(*launch_args(EXAMPLE_IMPL, "--backend", "trio")) as second,
    ):
        results = [first.finish(), second.finish()]
    assert [code for code, _ in results] == [0, 0], (first.err, second.err)
    assert first.out == second.out
    assert len(first.out) == 25


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_every_process_gracefully(signum: int, code: int) -> None:
    with started(*launch_args(ENDLESS_IMPL)) as launch:
        launch.wait_for(lambda: READY in launch.err and "[env] round 0" in launch.out, "round 0")
        pids = launch.pids()
        assert sorted(pids) == ["env", "planner", "policy"]
        launch.proc.send_signal(signum)
        status, took = launch.finish()
        assert status == code, launch.err
        assert took < GRACE_BOUND
        assert wait_gone(list(pids.values()), 1.0) == []
    assert f"stopped by {signal.Signals(signum).name}" in launch.err[-1]
    # Each child stopped gracefully: the actuator reported its count from on_stop.
    assert any(line.startswith("[env] actuator: ") for line in launch.out)


def test_a_killed_child_stops_the_others_and_fails_the_launch() -> None:
    with started(*launch_args(ENDLESS_IMPL)) as launch:
        launch.wait_for(lambda: "[env] round 0" in launch.out and len(launch.pids()) == 3, "pids")
        pids = launch.pids()
        os.kill(pids["policy"], signal.SIGKILL)
        status, took = launch.finish()
        assert status == 1
        assert took < GRACE_BOUND
        assert wait_gone(list(pids.values()), 1.0) == []
    assert launch.err[-1] == ("chrono launch: system_stack: process 'policy' was killed by SIGKILL")


def test_children_do_not_outlive_a_killed_launcher() -> None:
    with started(*launch_args(ENDLESS_IMPL)) as launch:
        launch.wait_for(lambda: len(launch.pids()) == 3, "three pids")
        pids = launch.pids()
        launch.proc.kill()
        launch.finish()
        assert wait_gone(list(pids.values()), GRACE_BOUND) == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--clock", "sim", "--watchdog", "0"], "--watchdog must be > 0 seconds, got 0"),
        (["--params", "nowhere.toml"], "nowhere.toml: error: cannot read params"),
    ],
)
def test_bad_launches_are_refused_before_any_child_starts(extra: list[str], message: str) -> None:
    with started(*launch_args(EXAMPLE_IMPL, *extra)) as launch:
        status, _ = launch.finish()
    assert status == 1
    assert launch.out == []
    assert any(message in line for line in launch.err), launch.err
    assert not any("Traceback" in line for line in launch.err)


def test_a_graph_without_processes_is_refused() -> None:
    schemas = REPO / "tests" / "codegen" / "golden" / "edge_policies" / "schemas"
    args = ["launch", str(schemas), "--graph", "routing", "--impl", str(EXAMPLE_IMPL)]
    with started(*args) as program:
        status, _ = program.finish()
    assert status == 1
    assert "graph 'routing' declares no [processes]" in program.err[0]
