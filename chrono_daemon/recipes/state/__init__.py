"""State recipes: the newest value, and senders that drop instead of blocking."""

from .latest import Latest as Latest
from .lossy import CoalesceSend as CoalesceSend
from .lossy import DropNewestSend as DropNewestSend
from .lossy import DropOldestSend as DropOldestSend

__all__ = ("CoalesceSend", "DropNewestSend", "DropOldestSend", "Latest")
