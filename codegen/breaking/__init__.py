"""``chrono breaking``: the breaking changes between two versions of a schema directory.

``compare_packages(old, new)`` compares two resolved packages: every message and enum by the
wire rules of ``chrono_wire.compare`` (``types``), every graph by the graph rules
(``graph``). ``check_breaking(new_dir, against)`` loads and resolves both sides first, OLD
from a directory or a git revision (``source``). Nothing here prints; ``codegen.cmd.breaking``
does. The rules and their categories (``WIRE``, ``CODE``) are listed in docs/cli.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chrono_wire import CATEGORIES

from ..errors import SchemaError, sort_errors
from ..load import load
from ..resolve import resolve
from ..wire_shapes import PackageShapes
from .breaks import Break as Break
from .graph import graph_breaks
from .source import AgainstError as AgainstError
from .source import OldSchemas as OldSchemas
from .source import read_against as read_against
from .types import type_breaks

if TYPE_CHECKING:
    from collections.abc import Collection
    from pathlib import Path

    from chrono_wire import Category

    from ..load import LoadResult
    from ..model import Package

__all__ = (
    "AgainstError",
    "Break",
    "BreakingReport",
    "OldSchemas",
    "check_breaking",
    "compare_packages",
    "read_against",
)


def compare_packages(
    old: Package, new: Package, *, categories: Collection[Category] = CATEGORIES
) -> list[Break]:
    """Every change from ``old`` to ``new`` that breaks one of ``categories``, sorted."""
    old_shapes, new_shapes = PackageShapes(old), PackageShapes(new)
    found = [
        *type_breaks(old, new, old_shapes, new_shapes),
        *graph_breaks(old, new, old_shapes, new_shapes),
    ]
    wanted = frozenset(categories)
    return sorted((b for b in found if b.breaks & wanted), key=lambda b: b.sort_key)


@dataclass(frozen=True)
class BreakingReport:
    """The outcome of ``check_breaking``.

    Attributes:
        old_label: how OLD was named (``main:schemas``, ``../old``).
        breaks: the breaking changes (empty when compatible, or when ``errors`` is not).
        errors: schema errors of NEW or OLD; when there are any, nothing was compared.
        note: something the user should know (OLD did not exist at that revision...).
    """

    old_label: str
    breaks: list[Break] = field(default_factory=list)
    errors: list[SchemaError] = field(default_factory=list)
    note: str | None = None


def _resolved(loaded: LoadResult) -> tuple[Package | None, list[SchemaError]]:
    resolved = resolve(loaded.files)
    errors = sort_errors(loaded.errors + resolved.errors)
    if any(e.severity == "error" for e in errors):
        return None, [e for e in errors if e.severity == "error"]
    return resolved.package, []


def check_breaking(
    new_dir: Path, against: str, *, categories: Collection[Category] = CATEGORIES
) -> BreakingReport:
    """Compare the schemas of ``new_dir`` with OLD (a directory or git revision).

    Raises:
        AgainstError: ``against`` cannot be read (see ``read_against``).
    """
    old = read_against(new_dir, against)
    new_package, new_errors = _resolved(load(new_dir))
    old_package, old_errors = _resolved(old.loaded)
    errors = new_errors + old_errors
    if errors or new_package is None:
        return BreakingReport(old.label, errors=errors, note=old.note)
    if old_package is None:  # an empty OLD (not in that revision): nothing can break
        return BreakingReport(old.label, note=old.note)
    return BreakingReport(
        old.label, compare_packages(old_package, new_package, categories=categories), note=old.note
    )
