"""``chrono launch --record F``: each process records its own edges, the launcher merges them
into F; a killed child or launcher leaves what was recorded recoverable (RELIABILITY 81).

Every wait is bounded; every process a test starts is killed when the test ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import TYPE_CHECKING

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

from chrono_daemon.recording import compare_recordings, read_messages
from chrono_daemon.recording.info import inspect_recording

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.slow

PROCESSES = ["env", "planner", "policy"]
GRACE_BOUND = 15.0
# What does not depend on when a message was sent: wall-clock runs cannot repeat their times.
TIMELESS = {
    "system_stack/in.obs": ["seq"],
    "system_stack/s2_planner.subgoal": ["target", "cog"],
    "system_stack/s1_policy.chunk": ["actions", "cog"],
    "system_stack/s0_dispenser.action": ["cmd", "mode"],
    "system_stack/out.actions": ["cmd", "mode"],
}


def chrono(*args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "codegen", *args]
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=BOUND)


def timeless(path: Path) -> dict[str, list[list[object]]]:
    out: dict[str, list[list[object]]] = {topic: [] for topic in TIMELESS}
    for m in read_messages(path):
        out[m.topic].append([m.message[k] for k in TIMELESS[m.topic]])
    return out


def test_a_launch_records_one_merged_file_that_replays(tmp_path: Path) -> None:
    record = tmp_path / "split.mcap"
    args = launch_args(EXAMPLE_IMPL, "--record", str(record), "--grace", "2.5")
    with started(*args) as launch:
        code, _ = launch.finish()
    assert code == 0, launch.err
    assert launch.err[-1] == f"chrono launch: recorded 57 messages of 3 processes: {record}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["split.mcap"]  # the parts are gone
    info = inspect_recording(record)  # complete, and every payload fits its schema
    assert sorted(r["process"] for r in info.runs) == PROCESSES
    assert {r["grace"] for r in info.runs} == {"2.5"}  # --grace reached every child
    counts = {topic: t.count for topic, t in info.topics.items()}  # topics in order of arrival
    assert counts == {
        "system_stack/in.obs": 3,
        "system_stack/s2_planner.subgoal": 3,
        "system_stack/s1_policy.chunk": 3,
        "system_stack/s0_dispenser.action": 24,
        "system_stack/out.actions": 24,
    }
    # Played back in one process under virtual time, the graph does what the three did.
    again = tmp_path / "again.mcap"
    args = ["--graph", "system_stack", "--impl", str(EXAMPLE_IMPL), "--record", str(again)]
    done = chrono("replay", str(record), str(SCHEMAS), *args)
    assert done.returncode == 0, done.stderr
    assert "was recorded under the wall clock" in done.stderr
    assert timeless(again) == timeless(record)
    # Only the times differ: --check says so at the first message, and exits 1.
    divergence = compare_recordings(record, again, offset=int(info.runs[0]["start"]))
    assert divergence is not None
    assert divergence.kind in ("log_time", "publish_time", "missing", "extra")


def test_a_child_killed_mid_recording_leaves_the_rest_recorded(tmp_path: Path) -> None:
    record = tmp_path / "killed.mcap"
    with started(*launch_args(ENDLESS_IMPL, "--record", str(record))) as launch:
        launch.wait_for(lambda: "[env] round 2" in launch.out and len(launch.pids()) == 3, "pids")
        pids = launch.pids()
        os.kill(pids["policy"], signal.SIGKILL)
        code, _ = launch.finish()
        assert wait_gone(list(pids.values()), 1.0) == []
    assert code == 1
    assert launch.err[-1] == "chrono launch: system_stack: process 'policy' was killed by SIGKILL"
    assert (
        "chrono launch: --record: the recording of process 'policy' was cut off (it did not "
        "stop cleanly): kept up to its last complete chunk"
    ) in launch.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["killed.mcap"]
    info = inspect_recording(record)
    assert info.truncated is None  # the merged file is complete
    counts = {topic: t.count for topic, t in info.topics.items()}
    # The processes that stopped gracefully kept every message (three rounds at least).
    assert counts["system_stack/in.obs"] >= 3
    assert counts["system_stack/s0_dispenser.action"] >= 24
    assert counts["system_stack/out.actions"] == counts["system_stack/s0_dispenser.action"]


def test_a_killed_launcher_leaves_the_parts_for_chrono_merge(tmp_path: Path) -> None:
    record = tmp_path / "orphaned.mcap"
    with started(*launch_args(ENDLESS_IMPL, "--record", str(record))) as launch:
        launch.wait_for(lambda: "[env] round 1" in launch.out and len(launch.pids()) == 3, "pids")
        pids = launch.pids()
        launch.proc.kill()
        launch.finish()
        assert wait_gone(list(pids.values()), GRACE_BOUND) == []
    parts = sorted(tmp_path.iterdir())
    assert [p.name for p in parts] == [f"orphaned.{name}.mcap" for name in PROCESSES]
    done = chrono("merge", *map(str, parts), "--salvage", "-o", str(record))
    assert done.returncode == 0, done.stderr
    info = inspect_recording(record)
    assert info.topics["system_stack/in.obs"].count >= 2
    assert sorted(r["process"] for r in info.runs) == PROCESSES


def test_record_options_are_checked_before_any_child_starts(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "dir.mcap"
    with started(*launch_args(EXAMPLE_IMPL, "--record", str(missing))) as launch:
        code, _ = launch.finish()
    assert (code, launch.out) == (1, [])
    assert launch.err == [f"chrono: --record {missing}: directory {missing.parent} does not exist"]
    with started(*launch_args(EXAMPLE_IMPL, "--record-topics", "in.*")) as launch:
        code, _ = launch.finish()
    assert (code, launch.out) == (1, [])
    assert launch.err == ["chrono launch: --record-topics selects what --record FILE records"]
