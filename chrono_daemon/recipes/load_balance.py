"""Compatibility module: re-exports ``recipes.routing.load_balance`` (SPEC §2.7)."""

from .routing.load_balance import load_balance as load_balance

__all__ = ("load_balance",)
