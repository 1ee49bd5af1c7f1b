"""The producer's end of a ZeroMQ channel edge: ``ZmqSendStream``.

Its one job is sending: encoding and queueing items without a checkpoint per call, blocking
while the high-water mark is reached, noticing the receiver-closed frame, and queueing the
end-of-stream frame (bounded by ``linger_ms``) on ``aclose``.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TYPE_CHECKING, Generic, TypeVar

import anyio
import zmq
from anyio.lowlevel import checkpoint

from chrono_daemon import ChannelClosed, ChannelInUse, ChannelStats, WouldBlock
from chrono_daemon._wallwait import wall_wait_allowed

from ._zmq_endpoint import _NOBLOCK, YIELD_EVERY, _Again, _Endpoint
from ._zmq_errors import ZmqEncodeError, ZmqFrameError, ZmqMessageTooLarge, ZmqTypeMismatch
from ._zmq_frames import (
    CLOSE_FRAME,
    CONTROL,
    ESCAPE_PREFIX,
    REFUSED,
    describe_bad_frame,
    eos_frame,
)
from ._zmq_handshake import Handshake
from ._zmq_linger import linger_until_confirmed
from ._zmq_serde import _payload_codec

if TYPE_CHECKING:
    from ._zmq_config import ZmqConfig
    from ._zmq_serde import Serde

__all__ = ("ZmqSendStream",)

T = TypeVar("T")

_log = logging.getLogger("chrono_daemon.transports.zmq")
_REFUSED_PREFIX = bytes((CONTROL, REFUSED))


class ZmqSendStream(_Endpoint, Generic[T]):
    """The producer's end of a ZMQ edge (a ``SendStream``); create with ``open_zmq_send``.

    ``send`` returns once libzmq queued the message (not once the receiver has it: there is no
    rendezvous over ZMQ) and blocks while the high-water mark is reached. After the receiver
    closed, ``send`` raises ``ChannelClosed`` as soon as its receiver-closed frame has arrived
    and been seen — at the latest when a send has to wait, or within ``YIELD_EVERY`` calls.
    Cancelling a blocked ``send`` sends nothing. The first frame is a hello naming the message
    type; a receiver of another type refuses it, and ``send`` then raises ``ZmqTypeMismatch``
    (ADR 0023).
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
        self._peer_closed = False
        self._refusal: ZmqTypeMismatch | None = None
        limit = config.max_message_bytes
        # The receiver's MAXMSGSIZE is max_message_bytes + an escape prefix (zmq.py).
        self._handshake = Handshake(serde, None if limit is None else limit + len(ESCAPE_PREFIX))
        self._hello: bytes | None = self._handshake.hello  # None once queued
        super().__init__(sock, address, config, name)
        self._serde = serde
        self._encode = _payload_codec(serde)[0]
        self._max_payload = sys.maxsize if limit is None else limit
        self._sent = 0
        self._try_hello()
        self._refresh()  # while the hello is owed, every call takes the slow path

    def _peer_done(self) -> bool:
        return self._peer_closed or self._hello is not None

    def _try_hello(self) -> bool:
        """Queue the hello if it is still owed and there is room now (no peer yet: none)."""
        if self._hello is not None:
            try:
                self._send_frame(self._hello, _NOBLOCK)
            except _Again:
                return False
            self._hello = None
            self._refresh()
        return True

    async def send(self, item: T, /) -> None:
        """Queue ``item`` for the receiver, waiting while the high-water mark is reached.

        Raises:
            ChannelClosed: this end is closed, or the receiver closed its end.
            ChannelInUse: another task is already blocked sending on this endpoint.
            ZmqEncodeError: the serde cannot encode ``item`` (nothing sent; still usable).
            ZmqMessageTooLarge: the encoding exceeds ``max_message_bytes`` (nothing sent).
            ZmqTypeMismatch: the receiver refused this sender's message type (ADR 0023).
        """
        budget = self._budget - 1
        if budget < 0:
            await self._slow_prelude()
        else:
            self._budget = budget
        frame = self._frame(item)
        try:
            self._send_frame(frame, _NOBLOCK)
        except _Again:
            await self._send_blocking(frame)
        else:
            self._sent += 1

    def _frame(self, item: T) -> bytes:
        """Encode ``item`` into a data frame, refusing what the receiver would drop."""
        try:
            frame = self._encode(item)
        except Exception as exc:
            raise self._encode_error(item, exc) from exc
        if len(frame) > self._max_payload:
            raise self._too_large(item, frame)
        if not frame or frame[0] == CONTROL:  # never for MessagePack: see _zmq_frames
            frame = ESCAPE_PREFIX + frame
        return frame

    def send_nowait(self, item: T, /) -> None:
        """Queue ``item`` now or raise ``WouldBlock`` (high-water mark reached).

        Raises:
            WouldBlock: no room now, or another task is blocked in ``send``.
            ChannelClosed, ZmqEncodeError, ZmqMessageTooLarge: as for ``send``.
        """
        budget = self._budget - 1
        if budget < 0:
            if self._waiting:
                raise WouldBlock
            self._check_open()
            self._read_control()
            self._check_open()
            if not self._try_hello():
                raise WouldBlock
            self._budget = YIELD_EVERY - 1
        else:
            self._budget = budget
        frame = self._frame(item)
        try:
            self._send_frame(frame, _NOBLOCK)
        except _Again:
            # send() processes libzmq's commands only now and then; EVENTS always does, so a
            # "room again" notice from the reader may only show up here. Then retry once.
            events = self._events()
            if events & zmq.POLLIN:
                self._read_control()
                self._check_open()
            if not events & zmq.POLLOUT:
                raise WouldBlock from None
            try:
                self._send_frame(frame, _NOBLOCK)
            except _Again:
                raise WouldBlock from None
        self._sent += 1

    async def aclose(self) -> None:
        """Close this end: queue the end-of-stream frame; deliver it in the background
        (idempotent; ADR 0030).

        Waits at most ``linger_ms`` for room to queue the end-of-stream frame (also when
        cancelled: the wait is shielded). Then returns, while the socket stays open in the
        background until the receiver confirms it read the end of stream (or closed its end),
        at most until ``linger_ms`` after ``aclose`` began; the interpreter waits for that at
        exit. Closing the connection earlier could lose what the receiver had not read yet. If
        the frame cannot be queued, or the receiver does not confirm in time, a warning is
        logged: the receiver may not see every message and ``EndOfStream``. A task blocked in
        ``send`` gets ``ChannelClosed``.
        """
        if self._closed:
            return
        self._closed = True
        self._refresh()
        deadline = time.monotonic() + self._config.linger_ms / 1000
        queued = False
        try:
            with anyio.CancelScope(shield=True):
                await self._interrupt_waiter()
                if not self._peer_closed:
                    queued = await self._queue_end_of_stream()
        finally:
            if queued:
                linger_until_confirmed(self._sock, self._label, self._config.linger_ms, deadline)
            else:
                self._sock.close(linger=0)

    async def _queue_end_of_stream(self) -> bool:
        """Queue the hello (if still owed) and the end-of-stream frame within ``linger_ms``;
        False when the receiver closed meanwhile or there was no room in time."""
        with wall_wait_allowed(), anyio.move_on_after(self._config.linger_ms / 1000):
            if self._hello is not None:
                await self._queue_control(self._hello)
                self._hello = None
            await self._queue_control(eos_frame(self._sent))
            return not self._peer_closed
        _log.warning(
            "ZMQ channel %s: the end-of-stream frame could not be queued within linger_ms=%d "
            "(the receiver is not reading, or gone); the receiver will not see EndOfStream",
            self._label,
            self._config.linger_ms,
        )
        return False

    def statistics(self) -> ChannelStats:
        """Open ends and waiters; ``current_buffer_used`` is 0 (ZMQ queues are not observable)."""
        return ChannelStats(
            current_buffer_used=0,
            max_buffer_size=self._config.maxsize,
            open_send_streams=0 if self._closed else 1,
            open_receive_streams=0 if self._peer_closed else 1,
            waiters_send=1 if self._waiting else 0,
            waiters_receive=0,
        )

    async def __aenter__(self) -> ZmqSendStream[T]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _check_open(self) -> None:
        if self._closed:
            raise ChannelClosed(f"send on a closed ZMQ send stream ({self._label})")
        if self._refusal is not None:
            raise self._refusal.with_traceback(None)
        if self._peer_closed:
            raise ChannelClosed(
                f"the receiver of ZMQ channel {self._label} closed its end; "
                "nothing more can be sent"
            )

    async def _slow_prelude(self) -> None:
        """The periodic checkpoint (and control-frame check), or a flag that needs raising."""
        if self._waiting:
            raise ChannelInUse("sending")
        self._check_open()
        await checkpoint()
        self._check_open()  # closed by another task meanwhile: the socket is gone
        self._read_control()
        self._check_open()
        if self._hello is not None and not self._try_hello():
            await self._send_blocking(self._hello, data=False)
            self._hello = None
        self._budget = YIELD_EVERY - 1

    def _encode_error(self, item: object, exc: Exception) -> ZmqEncodeError:
        return ZmqEncodeError(
            self._address,
            f"{self._serde!r} cannot encode {type(item).__name__}: {exc}; nothing was sent",
            name=self._name,
        )

    def _too_large(self, item: object, frame: bytes) -> ZmqMessageTooLarge:
        size = len(frame)
        return ZmqMessageTooLarge(
            self._address,
            f"the encoded {type(item).__name__} is {size} bytes, over max_message_bytes="
            f"{self._config.max_message_bytes}; nothing was sent (send smaller messages or "
            "raise ZmqConfig.max_message_bytes on both ends)",
            name=self._name,
        )

    def _read_control(self) -> None:
        """Consume frames from the receiver; only the receiver-closed frame means anything."""
        sock = self._sock
        while self._events() & zmq.POLLIN:
            frame = sock.recv(_NOBLOCK)
            if frame == CLOSE_FRAME:
                self._peer_closed = True
                self._refresh()
            elif frame[:2] == _REFUSED_PREFIX:
                try:
                    self._refusal = self._handshake.refused(self._address, frame, self._name)
                except ZmqFrameError as exc:
                    _log.warning("%s; ignored", exc)
                    continue
                self._peer_closed = True  # the receiver discards the rest: no end-of-stream
                self._refresh()
            else:
                _log.warning(
                    "%s; ignored",
                    describe_bad_frame(
                        self._address,
                        frame,
                        expected="receiver-closed 0xc1 0x03 or refusal 0xc1 0x05",
                        name=self._name,
                    ),
                )

    async def _send_blocking(self, frame: bytes, *, data: bool = True) -> None:
        self._begin_wait()
        try:
            while True:
                events = self._events()
                if events & zmq.POLLIN:
                    self._read_control()
                    self._check_open()
                    # _read_control re-read EVENTS, which may have consumed the descriptor's
                    # signal of new room: decide on fresh EVENTS, never on the stale value.
                    continue
                if events & zmq.POLLOUT:
                    try:
                        self._send_frame(frame, _NOBLOCK)
                    except _Again:
                        await checkpoint()
                        self._check_open()
                        continue
                    if data:
                        self._sent += 1
                    return
                await self._wait_fd()
                self._check_open()
        finally:
            self._end_wait()

    async def _queue_control(self, frame: bytes) -> None:
        """Queue a frame while closing (waiting for room); nothing once the receiver closed."""
        while not self._peer_closed:
            events = self._events()
            if events & zmq.POLLIN:
                self._read_control()
                continue  # fresh EVENTS, as in _send_blocking
            if events & zmq.POLLOUT:
                try:
                    self._send_frame(frame, _NOBLOCK)
                except _Again:
                    await checkpoint()
                    continue
                return
            await self._wait_fd()
