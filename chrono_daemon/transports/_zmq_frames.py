"""The wire format of a ZeroMQ channel: one ZMQ frame per message (pure Python).

A data frame is the serde's payload, unchanged. A control frame starts with ``0xC1``, the one
byte MessagePack never uses ("never used" in the spec), followed by a tag:

- ``0xC1 0x01`` + payload: a data frame whose payload itself is empty or starts with ``0xC1``
  (possible with a custom serde; never with ``MsgpackSerde``), escaped;
- ``0xC1 0x02`` + 8 bytes little-endian: end of stream (sender closed cleanly), carrying the
  number of data messages sent, so the receiver can detect loss;
- ``0xC1 0x03``: the receiver closed (travels back to the sender);
- ``0xC1 0x04`` + MessagePack: the sender's hello, its first frame: its message type and type
  hash (ADR 0023, ``_zmq_handshake``);
- ``0xC1 0x05`` + MessagePack: the receiver refused that hello (travels back to the sender).

Plain payloads need no tag, which saves a copy on each side of every message (bench/zmq.py).
"""

from __future__ import annotations

import struct

from ._zmq_errors import ZmqFrameError

__all__ = (
    "CLOSE",
    "CLOSE_FRAME",
    "CONTROL",
    "EOS",
    "ESCAPED",
    "ESCAPE_PREFIX",
    "HELLO",
    "REFUSED",
    "describe_bad_frame",
    "eos_frame",
    "parse_eos",
)

CONTROL = 0xC1
ESCAPED = 0x01
EOS = 0x02
CLOSE = 0x03
HELLO = 0x04
REFUSED = 0x05

ESCAPE_PREFIX = bytes((CONTROL, ESCAPED))
CLOSE_FRAME = bytes((CONTROL, CLOSE))

_COUNT = struct.Struct("<Q")
_EOS_SIZE = 2 + _COUNT.size


def eos_frame(sent: int) -> bytes:
    """The end-of-stream frame for a sender that queued ``sent`` data messages."""
    return bytes((CONTROL, EOS)) + _COUNT.pack(sent)


def parse_eos(address: str, frame: bytes, name: str | None = None) -> int:
    """Return the data-message count carried by an end-of-stream frame.

    Raises:
        ZmqFrameError: the frame does not have the 10 bytes of an end-of-stream frame.
    """
    if len(frame) != _EOS_SIZE:
        raise ZmqFrameError(
            address,
            f"malformed end-of-stream frame: expected {_EOS_SIZE} bytes, got {len(frame)}; "
            "the peer does not speak the chrono-daemon ZMQ frame format",
            name=name,
        )
    count: int = _COUNT.unpack_from(frame, 2)[0]
    return count


def describe_bad_frame(
    address: str, frame: bytes, *, expected: str, name: str | None = None
) -> ZmqFrameError:
    """A ``ZmqFrameError`` for an empty frame or a control frame with an unexpected tag."""
    if not frame:
        return ZmqFrameError(address, f"received an empty frame; expected {expected}", name=name)
    tag = f"0x{frame[1]:02x}" if len(frame) > 1 else "missing"
    return ZmqFrameError(
        address,
        f"received a control frame (0xc1) with unknown tag {tag} ({len(frame)} bytes); "
        f"expected {expected}; the peer does not speak the chrono-daemon ZMQ frame format",
        name=name,
    )
