"""``chrono launch --clock sim``: the split system_stack as three real OS processes in lockstep.

Its outputs equal ``chrono run --clock sim`` of the whole graph (every message on every edge,
with its virtual time, printed by ``stack_impl``), on both backends, also with one follower
slowed by real sleeps; a follower killed with SIGKILL or gone silent stops the launch, named,
within a bounded time, leaving no process behind (RELIABILITY 76, 80); Ctrl-C stops every
process at one instant (77).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "launch"))  # launch_helpers
from launch_helpers import REPO, SCHEMAS, started, wait_gone
from lockstep_helpers import run_whole, trace_lines, without_graph

from chrono_daemon.run import plan_run

BUSY = Path(__file__).with_name("stack_impl.py")
BACKENDS = ("asyncio", "trio")
KILL_BOUND = 5.0 + 5.0 + 10.0  # the children's grace, the SIGKILL margin, slack for load


def _args(command: str, *extra: str) -> list[str]:
    return [command, str(SCHEMAS), "--graph", "system_stack", "--impl", str(BUSY), *extra]


def _env(**extra: str) -> dict[str, str]:
    return {"STACK_TRACE": "1", **extra}


@pytest.mark.parametrize("backend", BACKENDS)
def test_launch_clock_sim_gives_what_chrono_run_gives(backend: str) -> None:
    sim = ["--clock", "sim", "--until", "3", "--backend", backend]
    with started(*_args("run", *sim), env=_env()) as run:
        assert run.finish()[0] == 0, run.err
    with started(*_args("launch", *sim), env=_env()) as launch:
        assert launch.finish()[0] == 0, launch.err
    expected = trace_lines(run.out)
    assert len(expected["s0_dispenser.action"]) > 100
    assert trace_lines(launch.out) == expected
    # Nothing else on stderr: no traceback, no CrossProcessTimeWarning (lockstep covers it), no
    # child waiting out linger_ms for a launcher that stopped reading its control stream.
    assert launch.err == ["chrono launch: every process is running"]
    assert not any("Traceback" in line for line in run.err)


def test_launch_clock_sim_records_what_chrono_run_records(tmp_path: Path) -> None:
    """Every message of every edge with its virtual time, and the run's description."""
    from chrono_daemon.recording import compare_recordings, inspect_recording

    whole, split = tmp_path / "whole.mcap", tmp_path / "split.mcap"
    sim = ["--clock", "sim", "--until", "2"]
    with started(*_args("run", *sim, "--record", str(whole))) as run:
        assert run.finish()[0] == 0, run.err
    with started(*_args("launch", *sim, "--record", str(split))) as launch:
        assert launch.finish()[0] == 0, launch.err
    assert inspect_recording(whole).topics["system_stack/s0_dispenser.action"].count >= 50
    assert compare_recordings(whole, split) is None
    assert [r["until"] for r in inspect_recording(split).runs] == ["2.0"] * 3


def test_a_follower_slowed_by_real_sleeps_changes_nothing() -> None:
    plan = plan_run(SCHEMAS, "system_stack", str(BUSY))
    _, expected = run_whole(plan, "asyncio", until=1.5)
    sim = ["--clock", "sim", "--until", "1.5"]
    with started(*_args("launch", *sim), env=_env(STACK_SLOW="s1_policy")) as launch:
        assert launch.finish()[0] == 0, launch.err
    assert trace_lines(launch.out) == without_graph(expected)


def test_a_follower_killed_with_sigkill_stops_the_launch_naming_it() -> None:
    with started(*_args("launch", "--clock", "sim"), env={"STACK_PIDS": "1"}) as launch:
        launch.wait_for(lambda: len(launch.pids()) == 3, "three pids")
        pids = launch.pids()
        os.kill(pids["policy"], signal.SIGKILL)
        status, took = launch.finish(KILL_BOUND)
        assert wait_gone(list(pids.values()), KILL_BOUND) == []
    assert status == 1
    assert launch.err[-1] == "chrono launch: system_stack: process 'policy' was killed by SIGKILL"
    assert took < KILL_BOUND


def test_a_silent_follower_trips_the_watchdog_naming_it() -> None:
    args = _args("launch", "--clock", "sim", "--watchdog", "2")
    with started(*args, env={"STACK_PIDS": "1", "STACK_HANG": "s1_policy"}) as launch:
        launch.wait_for(lambda: len(launch.pids()) == 3, "three pids")
        pids = launch.pids()
        status, took = launch.finish(2 + KILL_BOUND)
        assert wait_gone(list(pids.values()), KILL_BOUND) == []
    assert status == 1
    assert launch.err[-1].startswith(
        "chrono launch: system_stack: lockstep: process 'policy' did not answer the lockstep "
        "coordinator within 2 s"
    ), launch.err
    assert took < 2 + KILL_BOUND
    assert not any("Traceback" in line for line in launch.err)


@pytest.mark.parametrize("backend", BACKENDS)
def test_ctrl_c_stops_every_follower_at_one_instant(backend: str) -> None:
    args = _args("launch", "--clock", "sim", "--backend", backend)
    with started(*args, env={"STACK_PIDS": "1"}) as launch:
        launch.wait_for(lambda: len(launch.pids()) == 3, "three pids")
        pids = launch.pids()
        launch.proc.send_signal(signal.SIGINT)
        status, _ = launch.finish(KILL_BOUND)
        assert wait_gone(list(pids.values()), KILL_BOUND) == []
    assert status == 130, launch.err
    assert not any("Traceback" in line for line in launch.err)
    assert REPO.is_dir()
