"""Typed, bounded, single-producer / single-consumer channels (SPEC §2.2).

One ``_ChannelState`` is shared by a ``MemorySendStream`` and a ``MemoryReceiveStream``. Because
an edge has exactly one producer and one consumer, the state holds at most one blocked sender
and one blocked receiver: a second blocked task on the same endpoint is a wiring bug and raises
``ChannelInUse`` instead of silently queueing.

Cancellation is atomic in the trio sense: a blocked ``send`` whose item was already handed to
the receiver returns normally (the pending cancellation fires at the caller's next checkpoint),
and a blocked ``receive`` that was already handed an item returns it. So every item is delivered
exactly once or not at all, and a ``send`` that returns is a delivered item.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

import anyio

from ._errors import ChannelClosed, ChannelInUse, EndOfStream, WouldBlock
from ._sim_asyncio import advancing_on_asyncio
from ._waiter import Waiter, checkpoint, new_waiter

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = (
    "Channel",
    "ChannelStats",
    "MemoryReceiveStream",
    "MemorySendStream",
    "ReceiveStream",
    "SendStream",
    "open_channel",
)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
T_contra = TypeVar("T_contra", contravariant=True)


@dataclass(frozen=True, slots=True)
class ChannelStats:
    """A point-in-time view of one channel (both endpoints share the numbers)."""

    current_buffer_used: int
    max_buffer_size: int
    open_send_streams: int
    open_receive_streams: int
    waiters_send: int
    waiters_receive: int


class SendStream(Protocol[T_contra]):
    """The producer's end of an edge: anything with these methods can feed a daemon."""

    async def send(self, item: T_contra, /) -> None:
        """Deliver ``item``, waiting for buffer space (or, unbuffered, for the receiver)."""
        ...

    def send_nowait(self, item: T_contra, /) -> None:
        """Deliver ``item`` now or raise ``WouldBlock``."""
        ...

    async def aclose(self) -> None:
        """Close this end; the receiver drains what is buffered, then sees ``EndOfStream``."""
        ...

    def statistics(self) -> ChannelStats:
        """Return the current buffer and waiter counts."""
        ...


class ReceiveStream(Protocol[T_co]):
    """The consumer's end of an edge; ``async for`` ends quietly at ``EndOfStream``."""

    async def receive(self) -> T_co:
        """Return the next item, waiting for one; ``EndOfStream`` once closed and drained."""
        ...

    def receive_nowait(self) -> T_co:
        """Return the next item now, or raise ``WouldBlock`` / ``EndOfStream``."""
        ...

    def __aiter__(self) -> AsyncIterator[T_co]: ...

    async def __anext__(self) -> T_co: ...

    async def aclose(self) -> None:
        """Close this end; the sender's next send raises ``ChannelClosed``."""
        ...

    def statistics(self) -> ChannelStats:
        """Return the current buffer and waiter counts."""
        ...


class _BlockedSender(Generic[T]):
    __slots__ = ("item", "taken", "waiter")

    def __init__(self, waiter: Waiter, item: T) -> None:
        self.waiter = waiter
        self.item = item
        self.taken = False


class _BlockedReceiver(Generic[T]):
    __slots__ = ("has_item", "item", "waiter")

    def __init__(self, waiter: Waiter) -> None:
        self.waiter = waiter
        self.has_item = False
        self.item: T | None = None


class _ChannelState(Generic[T]):
    __slots__ = ("buffer", "maxsize", "receiver", "recv_closed", "send_closed", "sender")

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.buffer: deque[T] = deque()
        self.send_closed = False
        self.recv_closed = False
        self.sender: _BlockedSender[T] | None = None
        self.receiver: _BlockedReceiver[T] | None = None

    def statistics(self) -> ChannelStats:
        return ChannelStats(
            current_buffer_used=len(self.buffer),
            max_buffer_size=self.maxsize,
            open_send_streams=0 if self.send_closed else 1,
            open_receive_streams=0 if self.recv_closed else 1,
            waiters_send=0 if self.sender is None else 1,
            waiters_receive=0 if self.receiver is None else 1,
        )


class MemorySendStream(Generic[T]):
    """In-process ``SendStream``: see the module docstring for the delivery guarantees."""

    __slots__ = ("_state",)

    def __init__(self, state: _ChannelState[T]) -> None:
        self._state = state

    def send_nowait(self, item: T, /) -> None:
        """Deliver ``item`` without waiting.

        Raises:
            ChannelClosed: either end is closed.
            WouldBlock: the buffer is full (or, unbuffered, no receiver is waiting).
        """
        state = self._state
        if state.send_closed:
            raise ChannelClosed("send on a closed send stream")
        if state.recv_closed:
            raise ChannelClosed("the receive side of this channel is closed")
        receiver = state.receiver
        if receiver is not None:
            state.receiver = None
            receiver.item = item
            receiver.has_item = True
            receiver.waiter.wake()
        elif len(state.buffer) < state.maxsize:
            state.buffer.append(item)
        else:
            raise WouldBlock

    async def send(self, item: T, /) -> None:
        """Deliver ``item``; always a checkpoint, blocks while the buffer is full.

        Raises:
            ChannelClosed: either end is (or becomes, while blocked) closed.
            ChannelInUse: another task is already blocked sending on this endpoint.
        """
        await checkpoint()
        try:
            self.send_nowait(item)
            return
        except WouldBlock:
            pass
        state = self._state
        if state.sender is not None:
            raise ChannelInUse("sending")
        blocked = _BlockedSender(new_waiter(), item)
        state.sender = blocked
        try:
            await blocked.waiter.wait()
        except BaseException as exc:
            if blocked.taken and isinstance(exc, anyio.get_cancelled_exc_class()):
                return  # delivered: the cancellation fires at the caller's next checkpoint
            if state.sender is blocked:
                state.sender = None
            raise
        if not blocked.taken:
            raise ChannelClosed("channel closed while a send was waiting")

    def close(self) -> None:
        """Close synchronously (idempotent); buffered items stay receivable."""
        state = self._state
        if state.send_closed:
            return
        state.send_closed = True
        receiver, state.receiver = state.receiver, None
        if receiver is not None:
            receiver.waiter.wake()
        sender, state.sender = state.sender, None
        if sender is not None:
            sender.waiter.wake()

    async def aclose(self) -> None:
        """Close this end (idempotent); the receiver drains the buffer, then ``EndOfStream``."""
        self.close()

    def statistics(self) -> ChannelStats:
        """Return the current buffer and waiter counts."""
        return self._state.statistics()

    async def __aenter__(self) -> MemorySendStream[T]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()


