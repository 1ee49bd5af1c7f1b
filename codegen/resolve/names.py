"""Name rules: identifiers, reserved names, and collisions in a generated module's namespace."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..naming import IMPORTED_NAMES, check_identifier

if TYPE_CHECKING:
    from ..load.positions import KeyPath
    from .context import FileContext

__all__ = ("ENUM_RESERVED", "Namespace", "check_name")

ENUM_RESERVED = frozenset({"name", "value", "mro"})
"""Enum member names refused: ``mro`` breaks ``enum``; ``name``/``value`` shadow members."""


def check_name(ctx: FileContext, key: KeyPath, what: str, name: str) -> bool:
    """Report (at ``key``) why ``name`` is not a valid identifier; return True when it is."""
    problem = check_identifier(name)
    if problem is None:
        return True
    ctx.error(key, f"{what} {name!r} {problem}")
    return False


@dataclass
class Namespace:
    """The module-level names one schema file generates (classes, aliases, imported stems).

    Every name is registered with what defines it; ``report`` then refuses duplicates (naming
    both definitions) and names that shadow what generated code imports.
    """

    entries: list[tuple[str, str, KeyPath]] = field(default_factory=list)

    def add(self, ctx: FileContext, name: str, what: str, key: KeyPath) -> None:
        """Register ``name``, defined by ``what`` at ``key``."""
        del ctx  # positions are looked up only for names that are reported
        self.entries.append((name, what, key))

    def names(self) -> frozenset[str]:
        """Every registered name."""
        return frozenset(e[0] for e in self.entries)

    def report(self, ctx: FileContext) -> None:
        """Report collisions: the later definition names the earlier one and its line."""
        counts = Counter(name for name, _, _ in self.entries)
        suspects = [
            (ctx.line(key), name, what, key)
            for name, what, key in self.entries
            if counts[name] > 1 or name in IMPORTED_NAMES
        ]
        seen: dict[str, tuple[int, str]] = {}
        for line, name, what, key in sorted(suspects, key=lambda e: (e[0], e[1], e[2])):
            if name in IMPORTED_NAMES and not what.startswith("module"):
                ctx.error(
                    key,
                    f"{what} would shadow {name!r}, which generated code imports or uses; "
                    "rename it",
                )
                continue
            if name in seen:
                first_line, first_what = seen[name]
                ctx.error(
                    key,
                    f"{what} collides with {first_what} (line {first_line}): both generate "
                    f"the name {name!r}; rename one of them",
                )
                continue
            seen[name] = (line, what)
