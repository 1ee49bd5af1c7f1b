"""Compatibility module: re-exports ``recipes.state.lossy`` (SPEC §2.7)."""

from .state.lossy import CoalesceSend as CoalesceSend
from .state.lossy import DropNewestSend as DropNewestSend
from .state.lossy import DropOldestSend as DropOldestSend

__all__ = (
    "CoalesceSend",
    "DropNewestSend",
    "DropOldestSend",
)
