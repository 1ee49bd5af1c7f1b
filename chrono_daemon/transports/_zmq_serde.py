"""Payload serialisation of a ZeroMQ channel: the ``Serde`` protocol and ``MsgpackSerde``.

Its one job is turning items into payload bytes and back: the ``Serde`` protocol, the default
``MsgpackSerde`` (msgspec MessagePack, validating on decode), ``_payload_codec`` (the fast
encode/decode callables the endpoints use per message) and ``_decode_error`` (the
``ZmqDecodeError``/``ZmqValidationError`` raised for a payload that fails to decode).
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast, overload

import msgspec

from ._zmq_errors import ZmqDecodeError, ZmqValidationError

if TYPE_CHECKING:
    import types
    from collections.abc import Callable

__all__ = ("MsgpackSerde", "Serde", "_decode_error", "_payload_codec")

T = TypeVar("T")


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


def _decode_error(
    address: str, serde: Serde[Any], exc: Exception, name: str | None = None
) -> ZmqDecodeError:
    what = (
        _type_name(serde.message_type) if isinstance(serde, MsgpackSerde) else type(serde).__name__
    )
    if isinstance(exc, msgspec.ValidationError):
        return ZmqValidationError(
            address, f"payload is not a valid {what}: {exc}; the message was discarded", name=name
        )
    if isinstance(exc, RecursionError):
        reason = "payload is nested too deeply to decode"
    elif isinstance(exc, msgspec.DecodeError):
        reason = f"malformed MessagePack payload: {exc}"
    else:
        reason = f"{type(serde).__name__}.decode failed: {exc!r}"
    return ZmqDecodeError(
        address,
        f"{reason}; the message was discarded (check the sender's serde and type)",
        name=name,
    )
