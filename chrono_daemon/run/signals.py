"""SIGINT/SIGTERM as two calls: a graceful one for the first signal, a hard one for any other."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

import anyio

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ("on_signals",)


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
