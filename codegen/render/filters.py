"""The only way schema text reaches generated code: validated identifiers and repr'd literals.

Every filter either returns code that is correct by construction (a double-quoted string
literal that ``ast.literal_eval`` maps back to the input, an identifier that passed
``check_identifier``) or raises ``RenderError`` — a bug in an earlier stage, never user output.
"""

from __future__ import annotations

import datetime
import functools
import math
import re
from typing import TYPE_CHECKING

from ..model import EnumLit, Lit, SeqLit, Value
from ..naming import check_identifier

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = (
    "LINE_LIMIT",
    "RenderError",
    "call",
    "comment_text",
    "docstring",
    "ident",
    "private_ident",
    "pystr",
    "pystr_chunks",
    "pyvalue",
    "sort_import_names",
    "sort_names",
    "tuple_lines",
)

LINE_LIMIT = 100
"""The line length of generated code (the project's ruff setting)."""

_CHUNK = 72
_SIMPLE_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_PRIVATE = re.compile(r"_[A-Za-z0-9_]*")


class RenderError(Exception):
    """A value that must never reach a template did (a bug in resolve, not a user error)."""


def ident(name: str) -> str:
    """Return ``name`` if it is a safe public identifier; raise otherwise."""
    problem = check_identifier(name)
    if problem is not None:
        raise RenderError(f"refusing to render identifier {name!r}: {problem}")
    return name


def private_ident(name: str) -> str:
    """Return ``name`` if it is a safe ``_private`` identifier built by the generator."""
    if not (_PRIVATE.fullmatch(name) and name.isascii()):
        raise RenderError(f"refusing to render private identifier {name!r}")
    return name


def _escape(ch: str, quote: str = '"') -> str:
    if ch == quote:
        return "\\" + ch
    if ch in ("'", '"'):
        return ch
    simple = _SIMPLE_ESCAPES.get(ch)
    if simple is not None:
        return simple
    if ch.isascii() and ch.isprintable():
        # Everything else is escaped: control and bidi characters (Trojan Source), line
        # separators, and any non-ASCII letter (lookalikes; ruff's RUF001 flags them).
        return ch
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _quote_for(text: str) -> str:
    # ruff format's preference: double quotes, unless that needs more escapes than single.
    return "'" if text.count('"') > text.count("'") else '"'


def pystr(text: str, quote: str | None = None) -> str:
    """A Python string literal equal to ``text`` (no raw, no f-string).

    Backslashes, the quote character, line breaks and every character that is not printable
    ASCII (NUL, ESC, bidi controls, U+2028, lookalike letters) are escaped, so the literal is
    one physical line of ASCII and cannot end early. The quote is ``"`` unless ``text`` holds
    more double than single quotes (ruff format's choice); pass ``quote`` to force one.
    """
    if not isinstance(text, str):
        raise RenderError(f"pystr expects a str, got {type(text).__name__}")
    q = quote or _quote_for(text)
    if text.isascii() and text.isprintable() and "\\" not in text and q not in text:
        return q + text + q  # nothing to escape: the common case, without a call per character
    return q + "".join(_escape(ch, q) for ch in text) + q


def pystr_chunks(text: str, width: int = _CHUNK, quote: str | None = None) -> list[str]:
    """``text`` as several string literals whose implicit concatenation equals it.

    Splits after each newline and every ``width`` characters of source, never inside an
    escape sequence. Each literal picks its own quote like ``pystr`` unless ``quote`` is given.
    """
    pieces: list[str] = []
    current = ""
    size = 0
    for ch in text:
        cost = len(_escape(ch))
        if current and size + cost > width:
            pieces.append(current)
            current, size = "", 0
        current += ch
        size += cost
        if ch == "\n":
            pieces.append(current)
            current, size = "", 0
    if current or not pieces:
        pieces.append(current)
    return [pystr(p, quote) for p in pieces]


def _simple_doc(doc: str, indent: int) -> bool:
    if not doc or doc != doc.strip() or '"""' in doc or "\\" in doc or doc.endswith('"'):
        return False
    if "\n" in doc:  # formatters re-indent continuation lines, which changes __doc__
        return False
    if doc.startswith('"'):
        return False
    lines = doc.split("\n")
    for n, line in enumerate(lines):
        if not (line.isascii() and line.isprintable()) or line != line.rstrip():
            return False
        if n > 0 and line[:1] in (" ", "\t"):  # 3.13 strips docstring indentation
            return False
        if len(line) + indent + 6 > LINE_LIMIT:
            return False
    return True


