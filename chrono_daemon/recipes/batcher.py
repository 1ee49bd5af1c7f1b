"""Compatibility module: re-exports ``recipes.coordination.batcher`` (SPEC §2.7)."""

from .coordination.batcher import Pending as Pending
from .coordination.batcher import batcher_loop as batcher_loop
from .coordination.batcher import submit as submit

__all__ = (
    "Pending",
    "batcher_loop",
    "submit",
)
