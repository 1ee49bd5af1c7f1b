"""Recipes: helpers built only from the public primitives (SPEC §2.7).

**Stability.** The core (``chrono_daemon``: channels, clocks, daemons, the supervisor) follows
semantic versioning. Recipes are best-effort: their names and documented behaviour are kept
when possible, but a minor release may change a recipe's details. Each recipe is one short
module over the public API; copy it into your project if you need it frozen.

Subpackages, each re-exporting its names:

- ``routing``: ``tee`` (1:N broadcast), ``merge`` (N:1 fan-in), ``load_balance``
  (round-robin), ``worker_pool`` (concurrent handlers, errors as values).
- ``coordination``: ``select`` (first ready receiver), ``batcher_loop``/``submit``/``Pending``
  (dynamic batching), ``cooperative_every`` (stop-aware periodic loop).
- ``state``: ``Latest`` (newest value), ``DropNewestSend``, ``DropOldestSend``,
  ``CoalesceSend`` (send wrappers that drop instead of blocking, with a ``dropped`` counter).
- ``hosting``: ``SupervisorHost`` (host a supervisor in your task group),
  ``host_async_dispatcher`` (call async code from plain threads).

The flat modules ``chrono_daemon.recipes.<name>`` (``fanout``, ``merge``, ``load_balance``,
``worker_pool``, ``select``, ``batcher``, ``cooperative_every``, ``latest``, ``lossy``,
``supervisor_host``, ``sync_bridge``) re-export the same objects. Import names from them with
``from chrono_daemon.recipes.merge import merge``: on this package, ``recipes.merge`` is the
function, not the module.
"""

# Import through the flat modules first: importing a submodule binds the module on this
# package, so the function or class of the same name must be bound after that import.
from .batcher import Pending as Pending
from .batcher import batcher_loop as batcher_loop
from .batcher import submit as submit
from .cooperative_every import cooperative_every as cooperative_every
from .fanout import tee as tee
from .latest import Latest as Latest
from .load_balance import load_balance as load_balance
from .lossy import CoalesceSend as CoalesceSend
from .lossy import DropNewestSend as DropNewestSend
from .lossy import DropOldestSend as DropOldestSend
from .merge import merge as merge
from .select import select as select
from .supervisor_host import StartupError as StartupError
from .supervisor_host import SupervisorHost as SupervisorHost
from .sync_bridge import host_async_dispatcher as host_async_dispatcher
from .worker_pool import worker_pool as worker_pool

__all__ = (
    "CoalesceSend",
    "DropNewestSend",
    "DropOldestSend",
    "Latest",
    "Pending",
    "StartupError",
    "SupervisorHost",
    "batcher_loop",
    "cooperative_every",
    "host_async_dispatcher",
    "load_balance",
    "merge",
    "select",
    "submit",
    "tee",
    "worker_pool",
)
