"""Edge rules (SPEC §3.4): endpoints exist, types match, every port is connected, and where a
tee (one producer, several consumers) or a merge (several producers, one consumer) goes."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING

from ..errors import SchemaError
from ..model import DaemonDef, GraphPort, Link, Merge, PortRef, Tee, TypeExpr
from ..suggest import did_you_mean
from .types import type_label

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..load.positions import KeyPath
    from ..load.raw import RawEdge
    from .context import FileContext

__all__ = ("resolve_edges",)

_ADDRESS = re.compile(r"(tcp|ipc|inproc)://[A-Za-z0-9._:/*\[\]-]+")


class _Ends:
    def __init__(
        self,
        daemons: Sequence[DaemonDef],
        inputs: Sequence[GraphPort],
        outputs: Sequence[GraphPort],
        broken: frozenset[str],
        declared: frozenset[str],
    ) -> None:
        self.broken = broken
        self.declared = declared
        self.daemons = {d.name: d for d in daemons}
        self.graph_inputs = {p.name: p.type for p in inputs}
        self.graph_outputs = {p.name: p.type for p in outputs}

    def resolve(
        self, ctx: FileContext, key: KeyPath, text: str, side: str
    ) -> tuple[PortRef, TypeExpr] | None:
        """``side`` is "from" (an output or ``in.X``) or "to" (an input or ``out.X``)."""
        parts = text.split(".")
        own, other = ("in", "out") if side == "from" else ("out", "in")
        shape = "'daemon.output' or 'in.NAME'" if side == "from" else "'daemon.input' or 'out.NAME'"
        if len(parts) != 2 or not all(parts):
            ctx.error(key, f"edge {side!r} must be {shape}, got {text!r}")
            return None
        head, port = parts
        if head == other:
            role = (
                "graph inputs (edge sources)" if other == "in" else "graph outputs (edge targets)"
            )
            ctx.error(
                key,
                f"{text!r} cannot be used in {side!r}: '{other}.NAME' names {role}; "
                f"expected {shape}",
            )
            return None
        if text in self.broken or head in self.broken:
            return None  # already reported where it is declared
        if head == own:
            table = self.graph_inputs if own == "in" else self.graph_outputs
            kind = "input" if own == "in" else "output"
            if port not in table:
                ctx.error(
                    key,
                    f"unknown graph {kind} {port!r} in {text!r}: declare it in [graph] as "
                    f"{kind}s.{port}{did_you_mean(port, table)}",
                )
                return None
            return PortRef(None, text), table[port]
        daemon = self.daemons.get(head)
        if daemon is None:
            # every declared daemon, also one that failed: the hint must not depend on other errors
            hint = did_you_mean(head, [*self.declared, *self.daemons, own])
            ctx.error(key, f"unknown daemon {head!r} in {text!r}{hint}")
            return None
        want, wrong = (
            (daemon.outputs, daemon.inputs) if side == "from" else (daemon.inputs, daemon.outputs)
        )
        for p in want:
            if p.name == port:
                return PortRef(head, port), p.type
        direction = "output" if side == "from" else "input"
        if any(p.name == port for p in wrong):
            ctx.error(
                key,
                f"{text!r} is an {'input' if side == 'from' else 'output'}; an edge goes from "
                "an output to an input",
            )
        else:
            names = [p.name for p in want]
            ctx.error(
                key, f"daemon {head!r} has no {direction} {port!r}{did_you_mean(port, names)}"
            )
        return None


def resolve_edges(
    ctx: FileContext,
    stem: str,
    edges: Sequence[tuple[int, RawEdge]],
    daemons: Sequence[DaemonDef],
    inputs: Sequence[GraphPort],
    outputs: Sequence[GraphPort],
    *,
    broken: frozenset[str] = frozenset(),
    declared: frozenset[str] = frozenset(),
    check_connected: bool,
) -> tuple[tuple[Link, ...], tuple[Tee, ...], tuple[Merge, ...]]:
    """Turn ``[[edges]]`` into links; decide tees and merges; check every port is connected.

    ``edges`` pairs each decoded edge with its index in the file (for positions).
    ``broken`` names daemons and ``in.X``/``out.X`` ports that failed to resolve (already
    reported): edges touching them are skipped silently. ``declared`` names every declared
    daemon (those that failed too), for "did you mean" hints. ``check_connected`` is False when
    anything failed earlier; connectivity is also not checked when an edge had an error (a
    dropped edge would make every port it touched look unconnected).
    """
    ends = _Ends(daemons, inputs, outputs, broken, declared)
    errors_before = len(ctx.errors)
    addresses: dict[str, int] = {}
    links: list[Link] = []
    seen: dict[tuple[PortRef, PortRef], KeyPath] = {}
    for n, edge in edges:
        key: KeyPath = ("edges", n)
        ok = True
        if edge.maxsize < 0:
            ctx.error((*key, "maxsize"), f"maxsize must be >= 0, got {edge.maxsize}")
            ok = False
        if edge.transport == "zmq":
            if edge.address is None:
                ctx.error(key, "transport = 'zmq' needs an address, e.g. 'tcp://127.0.0.1:5555'")
                ok = False
            elif not _ADDRESS.fullmatch(edge.address):
                ctx.error(
                    (*key, "address"),
                    f"invalid endpoint {edge.address!r}: expected tcp://host:port, ipc://path "
                    "or inproc://name",
                )
                ok = False
            elif edge.address in addresses:
                ctx.error(
                    (*key, "address"),
                    f"address {edge.address!r} is already used by the edge at line "
                    f"{addresses[edge.address]}; every zmq edge needs its own address",
                )
                ok = False
            else:
                addresses[edge.address] = ctx.line((*key, "address"))
            if not isinstance(edge.to, str) and len(edge.to) != 1:
                ctx.error(
                    (*key, "to"),
                    "a zmq edge connects one producer to one consumer; give each target its "
                    "own [[edges]] entry and address",
                )
                ok = False
            if edge.policy in ("drop_oldest", "coalesce"):
                ctx.error(
                    (*key, "policy"),
                    f"policy {edge.policy!r} needs an in-process channel; use 'block' or "
                    "'drop_newest' with transport = 'zmq'",
                )
                ok = False
        elif edge.address is not None:
            ctx.error((*key, "address"), "address only applies to transport = 'zmq'")
            ok = False
        src = ends.resolve(ctx, (*key, "from"), edge.from_, "from")
        targets = [edge.to] if isinstance(edge.to, str) else list(edge.to)
        if not targets:
            ctx.error((*key, "to"), "edge 'to' is empty: list at least one input")
        for k, target in enumerate(targets):
            tkey: KeyPath = (*key, "to") if isinstance(edge.to, str) else (*key, "to", k)
            dst = ends.resolve(ctx, tkey, target, "to")
            if src is None or dst is None or not ok:
                continue
            if src[1] != dst[1]:
                ctx.error(
                    tkey,
                    f"type mismatch on edge: {edge.from_!r} sends {type_label(src[1], stem)} "
                    f"but {target!r} expects {type_label(dst[1], stem)}",
                )
                continue
            pair = (src[0], dst[0])
            if pair in seen:
                ctx.error(
                    tkey,
                    f"duplicate edge {edge.from_!r} -> {target!r} (already declared at line "
                    f"{ctx.line(seen[pair])})",
                )
                continue
            seen[pair] = tkey  # its line is looked up only for the error
            links.append(
                Link(
                    index=len(links),
                    producer=src[0],
                    consumer=dst[0],
                    type=src[1],
                    maxsize=edge.maxsize,
                    policy=edge.policy,
                    transport=edge.transport,
                    address=edge.address,
                    loc=ctx.loc(tkey),
                )
            )
    by_producer: dict[PortRef, list[int]] = defaultdict(list)
    by_consumer: dict[PortRef, list[int]] = defaultdict(list)
    for link in links:
        by_producer[link.producer].append(link.index)
        by_consumer[link.consumer].append(link.index)
    if check_connected and len(ctx.errors) == errors_before:
        _check_connected(ctx, daemons, inputs, outputs, by_producer, by_consumer)
    tees = tuple(
        Tee(p, links[ids[0]].type, tuple(ids)) for p, ids in by_producer.items() if len(ids) > 1
    )
    merges = tuple(
        Merge(c, links[ids[0]].type, tuple(ids)) for c, ids in by_consumer.items() if len(ids) > 1
    )
    _warn_deadlocks(ctx, links, by_producer, by_consumer)
    return tuple(links), tees, merges


def _check_connected(
    ctx: FileContext,
    daemons: Sequence[DaemonDef],
    inputs: Sequence[GraphPort],
    outputs: Sequence[GraphPort],
    by_producer: dict[PortRef, list[int]],
    by_consumer: dict[PortRef, list[int]],
) -> None:
    for d in daemons:
        for p in d.inputs:
            if PortRef(d.name, p.name) not in by_consumer and not p.allow_unconnected:
                ctx.error(
                    ("daemons", d.name, "inputs", p.name),
                    f"input '{d.name}.{p.name}' has no producer: add an [[edges]] entry with "
                    f"to = '{d.name}.{p.name}', or set unconnected = 'allow'",
                )
        for p in d.outputs:
            if PortRef(d.name, p.name) not in by_producer and not p.allow_unconnected:
                ctx.error(
                    ("daemons", d.name, "outputs", p.name),
                    f"output '{d.name}.{p.name}' has no consumer: add an [[edges]] entry with "
                    f"from = '{d.name}.{p.name}', or set unconnected = 'allow'",
                )
    for g in inputs:
        if PortRef(None, f"in.{g.name}") not in by_producer:
            ctx.error(
                ("graph", "inputs", g.name),
                f"graph input {g.name!r} is not connected: add an [[edges]] entry with "
                f"from = 'in.{g.name}'",
            )
    for g in outputs:
        if PortRef(None, f"out.{g.name}") not in by_consumer:
            ctx.error(
                ("graph", "outputs", g.name),
                f"graph output {g.name!r} has no producer: add an [[edges]] entry with "
                f"to = 'out.{g.name}'",
            )


def _warn_deadlocks(
    ctx: FileContext,
    links: list[Link],
    by_producer: dict[PortRef, list[int]],
    by_consumer: dict[PortRef, list[int]],
) -> None:
    """Warn about a cycle of daemons joined only by unbuffered blocking links."""
    graph: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        direct = len(by_producer[link.producer]) == 1 and len(by_consumer[link.consumer]) == 1
        if (
            direct
            and link.maxsize == 0
            and link.policy == "block"
            and link.producer.daemon is not None
            and link.consumer.daemon is not None
        ):
            graph[link.producer.daemon].append(link)
    reported: set[frozenset[str]] = set()
    for start in sorted(graph):
        stack: list[tuple[str, list[Link]]] = [(start, [])]
        visited: set[str] = set()
        while stack:
            node, path = stack.pop()
            for link in graph.get(node, []):
                nxt = link.consumer.daemon
                assert nxt is not None
                if nxt == start:
                    cycle = [*path, link]
                    members = frozenset(lk.producer.label for lk in cycle)
                    if members not in reported:
                        reported.add(members)
                        names = " -> ".join([*(lk.producer.daemon or "" for lk in cycle), start])
                        ctx.errors.append(
                            SchemaError(
                                cycle[0].loc.path,
                                cycle[0].loc.line,
                                cycle[0].loc.col,
                                f"cycle of unbuffered blocking edges {names} may deadlock; "
                                "give one edge maxsize >= 1 or a lossy policy",
                                "warning",
                            )
                        )
                elif nxt not in visited:
                    visited.add(nxt)
                    stack.append((nxt, [*path, link]))
