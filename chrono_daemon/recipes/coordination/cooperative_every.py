"""``cooperative_every``: a periodic loop that ends when its daemon is asked to stop (SPEC §2.7)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from chrono_daemon import Context

__all__ = ("cooperative_every",)


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
        tick: float | None = None
        with ctx.cancel_on_stop():
            tick = await self._ticks.__anext__()
        if tick is None or ctx.stopping:
            raise StopAsyncIteration
        return tick


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
