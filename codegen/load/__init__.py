"""Stage 1 of the pipeline: read every ``*.toml`` of a directory into raw Structs (SPEC §4.1).

``load(directory)`` never raises for user error: unreadable files, bad encodings, TOML syntax
errors and structural errors all come back as ``SchemaError`` values with file and line.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import SchemaError, sort_errors
from ..suggest import suggest
from .decode import TOP_KEYS, decode_schema
from .positions import LazyPositionIndex

if TYPE_CHECKING:
    from pathlib import Path

    from .positions import KeyPath, Positions
    from .raw import RawSchema

__all__ = ("MAX_FILE_BYTES", "LoadResult", "RawFile", "load", "load_text")

MAX_FILE_BYTES = 1 << 20
"""Schema files above 1 MiB are refused: tomllib's time and memory grow with hostile input."""

_TOML_POS = re.compile(r" \(at line (\d+), column (\d+)\)$")
_BOM = "\ufeff"


@dataclass(frozen=True)
class RawFile:
    """One decoded schema file.

    Attributes:
        path: the file as the user named it (``schemas/system_stack.toml``), used in errors.
        name: the file name (``system_stack.toml``), used in generated headers.
        stem: the module name the file defines (validated during resolution).
        sha256: hash of the normalized source (UTF-8 without BOM, LF line endings).
        schema: the decoded content; entries that failed to decode are left out.
        positions: key path -> position index for semantic errors (built on first use).
        edge_index: for each decoded edge, its index among the file's ``[[edges]]``.
        declared: every ``(kind, name)`` the file declares under ``messages``/``enums``/
            ``daemons``/``processes`` (kind ``message``, ``enum``, ``daemon``, ``process``), even
            entries that failed to decode (so references to them do not cascade into
            "unknown type" errors).
        clean: True when the file decoded without any error.
        lost: key paths of nested entries that failed to decode and are missing from
            ``schema`` (``("daemons", "d", "inputs", "x")``), or of whole sub-tables that were
            not tables (``("graph", "inputs")``): the resolver checks what is left of their
            containers but keeps those out of the model, so that nothing follows from a loss.
    """

    path: str
    name: str
    stem: str
    sha256: str
    schema: RawSchema
    positions: Positions
    edge_index: tuple[int, ...] = ()
    declared: tuple[tuple[str, str], ...] = ()
    clean: bool = True
    lost: frozenset[KeyPath] = frozenset()

    def lost_in(self, key: KeyPath) -> bool:
        """True when an entry inside ``key`` (e.g. ``("daemons", "d")``) was lost."""
        return any(path[: len(key)] == key for path in self.lost)


@dataclass(frozen=True)
class LoadResult:
    """Every file that parsed, plus every error found while reading and decoding."""

    files: tuple[RawFile, ...] = ()
    errors: list[SchemaError] = field(default_factory=list)


def _display(directory: Path, name: str) -> str:
    return f"{directory.as_posix().rstrip('/')}/{name}" if str(directory) else name


def load(directory: Path) -> LoadResult:
    """Read every ``*.toml`` file directly inside ``directory`` (sorted by name).

    Hidden files (``.#x.toml``) and editor backups (``x.toml~``) are ignored; ``X.TOML``,
    anything that is not a regular file once symlinks are followed (a directory, a FIFO, a
    device), broken symlinks and unreadable files are errors.
    """
    shown = directory.as_posix()
    if not directory.is_dir():
        what = "does not exist" if not directory.exists() else "is not a directory"
        return LoadResult(errors=[SchemaError(shown, 0, 0, f"schema directory {what}")])
    files: list[RawFile] = []
    errors: list[SchemaError] = []
    for entry in sorted(directory.iterdir(), key=lambda p: p.name):
        name = entry.name
        if name.startswith(".") or name.endswith("~") or not name.lower().endswith(".toml"):
            continue
        path = _display(directory, name)
        if not name.endswith(".toml"):
            errors.append(
                SchemaError(
                    path,
                    0,
                    0,
                    f"schema files must end in '.toml': rename to "
                    f"{name[: -len('.toml')] + '.toml'!r}",
                )
            )
            continue
        data = _read_regular(entry, path, errors)
        if data is None:
            continue
        result = load_text(data, path=path, name=name)
        errors.extend(result.errors)
        files.extend(result.files)
    if not files and not errors:
        errors.append(SchemaError(shown, 0, 0, "no schema files (*.toml) in this directory"))
    return LoadResult(files=tuple(files), errors=sort_errors(errors))


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int, link: bool) -> str | None:
    if stat.S_ISREG(mode):
        return None
    kind = next((text for test, text in _KINDS if test(mode)), "not a file")
    return f"not a regular file ({'a symlink to ' if link else ''}{kind})"


