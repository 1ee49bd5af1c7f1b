"""Compatibility module: re-exports ``recipes.state.latest`` (SPEC §2.7)."""

from .state.latest import Latest as Latest

__all__ = ("Latest",)
