"""The names and encodings that make an MCAP file a chrono recording (SPEC §6.4, ADR 0024)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcap.writer import LIBRARY_IDENTIFIER

from chrono_daemon._version import __version__

from ._writer import McapWriter

if TYPE_CHECKING:
    from ._writer import Stream

__all__ = (
    "CHANNEL_TYPE_HASH",
    "CHANNEL_TYPE_NAME",
    "CHANNEL_WIRE_SHAPE",
    "DEFAULT_CHUNK_SIZE",
    "END_METADATA",
    "FORMAT_VERSION",
    "MESSAGE_ENCODING",
    "RECORDING_METADATA",
    "SCHEMA_ENCODING",
    "start_writer",
)

SCHEMA_ENCODING = "jsonschema"
MESSAGE_ENCODING = "json"
RECORDING_METADATA = "chrono.recording"
"""The name of the file metadata record that describes the run (graph, params, schema files)."""
END_METADATA = "chrono.end"
"""Written when a recorder closes: the clock time then, and when each recorded edge was closed."""
FORMAT_VERSION = "2"
"""``1``: phase 1 (no wire shapes); ``2``: channels carry their type's wire shape (ADR 0028)."""
CHANNEL_TYPE_NAME = "chrono.type"
CHANNEL_TYPE_HASH = "chrono.type_hash"
CHANNEL_WIRE_SHAPE = "chrono.wire_shape"

DEFAULT_CHUNK_SIZE = 1024 * 1024
"""mcap's own default: a killed run loses at most this much (plus what was still queued)."""

# The header names both libraries and no time: the same run gives the same bytes (ADR 0024).
LIBRARY = f"chrono-daemon/{__version__} {LIBRARY_IDENTIFIER}"


def start_writer(stream: Stream, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> McapWriter:
    """A writer on ``stream`` with chrono's settings, its header already written."""
    writer = McapWriter(stream, chunk_size=chunk_size)
    writer.start(profile="", library=LIBRARY)
    return writer
