"""Channel edges over ZeroMQ, between processes or machines (SPEC §2.8, extra ``zmq``).

``open_zmq_send`` / ``open_zmq_receive`` return endpoints that satisfy ``SendStream`` /
``ReceiveStream``, so a daemon does not change when its edge moves from ``open_channel`` to ZMQ.
``open_zmq_channel`` opens both ends in one process (tests, or a graph split later).

Wire format (``_zmq_frames``): one ZMQ ``PAIR`` frame per message. A data frame is the serde's
payload as is; control frames start with ``0xC1``, a byte MessagePack never uses: end-of-stream
(carrying the number of data messages sent) and receiver-closed. The sender's ``aclose`` waits
— bounded by ``linger_ms`` — for room to queue the end-of-stream frame instead of dropping it
when the high-water mark is full. The receiver's ``aclose`` sends the receiver-closed frame
back, so the sender's later sends raise ``ChannelClosed``.

Waiting is done on the socket's file descriptor through anyio, so the endpoints work on asyncio
and trio. ZMQ's descriptor only signals that the socket's state *may* have changed (and is reset
whenever libzmq processes commands, also inside ``send``/``recv``), so every wait is preceded by
a fresh look at ``zmq.EVENTS`` — never a wait on the descriptor alone.

The fast paths do not checkpoint on every call (that cost the original 2-3x in throughput):
``send``/``receive`` yield to the event loop whenever they have to wait and otherwise every
``YIELD_EVERY`` calls, so a tight loop cannot starve other tasks. The sender looks for the
receiver-closed frame at those same points. See docs/transports.md for every semantic
difference from in-process channels.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import types
import typing
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast, overload

import anyio
from anyio.lowlevel import checkpoint

from chrono_daemon import (
    Channel,
    ChannelClosed,
    ChannelInUse,
    ChannelStats,
    EndOfStream,
    WouldBlock,
)

from ._zmq_config import DEFAULT_MAX_MESSAGE_BYTES, ZmqConfig
from ._zmq_errors import (
    ZmqChannelError,
    ZmqDecodeError,
    ZmqEncodeError,
    ZmqFrameError,
    ZmqMessagesLost,
    ZmqMessageTooLarge,
    ZmqPeerLost,
    ZmqValidationError,
)
from ._zmq_frames import (
    CLOSE_FRAME,
    CONTROL,
    EOS,
    ESCAPE_PREFIX,
    ESCAPED,
    describe_bad_frame,
    eos_frame,
)
from ._zmq_frames import parse_eos as _parse_eos

if TYPE_CHECKING:
    from collections.abc import Callable

try:
    import msgspec
    import zmq
    from zmq.utils.monitor import parse_monitor_message
except ImportError as _exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "chrono_daemon.transports.zmq needs the optional ZeroMQ dependencies (pyzmq, msgspec); "
        'install them with: pip install "chrono-daemon[zmq]"'
    ) from _exc

__all__ = (
    "YIELD_EVERY",
    "MsgpackSerde",
    "Serde",
    "ZmqChannelError",
    "ZmqConfig",
    "ZmqDecodeError",
    "ZmqEncodeError",
    "ZmqFrameError",
    "ZmqMessageTooLarge",
    "ZmqMessagesLost",
    "ZmqPeerLost",
    "ZmqReceiveStream",
    "ZmqSendStream",
    "ZmqValidationError",
    "open_zmq_channel",
    "open_zmq_receive",
    "open_zmq_send",
)

T = TypeVar("T")

# A checkpoint costs ~3 us on asyncio, several ZMQ sends, and each one breaks the producer's and
# consumer's batches into smaller ones (more empty-queue wake-ups in libzmq). Every 1024 calls
# that did not wait costs ~1 % (bench/zmq.py: 256 gave 0.72-0.77x raw, 1024 gave 0.82x), and a
# loop that never waits still lets other tasks run about every millisecond.
YIELD_EVERY = 1024

# The reverse direction only ever carries one receiver-closed frame.
_CONTROL_HWM = 8

_log = logging.getLogger("chrono_daemon.transports.zmq")

# Module-level aliases: the hot paths run once per message.
_NOBLOCK = zmq.NOBLOCK
_Again = zmq.Again


# -- serialisation ---------------------------------------------------------------------------


class Serde(Protocol[T]):
    """Turns items into bytes and back; ``decode`` raises on input that is not a valid ``T``."""

    def encode(self, item: T, /) -> bytes:
        """Return the payload bytes of ``item``."""
        ...

    def decode(self, data: bytes, /) -> T:
        """Return the item encoded in ``data``; raise (any ``Exception``) if it is invalid."""
        ...


class MsgpackSerde(Generic[T]):
    """MessagePack through msgspec; decoding validates against ``message_type``.

    ``MsgpackSerde(Obs)`` accepts only payloads that decode to an ``Obs`` (msgspec's strict
    rules: no int-to-str coercion, required fields present, ``Meta`` constraints checked).
    ``MsgpackSerde()`` decodes any MessagePack value (type ``Any``).
    """

    __slots__ = ("_decoder", "_encoder", "message_type")

    @overload
    def __init__(self: MsgpackSerde[Any]) -> None: ...

    @overload
    def __init__(self, message_type: type[T]) -> None: ...

    # Unions (``A | B``, ``Optional[A]``), ``Literal``/``Annotated`` forms are not ``type[T]``
    # to mypy: they give an untyped serde; annotate the variable to keep the item type. A
    # catch-all ``object`` overload would instead silently accept ``MsgpackSerde(int)`` where
    # a ``Serde[str]`` is expected.
    @overload
    def __init__(
        self: MsgpackSerde[Any], message_type: types.UnionType | typing._SpecialForm
    ) -> None: ...

    def __init__(self, message_type: object = Any) -> None:
        self.message_type = message_type
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder: msgspec.msgpack.Decoder[T] = msgspec.msgpack.Decoder(
            cast("type[T]", message_type)
        )

    def encode(self, item: T, /) -> bytes:
        """Return the MessagePack encoding of ``item``."""
        return self._encoder.encode(item)

    def decode(self, data: bytes | memoryview, /) -> T:
        """Decode and validate ``data`` (raises ``msgspec.DecodeError``/``ValidationError``)."""
        return self._decoder.decode(data)

    def __repr__(self) -> str:
        return f"MsgpackSerde({_type_name(self.message_type)})"


def _type_name(tp: object) -> str:
    return getattr(tp, "__name__", None) or repr(tp)


def _payload_codec(serde: Serde[T]) -> tuple[Callable[[T], bytes], Callable[[bytes], T]]:
    """The serde's encode/decode, unwrapped to msgspec's C methods for ``MsgpackSerde``."""
    if isinstance(serde, MsgpackSerde):
        msgpack = cast("MsgpackSerde[T]", serde)
        return msgpack._encoder.encode, msgpack._decoder.decode
    return serde.encode, serde.decode


def _decode_error(address: str, serde: Serde[Any], exc: Exception) -> ZmqDecodeError:
    what = (
        _type_name(serde.message_type) if isinstance(serde, MsgpackSerde) else type(serde).__name__
    )
    if isinstance(exc, msgspec.ValidationError):
        return ZmqValidationError(
            address, f"payload is not a valid {what}: {exc}; the message was discarded"
        )
    if isinstance(exc, RecursionError):
        reason = "payload is nested too deeply to decode"
    elif isinstance(exc, msgspec.DecodeError):
        reason = f"malformed MessagePack payload: {exc}"
    else:
        reason = f"{type(serde).__name__}.decode failed: {exc!r}"
    return ZmqDecodeError(
        address, f"{reason}; the message was discarded (check the sender's serde and type)"
    )


# -- endpoints --------------------------------------------------------------------------------


class _Endpoint:
    """Socket, file-descriptor waiting and close interruption shared by both endpoints.

    The hot paths test one number, ``_budget``: how many more calls may skip the periodic
    checkpoint (every ``YIELD_EVERY``-th call takes it). It is forced to 0 while anything is
    unusual (closed, peer done, a task blocked); at 0 a call takes the slow path, which looks at
    the individual flags. ``_refresh`` zeroes it whenever a flag changes.
    """

    def __init__(self, sock: zmq.Socket[bytes], address: str, config: ZmqConfig) -> None:
        self._sock = sock
        # The backend's send skips the pure-Python wrapper (routing_id/group handling for
        # SERVER/RADIO sockets) that costs ~40 % of a small send; PAIR never needs it.
        self._send_frame = types.MethodType(zmq.backend.Socket.send, sock)
        self._fd = cast("int", sock.get(zmq.FD))
        self._address = address
        self._config = config
        self._closed = False
        self._waiting = False  # a task is blocked in send()/receive()
        self._budget = YIELD_EVERY - 1
        self._saved_budget = YIELD_EVERY - 1
        self._yielded = False
        self._extra_fd: int | None = None  # also wake on this descriptor (socket monitor)
        self._wait_scope: anyio.CancelScope | None = None
        self._wait_done: anyio.Event | None = None

    @property
    def address(self) -> str:
        """The ZMQ address of this endpoint (a bound wildcard port is resolved)."""
        return self._address

    @property
    def config(self) -> ZmqConfig:
        """The settings this endpoint was opened with."""
        return self._config

    def _refresh(self) -> None:
        if self._closed or self._waiting or self._peer_done():
            self._budget = 0

    def _peer_done(self) -> bool:
        raise NotImplementedError

    def _begin_wait(self) -> None:
        self._saved_budget = self._budget
        self._yielded = False
        self._waiting = True
        self._budget = 0  # another task's call takes the slow path: ChannelInUse / WouldBlock

    def _end_wait(self) -> None:
        self._waiting = False
        # A wait that really yielded restarts the count; one that found the socket ready at
        # once did not, or a sender that always just misses the mark would never checkpoint.
        self._budget = YIELD_EVERY - 1 if self._yielded else self._saved_budget
        self._refresh()

    def _events(self) -> int:
        return cast("int", self._sock.get(zmq.EVENTS))

    async def _wait_fd(self) -> None:
        """Wait until libzmq signals a possible state change; the caller re-reads EVENTS."""
        self._yielded = True  # this wait yields to the event loop: no checkpoint owed
        scope = anyio.CancelScope()
        self._wait_scope = scope
        try:
            with scope:
                if self._extra_fd is None:
                    await anyio.wait_readable(self._fd)
                else:
                    await _wait_either(self._fd, self._extra_fd)
        finally:
            self._wait_scope = None
            if self._wait_done is not None:
                self._wait_done.set()

    async def _interrupt_waiter(self) -> None:
        """Wake a task blocked on the descriptor (we are closing) and wait until it let go."""
        scope = self._wait_scope
        if scope is None:
            return
        self._wait_done = done = anyio.Event()
        scope.cancel()
        with anyio.CancelScope(shield=True):
            await done.wait()
        self._wait_done = None

    def _close_socket(self) -> None:
        self._sock.close(linger=self._config.linger_ms)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<{type(self).__name__} {self._address!r} {state}>"


async def _wait_either(first: int, second: int) -> None:
    """Wait until either descriptor is readable (slow path only: a task group per wait)."""
    async with anyio.create_task_group() as tg:

        async def wait(fd: int) -> None:
            await anyio.wait_readable(fd)
            tg.cancel_scope.cancel()

        tg.start_soon(wait, first)
        tg.start_soon(wait, second)


_CONNECTED = zmq.EVENT_ACCEPTED | zmq.EVENT_CONNECTED


class ZmqSendStream(_Endpoint, Generic[T]):
    """The producer's end of a ZMQ edge (a ``SendStream``); create with ``open_zmq_send``.

    ``send`` returns once libzmq queued the message (not once the receiver has it: there is no
    rendezvous over ZMQ) and blocks while the high-water mark is reached. After the receiver
    closed, ``send`` raises ``ChannelClosed`` as soon as its receiver-closed frame has arrived
    and been seen — at the latest when a send has to wait, or within ``YIELD_EVERY`` calls.
    Cancelling a blocked ``send`` sends nothing.
    """

    def __init__(
        self, sock: zmq.Socket[bytes], address: str, config: ZmqConfig, serde: Serde[T]
    ) -> None:
        self._peer_closed = False
        super().__init__(sock, address, config)
        self._serde = serde
        self._encode = _payload_codec(serde)[0]
        limit = config.max_message_bytes
        self._max_payload = sys.maxsize if limit is None else limit
        self._sent = 0

    def _peer_done(self) -> bool:
        return self._peer_closed

    async def send(self, item: T, /) -> None:
        """Queue ``item`` for the receiver, waiting while the high-water mark is reached.

        Raises:
            ChannelClosed: this end is closed, or the receiver closed its end.
            ChannelInUse: another task is already blocked sending on this endpoint.
            ZmqEncodeError: the serde cannot encode ``item`` (nothing sent; still usable).
            ZmqMessageTooLarge: the encoding exceeds ``max_message_bytes`` (nothing sent).
        """
        budget = self._budget - 1
        if budget < 0:
            await self._slow_prelude()
        else:
            self._budget = budget
        try:
            frame = self._encode(item)
        except Exception as exc:
            raise self._encode_error(item, exc) from exc
        if len(frame) > self._max_payload:
            raise self._too_large(item, frame)
        if not frame or frame[0] == CONTROL:  # never for MessagePack: see _zmq_frames
            frame = ESCAPE_PREFIX + frame
        try:
            self._send_frame(frame, _NOBLOCK)
        except _Again:
            await self._send_blocking(frame)
        else:
            self._sent += 1

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
            self._budget = YIELD_EVERY - 1
        else:
            self._budget = budget
        try:
            frame = self._encode(item)
        except Exception as exc:
            raise self._encode_error(item, exc) from exc
        if len(frame) > self._max_payload:
            raise self._too_large(item, frame)
        if not frame or frame[0] == CONTROL:  # never for MessagePack: see _zmq_frames
            frame = ESCAPE_PREFIX + frame
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
        """Close this end: queue the end-of-stream frame, then close the socket (idempotent).

        Waits at most ``linger_ms`` for room to queue the end-of-stream frame (also when
        cancelled: the wait is shielded), then closes the socket with that linger. If the
        receiver neither read nor closed in that time, the frame is not sent and a warning is
        logged: the receiver will not see ``EndOfStream``. A task blocked in ``send`` gets
        ``ChannelClosed``.
        """
        if self._closed:
            return
        self._closed = True
        self._refresh()
        try:
            with anyio.CancelScope(shield=True):
                await self._interrupt_waiter()
                if not self._peer_closed:
                    with anyio.move_on_after(self._config.linger_ms / 1000):
                        await self._queue_eos()
                        return
                    _log.warning(
                        "ZMQ channel %r: the end-of-stream frame could not be queued within "
                        "linger_ms=%d (the receiver is not reading, or gone); the receiver "
                        "will not see EndOfStream",
                        self._address,
                        self._config.linger_ms,
                    )
        finally:
            self._close_socket()

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
            raise ChannelClosed(f"send on a closed ZMQ send stream ({self._address!r})")
        if self._peer_closed:
            raise ChannelClosed(
                f"the receiver of ZMQ channel {self._address!r} closed its end; "
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
        self._budget = YIELD_EVERY - 1

    def _encode_error(self, item: object, exc: Exception) -> ZmqEncodeError:
        return ZmqEncodeError(
            self._address,
            f"{self._serde!r} cannot encode {type(item).__name__}: {exc}; nothing was sent",
        )

    def _too_large(self, item: object, frame: bytes) -> ZmqMessageTooLarge:
        size = len(frame)
        return ZmqMessageTooLarge(
            self._address,
            f"the encoded {type(item).__name__} is {size} bytes, over max_message_bytes="
            f"{self._config.max_message_bytes}; nothing was sent (send smaller messages or "
            "raise ZmqConfig.max_message_bytes on both ends)",
        )

    def _read_control(self) -> None:
        """Consume frames from the receiver; only the receiver-closed frame means anything."""
        sock = self._sock
        while self._events() & zmq.POLLIN:
            frame = sock.recv(_NOBLOCK)
            if frame == CLOSE_FRAME:
                self._peer_closed = True
                self._refresh()
            else:
                _log.warning(
                    "%s; ignored",
                    describe_bad_frame(self._address, frame, expected="receiver-closed 0xc1 0x03"),
                )

    async def _send_blocking(self, frame: bytes) -> None:
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
                    self._sent += 1
                    return
                await self._wait_fd()
                self._check_open()
        finally:
            self._end_wait()

    async def _queue_eos(self) -> None:
        frame = eos_frame(self._sent)
        while True:
            events = self._events()
            if events & zmq.POLLIN:
                self._read_control()
                if self._peer_closed:
                    return
                continue  # fresh EVENTS, as in _send_blocking
            if events & zmq.POLLOUT:
                try:
                    self._send_frame(frame, _NOBLOCK)
                except _Again:
                    await checkpoint()
                    continue
                return
            await self._wait_fd()


class ZmqReceiveStream(_Endpoint, Generic[T]):
    """The consumer's end of a ZMQ edge (a ``ReceiveStream``); create with ``open_zmq_receive``.

    Receives every data message the sender queued, then ``EndOfStream`` once the sender closed
    cleanly. A bad frame or payload raises a ``ZmqChannelError`` subclass naming the channel and
    is discarded; the endpoint stays usable. A sender that dies without closing is *not* an end
    of stream: ``receive`` keeps waiting (bound it with a timeout or the supervisor).
    """

    def __init__(
        self, sock: zmq.Socket[bytes], address: str, config: ZmqConfig, serde: Serde[T]
    ) -> None:
        self._eos = False
        super().__init__(sock, address, config)
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
        return self._eos

    async def receive(self) -> T:
        """Return the next item, waiting for one.

        Raises:
            EndOfStream: the sender closed cleanly and every item was received.
            ChannelClosed: this end is (or becomes, while waiting) closed.
            ChannelInUse: another task is already blocked receiving on this endpoint.
            ZmqFrameError: a frame that is not a transport frame arrived (discarded).
            ZmqDecodeError, ZmqValidationError: a payload failed to decode (discarded).
            ZmqMessagesLost: end of stream, but fewer messages arrived than were sent.
        """
        # __anext__ repeats this body instead of awaiting it: one coroutine less per item.
        budget = self._budget - 1
        if budget < 0:
            await self._slow_prelude()
        else:
            self._budget = budget
        try:
            frame = self._recv_frame(_NOBLOCK)
        except _Again:
            frame = await self._recv_blocking()
        if frame and frame[0] != CONTROL:
            self._received += 1
            try:
                return self._decode(frame)
            except Exception as exc:
                raise _decode_error(self._address, self._serde, exc) from exc
        return self._control(frame)

    async def __anext__(self) -> T:
        try:
            budget = self._budget - 1
            if budget < 0:
                await self._slow_prelude()
            else:
                self._budget = budget
            try:
                frame = self._recv_frame(_NOBLOCK)
            except _Again:
                frame = await self._recv_blocking()
            if frame and frame[0] != CONTROL:
                self._received += 1
                try:
                    return self._decode(frame)
                except Exception as exc:
                    raise _decode_error(self._address, self._serde, exc) from exc
            return self._control(frame)
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
        try:
            frame = self._recv_frame(_NOBLOCK)
        except _Again:
            # As in send_nowait: a message may be waiting behind unprocessed commands.
            if not self._events() & zmq.POLLIN:
                raise WouldBlock from None
            try:
                frame = self._recv_frame(_NOBLOCK)
            except _Again:
                raise WouldBlock from None
        if frame and frame[0] != CONTROL:
            self._received += 1
            try:
                return self._decode(frame)
            except Exception as exc:
                raise _decode_error(self._address, self._serde, exc) from exc
        return self._control(frame)

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
            if not self._eos:
                # ZMQError (Again): no sender connected, so there is nobody to tell.
                with contextlib.suppress(zmq.ZMQError):
                    self._send_frame(CLOSE_FRAME, _NOBLOCK)
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
            raise ChannelClosed(f"receive on a closed ZMQ receive stream ({self._address!r})")
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
                    )
                elif self._monitor is not None and self._events() & zmq.POLLIN:
                    # _peer_lost may have re-read EVENTS and so consumed the descriptor's
                    # signal for a frame that is now pending: loop, do not wait.
                    continue
                else:
                    await self._wait_fd()
                if self._closed:
                    raise ChannelClosed(
                        f"ZMQ receive stream {self._address!r} closed while a receive waited"
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

    def _control(self, frame: bytes) -> T:
        """An empty or control frame: an escaped item, end of stream, or a frame error."""
        tag = frame[1] if len(frame) > 1 else None
        if tag == ESCAPED:
            self._received += 1
            try:
                return self._decode(frame[len(ESCAPE_PREFIX) :])
            except Exception as exc:
                raise _decode_error(self._address, self._serde, exc) from exc
        if tag == EOS:
            sent = _parse_eos(self._address, frame)
            self._eos = True
            self._refresh()
            # More arrived than this sender sent: an earlier sender (restarted since) sent the
            # rest. Not an error; it only means a loss in that earlier connection is not seen.
            if sent > self._received:
                raise ZmqMessagesLost(self._address, sent, self._received)
            raise EndOfStream
        raise describe_bad_frame(
            self._address, frame, expected="a data frame, or a control frame 0xc1 0x01/0x02"
        )


# -- opening ----------------------------------------------------------------------------------


def _config(
    config: ZmqConfig | None, maxsize: int, linger_ms: int, max_message_bytes: int | None
) -> ZmqConfig:
    explicit = ZmqConfig(maxsize, linger_ms, max_message_bytes)
    if config is None:
        return explicit
    if explicit != ZmqConfig():
        raise TypeError(
            "pass either config=ZmqConfig(...) or maxsize/linger_ms/max_message_bytes, not both"
        )
    return config


def _open_socket(
    context: zmq.Context[Any] | None,
    address: str,
    *,
    bind: bool,
    sndhwm: int,
    rcvhwm: int,
    config: ZmqConfig,
    maxmsgsize: int,
) -> tuple[zmq.Socket[bytes], str]:
    ctx = context if context is not None else zmq.Context.instance()
    sock: zmq.Socket[bytes] = ctx.socket(zmq.PAIR)
    try:
        sock.set(zmq.SNDHWM, sndhwm)
        sock.set(zmq.RCVHWM, rcvhwm)
        sock.set(zmq.LINGER, config.linger_ms)
        sock.set(zmq.MAXMSGSIZE, maxmsgsize)
        if bind:
            sock.bind(address)
            resolved = cast("bytes", sock.get(zmq.LAST_ENDPOINT)).decode()
            return sock, resolved
        sock.connect(address)
    except zmq.ZMQError as exc:
        sock.close(linger=0)
        verb = "bind to" if bind else "connect to"
        raise ZmqChannelError(
            address,
            f"cannot {verb} this address: {exc} (use e.g. 'tcp://127.0.0.1:*' to bind a free "
            "port, and an inproc:// address only with one shared zmq.Context)",
        ) from exc
    return sock, address


@overload
def open_zmq_send(
    address: str,
    *,
    bind: bool = ...,
    maxsize: int = ...,
    serde: None = ...,
    context: zmq.Context[Any] | None = ...,
    linger_ms: int = ...,
    max_message_bytes: int | None = ...,
    config: ZmqConfig | None = ...,
) -> ZmqSendStream[Any]: ...


@overload
def open_zmq_send(
    address: str,
    *,
    bind: bool = ...,
    maxsize: int = ...,
    serde: Serde[T],
    context: zmq.Context[Any] | None = ...,
    linger_ms: int = ...,
    max_message_bytes: int | None = ...,
    config: ZmqConfig | None = ...,
) -> ZmqSendStream[T]: ...


def open_zmq_send(
    address: str,
    *,
    bind: bool = False,
    maxsize: int = 0,
    serde: Serde[Any] | None = None,
    context: zmq.Context[Any] | None = None,
    linger_ms: int = 1000,
    max_message_bytes: int | None = DEFAULT_MAX_MESSAGE_BYTES,
    config: ZmqConfig | None = None,
) -> ZmqSendStream[Any]:
    """Open the send end of a ZMQ edge at ``address`` (connects unless ``bind``).

    Args:
        address: a ZMQ address; when binding, ``tcp://127.0.0.1:*`` picks a free port (read it
            back from ``.address``). ``inproc://`` needs the receiver's ``context``.
        bind: bind instead of connect. Exactly one end of an edge binds.
        maxsize, linger_ms, max_message_bytes: see ``ZmqConfig`` (or pass ``config``).
        serde: payload encoding (default ``MsgpackSerde()``, untyped).
        context: the ``zmq.Context`` (default ``zmq.Context.instance()``).

    Raises:
        ZmqChannelError: the address cannot be bound or connected.
        ValueError, TypeError: invalid settings (see ``ZmqConfig``).
    """
    cfg = _config(config, maxsize, linger_ms, max_message_bytes)
    sock, resolved = _open_socket(
        context,
        address,
        bind=bind,
        sndhwm=cfg.hwm,
        rcvhwm=_CONTROL_HWM,
        config=cfg,
        maxmsgsize=-1,
    )
    return ZmqSendStream(sock, resolved, cfg, serde if serde is not None else MsgpackSerde())


@overload
def open_zmq_receive(
    address: str,
    *,
    bind: bool = ...,
    maxsize: int = ...,
    serde: None = ...,
    context: zmq.Context[Any] | None = ...,
    linger_ms: int = ...,
    max_message_bytes: int | None = ...,
    config: ZmqConfig | None = ...,
) -> ZmqReceiveStream[Any]: ...


@overload
def open_zmq_receive(
    address: str,
    *,
    bind: bool = ...,
    maxsize: int = ...,
    serde: Serde[T],
    context: zmq.Context[Any] | None = ...,
    linger_ms: int = ...,
    max_message_bytes: int | None = ...,
    config: ZmqConfig | None = ...,
) -> ZmqReceiveStream[T]: ...


def open_zmq_receive(
    address: str,
    *,
    bind: bool = True,
    maxsize: int = 0,
    serde: Serde[Any] | None = None,
    context: zmq.Context[Any] | None = None,
    linger_ms: int = 1000,
    max_message_bytes: int | None = DEFAULT_MAX_MESSAGE_BYTES,
    config: ZmqConfig | None = None,
) -> ZmqReceiveStream[Any]:
    """Open the receive end of a ZMQ edge at ``address`` (binds unless ``bind=False``).

    Sets ZMQ's ``MAXMSGSIZE`` from ``max_message_bytes``: a peer that sends a larger frame is
    disconnected by libzmq (the chrono sender refuses such messages before sending). Arguments
    and errors as for ``open_zmq_send``.
    """
    cfg = _config(config, maxsize, linger_ms, max_message_bytes)
    limit = cfg.max_message_bytes
    sock, resolved = _open_socket(
        context,
        address,
        bind=bind,
        sndhwm=_CONTROL_HWM,
        rcvhwm=cfg.hwm,
        config=cfg,
        maxmsgsize=-1 if limit is None else limit + len(ESCAPE_PREFIX),
    )
    return ZmqReceiveStream(sock, resolved, cfg, serde if serde is not None else MsgpackSerde())


@overload
def open_zmq_channel(
    address: str,
    *,
    bind_receive: bool = ...,
    maxsize: int = ...,
    serde: None = ...,
    context: zmq.Context[Any] | None = ...,
    linger_ms: int = ...,
    max_message_bytes: int | None = ...,
    config: ZmqConfig | None = ...,
) -> Channel[Any]: ...


@overload
def open_zmq_channel(
    address: str,
    *,
    bind_receive: bool = ...,
    maxsize: int = ...,
    serde: Serde[T],
    context: zmq.Context[Any] | None = ...,
    linger_ms: int = ...,
    max_message_bytes: int | None = ...,
    config: ZmqConfig | None = ...,
) -> Channel[T]: ...


def open_zmq_channel(
    address: str,
    *,
    bind_receive: bool = True,
    maxsize: int = 0,
    serde: Serde[Any] | None = None,
    context: zmq.Context[Any] | None = None,
    linger_ms: int = 1000,
    max_message_bytes: int | None = DEFAULT_MAX_MESSAGE_BYTES,
    config: ZmqConfig | None = None,
) -> Channel[Any]:
    """Open both ends of a ZMQ edge in this process; the receive end binds unless told not to.

    The binding end is opened first, so ``tcp://127.0.0.1:*`` works: the other end connects to
    the resolved port. Both ends share ``serde`` and the settings. Close both ends
    (``aclose``) when done. Arguments and errors as for ``open_zmq_send``.
    """
    cfg = _config(config, maxsize, linger_ms, max_message_bytes)
    codec: Serde[Any] = serde if serde is not None else MsgpackSerde()
    if bind_receive:
        recv = open_zmq_receive(address, bind=True, serde=codec, context=context, config=cfg)
        try:
            send = open_zmq_send(recv.address, bind=False, serde=codec, context=context, config=cfg)
        except BaseException:
            recv._close_socket()
            raise
    else:
        send = open_zmq_send(address, bind=True, serde=codec, context=context, config=cfg)
        try:
            recv = open_zmq_receive(
                send.address, bind=False, serde=codec, context=context, config=cfg
            )
        except BaseException:
            send._close_socket()
            raise
    return Channel(send=send, recv=recv)