class MemoryReceiveStream(Generic[T]):
    """In-process ``ReceiveStream``: see the module docstring for the delivery guarantees."""

    __slots__ = ("_state",)

    def __init__(self, state: _ChannelState[T]) -> None:
        self._state = state

    def receive_nowait(self) -> T:
        """Return the next item without waiting.

        Raises:
            ChannelClosed: this end is closed.
            EndOfStream: the send side is closed and the buffer is drained.
            WouldBlock: nothing to receive yet.
        """
        state = self._state
        if state.recv_closed:
            raise ChannelClosed("receive on a closed receive stream")
        buffer = state.buffer
        sender = state.sender
        if buffer:
            item = buffer.popleft()
            if sender is not None:
                state.sender = None
                buffer.append(sender.item)
                sender.taken = True
                sender.waiter.wake()
            return item
        if sender is not None:
            state.sender = None
            sender.taken = True
            sender.waiter.wake()
            return sender.item
        if state.send_closed:
            raise EndOfStream
        raise WouldBlock

    async def receive(self) -> T:
        """Return the next item; always a checkpoint, blocks while nothing is available.

        With an item at hand it checkpoints first, so a cancelled caller takes nothing. With
        nothing at hand, blocking is the checkpoint; an item handed over before a pending
        cancellation is delivered is returned (the cancellation fires at the next checkpoint).

        Raises:
            EndOfStream: the send side is closed and the buffer is drained.
            ChannelClosed: this end is (or becomes, while blocked) closed.
            ChannelInUse: another task is already blocked receiving on this endpoint.
        """
        state = self._state
        # With nothing to take, blocking at once is the checkpoint: one trip through the loop
        # instead of two. That is a clear win for rendezvous channels and while a SimClock
        # advance runs (every extra trip is an extra settle round: ~20% on a pipeline). On a
        # free-running buffered channel the early yield is kept: it lets the producer run
        # ahead, where blocking at once would hand items over one by one (~15% slower).
        if (
            state.buffer
            or state.sender is not None
            or state.send_closed
            or state.recv_closed
            or (state.maxsize and not advancing_on_asyncio())
        ):
            await checkpoint()  # the cancellation point before anything is taken
            try:
                return self.receive_nowait()
            except WouldBlock:
                pass
        if state.receiver is not None:
            raise ChannelInUse("receiving")
        blocked: _BlockedReceiver[T] = _BlockedReceiver(new_waiter())
        state.receiver = blocked
        try:
            await blocked.waiter.wait()
        except BaseException as exc:
            if blocked.has_item and isinstance(exc, anyio.get_cancelled_exc_class()):
                return blocked.item  # type: ignore[return-value]  # has_item: item is a T
            if state.receiver is blocked:
                state.receiver = None
            raise
        if blocked.has_item:
            return blocked.item  # type: ignore[return-value]  # has_item: item is a T
        if state.recv_closed:
            raise ChannelClosed("receive stream closed while a receive was waiting")
        raise EndOfStream

    def __aiter__(self) -> MemoryReceiveStream[T]:
        return self

    async def __anext__(self) -> T:
        try:
            return await self.receive()
        except EndOfStream:
            raise StopAsyncIteration from None

    def close(self) -> None:
        """Close synchronously (idempotent): buffered items are discarded, senders fail."""
        state = self._state
        if state.recv_closed:
            return
        state.recv_closed = True
        state.buffer.clear()
        sender, state.sender = state.sender, None
        if sender is not None:
            sender.waiter.wake()
        receiver, state.receiver = state.receiver, None
        if receiver is not None:
            receiver.waiter.wake()

    async def aclose(self) -> None:
        """Close this end (idempotent); the sender's next send raises ``ChannelClosed``."""
        self.close()

    def statistics(self) -> ChannelStats:
        """Return the current buffer and waiter counts."""
        return self._state.statistics()

    async def __aenter__(self) -> MemoryReceiveStream[T]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()


@dataclass(eq=False)
class Channel(Generic[T]):
    """One typed edge: ``send`` for the producer, ``recv`` for the consumer."""

    send: SendStream[T]
    recv: ReceiveStream[T]


def open_channel(maxsize: int = 0) -> Channel[T]:
    """Open an in-process channel.

    Args:
        maxsize: buffer size; ``0`` is a rendezvous (``send`` returns once the receiver has the
            item). Unbounded buffers are deliberately not offered.

    Raises:
        TypeError: ``maxsize`` is not an ``int``.
        ValueError: ``maxsize`` is negative.
    """
    if isinstance(maxsize, bool) or not isinstance(maxsize, int):
        raise TypeError(f"maxsize must be an int, got {maxsize!r}")
    if maxsize < 0:
        raise ValueError(f"maxsize must be >= 0, got {maxsize}")
    state: _ChannelState[T] = _ChannelState(maxsize)
    return Channel(send=MemorySendStream(state), recv=MemoryReceiveStream(state))
