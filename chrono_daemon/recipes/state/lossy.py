"""Non-blocking send wrappers that drop instead of waiting (SPEC §2.7, flat module ``lossy``).

Each wrapper satisfies ``SendStream[T]``: ``send`` never blocks on a full buffer (it is still a
checkpoint), ``send_nowait`` never raises ``WouldBlock``, and every item that does not reach
the consumer is counted in ``dropped`` — exactly: ``received + dropped == sent`` once the
consumer has drained the channel. ``ChannelClosed`` still propagates: a dead consumer is a
failure, not a drop.

``DropOldestSend`` and ``CoalesceSend`` need the channel's receive end too, to discard what is
buffered; they only ever use its non-blocking ``receive_nowait``, so they never collide with the
consumer's blocking ``receive`` (no ``ChannelInUse``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from anyio.lowlevel import checkpoint

from chrono_daemon import WouldBlock

if TYPE_CHECKING:
    from chrono_daemon import ChannelStats, ReceiveStream, SendStream

__all__ = ("CoalesceSend", "DropNewestSend", "DropOldestSend")

T = TypeVar("T")


class _LossySend(Generic[T]):
    """Shared plumbing: the wrapped stream, the counter, close and statistics."""

    __slots__ = ("_dropped", "_send")

    def __init__(self, send: SendStream[T]) -> None:
        self._send = send
        self._dropped = 0

    @property
    def dropped(self) -> int:
        """Items discarded so far (never reset)."""
        return self._dropped

    def send_nowait(self, item: T, /) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    async def send(self, item: T, /) -> None:
        """Deliver or drop ``item`` without waiting (a checkpoint, like every channel send).

        Raises:
            ChannelClosed: either end of the channel is closed.
        """
        await checkpoint()
        self.send_nowait(item)

    async def aclose(self) -> None:
        """Close the wrapped send stream; the consumer drains, then sees ``EndOfStream``."""
        await self._send.aclose()

    def statistics(self) -> ChannelStats:
        """The wrapped channel's statistics."""
        return self._send.statistics()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._send!r}, dropped={self._dropped})"


class DropNewestSend(_LossySend[T]):
    """When the buffer is full, discard the item being sent (the consumer keeps the oldest).

    Args:
        send: the channel's send end.
    """

    __slots__ = ()

    def send_nowait(self, item: T, /) -> None:
        """Deliver ``item`` if there is room (or a waiting receiver), otherwise drop it.

        Raises:
            ChannelClosed: either end of the channel is closed.
        """
        try:
            self._send.send_nowait(item)
        except WouldBlock:
            self._dropped += 1


class _EvictingSend(_LossySend[T]):
    """A full buffer makes room by evicting buffered items (``_evict``) for the new one."""

    __slots__ = ("_recv",)

    def __init__(self, send: SendStream[T], recv: ReceiveStream[T]) -> None:
        super().__init__(send)
        self._recv = recv

    def _evict(self) -> int:  # pragma: no cover - overridden
        """Discard buffered items; return how many."""
        raise NotImplementedError

    def send_nowait(self, item: T, /) -> None:
        """Deliver ``item``, evicting buffered items first if the buffer is full.

        Raises:
            ChannelClosed: either end of the channel is closed.
        """
        try:
            self._send.send_nowait(item)
            return
        except WouldBlock:
            pass
        evicted = self._evict()
        if evicted == 0:  # unbuffered: nothing to evict, the new item goes
            self._dropped += 1
            return
        self._dropped += evicted
        self._send.send_nowait(item)


class DropOldestSend(_EvictingSend[T]):
    """When the buffer is full, discard the oldest buffered item to make room for the new one.

    On a rendezvous channel (``maxsize=0``) nothing is ever buffered, so an item that finds no
    waiting receiver is dropped, like ``DropNewestSend``.

    Args:
        send: the channel's send end.
        recv: the same channel's receive end (used only through ``receive_nowait``).
    """

    __slots__ = ()

    def _evict(self) -> int:
        try:
            self._recv.receive_nowait()
        except WouldBlock:
            return 0
        return 1


class CoalesceSend(_EvictingSend[T]):
    """When the buffer is full, collapse the backlog: drop everything buffered, keep the new item.

    A consumer that falls behind then resumes from the newest value instead of working through
    stale ones; one that keeps up sees every item. On a rendezvous channel an item that finds no
    waiting receiver is dropped.

    Args:
        send: the channel's send end.
        recv: the same channel's receive end (used only through ``receive_nowait``).
    """

    __slots__ = ()

    def _evict(self) -> int:
        evicted = 0
        while True:
            try:
                self._recv.receive_nowait()
            except WouldBlock:
                return evicted
            evicted += 1
