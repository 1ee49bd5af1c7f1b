"""The wire format of a ZeroMQ channel: one ZMQ frame per message, first byte a tag.

``DATA`` frames carry the serde's payload after the tag. ``EOS`` (sender closed cleanly) carries
the number of data messages sent, as 8 bytes little-endian, so the receiver can detect loss.
``CLOSE`` (receiver closed) has no payload and travels back to the sender. Pure Python.
"""

from __future__ import annotations

import struct

from ._zmq_errors import ZmqFrameError

__all__ = (
    "CLOSE",
    "CLOSE_FRAME",
    "DATA",
    "DATA_PREFIX",
    "EOS",
    "describe_bad_frame",
    "eos_frame",
    "parse_eos",
)

DATA = 0x01
EOS = 0x02
CLOSE = 0x03

DATA_PREFIX = bytes((DATA,))
CLOSE_FRAME = bytes((CLOSE,))

_COUNT = struct.Struct("<Q")


def eos_frame(sent: int) -> bytes:
    """The end-of-stream frame for a sender that queued ``sent`` data messages."""
    return bytes((EOS,)) + _COUNT.pack(sent)


def parse_eos(address: str, frame: bytes) -> int:
    """Return the data-message count carried by an EOS frame.

    Raises:
        ZmqFrameError: the frame does not have the 9 bytes of an EOS frame.
    """
    if len(frame) != 1 + _COUNT.size:
        raise ZmqFrameError(
            address,
            f"malformed end-of-stream frame: expected {1 + _COUNT.size} bytes, got "
            f"{len(frame)}; the peer does not speak the chrono-daemon ZMQ frame format",
        )
    count: int = _COUNT.unpack_from(frame, 1)[0]
    return count


def describe_bad_frame(address: str, frame: bytes, *, expected: str) -> ZmqFrameError:
    """A ``ZmqFrameError`` for an empty frame or a frame whose tag is not ``expected``."""
    if not frame:
        return ZmqFrameError(
            address, f"received an empty frame; expected {expected} (first byte is the tag)"
        )
    return ZmqFrameError(
        address,
        f"received a frame with unknown tag 0x{frame[0]:02x} ({len(frame)} bytes); expected "
        f"{expected}; the peer does not speak the chrono-daemon ZMQ frame format",
    )
