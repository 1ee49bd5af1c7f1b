"""Compatibility module: re-exports ``recipes.routing.worker_pool`` (SPEC §2.7)."""

from .routing.worker_pool import worker_pool as worker_pool

__all__ = ("worker_pool",)
