"""What a recording stores about a message type: its name, JSON Schema, wire shape and hash.

The JSON Schema is msgspec's (``msgspec.json.schema``), made self-contained for viewers that do
not follow ``$ref`` (Foxglove's own JSON schemas inline every nested message; docs/recording.md
says what was verified): every non-recursive ``#/$defs/...`` reference is replaced by the
definition, so a message's schema is one object with its fields, like Foxglove's. Only a
recursive type keeps ``$defs`` for the definitions that refer back to themselves. String
enums gain ``"type": "string"``, which msgspec leaves out and type-driven viewers need.

The wire shape and its ``CTH01_`` hash are ``chrono_daemon.wire``'s (ADR 0022): a replay judges
a recording against today's types with ``wire.compare`` on them (ADR 0028).
"""

from __future__ import annotations

import types
import typing
from typing import Any

import msgspec

from chrono_daemon.wire import shape_hash, shape_of, shape_to_json

__all__ = ("json_schema", "type_name", "wire_identity")

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_REF_PREFIX = "#/$defs/"


def type_name(message_type: object) -> str:
    """A readable, stable name for a port's type: ``pkg.module.Obs``, ``int``, ``A | B``."""
    if isinstance(message_type, type):
        if message_type.__module__ == "builtins":
            return message_type.__qualname__
        return f"{message_type.__module__}.{message_type.__qualname__}"
    if isinstance(message_type, types.UnionType) or typing.get_origin(message_type) in (
        typing.Union,
    ):
        return " | ".join(type_name(arg) for arg in typing.get_args(message_type))
    if message_type is None or message_type is type(None):
        return "None"
    origin = typing.get_origin(message_type)
    if origin is not None:
        args = ", ".join(
            "..." if a is Ellipsis else type_name(a) for a in typing.get_args(message_type)
        )
        return f"{type_name(origin)}[{args}]"
    return repr(message_type)


def wire_identity(message_type: object) -> tuple[str, str]:
    """The type's ``CTH01_`` hash and its wire shape as JSON text (``shape_to_json``)."""
    shape = shape_of(message_type)
    return shape_hash(shape), shape_to_json(shape).decode()


def json_schema(message_type: object) -> dict[str, Any]:
    """The self-contained JSON Schema (2020-12) of ``message_type``, as the recording stores it."""
    raw = msgspec.json.schema(message_type)
    defs: dict[str, Any] = raw.pop("$defs", {})
    kept: dict[str, Any] = {}
    root = _inline(raw, defs, (), kept)
    schema: dict[str, Any] = {"$schema": JSON_SCHEMA_DIALECT, **root}
    if kept:
        schema["$defs"] = kept
    return schema


def _inline(node: Any, defs: dict[str, Any], stack: tuple[str, ...], kept: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs, stack, kept) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
        name = ref.removeprefix(_REF_PREFIX)
        if name in stack:  # recursive: keep the reference and its (inlined) definition
            if name not in kept:
                kept[name] = {}
                kept[name] = _inline(defs[name], defs, (), kept)
            return node
        target = _inline(defs[name], defs, (*stack, name), kept)
        extra = {k: _inline(v, defs, stack, kept) for k, v in node.items() if k != "$ref"}
        return {**target, **extra}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "discriminator" and isinstance(value, dict):
            # Its mapping points into $defs, which inlining removed; the tag name stays.
            out[key] = {k: v for k, v in value.items() if k != "mapping"}
        else:
            out[key] = _inline(value, defs, stack, kept)
    enum = out.get("enum")
    strings = isinstance(enum, list) and enum and all(isinstance(v, str) for v in enum)
    if strings and "type" not in out:
        out = {"type": "string", **out}
    return out
