"""``ZmqConfig``: the validated settings of one ZeroMQ channel endpoint (pure Python)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ("DEFAULT_MAX_MESSAGE_BYTES", "ZmqConfig")

# Large enough for any control message or observation we expect on an edge, small enough that a
# hostile or buggy peer cannot make a receiver allocate gigabytes for one frame.
DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024


def _check_int(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"ZmqConfig.{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"ZmqConfig.{name} must be >= {minimum}, got {value}")


@dataclass(frozen=True, slots=True)
class ZmqConfig:
    """Settings of a ZeroMQ channel endpoint.

    Attributes:
        maxsize: the edge's buffer size, mapped to ZMQ's high-water marks (``SNDHWM`` on the
            sender, ``RCVHWM`` on the receiver). ``0`` (no true rendezvous over ZMQ) uses a
            high-water mark of 1. ZMQ's HWM is approximate: see docs/transports.md.
        linger_ms: how long closing may wait, in milliseconds: a sender's ``aclose`` for room
            to queue the end-of-stream frame, and its socket (in the background, and at
            process exit) for the receiver to confirm it read everything (ADR 0030); a
            receiver's socket for ZMQ's ``LINGER``. Never infinite; 0 waits for nothing.
        max_message_bytes: the largest encoded message accepted; the receiver sets ZMQ's
            ``MAXMSGSIZE`` from it and the sender refuses larger messages before sending.
            ``None`` disables the limit.
        detect_peer_loss: the receiver watches its connections (a ZMQ socket monitor) and, when
            the last sender disconnects without an end-of-stream frame (it crashed), a waiting
            ``receive`` raises ``ZmqPeerLost`` instead of waiting for a sender that may never
            come back. Off by default: a receiver then waits, and a restarted sender resumes.

    Raises:
        TypeError: a value is not an ``int``.
        ValueError: a value is negative (or ``max_message_bytes`` is 0).
    """

    maxsize: int = 0
    linger_ms: int = 1000
    max_message_bytes: int | None = DEFAULT_MAX_MESSAGE_BYTES
    detect_peer_loss: bool = False

    def __post_init__(self) -> None:
        _check_int("maxsize", self.maxsize, 0)
        _check_int("linger_ms", self.linger_ms, 0)
        if self.max_message_bytes is not None:
            _check_int("max_message_bytes", self.max_message_bytes, 1)
        if not isinstance(self.detect_peer_loss, bool):
            raise TypeError(
                f"ZmqConfig.detect_peer_loss must be a bool, got {self.detect_peer_loss!r}"
            )

    @property
    def hwm(self) -> int:
        """The ZMQ high-water mark for data: ``maxsize``, at least 1 (0 would mean unlimited)."""
        return max(self.maxsize, 1)
