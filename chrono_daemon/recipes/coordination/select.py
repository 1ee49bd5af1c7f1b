"""``select``: wait for the first of several receivers (SPEC §2.7, flat module ``select``)."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from anyio.lowlevel import checkpoint

from chrono_daemon import EndOfStream, WouldBlock

if TYPE_CHECKING:
    from chrono_daemon import ReceiveStream

__all__ = ("select",)

T = TypeVar("T")

# Items that arrived on a losing receiver in the same instant as the winner. A receive that
# was already handed an item completes even when cancelled (channel atomicity), so a race can
# end with more than one item; the extras wait here, by receiver, for the next select on that
# receiver. Entries hold the receiver itself so its id() cannot be reused while stored.
_held: dict[int, tuple[ReceiveStream[Any], deque[Any]]] = {}


def _take_held(receiver: ReceiveStream[T]) -> tuple[bool, T | None]:
    entry = _held.get(id(receiver))
    if entry is None:
        return False, None
    items = entry[1]
    item: T = items.popleft()
    if not items:
        del _held[id(receiver)]
    return True, item


def _hold(receiver: ReceiveStream[T], item: T) -> None:
    _held.setdefault(id(receiver), (receiver, deque()))[1].append(item)


async def select(*receivers: ReceiveStream[T]) -> tuple[int, T]:
    """Return ``(index, item)`` from the first receiver that has an item.

    Receivers that are ready at the call are checked in argument order, so the lowest index
    wins a tie. Otherwise the call waits on all of them and returns the first to deliver;
    among items delivered in the same instant (before the call could resume), the lowest index
    wins again, so the result does not depend on the backend's scheduling. Closed receivers
    (``EndOfStream``) are skipped. Always a checkpoint, like ``receive``.

    Nothing is lost: if another receiver delivered in the same instant, its item is kept for
    the next ``select`` that includes that receiver (so do not mix ``select`` and plain
    ``receive`` on one receiver). Cancelling a waiting ``select`` loses nothing either.

    Raises:
        EndOfStream: every receiver is closed and drained.
        ValueError: no receiver was given.
    """
    if not receivers:
        raise ValueError("select() needs at least one receiver: select(recv1, recv2, ...)")
    await checkpoint()
    open_indices: list[int] = []
    for index, receiver in enumerate(receivers):
        held, item = _take_held(receiver)
        if held:
            return index, item  # type: ignore[return-value]  # held: item is a T
        try:
            return index, receiver.receive_nowait()
        except WouldBlock:
            open_indices.append(index)
        except EndOfStream:
            pass
    if not open_indices:
        raise EndOfStream

    arrived: list[tuple[int, T]] = []
    failure: Exception | None = None
    closed: set[int] = set()

    async def race(index: int) -> None:
        nonlocal failure
        try:
            item = await receivers[index].receive()
        except EndOfStream:
            closed.add(index)
            if len(closed) == len(open_indices):
                tg.cancel_scope.cancel()
            return
        except Exception as exc:  # e.g. ChannelClosed: re-raised as is, not in a group
            failure = failure or exc
            tg.cancel_scope.cancel()
            return
        arrived.append((index, item))
        tg.cancel_scope.cancel()

    try:
        async with anyio.create_task_group() as tg:
            for index in open_indices:
                tg.start_soon(race, index)
    except BaseException:
        for index, item in arrived:  # cancelled from outside after items arrived: keep them
            _hold(receivers[index], item)
        raise
    # Items that arrived in the same instant: the lowest index wins, as for ready receivers,
    # so the result does not depend on the backend's task order.
    arrived.sort(key=lambda entry: entry[0])
    for index, item in arrived[1:]:
        _hold(receivers[index], item)
    if failure is not None:
        if arrived:
            _hold(receivers[arrived[0][0]], arrived[0][1])
        raise failure
    if not arrived:
        raise EndOfStream
    return arrived[0]
