"""Compatibility module: re-exports ``recipes.hosting.supervisor_host`` (SPEC §2.7)."""

from .hosting.supervisor_host import StartupError as StartupError
from .hosting.supervisor_host import SupervisorHost as SupervisorHost

__all__ = (
    "StartupError",
    "SupervisorHost",
)
