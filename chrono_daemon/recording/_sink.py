"""A file-like sink that hands byte blocks to one writer thread, with a bound (ADR 0025).

The MCAP writer (``_writer``) runs on the event loop's thread and writes whole blocks (a
header, a chunk, its message index) to this sink. ``write`` only queues the block; a daemon
thread writes it to the file and flushes it to the OS at once, so a process killed later
loses nothing that was written. When the queue holds ``max_queued`` bytes, ``write`` blocks
the caller until the thread has caught up: the back-pressure of a lossless recorder. It
blocks the event loop's thread, not a task, on purpose: virtual time cannot move while the
loop is blocked, so a slow disk never changes what a SimClock run does (awaiting the thread
would let the clock advance).
"""

from __future__ import annotations

import threading
from collections import deque
from typing import BinaryIO

from ._errors import RecordingError

__all__ = ("ThreadedSink",)


class ThreadedSink:
    """A ``Stream`` for the MCAP writer; the file is written by a thread.

    Args:
        file: the open binary file; closed by ``close`` when ``owns_file``.
        name: the path shown in errors.
        max_queued: bytes that may wait for the thread before ``write`` blocks (one block
            larger than this is still accepted alone).
    """

    def __init__(self, file: BinaryIO, name: str, *, max_queued: int, owns_file: bool) -> None:
        self._file = file
        self._name = name
        self._max_queued = max_queued
        self._owns_file = owns_file
        self._blocks: deque[bytes] = deque()
        self._queued = 0
        self._offset = 0
        self._closing = False
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.max_queued_seen = 0
        """The most bytes ever waiting for the thread (a measure of the memory bound)."""
        self.blocked_writes = 0
        """How many ``write`` calls had to wait for the thread (the disk was behind)."""
        self._thread = threading.Thread(target=self._run, name=f"chrono-record {name}", daemon=True)
        self._thread.start()

    def write(self, data: bytes, /) -> int:
        """Queue ``data`` for the file; block while ``max_queued`` bytes are already waiting."""
        block = bytes(data)
        if not block:
            return 0
        with self._changed:
            self._raise_if_failed()
            if self._closing:
                raise RecordingError(f"{self._name}: write after the recording was closed")
            if self._blocks and self._queued + len(block) > self._max_queued:
                self.blocked_writes += 1
                while self._blocks and self._queued + len(block) > self._max_queued:
                    self._changed.wait()
                    self._raise_if_failed()
            self._blocks.append(block)
            self._queued += len(block)
            self.max_queued_seen = max(self.max_queued_seen, self._queued)
            self._changed.notify_all()
        self._offset += len(block)
        return len(block)

    def tell(self) -> int:
        """Bytes written so far (queued included): the offset the next block will have."""
        return self._offset

    def close(self) -> None:
        """Wait until every queued block is on file, stop the thread, close the file.

        Raises:
            RecordingError: the thread failed to write (disk full, I/O error...).
        """
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._thread.join()
        if self._owns_file:
            self._file.close()
        with self._lock:
            self._raise_if_failed()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise RecordingError(f"writing {self._name} failed: {self._error}") from self._error

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._blocks and not self._closing:
                    self._changed.wait()
                if not self._blocks:
                    return
                block = self._blocks[0]
            try:
                self._file.write(block)
                self._file.flush()
            except BaseException as exc:  # reported to the writer: never lost
                with self._changed:
                    self._error = exc
                    self._blocks.clear()
                    self._queued = 0
                    self._changed.notify_all()
                return
            with self._changed:
                self._blocks.popleft()
                self._queued -= len(block)
                self._changed.notify_all()
