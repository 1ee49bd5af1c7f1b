"""Run a schema graph, or one process of it, as a program (``chrono run``, SPEC §6.2).

An optional subpackage outside the anyio-only core (it needs msgspec, pyzmq and ``codegen``);
nothing in the core imports it. Usable from Python without the CLI::

    plan = plan_run(Path("schemas"), "system_stack", "impl.system_stack")  # checks everything
    built = plan.build()                                                   # constructs
    outcome = await execute(built, clock="sim", until=60.0)                # runs to the end

``plan_run(..., process="policy")`` plans one process of a split graph, its wires on ZeroMQ
(``ZmqEndpoints``) at the addresses ``wire_addresses`` settles. To record the run::

    clock = new_clock("sim")
    recorder = open_recorder(plan, "run.mcap", clock)
    outcome = await execute(plan.build(tap=recorder), clock=clock)
    await close_recorder(recorder)
"""

from .addresses import ADDRESSES_ENV as ADDRESSES_ENV
from .addresses import env_addresses as env_addresses
from .addresses import format_addresses as format_addresses
from .addresses import parse_addresses as parse_addresses
from .addresses import wire_addresses as wire_addresses
from .endpoints import MemoryEndpoints as MemoryEndpoints
from .endpoints import ZmqEndpoints as ZmqEndpoints
from .errors import RunError as RunError
from .harness import HarnessHost as HarnessHost
from .impl import missing_hooks as missing_hooks
from .params import load_params as load_params
from .plan import Built as Built
from .plan import RunPlan as RunPlan
from .plan import load_graph as load_graph
from .plan import plan_run as plan_run
from .record import close_recorder as close_recorder
from .record import graph_topics as graph_topics
from .record import open_recorder as open_recorder
from .record import record_patterns as record_patterns
from .record import run_description as run_description
from .runner import ClockKind as ClockKind
from .runner import RunOutcome as RunOutcome
from .runner import execute as execute
from .runner import new_clock as new_clock

__all__ = (
    "ADDRESSES_ENV",
    "Built",
    "ClockKind",
    "HarnessHost",
    "MemoryEndpoints",
    "RunError",
    "RunOutcome",
    "RunPlan",
    "ZmqEndpoints",
    "close_recorder",
    "env_addresses",
    "execute",
    "format_addresses",
    "graph_topics",
    "load_graph",
    "load_params",
    "missing_hooks",
    "new_clock",
    "open_recorder",
    "parse_addresses",
    "plan_run",
    "record_patterns",
    "run_description",
    "wire_addresses",
)
