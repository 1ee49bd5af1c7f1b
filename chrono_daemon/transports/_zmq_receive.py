"""The consumer's end of a ZeroMQ channel edge: ``ZmqReceiveStream``.

Its one job is receiving: reading and decoding frames without a checkpoint per call, blocking
until a frame arrives, turning the end-of-stream frame into ``EndOfStream`` (or
``ZmqMessagesLost``), optionally detecting a lost sender through a socket monitor, and telling
the sender on ``aclose``.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Generic, TypeVar, cast

import zmq
from anyio.lowlevel import checkpoint
from zmq.utils.monitor import parse_monitor_message

from chrono_daemon import ChannelClosed, ChannelInUse, ChannelStats, EndOfStream, WouldBlock

from ._zmq_endpoint import _NOBLOCK, YIELD_EVERY, _Again, _Endpoint
from ._zmq_errors import ZmqMessagesLost, ZmqPeerLost, ZmqTypeMismatch
from ._zmq_frames import (
    CLOSE_FRAME,
    CONTROL,
    EOS,
    ESCAPE_PREFIX,
    ESCAPED,
    HELLO,
    describe_bad_frame,
)
from ._zmq_frames import parse_eos as _parse_eos
from ._zmq_handshake import Handshake
from ._zmq_serde import _decode_error, _payload_codec

if TYPE_CHECKING:
    from ._zmq_config import ZmqConfig
    from ._zmq_serde import Serde

__all__ = ("ZmqReceiveStream",)

T = TypeVar("T")

_CONNECTED = zmq.EVENT_ACCEPTED | zmq.EVENT_CONNECTED


class _Skip:
    """What ``_control`` returns for a frame that carries no item (an accepted hello)."""


_SKIP = _Skip()


class ZmqReceiveStream(_Endpoint, Generic[T]):
    """The consumer's end of a ZMQ edge (a ``ReceiveStream``); create with ``open_zmq_receive``.

    Receives every data message the sender queued, then ``EndOfStream`` once the sender closed
    cleanly. A bad frame or payload raises a ``ZmqChannelError`` subclass naming the channel and
    is discarded; the endpoint stays usable. A sender that dies without closing is *not* an end
    of stream: ``receive`` keeps waiting (bound it with a timeout or the supervisor). A sender
    whose message type differs (its hello's type hash) is refused with ``ZmqTypeMismatch``
    before anything it sent is decoded, and every later ``receive`` raises it again: reopen
    the endpoint once both ends are built from one schema (ADR 0023).
    """

    def __init__(
        self,
        sock: zmq.Socket[bytes],
        address: str,
        config: ZmqConfig,
        serde: Serde[T],
        *,
        name: str | None = None,
    ) -> None:
        self._eos = False
        self._refusal: ZmqTypeMismatch | None = None  # a sender's hello was refused: for good
        super().__init__(sock, address, config, name)
        self._handshake = Handshake(serde)
        self._serde = serde
        self._decode = _payload_codec(serde)[1]
        self._recv_frame = sock.recv
        self._received = 0
        self._monitor: zmq.Socket[bytes] | None = None
        self._peers = 0  # connected senders, as the monitor reported them
        self._lost = False  # the last sender left without an end-of-stream frame
        if config.detect_peer_loss:
            self._monitor = sock.get_monitor_socket(_CONNECTED | zmq.EVENT_DISCONNECTED)
            self._extra_fd = cast("int", self._monitor.get(zmq.FD))

    def _peer_done(self) -> bool:
        return self._eos or self._refusal is not None

    async def receive(self) -> T:
        """Return the next item, waiting for one.

        Raises:
            EndOfStream: the sender closed cleanly and every item was received.
            ChannelClosed: this end is (or becomes, while waiting) closed.
            ChannelInUse: another task is already blocked receiving on this endpoint.
            ZmqFrameError: a frame that is not a transport frame arrived (discarded).
            ZmqDecodeError, ZmqValidationError: a payload failed to decode (discarded).
            ZmqMessagesLost: end of stream, but fewer messages arrived than were sent.
            ZmqTypeMismatch: a sender of another message type said hello (ADR 0023).
        """
        # __anext__ repeats this body instead of awaiting it: one coroutine less per item.
        budget = self._budget - 1
        if budget < 0:
            await self._slow_prelude()
        else:
            self._budget = budget
        while True:
            try:
                frame = self._recv_frame(_NOBLOCK)
            except _Again:
                frame = await self._recv_blocking()
            if frame and frame[0] != CONTROL:
                self._received += 1
                try:
                    return self._decode(frame)
                except Exception as exc:
                    raise _decode_error(self._address, self._serde, exc, self._name) from exc
            item = self._control(frame)
            if not isinstance(item, _Skip):
                return item

    async def __anext__(self) -> T:
        try:
            budget = self._budget - 1
            if budget < 0:
                await self._slow_prelude()
            else:
                self._budget = budget
            while True:
                try:
                    frame = self._recv_frame(_NOBLOCK)
                except _Again:
                    frame = await self._recv_blocking()
                if frame and frame[0] != CONTROL:
                    self._received += 1
                    try:
                        return self._decode(frame)
                    except Exception as exc:
                        raise _decode_error(self._address, self._serde, exc, self._name) from exc
                item = self._control(frame)
                if not isinstance(item, _Skip):
                    return item
        except EndOfStream:
            raise StopAsyncIteration from None

    def receive_nowait(self) -> T:
        """Return the next item now.

        Raises:
            WouldBlock: nothing has arrived (or another task is blocked in ``receive``).
            EndOfStream, ChannelClosed, ZmqChannelError subclasses: as for ``receive``.
        """
        if self._waiting:
            raise WouldBlock
        self._check_idle()
        while True:
            frame = self._recv_nowait()
            if frame and frame[0] != CONTROL:
                self._received += 1
                try:
                    return self._decode(frame)
                except Exception as exc:
                    raise _decode_error(self._address, self._serde, exc, self._name) from exc
            item = self._control(frame)
            if not isinstance(item, _Skip):
                return item

    def _recv_nowait(self) -> bytes:
        try:
            return self._recv_frame(_NOBLOCK)
        except _Again:
            # As in send_nowait: a message may be waiting behind unprocessed commands.
            if not self._events() & zmq.POLLIN:
                raise WouldBlock from None
            try:
                return self._recv_frame(_NOBLOCK)
            except _Again:
                raise WouldBlock from None

    def __aiter__(self) -> ZmqReceiveStream[T]:
        return self

    async def aclose(self) -> None:
        """Close this end (idempotent): tell the sender, discard what is queued.

        The receiver-closed frame is sent without waiting (the reverse direction is otherwise
        empty); the sender's later sends raise ``ChannelClosed``. A task blocked in ``receive``
        gets ``ChannelClosed``. A receiver that closes before any sender connected has nobody
        to tell (see docs/transports.md).
        """
        if self._closed:
            return
        self._closed = True
        self._refresh()
        try:
            await self._interrupt_waiter()
            if not self._eos:  # after the end of stream, the sender was told already
                self._tell_sender_done()
        finally:
            if self._monitor is not None:
                self._sock.disable_monitor()
                self._monitor.close(linger=0)
            self._close_socket()

    def statistics(self) -> ChannelStats:
        """Open ends and waiters; ``current_buffer_used`` is 0 (ZMQ queues are not observable)."""
        return ChannelStats(
            current_buffer_used=0,
            max_buffer_size=self._config.maxsize,
            open_send_streams=0 if self._eos else 1,
            open_receive_streams=0 if self._closed else 1,
            waiters_send=0,
            waiters_receive=1 if self._waiting else 0,
        )

    async def __aenter__(self) -> ZmqReceiveStream[T]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _slow_prelude(self) -> None:
        """The periodic checkpoint, or a flag that needs raising."""
        self._check_idle()
        await checkpoint()
        self._check_idle()
        self._budget = YIELD_EVERY - 1

    def _check_idle(self) -> None:
        if self._waiting:
            raise ChannelInUse("receiving")
        if self._closed:
            raise ChannelClosed(f"receive on a closed ZMQ receive stream ({self._label})")
        if self._refusal is not None:
            raise self._refusal.with_traceback(None)
        if self._eos:
            raise EndOfStream

    async def _recv_blocking(self) -> bytes:
        self._begin_wait()
        try:
            while True:
                if self._events() & zmq.POLLIN:
                    try:
                        return self._recv_frame(_NOBLOCK)
                    except _Again:
                        await checkpoint()
                elif self._monitor is not None and self._peer_lost():
                    raise ZmqPeerLost(
                        self._address,
                        "the sender disconnected without an end-of-stream frame (it crashed "
                        "or exited without closing); everything that arrived was received. "
                        "A sender that connects again resumes the stream",
                        name=self._name,
                    )
                elif self._monitor is not None and self._events() & zmq.POLLIN:
                    # _peer_lost may have re-read EVENTS and so consumed the descriptor's
                    # signal for a frame that is now pending: loop, do not wait.
                    continue
                else:
                    await self._wait_fd()
                if self._closed:
                    raise ChannelClosed(
                        f"ZMQ receive stream {self._label} closed while a receive waited"
                    )
        finally:
            self._end_wait()

    def _peer_lost(self) -> bool:
        """Apply the monitor's events; True (once) when the last sender left, nothing pending."""
        monitor = self._monitor
        assert monitor is not None
        while cast("int", monitor.get(zmq.EVENTS)) & zmq.POLLIN:
            event = parse_monitor_message(monitor.recv_multipart())["event"]
            if event & _CONNECTED:
                self._peers += 1
                self._lost = False
            elif event == zmq.EVENT_DISCONNECTED:
                self._peers = max(0, self._peers - 1)
                self._lost = self._peers == 0
        # Data (or the end-of-stream frame) that raced the event comes first: libzmq queued
        # it to the socket before it reported the disconnect.
        if not self._lost or self._eos or self._events() & zmq.POLLIN:
            return False
        self._lost = False
        self._received = 0  # everything from that sender arrived; a new one counts afresh
        return True

    def _tell_sender_done(self) -> None:
        """Send the receiver-closed frame: this end reads nothing more from the sender."""
        # ZMQError (Again): no sender connected, so there is nobody to tell.
        with contextlib.suppress(zmq.ZMQError):
            self._send_frame(CLOSE_FRAME, _NOBLOCK)

    def _hello(self, frame: bytes) -> None:
        """Judge a sender's hello; refuse it (and tell the sender) when its type differs."""
        verdict = self._handshake.judge(self._address, frame, self._name)
        if verdict is not None:
            self._refusal, refusal = verdict
            self._refresh()
            # ZMQError (Again): the reverse path is full or the sender gone; nobody to tell.
            with contextlib.suppress(zmq.ZMQError):
                self._send_frame(refusal, _NOBLOCK)
            raise self._refusal

    def _control(self, frame: bytes) -> T | _Skip:
        """An empty or control frame: an escaped item, a hello, end of stream, or an error."""
        tag = frame[1] if len(frame) > 1 else None
        if tag == HELLO:
            self._hello(frame)
            return _SKIP
        if tag == ESCAPED:
            self._received += 1
            try:
                return self._decode(frame[len(ESCAPE_PREFIX) :])
            except Exception as exc:
                raise _decode_error(self._address, self._serde, exc, self._name) from exc
        if tag == EOS:
            sent = _parse_eos(self._address, frame, self._name)
            self._eos = True
            self._refresh()
            self._tell_sender_done()  # its aclose waits for this ack (ADR 0030)
            # More arrived than this sender sent: an earlier sender (restarted since) sent the
            # rest. Not an error; it only means a loss in that earlier connection is not seen.
            if sent > self._received:
                raise ZmqMessagesLost(self._address, sent, self._received, name=self._name)
            raise EndOfStream
        raise describe_bad_frame(
            self._address,
            frame,
            expected="a data frame, or a control frame 0xc1 0x01/0x02/0x04",
            name=self._name,
        )
