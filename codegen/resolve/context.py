"""Per-file bookkeeping shared by the resolver's rules: positions and collected errors."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import SchemaError, Severity
from ..model import Loc

if TYPE_CHECKING:
    from ..load import RawFile
    from ..load.positions import KeyPath

__all__ = ("FileContext",)


@dataclass
class FileContext:
    """The file being resolved; rules call ``error`` and keep going (all errors at once)."""

    raw: RawFile
    errors: list[SchemaError] = field(default_factory=list)

    def loc(self, key: KeyPath) -> Loc:
        """The position of ``key`` (or of its closest recorded parent), looked up when read."""
        return Loc.lazy(self.raw.path, functools.partial(self.raw.positions.locate, key))

    def line(self, key: KeyPath) -> int:
        """The line of ``key``."""
        return self.raw.positions.line_of(key)

    def error(self, key: KeyPath, message: str, severity: Severity = "error") -> None:
        """Record a problem at ``key``."""
        line, col = self.raw.positions.locate(key)
        self.errors.append(SchemaError(self.raw.path, line, col, message, severity))
