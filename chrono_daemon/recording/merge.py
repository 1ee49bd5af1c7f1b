"""``merge_recordings``: the per-process recordings of one run, merged into one file by time.

Each process of a multi-process graph records its own edges (a topic has one producer, so a
topic is in exactly one file). The merged file holds every message of every input in
(log_time, topic, sequence) order — the order one ``Recorder`` writes — so it does not depend on
the order the inputs are given in. Channels are numbered in the order of their first message,
metadata records of all inputs are kept (sorted) with a ``chrono.merge`` record naming the
inputs. The output is written to a temporary file and renamed: never a half-written file.
"""

from __future__ import annotations

import contextlib
import heapq
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
from mcap.records import Message, Metadata

from ._errors import CorruptRecording, RecordingError, TruncatedRecording
from ._format import MESSAGE_ENCODING, SCHEMA_ENCODING, start_writer
from ._scan import RecordedChannel, scan

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from typing import IO

__all__ = ("MERGE_METADATA", "merge_recordings")

MERGE_METADATA = "chrono.merge"

_Item = tuple[int, str, int, int, RecordedChannel, Message]


class _Input:
    """One input's messages in order, checking time order and collecting its metadata."""

    def __init__(self, index: int, path: Path, allow_truncated: bool) -> None:
        self.index = index
        self.path = path
        self.allow_truncated = allow_truncated
        self.channels: dict[int, RecordedChannel] = {}
        self.metadata: list[Metadata] = []
        self.truncated: TruncatedRecording | None = None

    def items(self) -> Iterator[_Item]:
        last = 0
        try:
            for record in scan(self.path):
                if isinstance(record, RecordedChannel):
                    self.channels[record.channel_id] = record
                elif isinstance(record, Metadata):
                    self.metadata.append(record)
                elif isinstance(record, Message):
                    channel = self.channels[record.channel_id]
                    if record.log_time < last:
                        raise CorruptRecording(
                            f"{self.path}: not in time order at message #{record.sequence} on "
                            f"{channel.topic!r}; merge needs files written by chrono's Recorder"
                        )
                    last = record.log_time
                    yield (
                        record.log_time,
                        channel.topic,
                        record.sequence,
                        self.index,
                        channel,
                        record,
                    )
        except TruncatedRecording as cut:
            if not self.allow_truncated:
                raise
            self.truncated = cut


def merge_recordings(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    allow_truncated: bool = False,
) -> int:
    """Merge ``inputs`` into ``output`` by time; return the number of messages written.

    With a single input this rewrites it as a complete file; with ``allow_truncated``, an
    interrupted recording is rewritten up to its last complete chunk (its recovery).

    Raises:
        RecordingError: a topic is in two inputs, an input is given twice, or the output
            cannot be written.
        TruncatedRecording: an input is cut off (unless ``allow_truncated``).
        NotARecording, CorruptRecording, UnsupportedRecording: an input is not readable.
    """
    paths = [Path(p) for p in inputs]
    if not paths:
        raise ValueError("merge_recordings needs at least one input")
    resolved = [p.resolve() for p in paths]
    out = Path(output)
    for i, path in enumerate(resolved):
        if path in resolved[:i]:
            raise RecordingError(f"{paths[i]} is given twice")
        if path == out.resolve():
            raise RecordingError(f"{out}: the output would overwrite the input {paths[i]}")
    sources = [_Input(i, p, allow_truncated) for i, p in enumerate(paths)]
    try:
        temp = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed or removed below
            dir=out.parent, prefix=f".{out.name}.", suffix=".part", delete=False
        )
    except OSError as exc:
        raise RecordingError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        with temp:
            count = _write(temp, sources)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp.name, 0o666 & ~umask)  # as an ordinary new file, not the temp file's 0600
        os.replace(temp.name, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp.name)
        raise
    return count


def _write(file: IO[bytes], sources: list[_Input]) -> int:
    writer = start_writer(file)
    schema_ids: dict[tuple[str, bytes], int] = {}
    channel_ids: dict[str, int] = {}
    owner: dict[str, Path] = {}

    def channel_id(source: _Input, channel: RecordedChannel) -> int:
        known = channel_ids.get(channel.topic)
        if known is not None:
            if owner[channel.topic] != source.path:
                raise RecordingError(
                    f"topic {channel.topic!r} is recorded in both {owner[channel.topic]} and "
                    f"{source.path}: each process records its own edges, so these files are not "
                    "from one run"
                )
            return known
        key = (channel.schema_name, channel.schema_data)
        schema_id = schema_ids.get(key)
        if schema_id is None:
            schema_id = schema_ids[key] = writer.register_schema(
                channel.schema_name, SCHEMA_ENCODING, channel.schema_data
            )
        owner[channel.topic] = source.path
        channel_ids[channel.topic] = writer.register_channel(
            channel.topic, MESSAGE_ENCODING, schema_id, channel.metadata
        )
        return channel_ids[channel.topic]

    count = 0
    for _, _, _, index, channel, message in heapq.merge(
        *(s.items() for s in sources), key=_merge_key
    ):
        writer.add_message(
            channel_id(sources[index], channel),
            message.log_time,
            message.data,
            message.publish_time,
            message.sequence,
        )
        count += 1
    silent = sorted(
        ((c.topic, s) for s in sources for c in s.channels.values() if c.topic not in channel_ids),
        key=lambda pair: pair[0],
    )
    for topic, source in silent:  # channels that never carried a message are kept too
        channel_id(source, next(c for c in source.channels.values() if c.topic == topic))
    metadata = sorted(
        (m for s in sources for m in s.metadata),
        key=lambda m: (m.name, sorted(m.metadata.items())),
    )
    for record in metadata:
        writer.add_metadata(record.name, dict(record.metadata))
    names = sorted({s.path.name: (s.truncated is not None) for s in sources}.items())
    writer.add_metadata(
        MERGE_METADATA,
        {
            "inputs": msgspec.json.encode([name for name, _ in names]).decode(),
            "truncated_inputs": msgspec.json.encode([n for n, cut in names if cut]).decode(),
        },
    )
    writer.finish()
    return count


def _merge_key(item: _Item) -> tuple[int, str, int, int]:
    return item[0], item[1], item[2], item[3]
