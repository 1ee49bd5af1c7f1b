"""Compatibility module: re-exports ``recipes.hosting.sync_bridge`` (SPEC §2.7)."""

from .hosting.sync_bridge import host_async_dispatcher as host_async_dispatcher

__all__ = ("host_async_dispatcher",)
