"""Routing recipes: broadcast, fan-in, round-robin and worker pools over SPSC channels."""

from .fanout import tee as tee
from .merge import merge as merge

__all__ = ("merge", "tee")
