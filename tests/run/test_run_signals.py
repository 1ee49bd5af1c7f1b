"""``held_signals``: once a run is over, a SIGINT/SIGTERM waits until its last writes are done
(a second one ends the process at once). Each case runs in a child interpreter of its own, so
the signals never reach the test runner."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

BOUND = 30.0

_PROGRAM = """
import os, signal
from chrono_daemon.run.signals import held_signals

before = signal.getsignal(signal.SIGTERM)
with held_signals() as held:
    for _ in range({count}):
        os.kill(os.getpid(), signal.{name})
    print("survived", held, flush=True)
assert signal.getsignal(signal.SIGTERM) == before, "the handlers were not restored"
print("restored", flush=True)
"""


def _run(count: int, name: str = "SIGTERM") -> subprocess.CompletedProcess[str]:
    program = textwrap.dedent(_PROGRAM.format(count=count, name=name))
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=BOUND
    )


def test_one_signal_is_held_and_reported_while_the_block_runs() -> None:
    for name, number in (("SIGTERM", signal.SIGTERM), ("SIGINT", signal.SIGINT)):
        done = _run(1, name)
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == [f"survived [{int(number)}]", "restored"]


def test_a_second_signal_ends_the_process_at_once() -> None:
    done = _run(2)
    assert done.returncode == -signal.SIGTERM
    assert "survived" not in done.stdout

