"""Reading a recording back: every message with its topic, times and sequence, decoded.

``read_messages`` streams the file once, in file order, which is ``log_time`` order with ties in
(topic, sequence) order for files written by ``Recorder`` (ADR 0024). Given the message types
of the topics, it decodes each payload into that type with msgspec (the check that a recording
still fits the code); without a type, a payload is decoded into plain JSON values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec
from mcap.records import Message

from ._errors import CorruptRecording, IncompatibleRecording
from ._scan import RecordedChannel, scan
from ._schema import type_name

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Collection, Iterator, Mapping

__all__ = ("RecordedMessage", "read_messages", "seconds")

T = TypeVar("T")


def seconds(nanoseconds: int) -> float:
    """A recorded time in seconds: the value the clock's ``now()`` returned."""
    return nanoseconds / 1_000_000_000


@dataclass(frozen=True, slots=True)
class RecordedMessage(Generic[T]):
    """One recorded message.

    Attributes:
        topic: the producer port's topic.
        log_time: clock time in ns when the send completed (the message entered the edge).
        publish_time: clock time in ns when the producer issued the send.
        sequence: the message's index on its topic, from 0.
        message: the decoded message (the given type, or plain JSON values).
        data: the payload as recorded (JSON bytes).
    """

    topic: str
    log_time: int
    publish_time: int
    sequence: int
    message: T
    data: bytes


def read_messages(
    path: str | os.PathLike[str],
    types: Mapping[str, object] | None = None,
    *,
    topics: Collection[str] | None = None,
) -> Iterator[RecordedMessage[Any]]:
    """Yield the messages of ``path`` (of ``topics`` only, if given) in file order.

    Args:
        path: the recording.
        types: topic -> message type (what the tap was given); topics without one decode to
            plain JSON values.
        topics: the topics to read; default: every topic.

    Raises:
        IncompatibleRecording: a payload does not decode as its topic's type (names the
            topic, sequence, time, and msgspec's ``Expected ..., got ... - at `$.field```).
        TruncatedRecording: after the last message of the last complete chunk.
        NotARecording, CorruptRecording, UnsupportedRecording: see ``scan``.
    """
    name = str(path)
    decoders: dict[int, Callable[[bytes], Any]] = {}
    channels: dict[int, RecordedChannel] = {}
    given = dict(types or {})
    for record in scan(path):
        if isinstance(record, RecordedChannel):
            if topics is None or record.topic in topics:
                channels[record.channel_id] = record
                message_type = given.get(record.topic)
                decoders[record.channel_id] = (
                    msgspec.json.decode
                    if message_type is None
                    else msgspec.json.Decoder(message_type).decode
                )
            continue
        if not isinstance(record, Message):
            continue
        channel = channels.get(record.channel_id)
        if channel is None:
            continue
        try:
            message = decoders[record.channel_id](record.data)
        except msgspec.ValidationError as exc:
            raise IncompatibleRecording(
                f"{name}: {_where(channel, record)} does not match "
                f"{type_name(given[channel.topic])} (recorded as {channel.schema_name}): {exc}"
            ) from None
        except msgspec.DecodeError as exc:
            raise CorruptRecording(
                f"{name}: {_where(channel, record)} is not valid JSON: {exc}"
            ) from None
        yield RecordedMessage(
            topic=channel.topic,
            log_time=record.log_time,
            publish_time=record.publish_time,
            sequence=record.sequence,
            message=message,
            data=record.data,
        )


def _where(channel: RecordedChannel, record: Message) -> str:
    return f"message #{record.sequence} on {channel.topic!r} (t={seconds(record.log_time):.9g} s)"
