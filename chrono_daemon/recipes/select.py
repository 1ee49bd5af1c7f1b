"""Compatibility module: re-exports ``recipes.coordination.select`` (SPEC §2.7)."""

from .coordination.select import select as select

__all__ = ("select",)
