"""Is a recording still readable as today's message types? Judged by ``chrono_daemon.wire``.

Every channel stores its type's wire shape (``chrono.wire_shape``); ``check_types`` compares
it with the shape of the type a reader would decode into, in the direction the data flows
(recorded writer -> current reader), with the one set of schema-evolution rules the project
has (``wire.compare``, docs/type-hashes.md). A change that breaks ``WIRE`` refuses the file up
front, naming the topic, the message and the field; a compatible one (a field added with a
default, a new enum value, a widened constraint) is returned as a note and accepted.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from chrono_daemon.wire import Ref, ShapeError, compare, shape_from_json, shape_of

from ._errors import CorruptRecording, IncompatibleRecording

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chrono_daemon.wire import WireShape

    from ._scan import RecordedChannel

__all__ = ("check_types", "recorded_shape")


def recorded_shape(channel: RecordedChannel, path: str) -> WireShape:
    """The wire shape stored with ``channel``.

    Raises:
        IncompatibleRecording: the file stores none (written by chrono's format 1, or not by
            chrono), so its types cannot be checked.
        CorruptRecording: the stored shape is damaged.
    """
    if not channel.wire_shape:
        raise IncompatibleRecording(
            f"{path}: topic {channel.topic!r} ({channel.schema_name}) has no stored wire shape "
            "(a recording of chrono format 1, or not written by chrono), so its type cannot "
            "be checked against today's; record it again"
        )
    try:
        return shape_from_json(channel.wire_shape)
    except ShapeError as exc:
        raise CorruptRecording(
            f"{path}: the stored wire shape of topic {channel.topic!r} is damaged: {exc}"
        ) from None


def check_types(
    path: str | os.PathLike[str],
    types: Mapping[str, object],
    *,
    channels: Mapping[str, RecordedChannel] | None = None,
) -> list[str]:
    """Refuse the recording ``path`` if ``types`` cannot read its topics; return the compatible
    changes, one line each (``g/in.obs (Obs): field 'note' was added with a default``).

    Every topic of ``types`` must be recorded. ``channels`` (``RecordingInfo.channels``) saves
    reading the file again.

    Raises:
        IncompatibleRecording: one line per ``WIRE`` break, and per topic not recorded.
        RecordingError: the file cannot be read.
    """
    name = os.fspath(path)
    if channels is None:
        from .info import inspect_recording

        channels = inspect_recording(name, validate=False).channels
    problems: list[str] = []
    notes: list[str] = []
    for topic, message_type in types.items():
        channel = channels.get(topic)
        if channel is None:
            problems.append(f"{topic}: not in the recording")
            continue
        shape = recorded_shape(channel, name)
        label = f"{topic} ({_label(shape, channel)})"
        for change in compare(shape, shape_of(message_type)):
            if "WIRE" in change.breaks:
                problems.append(f"{label}: {change.message}")
            else:
                notes.append(f"{label}: {change.message}")
    if problems:
        raise IncompatibleRecording(
            f"{name}: recorded with incompatible message types:\n"
            + "\n".join(f"  {line}" for line in problems)
        )
    return notes


def _label(shape: WireShape, channel: RecordedChannel) -> str:
    """The recorded type's own name (``Obs``), as its wire shape keeps it."""
    if isinstance(shape.root, Ref):
        return shape.types[shape.root.index].name
    return channel.schema_name
