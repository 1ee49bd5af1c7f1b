"""Hosting recipes: run a supervisor in a caller's task group, or behind a thread bridge."""

from .supervisor_host import StartupError as StartupError
from .supervisor_host import SupervisorHost as SupervisorHost
from .sync_bridge import host_async_dispatcher as host_async_dispatcher

__all__ = ("StartupError", "SupervisorHost", "host_async_dispatcher")
