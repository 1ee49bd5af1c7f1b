"""Coordination recipes: waiting on several streams, batching requests, stop-aware loops."""

from .batcher import Pending as Pending
from .batcher import batcher_loop as batcher_loop
from .batcher import submit as submit
from .cooperative_every import cooperative_every as cooperative_every
from .select import select as select

__all__ = ("Pending", "batcher_loop", "cooperative_every", "select", "submit")
