"""The names and encodings that make an MCAP file a chrono recording (SPEC §6.4, ADR 0024)."""

from __future__ import annotations

from typing import IO, Any, Protocol, cast

from mcap.writer import LIBRARY_IDENTIFIER, CompressionType, Writer

from chrono_daemon._version import __version__

__all__ = (
    "CHANNEL_TYPE_HASH",
    "CHANNEL_TYPE_NAME",
    "DEFAULT_CHUNK_SIZE",
    "FORMAT_VERSION",
    "MESSAGE_ENCODING",
    "RECORDING_METADATA",
    "SCHEMA_ENCODING",
    "Stream",
    "finish_writer",
    "start_writer",
)

SCHEMA_ENCODING = "jsonschema"
MESSAGE_ENCODING = "json"
RECORDING_METADATA = "chrono.recording"
"""The name of the file metadata record that describes the run (graph, params, schema files)."""
FORMAT_VERSION = "1"
CHANNEL_TYPE_NAME = "chrono.type"
CHANNEL_TYPE_HASH = "chrono.type_hash"

DEFAULT_CHUNK_SIZE = 1024 * 1024
"""mcap's own default: a killed run loses at most this much (plus what was still queued)."""

# The header names both libraries and no time: the same run gives the same bytes (ADR 0024).
LIBRARY = f"chrono-daemon/{__version__} {LIBRARY_IDENTIFIER}"


class Stream(Protocol):
    """What ``mcap.writer.Writer`` uses of its output."""

    def write(self, data: bytes, /) -> int: ...

    def tell(self) -> int: ...

    def flush(self) -> None: ...


def start_writer(stream: Stream, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Writer:
    """An ``mcap`` writer on ``stream`` with chrono's settings, its header already written."""
    output = cast("IO[Any]", stream)  # mcap annotates IO; it only writes, tells and flushes
    writer = Writer(output, chunk_size=chunk_size, compression=CompressionType.ZSTD)
    writer.start(profile="", library=LIBRARY)
    return writer


def finish_writer(writer: Writer) -> None:
    """Write the summary section and footer (``Writer.finish``, which mcap leaves untyped)."""
    writer.finish()  # type: ignore[no-untyped-call]
