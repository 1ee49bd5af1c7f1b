"""``LockstepEndpoints``: the ends of cross-process wires under lockstep (ADR 0026, 0027).

They wrap any ``BoundaryEndpoints`` (ZeroMQ between processes, in-memory channels in tests)
and add what lockstep needs to make a wire behave like the in-process edge it replaces:

- **counting**: every frame a producer writes (each item, and the end of the stream) and
  every item its consumers take is counted per wire; the follower reports the counts;
- **holding**: frames reach the receiving process as fast as the transport carries them but
  stay held (in the transport's queue, unread) until the coordinator releases them
  (``release``) into a local channel of the edge's size, where the consumers take them as
  from any edge;
- **credit**: a producer may have at most ``maxsize`` items (1 for ``maxsize = 0``) not yet
  taken by the consumers, as in one process; it learns what was taken only through the
  coordinator (``credit``). ``send`` blocks at that limit, and on a ``maxsize = 0`` edge it
  also waits until its item was taken (rendezvous), as ``open_channel(0)`` does.

Every effect that another process can observe (a frame written, an item taken from a wire
whose producer is blocked, an end closed) bumps ``crossings``: the follower compares it before
and after each wake-up to know whether that wake-up needs a global settle.
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any, cast

import anyio
from anyio.lowlevel import checkpoint

from chrono_daemon import ChannelClosed, ChannelStats, EndOfStream, WouldBlock, open_channel

if TYPE_CHECKING:
    from chrono_daemon import Channel, ReceiveStream, SendStream
    from chrono_daemon.channel import MemoryReceiveStream, MemorySendStream
    from chrono_daemon.transports.boundary import BoundaryEndpoints

__all__ = ("INNER_BUFFER", "LockstepEndpoints", "LockstepReceive", "LockstepSend")

INNER_BUFFER = 1024
"""The buffer asked of the wrapped transport: credit keeps at most ``maxsize`` (>= 1) items in
flight per wire, so the transport's own limit (ZeroMQ's high-water mark) never binds and a
send never waits on a socket, which the idle observation could not see through."""

_END = object()  # a held end-of-stream frame


class _Crossings:
    """The follower-wide count of effects that crossed to another process."""

    __slots__ = ("count", "urgent")

    def __init__(self) -> None:
        self.count = 0
        self.urgent: set[str] = set()  # inbound wires whose producer waits for credit


class LockstepSend:
    """The producer's end of a wire under lockstep (a ``SendStream``)."""

    def __init__(self, inner: SendStream[Any], wire: str, maxsize: int, shared: _Crossings):
        self.wire = wire
        self.maxsize = maxsize
        self.frames = 0  # items and the end-of-stream frame written
        self.items = 0
        self.taken = 0  # what the consumers took, as the coordinator last said
        self.peer_closed = False
        self._inner = inner
        self._shared = shared
        self._closed = False
        self._credit: anyio.Event | None = None  # set when credit (or a close) arrives
        self.waiting = False
        # Frames the transport could not take at once (not connected yet): ``flush`` writes
        # them, so no daemon task ever waits on a socket.
        self._outbox: collections.deque[Any] = collections.deque()
        self._queued: anyio.Event | None = None
        self._inner_closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise ChannelClosed("send on a closed send stream")
        if self.peer_closed:
            raise ChannelClosed(f"the receiving end of wire {self.wire!r} is closed")

    def _has_credit(self) -> bool:
        return self.items - self.taken < max(self.maxsize, 1)

    async def _wait(self, ready: Any) -> None:
        self.waiting = True
        try:
            while not ready():
                self._check_open()
                self._credit = anyio.Event()
                await self._credit.wait()
        finally:
            self.waiting = False
            self._credit = None

    def _write(self, item: Any) -> None:
        self.items += 1
        self._frame(item)

    def _frame(self, item: Any) -> None:
        self.frames += 1
        self._shared.count += 1
        if not self._outbox and item is not _END:
            try:
                self._inner.send_nowait(item)
                return
            except WouldBlock:
                pass
        self._outbox.append(item)
        if self._queued is not None:
            self._queued.set()

    async def flush(self) -> None:
        """Write the frames the transport could not take at once, forever (the follower runs
        it as a task, and ``drain`` once the run is over)."""
        while True:
            while not self._outbox:
                self._queued = anyio.Event()
                await self._queued.wait()
            await self.drain()

    async def drain(self) -> None:
        """Write every queued frame now, waiting on the transport as needed."""
        while self._outbox:
            item = self._outbox[0]
            if item is _END:
                self._inner_closed = True
                await self._inner.aclose()
            else:
                await self._inner.send(item)
            self._outbox.popleft()

    async def send(self, item: Any, /) -> None:
        """Send ``item``: always a checkpoint; blocks while the consumers have ``maxsize``
        items not yet taken, and on a ``maxsize = 0`` wire until the item is taken.

        Raises:
            ChannelClosed: this end, or the receiving one, is closed.
        """
        await checkpoint()
        self._check_open()
        if not self._has_credit():
            await self._wait(self._has_credit)
        self._write(item)
        if self.maxsize == 0:
            sent = self.items
            await self._wait(lambda: self.taken >= sent)

    def send_nowait(self, item: Any, /) -> None:
        """Send ``item`` if there is credit (never on a ``maxsize = 0`` wire: whether the
        remote consumer is waiting cannot be known here).

        Raises:
            WouldBlock: no credit, or a ``maxsize = 0`` wire.
            ChannelClosed: this end, or the receiving one, is closed.
        """
        self._check_open()
        if self.maxsize == 0 or not self._has_credit():
            raise WouldBlock
        self._write(item)

    async def aclose(self) -> None:
        """Close this end (idempotent): the end of the stream is a frame too."""
        if self._closed:
            return
        self._closed = True
        if self._credit is not None:
            self._credit.set()
        self._frame(_END)  # the flusher closes the transport's end: no daemon waits on it
        await checkpoint()

    def statistics(self) -> ChannelStats:
        """What the producer can know: items sent and not yet taken, and its waiter."""
        return ChannelStats(
            current_buffer_used=self.items - self.taken,
            max_buffer_size=self.maxsize,
            open_send_streams=0 if self._closed else 1,
            open_receive_streams=0 if self.peer_closed else 1,
            waiters_send=int(self.waiting),
            waiters_receive=0,
        )

    def credit(self, taken: int, closed: bool) -> None:
        """The coordinator says the consumers took ``taken`` items (or closed their end)."""
        if taken > self.taken or (closed and not self.peer_closed):
            self.taken = max(self.taken, taken)
            self.peer_closed = self.peer_closed or closed
            if self._credit is not None:
                self._credit.set()


