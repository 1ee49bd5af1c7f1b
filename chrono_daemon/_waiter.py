"""One-shot wake-up primitive shared by the channel and the SimClock.

On asyncio a bare ``asyncio.Future`` is used: it is what ``anyio.Event`` bottoms out in, minus
two layers of indirection on the hottest path of the runtime (every blocking send/receive and
every SimClock sleep). On any other backend ``anyio.Event`` is used. Both cancel the same way
under anyio cancel scopes.
"""

from __future__ import annotations

import asyncio
import types
from typing import TYPE_CHECKING, Protocol

import anyio
import anyio.lowlevel

if TYPE_CHECKING:
    from collections.abc import Awaitable, Generator

__all__ = ("Waiter", "checkpoint", "new_waiter")


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


class _EventWaiter:
    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = anyio.Event()

    def wake(self) -> None:
        self._event.set()

    async def wait(self) -> None:
        await self._event.wait()


def new_waiter() -> Waiter:
    """Return a fresh waiter for the running event loop (asyncio fast path, anyio otherwise)."""
    loop = asyncio._get_running_loop()
    if loop is not None:
        return _FutureWaiter(loop)
    return _EventWaiter()


@types.coroutine
def _yield_once() -> Generator[None, None, None]:
    yield  # exactly what asyncio.sleep(0) does


def checkpoint() -> Awaitable[None]:
    """``anyio.lowlevel.checkpoint()``, minus the backend lookup on asyncio (a hot path)."""
    if asyncio._get_running_loop() is not None:
        return _yield_once()
    return anyio.lowlevel.checkpoint()
