"""The progress line: drawn only on a TTY, only after the delay, erased when the command ends.

No wall-clock sleeps: tests wait on ``Progress.drawn`` (an event) or use delays that either
fire at once (0) or never within the test (one hour; leaving the block wakes the thread).
"""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from codegen.progress import Progress

ROOT = Path(__file__).resolve().parents[2]


class FakeTTY(io.StringIO):
    """A text stream that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


def test_draws_the_stage_on_a_tty_and_erases_it_at_the_end() -> None:
    stream = FakeTTY()
    progress = Progress("chrono gen", stream=stream, delay=0.0)
    progress.stage("rendering", 3, 10)
    progress.stage("rendering", 4, 10)  # the newest stage wins
    with progress:
        assert progress.drawn.wait(30)
    text = stream.getvalue()
    frames = text.split("\r")
    drawn = [f for f in frames if f.strip()]
    assert drawn
    assert all(f.startswith("chrono gen: ") for f in drawn)
    assert any("rendering 4/10... " in f for f in drawn)
    # The last frame blanks the line and returns the cursor: nothing is left on screen.
    assert frames[-1] == ""
    assert frames[-2].strip() == ""
    assert len(frames[-2]) >= max(len(f) for f in drawn)


def test_never_draws_when_the_stream_is_not_a_tty() -> None:
    stream = io.StringIO()
    with Progress("chrono gen", stream=stream, delay=0.0) as progress:
        progress.stage("loading")
    assert not progress.enabled
    assert stream.getvalue() == ""


def test_a_command_faster_than_the_delay_draws_nothing() -> None:
    stream = FakeTTY()
    with Progress("chrono check", stream=stream, delay=3600.0) as progress:
        progress.stage("resolving")
    assert not progress.drawn.is_set()
    assert stream.getvalue() == ""


def test_enabled_can_be_forced_off_on_a_tty() -> None:
    stream = FakeTTY()
    with Progress("chrono gen", stream=stream, enabled=False, delay=0.0):
        pass
    assert stream.getvalue() == ""


SCRIPT = """
from codegen.progress import Progress
progress = Progress("chrono gen", delay=0.0)
progress.stage("rendering")
with progress:
    assert progress.drawn.wait(30 if progress.enabled else 0) == progress.enabled
print("enabled" if progress.enabled else "disabled")
"""


def _run_with_stderr(stderr: int) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        stdout=subprocess.PIPE,
        stderr=stderr,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        timeout=60,
    )


def test_a_real_terminal_gets_the_status_line() -> None:
    master, slave = pty.openpty()
    try:
        # Read the terminal while the child runs: once the child exits, Linux may discard what
        # is still buffered in the pty, which made a read-after-exit flaky.
        child = subprocess.Popen(
            [sys.executable, "-c", SCRIPT],
            stdout=subprocess.PIPE,
            stderr=slave,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        os.close(slave)
        slave = -1
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed its end of the terminal
                break
            if not chunk:
                break
            seen += chunk
        stdout, _ = child.communicate(timeout=60)
    finally:
        if slave != -1:
            os.close(slave)
        os.close(master)
    assert child.returncode == 0
    assert stdout == b"enabled\n"
    assert b"\rchrono gen: rendering... " in seen
    assert seen.endswith(b"\r")


def test_a_pipe_gets_nothing() -> None:
    done = _run_with_stderr(subprocess.PIPE)
    assert done.stdout == b"disabled\n"
    assert done.stderr == b""
