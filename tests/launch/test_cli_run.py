"""``chrono run`` as a real process (SPEC §6.2, RELIABILITY 77): exit codes, signals, errors
on stderr without a traceback, nothing on stderr when all is well (no progress off a TTY)."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

import pytest
from launch_helpers import ENDLESS_IMPL, EXAMPLE_IMPL, SCHEMAS, started

from chrono_daemon.recording import inspect_recording

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.slow

BOUND = 15.0


def run_args(impl: Path | str, *extra: str) -> list[str]:
    return ["run", str(SCHEMAS), "--graph", "system_stack", "--impl", str(impl), *extra]


def test_a_clean_sim_run_exits_0_and_prints_nothing_on_stderr() -> None:
    with started(*run_args(EXAMPLE_IMPL, "--clock", "sim", "--until", "30")) as run:
        code, _ = run.finish()
    assert (code, run.err) == (0, [])
    assert run.out[-1] == "actuator: 24 actions"


def test_grace_is_the_runs_and_a_negative_one_is_refused(tmp_path: Path) -> None:
    record = tmp_path / "run.mcap"
    args = run_args(EXAMPLE_IMPL, "--clock", "sim", "--until", "3", "--grace", "0.25")
    with started(*args, "--record", str(record)) as run:
        code, _ = run.finish()
    assert (code, run.err) == (0, [])
    assert inspect_recording(record).run["grace"] == "0.25"
    with started(*run_args(EXAMPLE_IMPL, "--grace", "-1")) as run:
        code, _ = run.finish()
    assert code == 2
    assert any("--grace" in line for line in run.err)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_stream_stops_gracefully(signum: int, code: int) -> None:
    with started(*run_args(ENDLESS_IMPL)) as run:
        run.wait_for(lambda: "round 0" in run.out, "round 0")
        run.proc.send_signal(signum)
        status, took = run.finish()
    assert status == code
    assert took < BOUND
    assert run.err[-1] == f"chrono run: system_stack: stopped by {signal.Signals(signum).name}"
    assert any(line.startswith("actuator: ") for line in run.out)  # on_stop ran


def test_a_failing_daemon_exits_1_naming_it(tmp_path: Path) -> None:
    module = tmp_path / "broken_impl.py"
    module.write_text(
        EXAMPLE_IMPL.read_text().replace(
            "        await ctx.clock.sleep(POLICY_LATENCY)\n",
            "        raise ValueError('no policy today')\n",
        )
    )
    with started(*run_args(module, "--clock", "sim")) as run:
        code, _ = run.finish()
    assert code == 1
    assert run.err[-1].startswith(
        "chrono run: system_stack: daemon 's1_policy' failed: daemon 's1_policy' failed in run"
    )
    assert "ValueError: no policy today" in run.err


def test_bad_params_are_reported_like_schema_errors(tmp_path: Path) -> None:
    params = tmp_path / "p.toml"
    params.write_text("[s1_policy]\nchunk_size = -2\n")
    with started(*run_args(EXAMPLE_IMPL, "--params", str(params))) as run:
        code, _ = run.finish()
    assert code == 1
    assert run.err == [f"{params.as_posix()}:2:1: error: s1_policy.chunk_size: Expected `int` >= 1"]
    assert run.out == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--process", "policy", "--clock", "sim"],
            "wire 'in.obs->policy' (process 'env' -> 'policy') has no address",
        ),
    ],
)
def test_a_process_run_that_cannot_work_is_refused(extra: list[str], message: str) -> None:
    with started(*run_args(EXAMPLE_IMPL, *extra)) as run:
        code, _ = run.finish()
    assert code == 1
    assert any(message in line for line in run.err), run.err
    assert not any("Traceback" in line for line in run.err)
