"""Channel edges over ZeroMQ, between processes or machines (SPEC §2.8, extra ``zmq``).

``open_zmq_send`` / ``open_zmq_receive`` return endpoints that satisfy ``SendStream`` /
``ReceiveStream``, so a daemon does not change when its edge moves from ``open_channel`` to ZMQ.
``open_zmq_channel`` opens both ends in one process (tests, or a graph split later).

Wire format (``_zmq_frames``): one ZMQ ``PAIR`` frame per message. A data frame is the serde's
payload as is; control frames start with ``0xC1``, a byte MessagePack never uses: end-of-stream
(carrying the number of data messages sent) and receiver-closed. The sender's ``aclose`` waits
— bounded by ``linger_ms`` — for room to queue the end-of-stream frame instead of dropping it
when the high-water mark is full; its socket then stays open in the background until the
receiver answers the end of stream with the receiver-closed frame, so closing never loses what
the receiver had not read yet (ADR 0030, ``_zmq_linger``). The receiver's ``aclose`` sends the
receiver-closed frame too, so the sender's later sends raise ``ChannelClosed``. A sender's
first frame is a hello with its message type's hash; a receiver of another type refuses it
with ``ZmqTypeMismatch`` on both ends, before decoding anything (ADR 0023, ``_zmq_handshake``).

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

from typing import Any, TypeVar, cast, overload

from chrono_daemon import Channel

try:
    import msgspec  # noqa: F401 - not used here: imported for the friendly error below
    import zmq
except ImportError as _exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "chrono_daemon.transports.zmq needs the optional ZeroMQ dependencies (pyzmq, msgspec); "
        'install them with: pip install "chrono-daemon[zmq]"'
    ) from _exc

from ._zmq_config import DEFAULT_MAX_MESSAGE_BYTES
from ._zmq_config import ZmqConfig as ZmqConfig
from ._zmq_endpoint import YIELD_EVERY as YIELD_EVERY
from ._zmq_errors import ZmqChannelError as ZmqChannelError
from ._zmq_errors import ZmqDecodeError as ZmqDecodeError
from ._zmq_errors import ZmqEncodeError as ZmqEncodeError
from ._zmq_errors import ZmqFrameError as ZmqFrameError
from ._zmq_errors import ZmqMessagesLost as ZmqMessagesLost
from ._zmq_errors import ZmqMessageTooLarge as ZmqMessageTooLarge
from ._zmq_errors import ZmqPeerLost as ZmqPeerLost
from ._zmq_errors import ZmqTypeMismatch as ZmqTypeMismatch
from ._zmq_errors import ZmqValidationError as ZmqValidationError
from ._zmq_frames import ESCAPE_PREFIX
from ._zmq_receive import ZmqReceiveStream as ZmqReceiveStream
from ._zmq_send import ZmqSendStream as ZmqSendStream
from ._zmq_serde import MsgpackSerde as MsgpackSerde
from ._zmq_serde import Serde as Serde
from ._zmq_simtime import CrossProcessTimeWarning as CrossProcessTimeWarning

__all__ = (
    "YIELD_EVERY",
    "CrossProcessTimeWarning",
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
    "ZmqTypeMismatch",
    "ZmqValidationError",
    "open_zmq_channel",
    "open_zmq_receive",
    "open_zmq_send",
)

T = TypeVar("T")

# The reverse direction only ever carries one receiver-closed frame.
_CONTROL_HWM = 8


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


def _plain_context(context: object) -> zmq.Context[zmq.Socket[bytes]]:
    """The plain ``zmq.Context`` to open the endpoint's socket on.

    The endpoints poll plain non-blocking sockets through anyio (on asyncio and trio alike). A
    ``zmq.asyncio.Context`` — the original library's default — or any other subclass makes
    sockets whose ``send``/``recv`` return futures, so a shadow of the same libzmq context is
    used instead: same speed, and ``inproc://`` addresses still meet sockets of that context.
    """
    if context is None:
        return zmq.Context.instance()
    if type(context) is zmq.Context:
        return context
    if isinstance(context, zmq.Context):
        return zmq.Context.shadow(context)  # keeps ``context`` alive
    raise TypeError(
        "context= must be a zmq.Context or a zmq.asyncio.Context (or None for "
        f"zmq.Context.instance()), got {type(context).__name__}"
    )


def _open_socket(
    context: zmq.Context[Any] | None,
    address: str,
    *,
    bind: bool,
    sndhwm: int,
    rcvhwm: int,
    config: ZmqConfig,
    maxmsgsize: int,
    name: str | None,
) -> tuple[zmq.Socket[bytes], str]:
    sock: zmq.Socket[bytes] = _plain_context(context).socket(zmq.PAIR)
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
            name=name,
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
    name: str | None = ...,
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
    name: str | None = ...,
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
    name: str | None = None,
) -> ZmqSendStream[Any]:
    """Open the send end of a ZMQ edge at ``address`` (connects unless ``bind``).

    Args:
        address: a ZMQ address; when binding, ``tcp://127.0.0.1:*`` picks a free port (read it
            back from ``.address``). ``inproc://`` needs the receiver's ``context``.
        bind: bind instead of connect. Exactly one end of an edge binds.
        maxsize, linger_ms, max_message_bytes: see ``ZmqConfig`` (or pass ``config``).
        serde: payload encoding (default ``MsgpackSerde()``, untyped).
        context: a ``zmq.Context`` or a ``zmq.asyncio.Context`` (default
            ``zmq.Context.instance()``); either works on asyncio and trio, at the same speed.
        name: what errors and warnings call this edge besides its address (``chrono run``
            passes the wire's label): ``ZMQ channel 'NAME' at 'ADDRESS': ...``.

    Raises:
        ZmqChannelError: the address cannot be bound or connected.
        ValueError, TypeError: invalid settings (see ``ZmqConfig``), or a ``context`` that is
            not a ``zmq.Context``.
    """
    cfg = _config(config, maxsize, linger_ms, max_message_bytes)
    sock, resolved = _open_socket(
        context,
        address,
        bind=bind,
        sndhwm=cfg.hwm + 1,  # + the hello frame, so it takes none of the edge's capacity
        rcvhwm=_CONTROL_HWM,
        config=cfg,
        maxmsgsize=-1,
        name=name,
    )
    codec = serde if serde is not None else MsgpackSerde()
    return ZmqSendStream(sock, resolved, cfg, codec, name=name)


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
    name: str | None = ...,
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
    name: str | None = ...,
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
    name: str | None = None,
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
        name=name,
    )
    codec = serde if serde is not None else MsgpackSerde()
    return ZmqReceiveStream(sock, resolved, cfg, codec, name=name)


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
    name: str | None = ...,
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
    name: str | None = ...,
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
    name: str | None = None,
) -> Channel[Any]:
    """Open both ends of a ZMQ edge in this process; the receive end binds unless told not to.

    The binding end is opened first, so ``tcp://127.0.0.1:*`` works: the other end connects to
    the resolved port. Both ends share ``serde`` and the settings. Close both ends
    (``aclose``) when done. Arguments and errors as for ``open_zmq_send``.
    """
    cfg = _config(config, maxsize, linger_ms, max_message_bytes)
    codec: Serde[Any] = serde if serde is not None else MsgpackSerde()
    if bind_receive:
        recv = open_zmq_receive(
            address, bind=True, serde=codec, context=context, config=cfg, name=name
        )
        try:
            send = open_zmq_send(
                recv.address, bind=False, serde=codec, context=context, config=cfg, name=name
            )
        except BaseException:
            recv._close_socket()
            raise
    else:
        send = open_zmq_send(
            address, bind=True, serde=codec, context=context, config=cfg, name=name
        )
        try:
            recv = open_zmq_receive(
                send.address, bind=False, serde=codec, context=context, config=cfg, name=name
            )
        except BaseException:
            send._close_socket()
            raise
    return Channel(send=send, recv=recv)
