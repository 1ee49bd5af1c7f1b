"""Compatibility module: re-exports ``recipes.routing.merge`` (SPEC §2.7)."""

from .routing.merge import merge as merge

__all__ = ("merge",)
