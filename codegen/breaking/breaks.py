"""``Break``: one breaking change between two schema versions, located in a schema file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import SchemaError

if TYPE_CHECKING:
    from chrono_wire import Category

    from ..model import Loc

__all__ = ("Break",)


@dataclass(frozen=True, slots=True)
class Break:
    """A change from OLD to NEW that breaks peers, recordings or code built against OLD.

    Attributes:
        loc: where it is: in NEW, or in OLD for something NEW no longer has.
        anchor: for a location in OLD, the nearest place in NEW (the enclosing message,
            daemon or file) where CI annotations can show it; ``None`` when NEW has none.
        rule: a stable identifier (``FIELD_REMOVED``...; docs/cli.md lists them all).
        breaks: the categories it breaks (``WIRE``, ``CODE``).
        message: what changed and why it breaks, on one line.
    """

    loc: Loc
    anchor: Loc | None
    rule: str
    breaks: frozenset[Category]
    message: str

    @property
    def text(self) -> str:
        """The message with its categories: ``... was removed [WIRE, CODE]``."""
        order = [c for c in ("WIRE", "CODE") if c in self.breaks]
        return f"{self.message} [{', '.join(order)}]"

    def as_error(self) -> SchemaError:
        """As a ``SchemaError`` at ``loc`` (for ``path:line:col: error:`` lines)."""
        return SchemaError(self.loc.path, self.loc.line, self.loc.col, self.text)

    def as_annotation(self) -> SchemaError:
        """As a ``SchemaError`` at ``anchor`` when there is one (files CI has checked out)."""
        where = self.anchor or self.loc
        return SchemaError(where.path, where.line, where.col, self.text)

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        """Report order: by file, line, column, message."""
        return (self.loc.path, self.loc.line, self.loc.col, self.message)
