"""Lockstep virtual time across the processes of a split graph (``chrono launch --clock sim``).

An optional subpackage outside the anyio-only core (it builds on ``run``, ``launch`` and the
ZeroMQ transport); nothing in the core imports it. Pieces (ADR 0026, 0027, docs/lockstep.md):

- ``Coordinator`` (in the launcher): decides, with every process settled, which frames to let
  in and which process wakes its next sleepers, up to where;
- ``Follower`` (in each child): the run's SimClock driver, following the coordinator;
- ``LockstepEndpoints``: the cross-process wires, counted, held until released, credited;
- ``run_local``: the same, with every process in one event loop (tests, debugging).
"""

from .coordinator import DEFAULT_SLICE as DEFAULT_SLICE
from .coordinator import DEFAULT_WATCHDOG as DEFAULT_WATCHDOG
from .coordinator import Coordinator as Coordinator
from .coordinator import LockstepStats as LockstepStats
from .coordinator import Route as Route
from .errors import LockstepError as LockstepError
from .follower import Follower as Follower
from .local import LocalOutcome as LocalOutcome
from .local import run_local as run_local
from .routes import process_plan as process_plan
from .routes import routes_of as routes_of
from .wires import LockstepEndpoints as LockstepEndpoints

__all__ = (
    "DEFAULT_SLICE",
    "DEFAULT_WATCHDOG",
    "Coordinator",
    "Follower",
    "LocalOutcome",
    "LockstepEndpoints",
    "LockstepError",
    "LockstepStats",
    "Route",
    "process_plan",
    "routes_of",
    "run_local",
)
