"""The connect-time type check of a ZeroMQ edge: the hello and refusal frames (ADR 0023).

A sender's first frame is its hello, ``0xC1 0x04`` + MessagePack ``[version, type name, type
hash, wire shape]``; it precedes every data frame on the same pipe, so the receiver judges the
sender before decoding anything it sent. On a type-hash mismatch the receiver raises
``ZmqTypeMismatch`` (from then on, at every ``receive``: it reads nothing more) and sends back
``0xC1 0x05`` + its own hello; the sender raises ``ZmqTypeMismatch`` from ``send`` once the
refusal arrived. A refusal is for good because ZeroMQ may drop a reconnecting sender's first
frames (its hello among them): waiting for a better sender could discard data unseen. A serde
without a known message type (``MsgpackSerde()``) says hello with no hash and is never checked,
nor checks its peer.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec

from chrono_daemon.wire import Change, WireShape, check_shape, compare, describe, shape_hash
from chrono_daemon.wire import shape_of as _shape_of

from ._zmq_errors import ZmqFrameError, ZmqTypeMismatch
from ._zmq_frames import CONTROL, HELLO, REFUSED

__all__ = ("HELLO_VERSION", "Handshake")

HELLO_VERSION = 1
"""Bumped when the hello's layout changes; a peer speaking another version is refused."""

_log = logging.getLogger("chrono_daemon.transports.zmq")


class _Hello(msgspec.Struct, array_like=True, frozen=True):
    version: int
    type_name: str
    type_hash: str | None
    shape: WireShape | None


_ENCODE = msgspec.msgpack.Encoder().encode
_DECODE = msgspec.msgpack.Decoder(_Hello).decode
_UNTYPED = _Hello(HELLO_VERSION, "Any", None, None)


def _describe_self(serde: object) -> _Hello:
    message_type = getattr(serde, "message_type", Any)
    if message_type is Any:
        return _UNTYPED
    try:
        shape = _shape_of(message_type)
    except TypeError as exc:
        _log.warning("ZMQ serde %r: no type check for %r (%s)", serde, message_type, exc)
        return _UNTYPED
    return _Hello(HELLO_VERSION, describe(shape.root, shape.types), shape_hash(shape), shape)


class Handshake:
    """One endpoint's hello, and the judgement of its peer's.

    Attributes:
        hello: the frame a sender sends first, or ``None`` when not even a hello without the
            shape fits in ``max_frame`` bytes (then there is no check).
    """

    __slots__ = ("_me", "_refusal", "hello")

    def __init__(self, serde: object, max_frame: int | None = None) -> None:
        self._me = _describe_self(serde)
        # The refusal travels to a sender, whose socket has no MAXMSGSIZE: always complete.
        self._refusal = bytes((CONTROL, REFUSED)) + _ENCODE(self._me)
        hello = bytes((CONTROL, HELLO)) + _ENCODE(self._me)
        if max_frame is not None and len(hello) > max_frame:
            # A frame over the receiver's MAXMSGSIZE would drop the whole connection: leave
            # the shape out (the receiver can still compare hashes), or say nothing.
            short = msgspec.structs.replace(self._me, shape=None)
            hello = bytes((CONTROL, HELLO)) + _ENCODE(short)
            if len(hello) > max_frame:
                _log.warning(
                    "ZMQ serde %r: max_message_bytes is too small for the type hash "
                    "(%d bytes); this edge's types are not checked",
                    serde,
                    len(hello),
                )
        self.hello: bytes | None = hello if max_frame is None or len(hello) <= max_frame else None

    def judge(
        self, address: str, frame: bytes, name: str | None = None
    ) -> tuple[ZmqTypeMismatch, bytes] | None:
        """A receiver's verdict on a sender's hello: ``None`` to accept it, or the error to
        raise and the refusal frame to send back.

        Raises:
            ZmqFrameError: the hello is malformed or of another handshake version.
        """
        peer = _parse(address, frame, "hello", name)
        mine = self._me
        if peer.type_hash is None or mine.type_hash is None or peer.type_hash == mine.type_hash:
            return None
        verdict = _mismatch(address, sender=peer, receiver=mine, here="receiver", name=name)
        return verdict, self._refusal

    def refused(self, address: str, frame: bytes, name: str | None = None) -> ZmqTypeMismatch:
        """The sender's error for the receiver's refusal frame.

        Raises:
            ZmqFrameError: the refusal frame is malformed.
        """
        receiver = _parse(address, frame, "refusal", name)
        return _mismatch(address, sender=self._me, receiver=receiver, here="sender", name=name)


