"""Closing a sender's socket only once its receiver has read everything (ADR 0030).

Its one job: keep the socket of a closed ``ZmqSendStream`` open in the background until the
receiver confirms the end of stream (it sends the receiver-closed frame when it reads the
end-of-stream frame, or when it closes), at most until the sender's ``linger_ms`` deadline, and
then close it. ZeroMQ's own ``LINGER`` is not enough, for two reasons found in libzmq 4.3:

- over ``ipc://``, a receiver whose queue is full (its ``RCVHWM`` reached, so libzmq stopped
  reading the connection) drops every byte it had not read yet when the sender's socket closes
  and the connection hangs up: the last messages and the end-of-stream frame are lost;
- pyzmq never terminates contexts at exit, so a process that exits right after closing takes
  whatever libzmq had not written yet with it.

One non-daemon thread, started when a socket is handed over and ending when none is left, does
the waiting; the interpreter waits for it at exit, which is bounded by the longest linger.
After a fork the child starts empty (the parent's sockets are not usable there).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import threading
import time
from dataclasses import dataclass
from typing import cast

import zmq

from ._zmq_frames import CLOSE_FRAME, CONTROL, REFUSED

__all__ = ("linger_until_confirmed",)

_log = logging.getLogger("chrono_daemon.transports.zmq")
_REFUSED_PREFIX = bytes((CONTROL, REFUSED))


@dataclass(frozen=True, slots=True)
class _Lingering:
    sock: zmq.Socket[bytes]
    label: str  # the channel as messages name it
    linger_ms: int
    deadline: float  # time.monotonic()


def _confirmed(sock: zmq.Socket[bytes]) -> bool:
    """Consume the receiver's frames; True once it said it reads nothing more (or on error)."""
    try:
        while cast("int", sock.get(zmq.EVENTS)) & zmq.POLLIN:
            frame = sock.recv(zmq.NOBLOCK)
            if frame == CLOSE_FRAME or frame[:2] == _REFUSED_PREFIX:
                return True
    except zmq.ZMQError:  # the context was terminated under us: nothing left to wait for
        return True
    return False


class _Lingerer:
    """The sockets waiting for their receiver's confirmation, and the thread that waits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handed: list[_Lingering] = []  # handed over, not yet seen by the thread
        self._thread: threading.Thread | None = None
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)

    def hand_over(self, item: _Lingering) -> None:
        with self._lock:
            self._handed.append(item)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="chrono-zmq-linger", daemon=False
                )
                self._thread.start()
        with contextlib.suppress(BlockingIOError):  # full of wake-ups already
            os.write(self._wake_write, b"\0")

    def _run(self) -> None:
        watching: list[_Lingering] = []
        while True:
            with self._lock:
                watching += self._handed
                self._handed.clear()
                if not watching:
                    self._thread = None
                    return
            self._wait(watching)
            now = time.monotonic()
            still: list[_Lingering] = []
            for item in watching:
                if _confirmed(item.sock):
                    item.sock.close(linger=0)
                elif now >= item.deadline:
                    _log.warning(
                        "ZMQ channel %s: the receiver did not confirm the end of stream within "
                        "linger_ms=%d (it is not reading, or gone); it may miss the last "
                        "messages and EndOfStream",
                        item.label,
                        item.linger_ms,
                    )
                    item.sock.close(linger=0)
                else:
                    still.append(item)
            watching = still

    def _wait(self, watching: list[_Lingering]) -> None:
        """Sleep until a frame arrives, a socket is handed over, or the first deadline."""
        poller = zmq.Poller()
        poller.register(self._wake_read, zmq.POLLIN)
        for item in watching:
            poller.register(item.sock, zmq.POLLIN)
        timeout = min(item.deadline for item in watching) - time.monotonic()
        with contextlib.suppress(zmq.ZMQError):  # a terminated context: _confirmed closes
            poller.poll(max(0, math.ceil(timeout * 1000)))
        with contextlib.suppress(BlockingIOError):
            while os.read(self._wake_read, 512):
                pass

    def _after_fork(self) -> None:
        self._lock = threading.Lock()
        self._handed = []
        self._thread = None


_LINGERER = _Lingerer()
os.register_at_fork(after_in_child=_LINGERER._after_fork)


def linger_until_confirmed(
    sock: zmq.Socket[bytes], label: str, linger_ms: int, deadline: float
) -> None:
    """Close ``sock`` once its receiver confirmed the end of stream, or at ``deadline``
    (``time.monotonic()``), whichever is first; returns at once. The caller must not use
    ``sock`` again. With ``linger_ms=0`` the socket is closed now: nothing is waited for."""
    if linger_ms == 0 or _confirmed(sock):
        sock.close(linger=0)
        return
    _LINGERER.hand_over(_Lingering(sock, label, linger_ms, deadline))
