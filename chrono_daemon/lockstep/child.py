"""A child of ``chrono launch --clock sim``: one process of the graph as a lockstep follower."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chrono_daemon.run.endpoints import ZmqEndpoints

from .follower import Follower
from .wires import LockstepEndpoints

if TYPE_CHECKING:
    from chrono_daemon import SimClock
    from chrono_daemon.launch.control import ControlLink
    from chrono_daemon.run.plan import Built, RunPlan
    from chrono_daemon.tap import EdgeTap
    from chrono_daemon.transports.boundary import BoundaryEndpoints

__all__ = ("build_follower",)


def build_follower(
    plan: RunPlan,
    link: ControlLink,
    endpoints: BoundaryEndpoints | None = None,
    *,
    tap: EdgeTap | None = None,
    clock: SimClock | None = None,
) -> tuple[Built, Follower]:
    """Build ``plan``'s process with lockstep wires over ``endpoints`` (default: ZeroMQ at
    ``plan.addresses``), tapped by ``tap``, and the follower that drives it on ``link`` with
    ``clock`` (default: a new SimClock; pass the one a recorder reads); run them with
    ``execute(built, driver=follower)``.

    Raises:
        ValueError: ``plan`` is not one process of a split graph.
        ZmqChannelError: a wire's address cannot be bound or connected.
    """
    if plan.process is None:
        raise ValueError("a lockstep follower runs one process of a split graph (--process)")
    ends = LockstepEndpoints(endpoints if endpoints is not None else ZmqEndpoints(plan.addresses))
    built = plan.build(tap=tap, endpoints=ends)
    index = [p.name for p in plan.graph.processes].index(plan.process.name)
    return built, Follower(plan.process.name, index, ends, link, clock=clock)
