"""Routing recipes: broadcast, fan-in, round-robin and worker pools over SPSC channels."""

from .fanout import tee as tee
from .load_balance import load_balance as load_balance
from .merge import merge as merge
from .worker_pool import worker_pool as worker_pool

__all__ = ("load_balance", "merge", "tee", "worker_pool")
