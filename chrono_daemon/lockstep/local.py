"""``run_local``: every process of a split graph in this event loop, in lockstep.

Each process gets its own supervisor, SimClock and ``Follower``; the wires are in-memory
channels behind ``LockstepEndpoints``, the control links in-memory channels, and the real
``Coordinator`` drives them. The same protocol as ``chrono launch --clock sim`` without the
sockets and the OS processes: for tests (fast, so property tests can afford it) and for
debugging a split. Outputs equal the launched run's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio

from chrono_daemon import open_channel
from chrono_daemon.run.endpoints import MemoryEndpoints
from chrono_daemon.run.runner import RunOutcome, execute

from .coordinator import DEFAULT_WATCHDOG, Coordinator, LockstepStats
from .follower import Follower
from .routes import process_plan, routes_of
from .wires import LockstepEndpoints

if TYPE_CHECKING:
    from chrono_daemon.launch.control import ControlLink
    from chrono_daemon.run.plan import RunPlan
    from chrono_daemon.tap import EdgeTap

__all__ = ("LocalOutcome", "run_local")


@dataclass
class LocalOutcome:
    """Each process's ``RunOutcome`` (by name) and what the coordinator did."""

    outcomes: dict[str, RunOutcome] = field(default_factory=dict)
    stats: LockstepStats = field(default_factory=LockstepStats)


def _link_pair() -> tuple[ControlLink, ControlLink]:
    # Imported here: launch.control imports lockstep.protocol, which runs this package.
    from chrono_daemon.launch.control import ControlLink

    down: Any = open_channel(64)
    up: Any = open_channel(64)
    return ControlLink(send=down.send, recv=up.recv), ControlLink(send=up.send, recv=down.recv)


async def run_local(
    plan: RunPlan,
    *,
    until: float | None = None,
    grace: float = 5.0,
    tap: EdgeTap | None = None,
    watchdog: float = DEFAULT_WATCHDOG,
) -> LocalOutcome:
    """Run every process of ``plan``'s graph (planned whole, with ``[processes]``) in lockstep.

    Raises:
        LockstepError: the coordinator stopped the run (a deadlock, a silent follower).
    """
    graph = plan.graph
    wires = MemoryEndpoints()
    links: dict[str, ControlLink] = {}
    runs = []
    for index, process in enumerate(graph.processes):
        ends = LockstepEndpoints(wires)
        built = process_plan(plan, process).build(tap=tap, endpoints=ends)
        links[process.name], mine = _link_pair()
        runs.append((process.name, built, Follower(process.name, index, ends, mine)))
    coordinator = Coordinator(
        [p.name for p in graph.processes],
        routes_of(graph),
        links,
        until=until,
        grace=grace,
        watchdog=watchdog,
    )
    result = LocalOutcome()

    async def one(name: str, built: Any, follower: Follower) -> None:
        try:
            outcome = await execute(built, driver=follower, grace=grace, handle_signals=False)
        finally:
            await follower.link.send.aclose()
        result.outcomes[name] = outcome

    async with anyio.create_task_group() as tg:
        for name, built, follower in runs:
            tg.start_soon(one, name, built, follower)
        try:
            result.stats = await coordinator.run()
        except BaseException:
            tg.cancel_scope.cancel()
            raise
    return result
