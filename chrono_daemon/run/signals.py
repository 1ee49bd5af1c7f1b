"""SIGINT/SIGTERM as two calls: a graceful one for the first signal, a hard one for any other;
and, once the run is over, held while its last writes complete."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from typing import TYPE_CHECKING

import anyio

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import FrameType

__all__ = ("held_signals", "on_signals")

_STOPPING = (signal.SIGINT, signal.SIGTERM)


async def on_signals(
    first: Callable[[int], None],
    again: Callable[[], None],
    *,
    task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
) -> None:
    """Run as a task (``await tg.start(on_signals, ...)``, main thread only): call
    ``first(signum)`` at the first SIGINT or SIGTERM and ``again()`` at every later one."""
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        task_status.started()
        seen = False
        async for signum in signals:
            if seen:
                again()
            else:
                seen = True
                first(int(signum))


@contextlib.contextmanager
def held_signals() -> Iterator[list[int]]:
    """While the block runs, a SIGINT or SIGTERM does not end the process: it is appended to
    the list the block gets, so what a finished run still has to write (a recording's last
    chunks, a socket's end of stream) is completed. A second signal ends the process at once,
    as the default action would. Outside the main thread: a no-op (Python handles signals
    there only).

    Why: a signal that arrives just after a run stopped (a launcher's SIGTERM to its children
    racing the end of their graph) used to kill a child while it completed its recording.
    """
    held: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield held
        return

    def hold(signum: int, frame: FrameType | None) -> None:
        held.append(signum)
        if len(held) > 1:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    previous = {s: signal.signal(s, hold) for s in _STOPPING}
    try:
        yield held
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