def docstring(doc: str, indent: int) -> str:
    """A docstring statement (indented by ``indent``) whose value is exactly ``doc``.

    One plain line becomes ``\"\"\"text\"\"\"``; anything else (several lines, quotes,
    backslashes, control characters, long lines) becomes a parenthesized implicit
    concatenation of escaped literals, one per source line: still one constant, so
    ``__doc__`` equals ``doc`` exactly on every Python version and after ``ruff format``.
    """
    pad = " " * indent
    if _simple_doc(doc, indent):
        return f'{pad}"""{doc}"""'
    single = pystr(doc)
    if indent + len(single) <= LINE_LIMIT:
        return f"{pad}{single}"
    chunks = pystr_chunks(doc, max(20, LINE_LIMIT - indent - 8))
    inner = "\n".join(f"{pad}    {c}" for c in chunks)
    return f"{pad}(\n{inner}\n{pad})"


def comment_text(text: str) -> str:
    """Text safe inside a ``#`` comment: a single line of printable characters."""
    if not all(ch.isprintable() for ch in text):
        raise RenderError(f"refusing to put {text!r} in a comment")
    return text


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise RenderError(f"non-finite float {value!r} reached the renderer")
    return repr(value)


def pyvalue(value: Value) -> str:
    """Python source for a validated default value."""
    if isinstance(value, Lit):
        v = value.value
        if v is None or isinstance(v, bool):
            return repr(v)
        if isinstance(v, int):
            return repr(v)
        if isinstance(v, float):
            return _float(v)
        if isinstance(v, str):
            return pystr(v)
        if isinstance(v, datetime.datetime):
            if v.utcoffset() != datetime.timedelta(0):
                raise RenderError("datetime defaults must be normalized to UTC")
            parts = [v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond]
            args = ", ".join(str(p) for p in parts)
            return f"datetime.datetime({args}, tzinfo=datetime.UTC)"
        raise RenderError(f"unsupported literal {v!r}")
    if isinstance(value, EnumLit):
        return f"{ident(value.enum.name)}.{ident(value.member)}"
    if isinstance(value, SeqLit):
        items = ", ".join(pyvalue(v) for v in value.items)
        if value.kind == "list":
            return f"[{items}]"
        return f"({items},)" if len(value.items) == 1 else f"({items})"
    items = ", ".join(f"{pystr(k)}: {pyvalue(v)}" for k, v in value.items)
    return f"{{{items}}}"


@functools.lru_cache(maxsize=4096)  # sorting asks for the same names over and over
def _natural(name: str) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in _DIGITS.split(name))


_DIGITS = re.compile(r"(\d+)")


def sort_names(names: Iterable[str]) -> list[str]:
    """isort-style order (ruff RUF022 / I001): CONSTANTS, then Classes, then the rest."""

    def key(name: str) -> tuple[int, tuple[int | str, ...]]:
        bare = name.lstrip("_")
        if len(bare) > 1 and bare.isupper():
            group = 0
        elif bare[:1].isupper():
            group = 1
        else:
            group = 2
        return group, _natural(name)

    return sorted(set(names), key=key)


def sort_import_names(names: Iterable[str]) -> list[str]:
    """The order ruff's isort uses inside ``from x import ...``: by type, case-insensitive."""

    def key(name: str) -> tuple[int, tuple[int | str, ...], str]:
        bare = name.lstrip("_")
        if len(bare) > 1 and bare.isupper():
            group = 0
        elif bare[:1].isupper():
            group = 1
        else:
            group = 2
        return group, _natural(name.lower()), name

    return sorted(set(names), key=key)


def tuple_lines(prefix: str, names: Iterable[str]) -> str:
    """``prefix(...)`` as a tuple of string literals, wrapped one per line when long."""
    items = [pystr(n) for n in names]
    if not items:
        return f"{prefix}()"
    one = f"{prefix}({', '.join(items)}{',' if len(items) == 1 else ''})"
    if len(one) <= LINE_LIMIT:
        return one
    body = "".join(f"    {item},\n" for item in items)
    return f"{prefix}(\n{body})"


def call(func: str, args: list[str], col: int = 0) -> str:
    """``func(a, b)`` on one line when it fits after ``col`` columns; otherwise one argument
    per line with a trailing comma (ruff format's shape).

    The result is relative: continuation lines are indented by 4 and the closing parenthesis
    by 0, so callers indent the whole text (Jinja's ``indent``). Multi-line arguments (nested
    calls built the same way) are shifted as a block.
    """
    one = f"{func}({', '.join(args)})"
    if col + len(one) <= LINE_LIMIT and "\n" not in one:
        return one
    lines = [f"{func}("]
    for arg in args:
        arg_lines = arg.split("\n")
        arg_lines[-1] += ","
        lines += [f"    {line}" for line in arg_lines]
    lines.append(")")
    return "\n".join(lines)
