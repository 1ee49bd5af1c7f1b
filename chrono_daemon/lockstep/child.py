"""A child of ``chrono launch --clock sim``: one process of the graph as a lockstep follower."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chrono_daemon.run.endpoints import ZmqEndpoints

from .follower import Follower
from .wires import LockstepEndpoints

if TYPE_CHECKING:
    from chrono_daemon.launch.control import ControlLink
    from chrono_daemon.run.plan import Built, RunPlan
    from chrono_daemon.transports.boundary import BoundaryEndpoints

__all__ = ("build_follower",)


def build_follower(
    plan: RunPlan, link: ControlLink, endpoints: BoundaryEndpoints | None = None
) -> tuple[Built, Follower]:
    """Build ``plan``'s process with lockstep wires over ``endpoints`` (default: ZeroMQ at
    ``plan.addresses``) and the follower that drives it on ``link``; run them with
    ``execute(built, driver=follower)``.

    Raises:
        ValueError: ``plan`` is not one process of a split graph.
        ZmqChannelError: a wire's address cannot be bound or connected.
    """
    if plan.process is None:
        raise ValueError("a lockstep follower runs one process of a split graph (--process)")
    ends = LockstepEndpoints(endpoints if endpoints is not None else ZmqEndpoints(plan.addresses))
    built = plan.build(endpoints=ends)
    index = [p.name for p in plan.graph.processes].index(plan.process.name)
    return built, Follower(plan.process.name, index, ends, link)
