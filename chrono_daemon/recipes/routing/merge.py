"""``merge``: N:1 fan-in (SPEC §2.7, flat module ``merge``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import anyio

from chrono_daemon import ChannelClosed

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chrono_daemon import ReceiveStream, SendStream

__all__ = ("merge",)

T = TypeVar("T")


async def merge(
    sources: Sequence[ReceiveStream[T]], dest: SendStream[T], *, close_dest: bool = True
) -> None:
    """Forward the items of every source into ``dest`` until every source has ended.

    One forwarding task per source; they take turns on ``dest`` through a FIFO lock, so the
    items of each source keep their order (per-source FIFO; there is no order across sources
    beyond arrival). A blocked ``dest`` holds every source (backpressure).

    Ends once every source has raised ``EndOfStream``, then closes ``dest`` unless
    ``close_dest=False`` (for a destination shared with other producers). ``dest`` is closed
    too (with ``close_dest``) when the merge fails or is cancelled.

    If ``dest``'s consumer has gone (``ChannelClosed``), the merge closes every source, so
    producers see ``ChannelClosed`` in turn, and returns.

    Raises:
        ValueError: ``sources`` is empty.
    """
    sources = list(sources)
    if not sources:
        raise ValueError("merge() needs at least one source: merge([recv1, recv2], dest)")
    lock = anyio.Lock()
    dest_gone = False
    try:
        async with anyio.create_task_group() as tg:

            async def forward(source: ReceiveStream[T]) -> None:
                nonlocal dest_gone
                async for item in source:
                    async with lock:
                        try:
                            await dest.send(item)
                        except ChannelClosed:
                            dest_gone = True
                            tg.cancel_scope.cancel()
                            return

            for source in sources:
                tg.start_soon(forward, source)
        if dest_gone:
            for source in sources:
                await source.aclose()
    finally:
        if close_dest:
            await dest.aclose()
