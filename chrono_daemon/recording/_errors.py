"""The named errors of recording and reading (RELIABILITY 81, 82).

Every error says which file, where in it (byte offset, topic, sequence) and what to do; the CLI
prints ``str(error)`` as one line and exits 1, never a traceback.
"""

from __future__ import annotations

__all__ = (
    "CorruptRecording",
    "IncompatibleRecording",
    "NotARecording",
    "RecordingClosed",
    "RecordingError",
    "TruncatedRecording",
    "UnsupportedRecording",
)


class RecordingError(Exception):
    """Base of every error raised while writing or reading a recording."""


class RecordingClosed(RecordingError):
    """A message was sent on a tapped edge after its recorder was closed (it is not recorded)."""


class NotARecording(RecordingError):
    """The file is empty or does not start with the MCAP magic bytes."""


class TruncatedRecording(RecordingError):
    """The file ends inside a record (the recording was interrupted).

    Raised after every message of the complete chunks before the cut has been read, so a
    reader that catches it has recovered everything that can be recovered.

    Attributes:
        offset: the byte offset where the file ends inside a record.
        messages: how many messages were read before the cut.
    """

    def __init__(self, message: str, *, offset: int, messages: int) -> None:
        super().__init__(message)
        self.offset = offset
        self.messages = messages


class CorruptRecording(RecordingError):
    """A record fails its CRC, cannot be parsed or decompressed, or a payload is not valid."""


class UnsupportedRecording(RecordingError):
    """The file is valid MCAP but not in chrono's encodings (``jsonschema`` + ``json``)."""


class IncompatibleRecording(RecordingError):
    """A recorded message does not decode as the message type the reader was given."""