def _read_regular(entry: Path, path: str, errors: list[SchemaError]) -> bytes | None:
    """The bytes of ``entry``, or None after adding the reason to ``errors``.

    The type is checked before opening (a FIFO would block ``open``, ``/dev/zero`` would never
    end), and again on the open descriptor, in case the path was swapped in between.
    """
    link = entry.is_symlink()
    try:
        problem = _not_regular(entry.stat().st_mode, link)
        if problem is None:
            fd = os.open(entry, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as f:
                st = os.fstat(f.fileno())
                problem = _not_regular(st.st_mode, link)
                if problem is None and st.st_size > MAX_FILE_BYTES:
                    problem = (
                        f"file too large ({st.st_size} bytes; the limit is {MAX_FILE_BYTES} bytes)"
                    )
                if problem is None:
                    return f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        problem = "broken symlink: its target does not exist" if link else "file vanished"
    except OSError as exc:
        problem = f"cannot read file: {exc.strerror or exc}"
    errors.append(SchemaError(path, 0, 0, problem))
    return None


def load_text(data: bytes, *, path: str, name: str) -> LoadResult:
    """Parse and decode one file's bytes; ``path`` is used in errors, ``name`` in headers."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return LoadResult(
            errors=[
                SchemaError(
                    path,
                    line,
                    0,
                    f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                    f"{exc.start}); save it as UTF-8",
                )
            ]
        )
    # A BOM is harmless in a UTF-8 file; strip it rather than fail with tomllib's
    # "Invalid statement (at line 1, column 1)".
    text = text.removeprefix(_BOM).replace("\r\n", "\n")
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line, col = 0, 0
        m = _TOML_POS.search(message)
        if m is not None:
            message = message[: m.start()]
            line, col = int(m.group(1)), int(m.group(2))
        elif message.endswith(" (at end of document)"):
            message = message.removesuffix(" (at end of document)") + " at end of file"
            line = text.count("\n") + 1
        return LoadResult(errors=[SchemaError(path, line, col, f"TOML syntax error: {message}")])
    except RecursionError:
        return LoadResult(errors=[SchemaError(path, 1, 0, "nesting too deep")])
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    positions = LazyPositionIndex(text)
    schema, edge_index, errors, lost = decode_schema(parsed, path, positions)
    raw = RawFile(
        path=path,
        name=name,
        stem=name.removesuffix(".toml"),
        sha256=sha,
        schema=schema,
        positions=positions,
        edge_index=edge_index,
        declared=_declared(parsed),
        clean=not errors,
        lost=lost,
    )
    return LoadResult(files=(raw,), errors=errors)


def _declared(parsed: dict[str, object]) -> tuple[tuple[str, str], ...]:
    """What the file declares, also under a misspelt table name (``[daemon.x]`` declares the
    daemon ``x``: an edge to it is not "unknown" too, the misspelt key is the one error)."""
    out: list[tuple[str, str]] = []
    tables = {"enums": "enum", "messages": "message", "daemons": "daemon", "processes": "process"}
    for table, entries in parsed.items():
        kind = tables.get(table)
        if kind is None and table not in TOP_KEYS:
            kind = tables.get(suggest(table, tables) or "")
        if kind is not None and isinstance(entries, dict):
            out += [(kind, name) for name in entries]
    return tuple(out)
