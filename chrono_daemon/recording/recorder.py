"""``Recorder``: an ``EdgeTap`` that writes every message crossing a tapped edge to MCAP.

One MCAP channel per topic (producer port), schema encoding ``jsonschema``, message encoding
``json`` (SPEC §6.4). What each message record holds (ADR 0024):

- ``log_time``: the clock's time, in integer nanoseconds, when the send *completed* (the item
  entered the edge: buffered, or taken by the consumer). The file is in ``log_time`` order.
- ``publish_time``: the clock's time when the producer *issued* the send. It differs from
  ``log_time`` only when the producer waited for room; a replay feeds at this time, which
  reproduces the original producer, waits included.
- ``sequence``: the message's index on its channel, from 0 (wrapping at 2**32).

Each channel's metadata holds its type's name, ``CTH01_`` hash and wire shape
(``chrono_daemon.wire``), which a replay checks today's types against (ADR 0028). When the
recorder closes it writes a ``chrono.end`` metadata record: the clock time then, and when each
recorded edge was closed by its producer, so a replay ends the streams it feeds when the
original producers did.

A send that raises (cancelled, ``ChannelClosed``...) delivered nothing and records nothing, so
the file holds exactly the messages that crossed the edge. Messages with the same ``log_time``
are written in (topic, sequence) order, not in the order the scheduler happened to run their
producers, so the same SimClock run gives the same bytes on asyncio and on trio.

Memory stays bounded (ADR 0025): the open chunk (``chunk_size``), the blocks waiting for the
writer thread (``max_queued``) and the messages of the current instant (``MAX_INSTANT_BYTES``,
past which they are written as they came, still lossless but not canonically ordered).
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Generic, TypeVar

import anyio
import msgspec

from chrono_daemon import EndOfStream
from chrono_daemon._version import __version__

from ._errors import RecordingClosed, RecordingError
from ._format import (
    CHANNEL_TYPE_HASH,
    CHANNEL_TYPE_NAME,
    CHANNEL_WIRE_SHAPE,
    DEFAULT_CHUNK_SIZE,
    END_METADATA,
    FORMAT_VERSION,
    MESSAGE_ENCODING,
    RECORDING_METADATA,
    SCHEMA_ENCODING,
    start_writer,
)
from ._schema import json_schema, type_name, wire_identity
from ._sink import ThreadedSink

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from types import TracebackType

    from chrono_daemon import ChannelStats, Clock, ReceiveStream, SendStream

__all__ = ("MAX_INSTANT_BYTES", "Recorder", "RecorderStats", "schema_file_hashes")

T = TypeVar("T")

MAX_INSTANT_BYTES = 8 * 1024 * 1024
"""Messages of one instant held for canonical ordering before they are written as they came."""

DEFAULT_MAX_QUEUED = 4 * DEFAULT_CHUNK_SIZE
"""Bytes that may wait for the writer thread before producers are held back (ADR 0025)."""

_ENTRY_OVERHEAD = 96  # bytes a held message costs beyond its payload (tuple, ints)
_SEQUENCE_MASK = 0xFFFFFFFF  # MCAP sequence numbers are uint32


class RecorderStats(msgspec.Struct, frozen=True, kw_only=True):
    """What a recorder has done so far.

    Attributes:
        messages: messages recorded.
        payload_bytes: JSON bytes of those messages.
        file_bytes: bytes handed to the writer thread (the file's size once it caught up).
        max_queued_bytes: the most bytes ever waiting for the writer thread.
        blocked_writes: how often the producers had to wait for the disk.
        unordered_instants: instants with more than ``MAX_INSTANT_BYTES`` of messages, written
            in arrival order (byte-identity across backends is not promised for those).
    """

    messages: int
    payload_bytes: int
    file_bytes: int
    max_queued_bytes: int
    blocked_writes: int
    unordered_instants: int


class _Channel:
    __slots__ = ("id", "next_sequence", "topic")

    def __init__(self, channel_id: int, topic: str) -> None:
        self.id = channel_id
        self.topic = topic
        self.next_sequence = 0


class _RecordingSend(Generic[T]):
    """The endpoint a tapped producer sends on: forwards to ``send``, then records."""

    __slots__ = ("_channel", "_clock", "_ended", "_record", "_send")

    def __init__(
        self, recorder: Recorder, channel: _Channel, clock: Clock, send: SendStream[T]
    ) -> None:
        self._record = recorder._record
        self._ended = recorder._ended
        self._channel = channel
        self._clock = clock
        self._send = send

    async def send(self, item: T, /) -> None:
        """Send ``item`` on the edge; once delivered, record it."""
        issued = self._clock.now()
        await self._send.send(item)
        self._record(self._channel, issued, item)

    def send_nowait(self, item: T, /) -> None:
        """Send ``item`` now (or raise ``WouldBlock``, recording nothing); then record it."""
        issued = self._clock.now()
        self._send.send_nowait(item)
        self._record(self._channel, issued, item)

    async def aclose(self) -> None:
        """Close the edge, noting when (the recording stays open for the other topics)."""
        await self._send.aclose()
        self._ended(self._channel)

    def statistics(self) -> ChannelStats:
        """The wrapped edge's numbers."""
        return self._send.statistics()


class _RecordingReceive(Generic[T]):
    """The endpoint a tapped consumer receives from: records each item it hands out."""

    __slots__ = ("_channel", "_clock", "_receive", "_record")

    def __init__(self, recorder: Recorder, channel: _Channel, receive: ReceiveStream[T]) -> None:
        self._record = recorder._record
        self._channel = channel
        self._clock = recorder._clock
        self._receive = receive

    async def receive(self) -> T:
        """The next item (``EndOfStream`` at the end); recorded once it is taken."""
        asked = self._clock.now()
        item = await self._receive.receive()
        self._record(self._channel, asked, item)
        return item

    def receive_nowait(self) -> T:
        """The next item now (or ``WouldBlock``/``EndOfStream``); recorded."""
        item = self._receive.receive_nowait()
        self._record(self._channel, self._clock.now(), item)
        return item

    def __aiter__(self) -> _RecordingReceive[T]:
        return self

    async def __anext__(self) -> T:
        try:
            return await self.receive()
        except EndOfStream:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        """Close the consumer's end."""
        await self._receive.aclose()

    def statistics(self) -> ChannelStats:
        """The wrapped edge's numbers."""
        return self._receive.statistics()


class Recorder:
    """Records the edges it taps to one MCAP file; pass it as a graph's ``tap=``.

    Use it as a context manager (``with`` or ``async with``) around the run, so the file is
    completed (summary, indexes) at the end; a process killed before that leaves a file that
    the reader recovers up to the last complete chunk.

    Args:
        output: the file to write (replaced if it exists), or an open binary file (left open).
        clock: the supervisor's clock; times are recorded from it in integer nanoseconds.
        graph: the graph's name, stored in the file metadata.
        process: the process's name in a multi-process graph (``""`` for the whole graph).
        params: the run's params, stored as JSON (anything msgspec can encode).
        schema_files: schema file name -> sha256 hex digest, stored in the file metadata
            (see ``schema_file_hashes``).
        topics: fnmatch patterns; only matching topics are recorded (default: every topic).
        run: more about how the run was made (``clock``, ``until``, ``grace``: what
            ``chrono run`` stores for replay), added to the ``chrono.recording`` metadata.
        chunk_size: uncompressed bytes per MCAP chunk.
        max_queued: bytes that may wait for the disk before producers are held back.

    Attributes:
        name: the file's path (or the stream's ``name``), as shown in errors.

    Raises:
        RecordingError: ``output`` cannot be opened for writing, or ``params`` cannot be
            encoded as JSON.
    """

    def __init__(
        self,
        output: str | os.PathLike[str] | BinaryIO,
        *,
        clock: Clock,
        graph: str = "",
        process: str = "",
        params: Mapping[str, object] | None = None,
        schema_files: Mapping[str, str] | None = None,
        topics: Iterable[str] | None = None,
        run: Mapping[str, str] | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        max_queued: int = DEFAULT_MAX_QUEUED,
    ) -> None:
        if chunk_size < 1 or max_queued < 1:
            raise ValueError("chunk_size and max_queued must be positive")
        try:
            described = {
                **(run or {}),
                "chrono_version": __version__,
                "start": str(max(0, round(clock.now() * 1_000_000_000))),
                "format": FORMAT_VERSION,
                "graph": graph,
                "params": msgspec.json.encode(dict(params or {}), order="sorted").decode(),
                "process": process,
                "schema_files": msgspec.json.encode(
                    dict(schema_files or {}), order="sorted"
                ).decode(),
            }
        except (msgspec.EncodeError, TypeError) as exc:
            raise RecordingError(f"the params cannot be stored as JSON: {exc}") from None
        self._clock = clock
        self._patterns = None if topics is None else tuple(topics)
        if isinstance(output, (str, os.PathLike)):
            self.name = os.fspath(output)
            try:
                file: BinaryIO = open(self.name, "wb")  # noqa: SIM115 - closed by the sink
            except OSError as exc:
                raise RecordingError(
                    f"cannot write recording {self.name}: {exc.strerror or exc}"
                ) from None
            owns = True
        else:
            self.name, file, owns = getattr(output, "name", "<stream>"), output, False
        self._sink = ThreadedSink(file, str(self.name), max_queued=max_queued, owns_file=owns)
        self._writer = start_writer(self._sink, chunk_size=chunk_size)
        self._writer.add_metadata(RECORDING_METADATA, described)
        self._encode = msgspec.json.Encoder().encode
        self._schemas: dict[tuple[str, bytes], int] = {}
        self._channels: dict[str, _Channel] = {}
        self._ends: dict[str, int] = {}
        self._instant = -1
        self._overflowed = -1
        self._held: list[tuple[str, int, int, int, bytes]] = []
        self._held_bytes = 0
        self._messages = 0
        self._payload_bytes = 0
        self._unordered_instants = 0
        self._closed = False

    @property
    def topics(self) -> tuple[str, ...]:
        """The topics tapped so far, in registration order."""
        return tuple(self._channels)

    def tap(self, topic: str, message_type: object, send: SendStream[T]) -> SendStream[T]:
        """Record ``topic``: return the endpoint its producer sends on (``EdgeTap``).

        Returns ``send`` itself when ``topic`` matches none of the ``topics`` patterns.

        Raises:
            ValueError: ``topic`` is tapped twice (one producer port per topic).
            RecordingError: the recorder is closed.
        """
        channel = self._channel(topic, message_type)
        return send if channel is None else _RecordingSend(self, channel, self._clock, send)

    def tap_receive(
        self, topic: str, message_type: object, receive: ReceiveStream[T]
    ) -> ReceiveStream[T]:
        """Record what a consumer takes from ``receive`` as ``topic``: each item when it got
        it (``log_time``), and when it asked for it (``publish_time``).

        ``chrono run`` records the harness's graph outputs so (``<graph>/out.<name>``): a
        replay then takes them at the same times, keeping the back-pressure the harness put
        on the graph. Returns ``receive`` itself when ``topic`` is not selected.

        Raises:
            ValueError: ``topic`` is tapped twice.
            RecordingError: the recorder is closed.
        """
        channel = self._channel(topic, message_type)
        return receive if channel is None else _RecordingReceive(self, channel, receive)

    def _channel(self, topic: str, message_type: object) -> _Channel | None:
        if self._patterns is not None and not any(
            fnmatch.fnmatchcase(topic, pattern) for pattern in self._patterns
        ):
            return None
        if topic in self._channels:
            raise ValueError(f"topic {topic!r} is tapped twice: one producer port per topic")
        if self._closed:
            raise RecordingClosed(f"{self.name}: cannot tap {topic!r}: the recorder is closed")
        name = type_name(message_type)
        schema = msgspec.json.encode(json_schema(message_type))
        schema_id = self._schemas.get((name, schema))
        if schema_id is None:
            schema_id = self._writer.register_schema(name, SCHEMA_ENCODING, schema)
            self._schemas[(name, schema)] = schema_id
        digest, shape = wire_identity(message_type)
        metadata = {CHANNEL_TYPE_HASH: digest, CHANNEL_TYPE_NAME: name, CHANNEL_WIRE_SHAPE: shape}
        channel_id = self._writer.register_channel(topic, MESSAGE_ENCODING, schema_id, metadata)
        channel = self._channels[topic] = _Channel(channel_id, topic)
        return channel

    def statistics(self) -> RecorderStats:
        """Counts so far (see ``RecorderStats``)."""
        return RecorderStats(
            messages=self._messages,
            payload_bytes=self._payload_bytes,
            file_bytes=self._sink.tell(),
            max_queued_bytes=self._sink.max_queued_seen,
            blocked_writes=self._sink.blocked_writes,
            unordered_instants=self._unordered_instants,
        )

    def _negative_time(self, seconds: float) -> RecordingError:
        return RecordingError(
            f"{self.name}: clock time {seconds} s is negative; MCAP times are unsigned "
            "(start the clock at t0 >= 0)"
        )

    def _record(self, channel: _Channel, issued: float, item: object) -> None:
        # The hot path of every tapped send: kept flat (bench/record.py measures it).
        if self._closed:
            raise RecordingClosed(
                f"{self.name}: a message on {channel.topic!r} was sent after the recorder was "
                "closed and is not recorded; close the recorder after the graph has stopped"
            )
        publish_time = round(issued * 1_000_000_000)
        if publish_time < 0:  # log_time >= publish_time: the clock never goes back
            raise self._negative_time(issued)
        log_time = round(self._clock.now() * 1_000_000_000)
        try:
            data = self._encode(item)
        except (msgspec.EncodeError, TypeError) as exc:
            raise RecordingError(
                f"{self.name}: cannot record a message on {channel.topic!r} as JSON: {exc}"
            ) from None
        sequence = channel.next_sequence
        channel.next_sequence = (sequence + 1) & _SEQUENCE_MASK
        held = self._held
        if log_time != self._instant:
            if len(held) == 1:  # the common case: one message per instant, nothing to order
                _, held_sequence, channel_id, held_publish, held_data = held.pop()
                self._writer.add_message(
                    channel_id, self._instant, held_data, held_publish, held_sequence
                )
                self._held_bytes = 0
            elif held:
                self._write_held()
            self._instant = log_time
        size = len(data)
        held.append((channel.topic, sequence, channel.id, publish_time, data))
        self._held_bytes += size + _ENTRY_OVERHEAD
        self._messages += 1
        self._payload_bytes += size
        if self._held_bytes > MAX_INSTANT_BYTES:
            if self._overflowed != log_time:
                self._overflowed = log_time
                self._unordered_instants += 1
            self._write_held()

    def _ended(self, channel: _Channel) -> None:
        if not self._closed and channel.topic not in self._ends:
            self._ends[channel.topic] = round(self._clock.now() * 1_000_000_000)

    def _write_held(self) -> None:
        held = self._held
        if len(held) > 1:
            held.sort(key=_topic_of)  # stable: each topic's messages stay in sequence order
        instant, add = self._instant, self._writer.add_message
        for _, sequence, channel_id, publish_time, data in held:
            add(channel_id, instant, data, publish_time, sequence)
        held.clear()
        self._held_bytes = 0

    def _finish(self) -> bool:
        if self._closed:
            return False
        self._closed = True
        if self._held:
            self._write_held()
        end = {
            "time": str(max(0, round(self._clock.now() * 1_000_000_000))),
            "topics": msgspec.json.encode(self._ends, order="sorted").decode(),
        }
        self._writer.add_metadata(END_METADATA, end)
        self._writer.finish()
        return True

    def close(self) -> None:
        """Complete the file (summary and indexes) and wait until it is on disk. Idempotent.

        Raises:
            RecordingError: writing the file failed (disk full, I/O error...).
        """
        if self._finish():
            self._sink.close()

    async def aclose(self) -> None:
        """``close`` without blocking the event loop while the last blocks reach the disk."""
        if self._finish():
            await anyio.to_thread.run_sync(self._sink.close)

    def __enter__(self) -> Recorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Recorder:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def schema_file_hashes(paths: Iterable[str | os.PathLike[str]]) -> dict[str, str]:
    """File name -> sha256 hex digest of its bytes: the ``schema_files`` of a ``Recorder``."""
    return {
        os.path.basename(path): hashlib.sha256(Path(path).read_bytes()).hexdigest()
        for path in paths
    }


def _topic_of(entry: tuple[str, int, int, int, bytes]) -> str:
    return entry[0]
