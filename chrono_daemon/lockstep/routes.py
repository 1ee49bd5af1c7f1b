"""What lockstep needs to know of a split graph: its processes and the wires between them."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from .coordinator import Route

if TYPE_CHECKING:
    from chrono_daemon.run.plan import RunPlan
    from codegen.model import GraphDef, ProcessDef

__all__ = ("process_plan", "routes_of")


def routes_of(graph: GraphDef) -> list[Route]:
    """Every wire of ``graph``, in wire order (the order releases are applied in)."""
    return [Route(w.label, w.source, w.target) for w in graph.wires]


def process_plan(plan: RunPlan, process: ProcessDef) -> RunPlan:
    """The plan of one process of ``plan``'s graph (planned whole), as ``plan_run(...,
    process=...)`` would make it."""
    return dataclasses.replace(
        plan,
        process=process,
        classes={d: plan.classes[d] for d in process.daemons},
        harness=plan.harness if process.boundary else None,
    )
