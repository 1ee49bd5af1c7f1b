"""``tee``: 1:N broadcast (SPEC §2.7, flat module ``fanout``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from chrono_daemon import ChannelClosed

if TYPE_CHECKING:
    from chrono_daemon import ReceiveStream, SendStream

__all__ = ("tee",)

T = TypeVar("T")


async def tee(src: ReceiveStream[T], *dests: SendStream[T]) -> None:
    """Send every item of ``src`` to every destination, in order; close them all at the end.

    Items go to the destinations one after the other, in argument order, with a blocking
    ``send``: a slow destination holds the tee, and through it every other destination and the
    producer (backpressure, never an unbounded buffer). Put a lossy wrapper on a destination
    that must not hold the others back.

    When ``src`` ends, every destination is closed, so each consumer sees ``EndOfStream`` after
    the last item. Destinations are closed too when the tee fails or is cancelled.

    A destination whose consumer has gone (its send raises ``ChannelClosed``) is closed and
    skipped from then on; the others keep receiving. When no destination is left, ``src`` is
    closed (so the producer sees ``ChannelClosed``) and the tee returns.

    Raises:
        ValueError: no destination was given.
    """
    if not dests:
        raise ValueError("tee() needs at least one destination: tee(src, dest1, dest2, ...)")
    live = list(dests)
    try:
        async for item in src:
            for dest in list(live):
                try:
                    await dest.send(item)
                except ChannelClosed:
                    live.remove(dest)
                    await dest.aclose()
            if not live:
                await src.aclose()
                return
    finally:
        for dest in dests:
            await dest.aclose()
