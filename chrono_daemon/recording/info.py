"""``inspect_recording``: what ``chrono info`` shows, from one checked pass over the file.

Every message is read (chunk CRCs checked) and validated against its stored JSON Schema with
the ``jsonschema`` package, so a file whose payloads do not match their schema is reported by
topic and sequence, never trusted silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
from mcap.records import Header, Message, Metadata

from ._errors import CorruptRecording, TruncatedRecording
from ._format import END_METADATA, RECORDING_METADATA
from ._scan import RecordedChannel, scan
from .reader import seconds

if TYPE_CHECKING:
    import os
    from collections.abc import Callable

__all__ = ("RecordingInfo", "TopicInfo", "inspect_recording")


@dataclass(slots=True)
class TopicInfo:
    """One topic's numbers.

    Attributes:
        channel: the recorded channel (topic, schema name and JSON Schema, type hash).
        count: messages recorded.
        first_time, last_time: ``log_time`` of the first and last message (ns), or None.
        payload_bytes: JSON bytes of its messages.
    """

    channel: RecordedChannel
    count: int = 0
    first_time: int | None = None
    last_time: int | None = None
    payload_bytes: int = 0

    @property
    def rate_hz(self) -> float | None:
        """Messages per second between the first and the last one (None below two)."""
        if self.count < 2 or self.first_time is None or self.last_time is None:
            return None
        span = seconds(self.last_time - self.first_time)
        return (self.count - 1) / span if span > 0 else None


@dataclass(slots=True)
class RecordingInfo:
    """A recording's contents.

    Attributes:
        path: the file.
        topics: topic -> ``TopicInfo``, in the order the channels appear.
        metadata: (name, key/value pairs) of each metadata record, in file order
            (``chrono.recording``: the graph, process, params and schema files of the run and
            the chrono version; a merged file has one per input).
        library: the writer named in the file's header (``chrono-daemon/0.1.0 mcap-python/...``).
        truncated: the error describing where the file is cut off, or None if complete.
    """

    path: str
    library: str = ""
    topics: dict[str, TopicInfo] = field(default_factory=dict)
    metadata: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    truncated: TruncatedRecording | None = None

    @property
    def message_count(self) -> int:
        """Messages in the file (all topics)."""
        return sum(t.count for t in self.topics.values())

    @property
    def start_time(self) -> int | None:
        """The earliest ``log_time`` (ns), or None without messages."""
        times = [t.first_time for t in self.topics.values() if t.first_time is not None]
        return min(times) if times else None

    @property
    def end_time(self) -> int | None:
        """The latest ``log_time`` (ns), or None without messages."""
        times = [t.last_time for t in self.topics.values() if t.last_time is not None]
        return max(times) if times else None

    @property
    def channels(self) -> dict[str, RecordedChannel]:
        """Each topic's recorded channel (schema, type hash and wire shape)."""
        return {topic: t.channel for topic, t in self.topics.items()}

    @property
    def runs(self) -> list[dict[str, str]]:
        """Each ``chrono.recording`` metadata record (one per recorder; none if foreign)."""
        return [data for name, data in self.metadata if name == RECORDING_METADATA]

    @property
    def run(self) -> dict[str, str]:
        """The first ``chrono.recording`` metadata record, or ``{}``."""
        runs = self.runs
        return runs[0] if runs else {}

    @property
    def closed_at(self) -> int | None:
        """Clock time (ns) when the recorder closed (the latest, for a merged file); None when
        the file has no ``chrono.end`` record (the recording was interrupted).

        Raises:
            CorruptRecording: the record is damaged.
        """
        times = [end for end, _ in self._ends()]
        return max(times) if times else None

    @property
    def edge_ends(self) -> dict[str, int]:
        """Topic -> clock time (ns) when its producer closed the edge, for the edges closed
        while recording (every ``chrono.end`` record of a merged file).

        Raises:
            CorruptRecording: the record is damaged.
        """
        return {topic: ns for _, ends in self._ends() for topic, ns in ends.items()}

    def _ends(self) -> list[tuple[int, dict[str, int]]]:
        out = []
        for name, data in self.metadata:
            if name != END_METADATA:
                continue
            try:
                out.append((int(data["time"]), _ENDS.decode(data["topics"])))
            except (KeyError, ValueError, msgspec.DecodeError) as exc:
                raise CorruptRecording(
                    f"{self.path}: the {END_METADATA} metadata record is damaged: {exc}"
                ) from None
        return out


_ENDS = msgspec.json.Decoder(dict[str, int])


def inspect_recording(path: str | os.PathLike[str], *, validate: bool = True) -> RecordingInfo:
    """Read all of ``path`` and return its topics, counts, times and metadata.

    A truncated file is described up to the cut (``RecordingInfo.truncated`` says where).

    Args:
        path: the recording.
        validate: check every payload against its stored JSON Schema (``jsonschema``).

    Raises:
        CorruptRecording: a payload is not JSON or does not match its schema (naming the
            topic, sequence, time and the failing field), or the file is damaged.
        NotARecording, UnsupportedRecording: see ``scan``.
    """
    info = RecordingInfo(path=str(path))
    by_id: dict[int, TopicInfo] = {}
    validators: dict[int, Callable[[Any], str | None]] = {}
    try:
        for record in scan(path):
            if isinstance(record, RecordedChannel):
                topic = info.topics[record.topic] = TopicInfo(record)
                by_id[record.channel_id] = topic
                if validate:
                    validators[record.channel_id] = _validator(info.path, record)
            elif isinstance(record, Message):
                topic = by_id[record.channel_id]
                if validate:
                    _validate(info.path, topic.channel, record, validators[record.channel_id])
                if topic.first_time is None:
                    topic.first_time = record.log_time
                topic.last_time = record.log_time
                topic.count += 1
                topic.payload_bytes += len(record.data)
            elif isinstance(record, Metadata):
                info.metadata.append((record.name, dict(record.metadata)))
            elif isinstance(record, Header):
                info.library = record.library
    except TruncatedRecording as cut:
        info.truncated = cut
    return info


def _validator(path: str, channel: RecordedChannel) -> Callable[[Any], str | None]:
    import jsonschema

    try:
        cls = jsonschema.validators.validator_for(channel.schema)
        cls.check_schema(channel.schema)
    except jsonschema.SchemaError as exc:
        raise CorruptRecording(
            f"{path}: the JSON Schema of topic {channel.topic!r} is invalid: {exc.message}"
        ) from None
    validator = cls(channel.schema)

    def first_error(value: Any) -> str | None:
        error = next(iter(validator.iter_errors(value)), None)
        if error is None:
            return None
        return f"{error.message} - at `{error.json_path}`"

    return first_error


def _validate(
    path: str, channel: RecordedChannel, record: Message, check: Callable[[Any], str | None]
) -> None:
    where = f"message #{record.sequence} on {channel.topic!r} (t={seconds(record.log_time):.9g} s)"
    try:
        value = msgspec.json.decode(record.data)
    except msgspec.DecodeError as exc:
        raise CorruptRecording(f"{path}: {where} is not valid JSON: {exc}") from None
    problem = check(value)
    if problem is not None:
        raise CorruptRecording(
            f"{path}: {where} does not match its schema {channel.schema_name}: {problem}"
        )
