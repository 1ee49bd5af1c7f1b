"""``examples/zmq_two_processes.py`` runs: a graph split across two processes over ZMQ."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_two_process_example_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "zmq_two_processes.py")],
        capture_output=True,
        text=True,
        timeout=50,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("seq=0 target=1.0 (planned in pid ")
    assert lines[-1] == "10 commands from another process, then end of stream"
