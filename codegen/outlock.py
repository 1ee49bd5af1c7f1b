"""One writer at a time per output directory: an OS lock on ``.OUT.chrono-lock`` next to OUT.

Two ``chrono gen`` into one OUT (``make -j``, an editor's watcher and a terminal) would share the
staging paths and delete each other's work. ``locked(out)`` serialises them: the second waits
(polling, so that it can give up) until the first is done, then runs against the tree the first
left. The lock is ``flock`` on a file next to OUT, so it is released by the kernel when its
holder dies, even by ``kill -9``.

The lock file is removed when the lock is released, so nothing stays next to OUT. Removal is
safe because a process that wins the lock checks that the path still names the file it locked,
and starts over when it does not (the classic unlink-while-held protocol). A file left by a
crash holds no lock: the next writer takes it over and removes it. The file holds the pid of its
holder, to name it in the message of a writer that gave up waiting.

Only on platforms without ``fcntl`` (Windows) does ``locked`` not lock.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import TYPE_CHECKING

from .outdir import siblings

if sys.platform != "win32":
    import fcntl

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

__all__ = ("LOCK_TIMEOUT", "LockUnavailable", "OutBusy", "locked")

LOCK_TIMEOUT = 60.0
"""Seconds a writer waits for another one; a cold run on 1,000 messages takes about one."""

_POLL = 0.05


class OutBusy(Exception):
    """Another process held the lock of OUT for longer than the timeout."""

    def __init__(self, lock: Path, holder: str, waited: float) -> None:
        super().__init__(f"{lock}: held by {holder} for {waited:g} s")
        self.lock = lock
        self.holder = holder
        self.waited = waited


class LockUnavailable(OSError):
    """The lock file cannot be created (a read-only parent of OUT, for instance)."""


@contextlib.contextmanager
def locked(
    out: Path, *, timeout: float | None = None, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """Hold the lock of ``out`` for the block; ``out``'s parent directory must exist.

    Waits up to ``timeout`` seconds (default ``LOCK_TIMEOUT``) for another holder, calling
    ``on_wait`` once when it starts waiting; raises ``OutBusy`` when the time is up, and
    ``LockUnavailable`` when the lock file cannot be created.
    """
    if sys.platform == "win32":  # no flock (see the module docstring)
        yield
        return
    path = siblings(out).lock
    fd = _acquire(path, LOCK_TIMEOUT if timeout is None else timeout, on_wait)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            if _names(path, fd):  # never remove a lock file that another writer now holds
                os.unlink(path)
        os.close(fd)  # releases the lock, after the unlink: see the module docstring


def _acquire(path: Path, timeout: float, on_wait: Callable[[], None] | None) -> int:
    deadline = time.monotonic() + timeout
    waiting = False
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise LockUnavailable(exc.errno, exc.strerror, exc.filename) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            if time.monotonic() >= deadline:
                raise OutBusy(path, holder, timeout) from None
            if not waiting and on_wait is not None:
                on_wait()
            waiting = True
            time.sleep(_POLL)
            continue
        except BaseException:
            os.close(fd)
            raise
        if not _names(path, fd):  # its holder removed it before we got it: take the new one
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return fd


def _names(path: Path, fd: int) -> bool:
    """True when ``path`` is (still) the file open as ``fd``."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def _holder(fd: int) -> str:
    try:
        pid = int(os.pread(fd, 32, 0).decode("ascii").strip())
    except (OSError, ValueError):
        return "another process"
    return f"another process (pid {pid})"
