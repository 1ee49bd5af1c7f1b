"""One-shot wake-up primitive shared by the channel and the SimClock, and the backend switch.

On asyncio a bare ``asyncio.Future`` is used: it is what ``anyio.Event`` bottoms out in, minus
two layers of indirection on the hottest path of the runtime (every blocking send/receive and
every SimClock sleep). On trio, a task parked with ``trio.lowlevel`` (``_trio_backend``, ADR
0018), which is what ``trio.Event`` bottoms out in. Both cancel the same way under anyio cancel
scopes. anyio runs on asyncio or trio only, so "no asyncio loop running" means trio.
"""

from __future__ import annotations

import asyncio
import types
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Awaitable, Generator
    from types import ModuleType

__all__ = ("Waiter", "checkpoint", "new_waiter", "trio_backend")


class Waiter(Protocol):
    """Something one task waits on and another wakes exactly once."""

    def wake(self) -> None: ...

    async def wait(self) -> None: ...


class _FutureWaiter:
    __slots__ = ("_future",)

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._future: asyncio.Future[None] = loop.create_future()

    def wake(self) -> None:
        if not self._future.done():
            self._future.set_result(None)

    async def wait(self) -> None:
        await self._future


_TRIO: ModuleType | None = None


def trio_backend() -> ModuleType:
    """``chrono_daemon._trio_backend``, imported on first use (only ever under trio)."""
    global _TRIO
    if _TRIO is None:
        from . import _trio_backend  # imports trio: only once it runs

        _TRIO = _trio_backend
    return _TRIO


def new_waiter() -> Waiter:
    """Return a fresh waiter for the running event loop (asyncio or trio fast path)."""
    loop = asyncio._get_running_loop()
    if loop is not None:
        return _FutureWaiter(loop)
    waiter: Waiter = trio_backend().Waiter()
    return waiter


@types.coroutine
def _yield_once() -> Generator[None, None, None]:
    yield  # exactly what asyncio.sleep(0) does


def checkpoint() -> Awaitable[None]:
    """``anyio.lowlevel.checkpoint()``, minus the backend lookup (a hot path)."""
    if asyncio._get_running_loop() is not None:
        return _yield_once()
    awaitable: Awaitable[None] = trio_backend().checkpoint()
    return awaitable
