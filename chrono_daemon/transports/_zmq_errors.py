"""The named errors of the ZeroMQ transport (pure Python, no pyzmq needed to import).

Every error names the channel by its address (and by its name, e.g. a graph's wire label,
when the endpoint was opened with one), says what was wrong, and what to do. They are
re-exported from ``chrono_daemon.transports.zmq``.
"""

from __future__ import annotations

__all__ = (
    "ZmqChannelError",
    "ZmqDecodeError",
    "ZmqEncodeError",
    "ZmqFrameError",
    "ZmqMessageTooLarge",
    "ZmqMessagesLost",
    "ZmqPeerLost",
    "ZmqTypeMismatch",
    "ZmqValidationError",
)


class ZmqChannelError(Exception):
    """Base of every ZeroMQ transport error; ``address`` (and ``name``) name the channel.

    Attributes:
        address: the channel's ZeroMQ address (after wildcard ports were resolved).
        name: the name the endpoint was opened with (``chrono run`` passes the wire's label),
            or ``None``.
        reason: what was wrong, without the channel prefix.
    """

    def __init__(self, address: str, reason: str, *, name: str | None = None) -> None:
        super().__init__(f"ZMQ channel {channel_label(address, name)}: {reason}")
        self.address = address
        self.name = name
        self.reason = reason


def channel_label(address: str, name: str | None) -> str:
    """How messages name a channel: ``'ADDRESS'``, or ``'NAME' at 'ADDRESS'``."""
    return repr(address) if name is None else f"{name!r} at {address!r}"


class ZmqFrameError(ZmqChannelError):
    """A frame that is not a valid transport frame (empty, unknown tag, bad control frame).

    The frame is discarded; the receive endpoint stays usable.
    """


class ZmqDecodeError(ZmqChannelError):
    """A data frame whose payload could not be decoded (not MessagePack, truncated, trailing
    bytes, nested too deeply). The message is discarded; the receive endpoint stays usable."""


class ZmqValidationError(ZmqDecodeError):
    """A well-formed payload that does not match the serde's message type.

    The text carries msgspec's message, e.g. ``Expected `int`, got `str` - at `$.x```. The
    message is discarded; the receive endpoint stays usable.
    """


class ZmqEncodeError(ZmqChannelError):
    """``send`` was given an item the serde cannot encode. Nothing was sent; the send endpoint
    stays usable."""


class ZmqMessageTooLarge(ZmqChannelError):
    """An encoded message exceeds ``ZmqConfig.max_message_bytes``.

    Raised by the sender before anything is sent, because a receiver whose ZMQ ``MAXMSGSIZE`` is
    exceeded silently drops the whole connection. The send endpoint stays usable.
    """


class ZmqMessagesLost(ZmqChannelError):
    """The end-of-stream frame says more data messages were sent than this receiver got.

    Raised once by ``receive`` in place of ``EndOfStream`` (later calls raise ``EndOfStream``).
    ZeroMQ loses queued messages when a connection is re-established after a peer restart.

    Attributes:
        sent: data messages the sender queued before it closed.
        received: data messages this receiver got (including ones that failed to decode).
    """

    def __init__(self, address: str, sent: int, received: int, *, name: str | None = None) -> None:
        super().__init__(
            address,
            f"the sender sent {sent} messages but only {received} arrived; "
            f"{sent - received} were lost (ZeroMQ drops queued messages when a peer restarts "
            "or reconnects; see docs/transports.md)",
            name=name,
        )
        self.sent = sent
        self.received = received


class ZmqPeerLost(ZmqChannelError):
    """The last sender disconnected without an end-of-stream frame (``detect_peer_loss``).

    A crash is not an end of stream: this is raised by a waiting ``receive`` once everything
    that arrived was received. The endpoint stays usable: a sender that connects again later
    resumes the stream (messages sent over a lost or refused connection are gone).
    """


class ZmqTypeMismatch(ZmqChannelError):
    """The two ends of a ZMQ edge carry different message types (their type hashes differ).

    Raised at connect time, before any payload is decoded (ADR 0023): by the receiver's
    ``receive`` when a sender's hello names another type hash, and by the sender's ``send``
    once the receiver's refusal arrived. Both ends then raise it on every later call: close
    them, and reopen once both are built from one schema. Ends whose serde has no known type
    (``MsgpackSerde()``) are never checked.

    Attributes:
        sent_type / sent_hash: the sender's message type (its name) and type hash.
        expected_type / expected_hash: the receiver's.
        difference: the first difference between the two shapes (``chrono_daemon.wire.Change``,
            from the end that looks older to the newer one: the message says which; ``None``
            when a peer did not send its shape).
    """

    def __init__(
        self,
        address: str,
        reason: str,
        *,
        sent: tuple[str, str],
        expected: tuple[str, str],
        difference: object | None,
        name: str | None = None,
    ) -> None:
        super().__init__(address, reason, name=name)
        self.sent_type, self.sent_hash = sent
        self.expected_type, self.expected_hash = expected
        self.difference = difference
