"""``RecordedRun``: what a replay needs from a recording, read and checked before anything runs.

One pass over the file (``inspect_recording``, every chunk's CRC) gives its channels with
their stored wire shapes, and the metadata ``chrono run`` wrote: the params, how the run was
made (``clock``, ``until``, ``grace``), the clock's time when recording started (``start``,
the replay's t=0: a wall-clock run's times are ``time.monotonic()``), and when each edge was
closed and the recorder itself (``chrono.end``). A merged file of a multi-process run holds
one ``chrono.recording`` record per process: the earliest ``start`` and the latest end count.

``feed_topic`` then sends one topic's messages into the replayed graph at their recorded
times and closes the edge when its producer closed it; ``take_topic`` reads an edge at the
times a recorded consumer (the harness) took its items.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chrono_daemon import EndOfStream
from chrono_daemon.recording import CorruptRecording, RecordingError, read_messages, seconds
from chrono_daemon.recording.feed import feed
from chrono_daemon.recording.info import inspect_recording

if TYPE_CHECKING:
    from chrono_daemon import Clock, ReceiveStream, SendStream
    from chrono_daemon.recording import RecordedChannel, RecordingInfo

__all__ = ("RecordedRun", "read_run")


@dataclass
class RecordedRun:
    """A recording, as a replay uses it.

    Attributes:
        path: the file.
        info: its topics, counts and metadata.
        offset: the clock time (ns) recording started at: subtracted from every recorded time.
        until: the original run's ``--until`` (seconds from its start), or None.
        grace: the original run's stop grace (seconds).
        params: the original run's params as JSON text (``{}`` when not recorded).
        clock: ``sim`` or ``wall`` (``""`` when not recorded).
        types: topic -> today's message type of that topic (set by ``plan_replay``).
        errors: reading errors met while feeding (a feed that fails ends its daemon; the
            replay reports these instead of the daemon's traceback).
    """

    path: str
    info: RecordingInfo
    offset: int = 0
    until: float | None = None
    grace: float = 5.0
    params: str = "{}"
    clock: str = ""
    types: dict[str, Any] = field(default_factory=dict)
    errors: list[RecordingError] = field(default_factory=list)

    @property
    def channels(self) -> dict[str, RecordedChannel]:
        """The recorded topics' channels."""
        return self.info.channels

    @property
    def end(self) -> float | None:
        """When the original run ended, in replay seconds (None if the file does not say)."""
        closed = self.info.closed_at
        return None if closed is None else seconds(max(0, closed - self.offset))

    async def feed_topic(self, topic: str, send: SendStream[Any], clock: Clock) -> None:
        """Send ``topic``'s recorded messages on ``send`` at their recorded times, then close
        ``send`` when the original producer closed it (at once if the file does not say).

        Raises:
            RecordingError: reading the file failed (also kept in ``errors``).
        """
        messages = read_messages(self.path, {topic: self.types[topic]}, topics=[topic])
        try:
            await feed(messages, send, clock, close=False, offset=self.offset)
        except RecordingError as exc:
            self.errors.append(exc)
            raise
        ended = self.info.edge_ends.get(topic)
        if ended is not None:
            await clock.wait_until(seconds(max(0, ended - self.offset)))
        await send.aclose()

    async def take_topic(self, topic: str, receive: ReceiveStream[Any], clock: Clock) -> None:
        """Take the items of ``receive`` when the recorded consumer of ``topic`` asked for
        them (each at its ``publish_time``), then the rest as they come, to the end; all of
        them as they come when ``topic`` is not recorded.

        Raises:
            RecordingError: reading the file failed (also kept in ``errors``).
        """
        if topic in self.channels:
            try:
                for taken in read_messages(self.path, topics=[topic]):
                    await clock.wait_until(seconds(taken.publish_time - self.offset))
                    await receive.receive()
            except EndOfStream:
                return
            except RecordingError as exc:
                self.errors.append(exc)
                raise
        async for _ in receive:
            pass


def read_run(path: str | os.PathLike[str]) -> RecordedRun:
    """Read and check ``path`` for a replay.

    Raises:
        TruncatedRecording: the file is cut off (``chrono merge --salvage`` completes it).
        CorruptRecording: a damaged record, or metadata that cannot be read.
        NotARecording, UnsupportedRecording: see ``inspect_recording``.
    """
    name = os.fspath(path)
    info = inspect_recording(name, validate=False)
    if info.truncated is not None:
        raise type(info.truncated)(
            f"{info.truncated}; a replay needs a complete file: chrono merge {name} --salvage "
            "-o FIXED.mcap keeps what it holds",
            offset=info.truncated.offset,
            messages=info.truncated.messages,
        )
    runs = info.runs
    try:
        starts = [int(r["start"]) for r in runs if r.get("start")]
        untils = {r.get("until", "") for r in runs}
        given = next(iter(untils)) if len(untils) == 1 else ""
        until = float(given) if given else None
        grace = max((float(r["grace"]) for r in runs if r.get("grace")), default=5.0)
    except ValueError as exc:
        raise CorruptRecording(f"{name}: the chrono.recording metadata is damaged: {exc}") from None
    first = runs[0] if runs else {}
    return RecordedRun(
        path=name,
        info=info,
        offset=min(starts, default=0),
        until=until,
        grace=grace,
        params=first.get("params", "{}"),
        clock=first.get("clock", ""),
    )
