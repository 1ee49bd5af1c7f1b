"""One sequential pass over a recording's records, with every failure turned into a named error.

``mcap``'s ``StreamReader`` parses the records and validates chunk CRCs; this module reads the
file through a stream that refuses short reads (so a cut-off file is *truncated*, never garbage
parsed as data), checks that the file is a chrono recording (``jsonschema`` + ``json``), and
maps every parse failure to ``NotARecording``, ``TruncatedRecording``, ``CorruptRecording`` or
``UnsupportedRecording``.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
import zstandard
from mcap.exceptions import InvalidMagic, McapError, RecordLengthLimitExceeded
from mcap.records import Channel, DataEnd, Header, Message, Metadata, Schema
from mcap.stream_reader import StreamReader

from ._errors import CorruptRecording, NotARecording, TruncatedRecording, UnsupportedRecording
from ._format import CHANNEL_TYPE_HASH, CHANNEL_WIRE_SHAPE, MESSAGE_ENCODING, SCHEMA_ENCODING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import BinaryIO

__all__ = ("RecordedChannel", "scan")


@dataclass(frozen=True, slots=True)
class RecordedChannel:
    """One recorded topic: its MCAP channel and the schema of its messages.

    Attributes:
        topic: ``<graph>/<daemon>.<port>`` or ``<graph>/in.<name>``.
        channel_id: the MCAP channel id (per file).
        schema_name: the message type's name when recorded (``pkg.module.Obs``, ``int``...).
        schema: the stored JSON Schema, decoded.
        schema_data: the stored JSON Schema, as bytes.
        type_hash: the type's ``CTH01_`` wire-shape hash when recorded (``""`` in files of
            format 1, and foreign ones).
        wire_shape: the type's wire shape as ``shape_to_json`` wrote it (``""`` likewise).
        metadata: the channel's metadata, as stored.
    """

    topic: str
    channel_id: int
    schema_name: str
    schema: dict[str, Any]
    schema_data: bytes
    type_hash: str
    wire_shape: str
    metadata: dict[str, str]


class _Truncated(Exception):
    def __init__(self, offset: int) -> None:
        self.offset = offset


class _ExactReads:
    """A file wrapper whose ``read(n)`` returns exactly ``n`` bytes or raises ``_Truncated``."""

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self.offset = 0

    def read(self, n: int = -1) -> bytes:
        data = self._file.read(n)
        if n >= 0 and len(data) < n:
            raise _Truncated(self.offset + len(data))
        self.offset += len(data)
        return data


# What mcap (and zstd/lz4 inside it) raise on a damaged record. lz4 reports RuntimeError.
_PARSE_ERRORS = (
    McapError,
    ValueError,
    struct.error,
    UnicodeDecodeError,
    KeyError,
    RuntimeError,
    zstandard.ZstdError,
)


def scan(
    path: str | os.PathLike[str],
) -> Iterator[Header | RecordedChannel | Message | Metadata]:
    """Yield the header, each new channel, messages and metadata records, in file order.

    Each channel is yielded before its first message. Records of the summary section (repeated
    schemas and channels, statistics, indexes) are checked but not yielded.

    Raises:
        NotARecording: the file is empty or not MCAP (or cannot be opened).
        TruncatedRecording: after the last complete record, when the file is cut off.
        CorruptRecording: a CRC mismatch, an unparsable record, a dangling id, bad schema JSON.
        UnsupportedRecording: a schema or message encoding that chrono does not write.
    """
    name = os.fspath(path)
    try:
        file = open(name, "rb")  # noqa: SIM115 - closed in the finally below
    except OSError as exc:
        raise NotARecording(f"{name}: cannot open: {exc.strerror or exc}") from None
    messages = size = 0
    reads = _ExactReads(file)
    try:
        size = os.fstat(file.fileno()).st_size
        if size == 0:
            raise NotARecording(f"{name}: the file is empty, not an MCAP recording")
        schemas: dict[int, Schema] = {}
        channels: dict[int, RecordedChannel] = {}
        records = StreamReader(reads, validate_crcs=True, record_size_limit=size).records  # type: ignore[arg-type]
        in_summary = False
        for record in records:
            if isinstance(record, Schema):
                _check_schema(name, record, schemas)
            elif isinstance(record, Channel):
                channel = _check_channel(name, record, schemas, channels)
                if channel is not None:
                    yield channel
            elif isinstance(record, Message):
                if record.channel_id not in channels:
                    raise CorruptRecording(
                        f"{name}: a message near byte {reads.offset} refers to channel "
                        f"{record.channel_id}, which no channel record defines"
                    )
                messages += 1
                yield record
            elif isinstance(record, (Header, Metadata)) and not in_summary:
                yield record
            elif isinstance(record, DataEnd):
                in_summary = True
    except RecordLengthLimitExceeded:
        # The limit is the file's size: the record would end past the end of the file.
        raise _truncated(name, size, messages) from None
    except InvalidMagic:
        raise NotARecording(
            f"{name}: not an MCAP recording (it does not start or end with the MCAP magic bytes)"
        ) from None
    except _Truncated as cut:
        if cut.offset < 8:
            raise NotARecording(f"{name}: not an MCAP recording (too short)") from None
        raise _truncated(name, cut.offset, messages) from None
    except _PARSE_ERRORS as exc:
        raise CorruptRecording(
            f"{name}: corrupt near byte {reads.offset}: {exc} (after {messages} messages)"
        ) from None
    finally:
        file.close()


def _truncated(name: str, offset: int, messages: int) -> TruncatedRecording:
    return TruncatedRecording(
        f"{name}: truncated at byte {offset} (the recording was interrupted): {messages} "
        "messages of the complete chunks before the cut were read; the rest is lost",
        offset=offset,
        messages=messages,
    )


def _check_schema(name: str, record: Schema, schemas: dict[int, Schema]) -> None:
    known = schemas.get(record.id)
    if known is not None:
        if known != record:
            raise CorruptRecording(f"{name}: schema {record.id} is defined twice, differently")
        return
    if record.encoding != SCHEMA_ENCODING:
        raise UnsupportedRecording(
            f"{name}: schema {record.name!r} has encoding {record.encoding!r}; chrono "
            f"recordings use {SCHEMA_ENCODING!r} schemas"
        )
    schemas[record.id] = record


def _check_channel(
    name: str, record: Channel, schemas: dict[int, Schema], channels: dict[int, RecordedChannel]
) -> RecordedChannel | None:
    known = channels.get(record.id)
    if known is not None:
        if known.topic != record.topic or known.metadata != record.metadata:
            raise CorruptRecording(f"{name}: channel {record.id} is defined twice, differently")
        return None
    if record.message_encoding != MESSAGE_ENCODING:
        raise UnsupportedRecording(
            f"{name}: topic {record.topic!r} has message encoding {record.message_encoding!r}; "
            f"chrono recordings use {MESSAGE_ENCODING!r} messages"
        )
    schema = schemas.get(record.schema_id)
    if schema is None:
        raise CorruptRecording(
            f"{name}: topic {record.topic!r} refers to schema {record.schema_id}, which no "
            "schema record defines"
        )
    try:
        decoded = msgspec.json.decode(schema.data)
    except msgspec.DecodeError as exc:
        raise CorruptRecording(
            f"{name}: the JSON Schema of {schema.name!r} is not valid JSON: {exc}"
        ) from None
    if not isinstance(decoded, dict):
        raise CorruptRecording(f"{name}: the JSON Schema of {schema.name!r} is not an object")
    channel = RecordedChannel(
        topic=record.topic,
        channel_id=record.id,
        schema_name=schema.name,
        schema=decoded,
        schema_data=schema.data,
        type_hash=record.metadata.get(CHANNEL_TYPE_HASH, ""),
        wire_shape=record.metadata.get(CHANNEL_WIRE_SHAPE, ""),
        metadata=dict(record.metadata),
    )
    if any(c.topic == record.topic for c in channels.values()):
        raise CorruptRecording(f"{name}: topic {record.topic!r} has two channels")
    channels[record.id] = channel
    return channel
