"""Recipes: helpers built only from the public primitives (SPEC §2.7).

Stability: the core (``chrono_daemon``: channels, clocks, daemons, the supervisor) follows
semantic versioning. Recipes are best-effort: their names and documented behaviour are kept
when possible, but a minor release may change a recipe's details. Copy a recipe into your
project if you need it frozen — each one is a short module over the public API.

Grouped in subpackages, each re-exporting its names: ``routing`` (``tee``, ``merge``),
``coordination`` (``cooperative_every``) and ``state`` (``Latest``, ``DropNewestSend``,
``DropOldestSend``, ``CoalesceSend``). The flat modules ``chrono_daemon.recipes.<name>``
(``fanout``, ``merge``, ``latest``, ``lossy``, ...) re-export the same objects.
"""

# Import through the flat modules: importing a submodule binds its name on this package, so
# the names below must be bound after those imports (``recipes.merge`` is the function).
from .cooperative_every import cooperative_every as cooperative_every
from .fanout import tee as tee
from .latest import Latest as Latest
from .lossy import CoalesceSend as CoalesceSend
from .lossy import DropNewestSend as DropNewestSend
from .lossy import DropOldestSend as DropOldestSend
from .merge import merge as merge

__all__ = (
    "CoalesceSend",
    "DropNewestSend",
    "DropOldestSend",
    "Latest",
    "cooperative_every",
    "merge",
    "tee",
)
