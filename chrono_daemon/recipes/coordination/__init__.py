"""Coordination recipes: waiting on several streams, batching requests, stop-aware loops."""

from .cooperative_every import cooperative_every as cooperative_every

__all__ = ("cooperative_every",)
