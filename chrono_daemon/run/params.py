"""``--params FILE``: a TOML file decoded into the graph's generated params Struct.

Errors take the form of schema errors, ``path:line:col: error: message``, with the position of
the offending key (the schema loader's position index) and a did-you-mean for unknown keys::

    params.toml:3:1: error: unknown key 'chunk_sise' in s1_policy (did you mean 'chunk_size'?)

Every key is checked on its own (msgspec stops at the first error of a value), so a file with
several mistakes reports them all at once.
"""

from __future__ import annotations

import re
import tomllib
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from codegen.errors import SchemaError, format_error
from codegen.load.positions import index_positions
from codegen.suggest import did_you_mean

from .errors import RunError

if TYPE_CHECKING:
    from pathlib import Path

    from codegen.load.positions import KeyPath

__all__ = ("load_params",)

P = TypeVar("P", bound=msgspec.Struct)

_AT = re.compile(r" - at `\$(.*)`$")
_SEGMENT = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def load_params(path: Path, params_type: type[P]) -> P:
    """Read ``path`` (TOML) into ``params_type``.

    Raises:
        RunError: the file is unreadable, not TOML, or does not match the params (one line,
            with the key's position).
    """
    shown = path.as_posix()
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        error = SchemaError(shown, 0, 0, f"cannot read params: {reason}")
        raise RunError([format_error(error)]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = re.search(r" \(at line (\d+), column (\d+)\)$", message)
        line, col = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
        message = message[: m.start()] if m else message
        error = SchemaError(shown, line, col, f"TOML syntax error: {message}")
        raise RunError([format_error(error)]) from None
    problems = [_locate(shown, text, message, params_type) for message in _check(data, params_type)]
    if problems:
        raise RunError([format_error(p) for p in problems])
    try:
        return msgspec.convert(data, params_type)
    except msgspec.ValidationError as exc:  # what the key-by-key check cannot see
        raise RunError([format_error(_locate(shown, text, str(exc), params_type))]) from None


def _check(data: dict[str, Any], struct: type[Any], at: str = "") -> list[str]:
    """msgspec's message for every key of ``data`` that does not fit ``struct``, each with its
    path (`` - at `$.s1_policy.chunk_size` ``), descending into nested Structs."""
    fields = {f.encode_name: f.type for f in msgspec.structs.fields(struct)}
    messages = []
    for key, value in data.items():
        path = f"{at}.{key}"
        tp = fields.get(key)
        if tp is None:
            messages.append(f"Object contains unknown field `{key}` - at `${at}`")
        elif isinstance(value, dict) and isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            messages += _check(value, tp, path)
        else:
            try:
                msgspec.convert(value, tp)
            except msgspec.ValidationError as exc:
                message, _, inner = str(exc).partition(" - at `$")
                messages.append(f"{message} - at `${path}{inner.removesuffix('`')}`")
    return messages


def _locate(shown: str, text: str, message: str, params_type: type[Any]) -> SchemaError:
    key: KeyPath = ()
    at = _AT.search(message)
    if at is not None:
        message = message[: at.start()]
        for name, index in _SEGMENT.findall(at.group(1)):
            key = (*key, int(index)) if index else (*key, name)
    where = ".".join(str(k) for k in key) or "the top level"
    if m := re.fullmatch(r"Object contains unknown field `(.*)`", message):
        known = _fields(params_type, key)
        key = (*key, m.group(1))
        message = f"unknown key {m.group(1)!r} in {where}{did_you_mean(m.group(1), known)}"
        if known:
            message += f"; expected one of {', '.join(known)}"
    else:
        message = f"{where}: {message}"
    line, col = index_positions(text).locate(key)
    return SchemaError(shown, line if key else 0, col if key else 0, message)


def _fields(struct: Any, key: KeyPath) -> list[str]:
    """The field names of the Struct reached from ``struct`` through ``key`` (if any)."""
    for part in key:
        found = None
        if isinstance(struct, type) and issubclass(struct, msgspec.Struct):
            for f in msgspec.structs.fields(struct):
                if f.encode_name == part:
                    found = f.type
        struct = found
    if isinstance(struct, type) and issubclass(struct, msgspec.Struct):
        return [f.encode_name for f in msgspec.structs.fields(struct)]
    return []
