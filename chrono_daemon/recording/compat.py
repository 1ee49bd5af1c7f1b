"""Is a recording still readable as today's message types? Differences named by message and field.

Compares the JSON Schema stored for a topic with the schema of the type the reader would
decode it into (both made by ``json_schema``), so a replay can refuse an incompatible file up
front — "Obs.seq: type changed from integer to string" — instead of failing on its first
message. Compatible changes are not reported: a new field with a default, an integer field
that became a float, new enum values or union members. Issue 13's type hashes will say *that*
two types differ; this says *where*.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._errors import IncompatibleRecording
from ._schema import json_schema, type_name

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator, Mapping

    from ._scan import RecordedChannel

__all__ = ("check_types", "schema_differences")

# A field recorded as the key may be read as any of these (msgspec decodes an int as a float).
_WIDER = {"integer": {"number"}}


def schema_differences(recorded: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The incompatible differences between a recorded and a current schema, by field path."""
    return list(_walk(recorded, current, str(recorded.get("title", "$"))))


def _types(node: dict[str, Any]) -> set[str]:
    if "type" in node:
        kind = node["type"]
        return set(kind) if isinstance(kind, list) else {kind}
    if "anyOf" in node:
        return {t for member in node["anyOf"] for t in _types(member)}
    return set()


def _members(node: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(m.get("title", i)): m for i, m in enumerate(node.get("anyOf", ()))}


def _walk(old: dict[str, Any], new: dict[str, Any], where: str) -> Iterator[str]:
    old_types, new_types = _types(old), _types(new)
    lost = {t for t in old_types - new_types if not _WIDER.get(t, set()) & new_types}
    if old_types and new_types and lost:
        yield (
            f"{where}: type changed from {' | '.join(sorted(old_types))} to "
            f"{' | '.join(sorted(new_types))}"
        )
        return
    if "enum" in old and "enum" in new:
        removed = [v for v in old["enum"] if v not in new["enum"]]
        if removed:
            yield f"{where}: enum values {removed!r} were removed"
    old_members, new_members = _members(old), _members(new)
    for name, member in old_members.items():
        if name in new_members:
            yield from _walk(member, new_members[name], f"{where}<{name}>")
        elif len(old_members) > 1 and not name.isdigit():
            yield f"{where}: union member {name} was removed"
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for field, schema in old_props.items():
        if field not in new_props:
            yield f"{where}.{field}: field was removed"
        else:
            yield from _walk(schema, new_props[field], f"{where}.{field}")
    for field in new.get("required", ()):
        if field not in old_props:  # a field that had a default is in every recorded message
            yield f"{where}.{field}: new required field (recorded messages do not have it)"
    for key, suffix in (("items", "[]"), ("additionalProperties", "{}")):
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            yield from _walk(old[key], new[key], where + suffix)


def check_types(path: str | os.PathLike[str], types: Mapping[str, object]) -> None:
    """Raise ``IncompatibleRecording`` naming every field of ``types`` the recording contradicts.

    Topics of ``types`` that the recording does not have are named too.

    Raises:
        IncompatibleRecording: one line per difference.
        RecordingError: the file cannot be read.
    """
    from .info import inspect_recording

    channels = {
        t.channel.topic: t.channel for t in inspect_recording(path, validate=False).topics.values()
    }
    problems = [
        line
        for topic, message_type in types.items()
        for line in _topic_problems(channels.get(topic), topic, message_type)
    ]
    if problems:
        raise IncompatibleRecording(
            f"{path}: recorded with incompatible message types:\n"
            + "\n".join(f"  {line}" for line in problems)
        )


def _topic_problems(channel: RecordedChannel | None, topic: str, message_type: object) -> list[str]:
    if channel is None:
        return [f"{topic}: not in the recording"]
    found = schema_differences(channel.schema, json_schema(message_type))
    return [f"{topic} ({type_name(message_type)}): {line}" for line in found]
