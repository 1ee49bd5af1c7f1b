"""``load_balance``: round-robin distribution (SPEC §2.7, flat module ``load_balance``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from chrono_daemon import ChannelClosed

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chrono_daemon import ReceiveStream, SendStream

__all__ = ("load_balance",)

T = TypeVar("T")


async def load_balance(
    source: ReceiveStream[T], dests: Sequence[SendStream[T]], *, close_dests: bool = True
) -> None:
    """Send each item of ``source`` to exactly one destination, in strict round-robin order.

    Item ``k`` goes to ``dests[k % len(dests)]`` with a blocking ``send``: a busy destination
    holds the others (strict turns, not "whoever is free" — use ``worker_pool`` for that).

    When ``source`` ends, every destination is closed unless ``close_dests=False``; they are
    closed too when the balancer fails or is cancelled. A destination whose consumer has gone
    (``ChannelClosed``) leaves the rotation and the item goes to the next one, so no item is
    lost; when none is left, ``source`` is closed and the balancer returns.

    Raises:
        ValueError: ``dests`` is empty.
    """
    dests = list(dests)
    if not dests:
        raise ValueError(
            "load_balance() needs at least one destination: load_balance(src, [d1, d2])"
        )
    live = list(dests)
    turn = 0
    try:
        async for item in source:
            while live:
                turn %= len(live)
                dest = live[turn]
                try:
                    await dest.send(item)
                except ChannelClosed:
                    del live[turn]
                    await dest.aclose()
                    continue
                turn += 1
                break
            if not live:
                await source.aclose()
                return
    finally:
        if close_dests:
            for dest in dests:
                await dest.aclose()