def _parse(address: str, frame: bytes, what: str, name: str | None) -> _Hello:
    try:
        hello = _DECODE(memoryview(frame)[2:])
        if hello.version == HELLO_VERSION and hello.shape is not None:
            check_shape(hello.shape)
    except (msgspec.DecodeError, RecursionError, ValueError) as exc:
        raise ZmqFrameError(
            address,
            f"malformed {what} frame ({len(frame)} bytes): {exc}; the peer does not speak the "
            "chrono-daemon ZMQ frame format",
            name=name,
        ) from None
    if hello.version != HELLO_VERSION:
        raise ZmqFrameError(
            address,
            f"the peer's {what} frame has handshake version {hello.version}, this end speaks "
            f"version {HELLO_VERSION}: run one chrono-daemon version on both ends",
            name=name,
        )
    return hello


def _first_difference(sender: _Hello, receiver: _Hello) -> tuple[Change | None, str]:
    """The first difference, told from the end that looks older to the one that looks newer.

    ``compare(old, new)`` judges schema *versions*, and an edge does not say which end is the
    older: a newer sender's added field reads as "removed" from the sender's side. A schema
    evolves mostly by compatible changes, so the direction with fewer breaking changes is taken
    as the evolution; on a tie the receiver's type is the newer, as in "a reader of the new
    schema refuses data of the old one". The message names the direction.
    """
    if sender.shape is None or receiver.shape is None:
        return None, "the peer sent no shape to compare"
    forward = compare(sender.shape, receiver.shape)
    backward = compare(receiver.shape, sender.shape)
    if not forward:
        return None, "the shapes show no difference (a different hash version?)"
    changes, direction = (
        (backward, "from the receiver's type to the sender's")
        if _wire_breaks(backward) < _wire_breaks(forward)
        else (forward, "from the sender's type to the receiver's")
    )
    verdict = (
        "an incompatible change"
        if _wire_breaks(changes)
        else "compatible by the schema-evolution rules, but an edge needs identical types"
    )
    return changes[0], f"first difference {direction}: {changes[0].message} ({verdict})"


def _wire_breaks(changes: list[Change]) -> int:
    return sum("WIRE" in c.breaks for c in changes)


def _mismatch(
    address: str, *, sender: _Hello, receiver: _Hello, here: str, name: str | None
) -> ZmqTypeMismatch:
    first, difference = _first_difference(sender, receiver)
    sent = f"{sender.type_name} with type hash {sender.type_hash}"
    expected = f"{receiver.type_name} with type hash {receiver.type_hash}"
    if here == "receiver":
        reason = (
            f"refused the sender: it sends {sent}, but this receiver expects {expected}; "
            f"{difference}. The two ends were built from different schema versions: generate "
            "both from one schema (docs/type-hashes.md). What this sender sends is discarded"
        )
    else:
        reason = (
            f"the receiver refused this sender: this end sends {sent}, but the receiver "
            f"expects {expected}; {difference}. The two ends were built from different schema "
            "versions: generate both from one schema (docs/type-hashes.md); nothing more can "
            "be sent on this edge"
        )
    return ZmqTypeMismatch(
        address,
        reason,
        sent=(sender.type_name, sender.type_hash or ""),
        expected=(receiver.type_name, receiver.type_hash or ""),
        difference=first,
        name=name,
    )
