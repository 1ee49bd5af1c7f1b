"""A key path -> (line, column) index for TOML text that ``tomllib`` already accepted.

``tomllib`` returns plain dicts without positions, so every semantic error needs this index
(RELIABILITY "TOML positions"). The scanner understands exactly the shapes that break text
heuristics: ``[[arrays.of.tables]]``, inline tables, dotted keys, quoted keys (``"a.b"`` is one
key), multi-line strings and arrays. It assumes valid TOML: run it only after ``tomllib`` parsed
the same text.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ("KeyPath", "LazyPositionIndex", "PositionIndex", "Positions", "index_positions")

KeyPath = tuple[str | int, ...]

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_ESCAPES = {
    "b": "\b",
    "t": "\t",
    "n": "\n",
    "f": "\f",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "e": "\x1b",
}


@dataclass(frozen=True)
class PositionIndex:
    """Positions of keys (and array elements) of one TOML document.

    ``locate(path)`` answers with the longest recorded prefix of ``path``, so an error deep
    inside a value still points at the closest key the user wrote.
    """

    offsets: dict[KeyPath, int] = field(default_factory=dict)
    line_starts: tuple[int, ...] = (0,)

    def locate(self, path: KeyPath) -> tuple[int, int]:
        """Return the 1-based (line, column) of ``path`` or of its longest known prefix."""
        for end in range(len(path), 0, -1):
            offset = self.offsets.get(path[:end])
            if offset is not None:
                line = bisect.bisect_right(self.line_starts, offset)
                return line, offset - self.line_starts[line - 1] + 1
        return 1, 0

    def line_of(self, path: KeyPath) -> int:
        """Return the 1-based line of ``path`` (see ``locate``)."""
        return self.locate(path)[0]


class Positions(Protocol):
    """What errors need from an index: ``PositionIndex`` or ``LazyPositionIndex``."""

    def locate(self, path: KeyPath) -> tuple[int, int]:
        """The 1-based (line, column) of ``path`` or of its longest known prefix."""
        ...

    def line_of(self, path: KeyPath) -> int:
        """The 1-based line of ``path``."""
        ...


class LazyPositionIndex:
    """``index_positions(text)``, built only when a position is first asked for.

    Positions are needed for errors and warnings only; a valid schema never pays for the scan
    (issue 15.8: it was ~30 % of loading). A file nested deeper than the scanner can follow
    (``tomllib`` accepted it) gets an empty index: every position is then line 1.
    """

    __slots__ = ("_index", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._index: PositionIndex | None = None

    def _built(self) -> PositionIndex:
        if self._index is None:
            try:
                self._index = index_positions(self._text)
            except RecursionError:
                self._index = PositionIndex()
            self._text = ""
        return self._index

    def locate(self, path: KeyPath) -> tuple[int, int]:
        """See ``PositionIndex.locate``."""
        return self._built().locate(path)

    def line_of(self, path: KeyPath) -> int:
        """See ``PositionIndex.line_of``."""
        return self._built().line_of(path)


def index_positions(text: str) -> PositionIndex:
    """Scan ``text`` (valid TOML) and return the position of every key and array element."""
    scanner = _Scanner(text)
    scanner.document()
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    return PositionIndex(offsets=scanner.offsets, line_starts=tuple(starts))


class _Scanner:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.offsets: dict[KeyPath, int] = {}
        self.aot_counts: dict[KeyPath, int] = {}

    # -- helpers -------------------------------------------------------------------------------

    def _peek(self, ahead: int = 0) -> str:
        j = self.i + ahead
        return self.s[j] if j < len(self.s) else ""

    def _skip_ws(self, *, newlines: bool) -> None:
        s = self.s
        while self.i < len(s):
            ch = s[self.i]
            if ch in " \t" or (newlines and ch in "\r\n"):
                self.i += 1
            elif ch == "#":
                while self.i < len(s) and s[self.i] != "\n":
                    self.i += 1
            else:
                return

    def _record(self, path: KeyPath, offset: int) -> None:
        self.offsets.setdefault(path, offset)

    # -- grammar -------------------------------------------------------------------------------

    def document(self) -> None:
        table: KeyPath = ()
        while True:
            self._skip_ws(newlines=True)
            if self.i >= len(self.s):
                return
            if self._peek() == "[":
                table = self._header()
            else:
                self._keyval(table)

    def _header(self) -> KeyPath:
        is_array = self._peek(1) == "["
        self.i += 2 if is_array else 1
        parts = self._key()
        self._skip_ws(newlines=False)
        self.i += 2 if is_array else 1
        path: KeyPath = ()
        for n, (name, offset) in enumerate(parts):
            path = (*path, name)
            last = n == len(parts) - 1
            if not last:
                self._record(path, offset)
                if path in self.aot_counts:
                    path = (*path, self.aot_counts[path] - 1)
            elif is_array:
                self._record(path, offset)
                count = self.aot_counts.get(path, 0) + 1
                self.aot_counts[path] = count
                path = (*path, count - 1)
                self._record(path, offset)
            else:
                self._record(path, offset)
        return path

    def _key(self) -> list[tuple[str, int]]:
        parts: list[tuple[str, int]] = []
        while True:
            self._skip_ws(newlines=False)
            start = self.i
            ch = self._peek()
            if ch == '"':
                name = self._basic_string()
            elif ch == "'":
                name = self._literal_string()
            else:
                while self.i < len(self.s) and self.s[self.i] in _BARE:
                    self.i += 1
                name = self.s[start : self.i]
            parts.append((name, start))
            self._skip_ws(newlines=False)
            if self._peek() == ".":
                self.i += 1
                continue
            return parts

    def _keyval(self, base: KeyPath) -> None:
        parts = self._key()
        path = base
        for name, offset in parts:
            path = (*path, name)
            self._record(path, offset)
        self._skip_ws(newlines=False)
        self.i += 1  # '='
        self._skip_ws(newlines=False)
        self._value(path)

    def _value(self, path: KeyPath) -> None:
        ch = self._peek()
        if ch == '"':
            self._basic_string()
        elif ch == "'":
            self._literal_string()
        elif ch == "{":
            self.i += 1
            while True:
                self._skip_ws(newlines=True)
                if self._peek() == "}":
                    self.i += 1
                    return
                if self._peek() == ",":
                    self.i += 1
                    continue
                if self.i >= len(self.s):
                    return
                self._keyval(path)
        elif ch == "[":
            self.i += 1
            index = 0
            while True:
                self._skip_ws(newlines=True)
                if self._peek() == "]":
                    self.i += 1
                    return
                if self._peek() == ",":
                    self.i += 1
                    continue
                if self.i >= len(self.s):
                    return
                self._record((*path, index), self.i)
                self._value((*path, index))
                index += 1
        else:
            s = self.s
            while self.i < len(s) and s[self.i] not in ",]}\r\n#":
                self.i += 1

    def _basic_string(self) -> str:
        s = self.s
        if s.startswith('"""', self.i):
            self.i += 3
            while self.i < len(s):
                if s[self.i] == "\\":
                    self.i += 2
                elif s.startswith('"""', self.i):
                    self.i += 3
                    while self._peek() == '"':  # up to two quotes may close the content
                        self.i += 1
                    return ""
                else:
                    self.i += 1
            return ""
        self.i += 1
        out: list[str] = []
        while self.i < len(s) and s[self.i] != '"':
            ch = s[self.i]
            if ch == "\\":
                code = self._peek(1)
                if code in ("u", "U"):
                    width = 4 if code == "u" else 8
                    out.append(chr(int(s[self.i + 2 : self.i + 2 + width], 16)))
                    self.i += 2 + width
                    continue
                if code == "x":
                    out.append(chr(int(s[self.i + 2 : self.i + 4], 16)))
                    self.i += 4
                    continue
                out.append(_ESCAPES.get(code, code))
                self.i += 2
                continue
            out.append(ch)
            self.i += 1
        self.i += 1
        return "".join(out)

    def _literal_string(self) -> str:
        s = self.s
        if s.startswith("'''", self.i):
            end = s.find("'''", self.i + 3)
            self.i = len(s) if end < 0 else end + 3
            while self._peek() == "'":
                self.i += 1
            return ""
        end = s.find("'", self.i + 1)
        value = s[self.i + 1 : end]
        self.i = end + 1
        return value
