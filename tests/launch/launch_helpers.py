"""Start ``chrono launch`` / ``chrono run`` as real processes, read their output as it comes,
and make sure nothing they started survives the test."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"
EXAMPLE_IMPL = REPO / "examples" / "system_stack_impl.py"
ENDLESS_IMPL = Path(__file__).with_name("endless_impl.py")
BOUND = 30.0  # seconds any wait of these tests may take before it fails
_PID = re.compile(r"pid (\w+) (\d+)$")


class Program:
    """A ``python -m codegen ...`` child with its stdout/stderr lines collected by threads."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "codegen", *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._changed = threading.Condition()
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: object, into: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            with self._changed:
                into.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, found: Callable[[], bool], what: str, timeout: float = BOUND) -> None:
        """Wait until ``found()`` is true (checked whenever a line arrives)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not found():
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not found()):
                    raise AssertionError(f"never saw {what}; stdout={self.out} stderr={self.err}")
                self._changed.wait(min(left, 0.5))

    def finish(self, timeout: float = BOUND) -> tuple[int, float]:
        """Wait for the exit; return (exit code, seconds it took)."""
        start = time.monotonic()
        code = self.proc.wait(timeout)
        for reader in self._readers:
            reader.join(timeout)
        return code, time.monotonic() - start

    def pids(self) -> dict[str, int]:
        """``{process name: pid}`` from the ``pid NAME N`` lines of the endless impl."""
        out: dict[str, int] = {}
        for line in self.out:
            m = _PID.search(line)
            if m:
                out[m.group(1)] = int(m.group(2))
        return out


def alive(pid: int) -> bool:
    """True while ``pid`` exists (zombies of other parents count as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][0] != "Z"
    except OSError:
        return True


def wait_gone(pids: list[int], timeout: float = BOUND) -> list[int]:
    """Wait until no pid is alive; return those still alive at the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [p for p in pids if alive(p)]
        if not left:
            return []
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


@contextlib.contextmanager
def started(*args: str, env: dict[str, str] | None = None) -> Iterator[Program]:
    """A ``Program`` that is killed, with everything it reported starting, when the block ends."""
    program = Program(*args, env=env)
    try:
        yield program
    finally:
        for pid in program.pids().values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if program.proc.poll() is None:
            program.proc.kill()
        program.proc.wait(BOUND)
        for stream in (program.proc.stdout, program.proc.stderr):
            if stream is not None:
                stream.close()


def launch_args(impl: Path, *extra: str) -> list[str]:
    """``launch SCHEMAS --graph system_stack --impl IMPL ...``."""
    return ["launch", str(SCHEMAS), "--graph", "system_stack", "--impl", str(impl), *extra]
