"""``cooperative_every``: a periodic loop that ends when its daemon is asked to stop (SPEC §2.7)."""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Literal

import anyio

if TYPE_CHECKING:
    from chrono_daemon import Context

__all__ = ("cooperative_every",)


class _StopRelay:
    """Cancels the registered scopes once a stop event is set."""

    __slots__ = ("fired", "scopes")

    def __init__(self) -> None:
        self.scopes: set[anyio.CancelScope] = set()
        self.fired = False

    def fire(self, _: object = None) -> None:
        self.fired = True
        for scope in self.scopes:
            scope.cancel()
        self.scopes.clear()


# One relay per stop event (per supervisor), without a task: on asyncio, anyio's Event wraps an
# ``asyncio.Event`` whose ``set()`` resolves every future in its ``_waiters``; a future parked
# there with a done-callback fires the relay. Racing each tick against ``stop_event.wait()`` in
# a task group instead costs a task per tick — about 20x the cost of the tick itself on asyncio.
# If those private attributes ever change, or on trio, the task-group race is used.
_relays: weakref.WeakKeyDictionary[asyncio.Event, _StopRelay] = weakref.WeakKeyDictionary()


def _asyncio_relay(stop_event: anyio.Event) -> _StopRelay | None:
    inner = getattr(stop_event, "_event", None)
    if not isinstance(inner, asyncio.Event):
        return None
    relay = _relays.get(inner)
    if relay is None:
        waiters = getattr(inner, "_waiters", None)
        if not isinstance(waiters, deque):
            return None
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        relay = _StopRelay()
        future.add_done_callback(relay.fire)
        waiters.append(future)
        _relays[inner] = relay
    return relay


class _CooperativeTicker(AsyncIterator[float]):
    """``ctx.clock.every(period)`` that ends as soon as ``ctx.stopping`` becomes true."""

    __slots__ = ("_ctx", "_ticks")

    def __init__(self, ctx: Context, period: float, first: Literal["now", "after"]) -> None:
        self._ctx = ctx
        self._ticks = ctx.clock.every(period, first=first)

    def __aiter__(self) -> _CooperativeTicker:
        return self

    async def __anext__(self) -> float:
        ctx = self._ctx
        if ctx.stopping:
            raise StopAsyncIteration
        # The wait for the next tick must end at the stop signal: under SimClock nobody
        # advances time while a graph shuts down, so the tick would hold ``Supervisor.stop``
        # for its whole grace period.
        relay = _asyncio_relay(ctx.stop_event)
        tick: float | None = None
        if relay is not None and not relay.fired:
            with anyio.CancelScope() as scope:
                relay.scopes.add(scope)
                try:
                    tick = await self._ticks.__anext__()
                finally:
                    relay.scopes.discard(scope)
        else:
            async with anyio.create_task_group() as tg:
                tg.start_soon(_cancel_on_stop, ctx, tg.cancel_scope)
                tick = await self._ticks.__anext__()
                tg.cancel_scope.cancel()
        if tick is None or ctx.stopping:
            raise StopAsyncIteration
        return tick


async def _cancel_on_stop(ctx: Context, scope: anyio.CancelScope) -> None:
    await ctx.stop_event.wait()
    scope.cancel()


def cooperative_every(
    ctx: Context, period: float, *, first: Literal["now", "after"] = "after"
) -> AsyncIterator[float]:
    """Yield tick times like ``ctx.clock.every(period)``, ending when the daemon is asked to stop.

    ``async for t in cooperative_every(ctx, 0.1): ...`` is the periodic loop of a daemon that
    stops cleanly: the loop ends before the next tick once ``ctx.stopping`` is true, and a loop
    waiting for its next tick ends at once when the stop is signalled (it does not wait for
    the tick). A step that is already running is never interrupted. Ticks follow
    ``Clock.every``: ``start + k*period`` with no drift, a late consumer skips missed ticks.

    Args:
        ctx: the daemon's context (its clock and stop event are used).
        period: seconds between ticks on ``ctx.clock``.
        first: ``"after"`` (default) first ticks at ``now() + period``, ``"now"`` at ``now()``.

    Raises:
        ValueError: ``period`` is not positive and finite, or ``first`` is not a valid choice.
    """
    return _CooperativeTicker(ctx, period, first)
