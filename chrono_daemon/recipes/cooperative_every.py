"""Compatibility module: re-exports ``recipes.coordination.cooperative_every`` (SPEC §2.7)."""

from .coordination.cooperative_every import cooperative_every as cooperative_every

__all__ = ("cooperative_every",)
