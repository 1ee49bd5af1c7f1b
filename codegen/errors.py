"""Schema errors as values: every stage returns them, only the CLI prints them (SPEC §3.5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ("SchemaError", "Severity", "format_error", "sort_errors")

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One problem found in a schema directory.

    Attributes:
        path: the file (or directory) as the user named it, e.g. ``schemas/system_stack.toml``.
        line: 1-based line of the offending key or value; 0 when the problem is the whole file.
        col: 1-based column, or 0 when unknown.
        message: what is wrong and, where possible, what to do (``did you mean 'Obs'?``).
        severity: ``"error"`` fails the run; ``"warning"`` is reported and generation goes on.
    """

    path: str
    line: int
    col: int
    message: str
    severity: Severity = "error"

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        """The stable report order: by file, line, column, then message."""
        return (self.path, self.line, self.col, self.message)


def format_error(error: SchemaError) -> str:
    """Render ``path:line[:col]: severity: message`` (``path: severity: ...`` without a line)."""
    where = error.path
    if error.line > 0:
        where += f":{error.line}"
        if error.col > 0:
            where += f":{error.col}"
    # A message must stay on one line: a newline in user text could forge another report line.
    message = error.message.replace("\r", "\\r").replace("\n", "\\n")
    return f"{where}: {error.severity}: {message}"


def sort_errors(errors: list[SchemaError]) -> list[SchemaError]:
    """Return ``errors`` deduplicated and sorted by (file, line, column, message)."""
    return sorted(set(errors), key=lambda e: e.sort_key)