class LockstepReceive:
    """The consumers' end of a wire under lockstep (a ``ReceiveStream``)."""

    def __init__(self, inner: ReceiveStream[Any], wire: str, maxsize: int, shared: _Crossings):
        self.wire = wire
        self.released = 0  # frames let in (read from the transport)
        self.taken = 0
        self.closed = False
        self._inner = inner
        self._shared = shared
        local: Channel[Any] = open_channel(max(maxsize, 1))  # credit never lets more in
        self._local_send = cast("MemorySendStream[Any]", local.send)
        self._local_recv = cast("MemoryReceiveStream[Any]", local.recv)

    async def release(self, upto: int) -> None:
        """Let the frames in up to frame number ``upto`` (cumulative), in order.

        They are read from the transport only now: a frame that arrives wakes nobody in this
        process (one wake-up less per message that crosses). Every frame is read (those still
        on their way waited for) before any is let in, so the consumers see them all at once.
        Once the consumers closed their end, released frames are dropped.
        """
        frames: list[Any] = []
        while self.released + len(frames) < upto:
            frames.append(_END if self.closed else await self._next_frame())
        self.released = max(self.released, upto)
        if self.closed:
            return
        send = self._local_send
        for item in frames:
            if item is _END:
                send.close()
            else:
                send.send_nowait(item)

    async def _next_frame(self) -> Any:
        inner = self._inner
        try:
            try:
                return inner.receive_nowait()
            except WouldBlock:
                return await inner.receive()
        except EndOfStream:
            return _END

    def _took(self) -> None:
        self.taken += 1
        if self.wire in self._shared.urgent:
            self._shared.count += 1

    async def receive(self) -> Any:
        """The next released item, as ``open_channel``'s ``receive``."""
        item = await self._local_recv.receive()
        self._took()
        return item

    def receive_nowait(self) -> Any:
        """The next released item without waiting (``WouldBlock`` when none is)."""
        item = self._local_recv.receive_nowait()
        self._took()
        return item

    def __aiter__(self) -> LockstepReceive:
        return self

    async def __anext__(self) -> Any:
        try:
            return await self.receive()
        except EndOfStream:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        """Close this end (idempotent): the producer's sends raise ``ChannelClosed``."""
        if self.closed:
            return
        self.closed = True
        self._shared.count += 1
        self._local_recv.close()
        await self._inner.aclose()

    def statistics(self) -> ChannelStats:
        """The local channel's numbers (released items not yet taken)."""
        return self._local_recv.statistics()


class LockstepEndpoints:
    """``BoundaryEndpoints`` for a follower: each wire of ``inner``, counted, held, credited.

    ``senders`` and ``receivers`` hold the ends this process opened, by wire label.
    """

    def __init__(self, inner: BoundaryEndpoints) -> None:
        self.inner = inner
        self.senders: dict[str, LockstepSend] = {}
        self.receivers: dict[str, LockstepReceive] = {}
        self.crossings = _Crossings()

    def send(self, wire: str, message_type: Any, maxsize: int) -> SendStream[Any]:
        """The producer's end of ``wire``."""
        end = LockstepSend(
            self.inner.send(wire, message_type, INNER_BUFFER), wire, maxsize, self.crossings
        )
        self.senders[wire] = end
        return end

    def receive(self, wire: str, message_type: Any, maxsize: int) -> ReceiveStream[Any]:
        """The consumers' end of ``wire``."""
        end = LockstepReceive(
            self.inner.receive(wire, message_type, INNER_BUFFER), wire, maxsize, self.crossings
        )
        self.receivers[wire] = end
        return end
