"""A one-line progress status on stderr for slow commands, shown only on a terminal (SPEC §5.3).

``with Progress("chrono gen") as progress: progress.stage("resolving")`` draws
``chrono gen: resolving... 1.2 s`` on stderr, redrawn in place, once the command has run for
``delay`` seconds, and erases it when the block ends. Small schemas finish before ``delay`` and
never see it; pipes, files and CI logs (not a TTY) never see it either, so stdout/stderr stay
machine-readable. Drawing happens on a daemon thread because the pipeline stages are pure,
synchronous functions with no hook to report from.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ("DEFAULT_DELAY", "Progress")

DEFAULT_DELAY = 0.4
"""Seconds before the status appears: below this a command feels instant and needs none."""

_INTERVAL = 0.1


class Progress:
    """A status line for one command; a context manager, safe to use when disabled.

    Args:
        label: the command, e.g. ``"chrono gen"``.
        stream: where to draw (default ``sys.stderr``).
        enabled: force on/off; by default on exactly when ``stream.isatty()``.
        delay: seconds before the first draw.
    """

    def __init__(
        self,
        label: str,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        delay: float = DEFAULT_DELAY,
    ) -> None:
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.delay = delay
        self.drawn = threading.Event()
        """Set after the first draw (tests wait on it instead of sleeping)."""
        self._stage = "working"
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._width = 0
        self._start = 0.0
        self._thread: threading.Thread | None = None

    def stage(self, name: str, done: int | None = None, total: int | None = None) -> None:
        """Set the current stage (``"rendering"``, optionally ``done`` of ``total`` items)."""
        text = name if done is None or total is None else f"{name} {done}/{total}"
        with self._lock:
            self._stage = text

    def _draw(self) -> None:
        with self._lock:
            line = f"{self.label}: {self._stage}... {time.monotonic() - self._start:.1f} s"
            pad = " " * max(0, self._width - len(line))
            self._width = len(line)
            self.stream.write(f"\r{line}{pad}")
            self.stream.flush()
        self.drawn.set()

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return
        while True:
            self._draw()
            if self._stop.wait(_INTERVAL):
                return

    def __enter__(self) -> Progress:
        self._start = time.monotonic()
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="chrono-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        if self.drawn.is_set():
            with self._lock:
                self.stream.write("\r" + " " * self._width + "\r")
                self.stream.flush()
