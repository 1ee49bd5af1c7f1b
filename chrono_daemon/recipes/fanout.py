"""Compatibility module: re-exports ``recipes.routing.fanout`` (SPEC §2.7)."""

from .routing.fanout import tee as tee

__all__ = ("tee",)
