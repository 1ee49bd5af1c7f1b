"""Breaking changes of graphs: boundary ports, daemons, their ports, ZMQ edges and processes.

Each rule is one function over a ``_Pair`` (the graph of one schema file in OLD and NEW) that
yields ``Break``s; ``RULES`` lists them. A rule for a new kind of graph element is one more
function in that tuple.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import Loc, Port
from ..resolve.types import type_label
from .breaks import Break

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from chrono_wire import Category

    from ..model import DaemonDef, GraphDef, GraphPort, Link, Module, Package, TypeExpr
    from ..wire_shapes import PackageShapes

__all__ = ("RULES", "graph_breaks")

_CODE: frozenset[Category] = frozenset({"CODE"})
_WIRE: frozenset[Category] = frozenset({"WIRE"})


@dataclass(frozen=True, slots=True)
class _Pair:
    """The graph of one schema file in OLD and in NEW, with both packages' shapes."""

    stem: str
    old: GraphDef
    new: GraphDef
    old_shapes: PackageShapes
    new_shapes: PackageShapes

    def label(self, old_type: TypeExpr, new_type: TypeExpr) -> str:
        return f"from {type_label(old_type, self.stem)} to {type_label(new_type, self.stem)}"


def _ports(
    pair: _Pair,
    old: Sequence[Port | GraphPort],
    new: Sequence[Port | GraphPort],
    what: str,
    *,
    rule: str,
    anchor: Loc | None,
) -> Iterator[Break]:
    """Ports removed (``<rule>_REMOVED``) or retyped (``<rule>_RETYPED``), by name."""
    by_name = {p.name: p for p in new}
    for o in old:
        n = by_name.get(o.name)
        port = f"{what} {o.name!r}"
        if n is None:
            yield Break(o.loc, anchor, f"{rule}_REMOVED", _CODE, f"{port} was removed")
        elif n.type != o.type:
            change = f"{port} changed type {pair.label(o.type, n.type)}"
            yield Break(n.loc, None, f"{rule}_RETYPED", _CODE, change)
        elif isinstance(o, Port) and isinstance(n, Port) and n.latest != o.latest:
            reader = "a latest-value reader" if n.latest else "a stream"
            yield Break(n.loc, None, f"{rule}_RETYPED", _CODE, f"{port} is now {reader}")


def _boundary(pair: _Pair) -> Iterator[Break]:
    """Graph inputs and outputs: the harness writes and reads them by name and type."""
    yield from _ports(
        pair, pair.old.inputs, pair.new.inputs, "graph input", rule="GRAPH_PORT", anchor=None
    )
    yield from _ports(
        pair, pair.old.outputs, pair.new.outputs, "graph output", rule="GRAPH_PORT", anchor=None
    )


def _port_changes(d_old: DaemonDef, d_new: DaemonDef, pair: _Pair) -> Iterator[Break]:
    what = f"daemon {d_old.name!r}:"
    anchor = d_new.loc
    yield from _ports(pair, d_old.inputs, d_new.inputs, f"{what} input", rule="PORT", anchor=anchor)
    yield from _ports(
        pair, d_old.outputs, d_new.outputs, f"{what} output", rule="PORT", anchor=anchor
    )
    if d_new.kind == "reactive":
        old_inputs = {p.name for p in d_old.stream_inputs}
        for p in d_new.stream_inputs:
            if p.name not in old_inputs:
                yield Break(
                    p.loc,
                    None,
                    "HANDLER_ADDED",
                    _CODE,
                    f"daemon {d_new.name!r}: new input {p.name!r}: implementations must add "
                    f"on_{p.name}(ctx, msg)",
                )


def _daemons(pair: _Pair) -> Iterator[Break]:
    """Daemons: implementations subclass their stubs, and the graph takes one per daemon."""
    new = {d.name: d for d in pair.new.daemons}
    old = {d.name for d in pair.old.daemons}
    for d in pair.old.daemons:
        n = new.get(d.name)
        if n is None:
            yield Break(d.loc, None, "DAEMON_REMOVED", _CODE, f"daemon {d.name!r} was removed")
        elif n.kind != d.kind:
            yield Break(
                n.loc,
                None,
                "DAEMON_KIND_CHANGED",
                _CODE,
                f"daemon {d.name!r} changed kind from {d.kind!r} to {n.kind!r}: "
                "implementations must implement other hooks",
            )
        else:
            yield from _port_changes(d, n, pair)
    for n in pair.new.daemons:
        if n.name not in old:
            yield Break(
                n.loc,
                None,
                "DAEMON_ADDED",
                _CODE,
                f"daemon {n.name!r} was added: {pair.new.class_name}(...) now needs an "
                f"implementation of {n.class_name}",
            )


def _link_key(link: Link) -> tuple[str, str]:
    return (link.producer.label, link.consumer.label)


def _edges(pair: _Pair) -> Iterator[Break]:
    """ZMQ edges: a process built from OLD must still connect to, and understand, NEW."""
    new = {_link_key(lk): lk for lk in pair.new.links}
    old_wired, new_wired = _wired(pair.old), _wired(pair.new)
    for o in pair.old.links:
        n = new.get(_link_key(o))
        if n is None:
            continue  # its ports' removal is reported, and a new edge between them is fine
        if o.index in old_wired and n.index in new_wired:
            continue  # between processes in both: the wire rules judge it
        what = f"edge {o.producer.label} -> {o.consumer.label}"
        if (o.transport, o.address) != (n.transport, n.address):
            yield Break(
                n.loc,
                None,
                "EDGE_MOVED",
                _WIRE,
                f"{what} moved from {_where(o)} to {_where(n)}: a process built from the old "
                "schema does not meet it",
            )
        elif n.transport == "zmq":
            old_hash = pair.old_shapes.type_hash(o.type)
            new_hash = pair.new_shapes.type_hash(n.type)
            if old_hash != new_hash:
                yield Break(
                    n.loc,
                    None,
                    "EDGE_RETYPED",
                    _WIRE,
                    f"ZMQ {what} now carries {type_label(n.type, pair.stem)} ({new_hash}), "
                    f"was {type_label(o.type, pair.stem)} ({old_hash}): a peer built from the "
                    "old schema is refused at connect",
                )


def _wired(graph: GraphDef) -> set[int]:
    """The links that cross a process boundary (carried by a wire)."""
    return {index for wire in graph.wires for index in wire.links}


def _where(link: Link) -> str:
    return "in-process" if link.transport == "inproc" else f"zmq {link.address}"


_BOTH: frozenset[Category] = frozenset({"WIRE", "CODE"})


def _processes(pair: _Pair) -> Iterator[Break]:
    """``[processes]``: a deployment mixing processes built from OLD and NEW must still meet.

    A daemon (or the graph boundary) that moved to another process, a process that is gone, or
    a split graph that is no longer split breaks both the wire (a process built from OLD expects
    its peers elsewhere) and the code (the per-process classes take other implementations). A
    graph split for the first time breaks nothing: nothing built from OLD was a peer.
    """
    old, new = pair.old, pair.new
    if not old.processes:
        return
    if not new.processes:
        first = old.processes[0]
        yield Break(
            first.loc,
            None,
            "PROCESSES_REMOVED",
            _BOTH,
            f"graph {pair.stem!r} is no longer split into processes: a deployment of the old "
            "processes does not meet it",
        )
        return
    new_by_name = {p.name: p for p in new.processes}
    new_home = {d: p for p in new.processes for d in p.daemons}
    for o in old.processes:
        n = new_by_name.get(o.name)
        if n is None:
            yield Break(
                o.loc,
                None,
                "PROCESS_REMOVED",
                _BOTH,
                f"process {o.name!r} was removed: `chrono run --process {o.name}` and "
                f"{o.class_name} are gone",
            )
            continue
        for daemon in o.daemons:
            moved = new_home.get(daemon)
            if moved is not None and moved.name != o.name:
                yield Break(
                    moved.loc,
                    None,
                    "PROCESS_MOVED",
                    _BOTH,
                    f"daemon {daemon!r} moved from process {o.name!r} to {moved.name!r}: "
                    "processes built from the old schema expect it elsewhere",
                )
        if o.boundary and not n.boundary:
            target = next((p for p in new.processes if p.boundary), None)
            if target is not None:
                yield Break(
                    target.loc,
                    None,
                    "BOUNDARY_MOVED",
                    _BOTH,
                    f"the graph boundary (inputs, outputs, harness) moved from process "
                    f"{o.name!r} to {target.name!r}",
                )
    yield from _wires(pair)


def _wires(pair: _Pair) -> Iterator[Break]:
    """Wires between processes that both versions have: same type hash, same pinned address."""
    new = {w.label: w for w in pair.new.wires}
    for o in pair.old.wires:
        n = new.get(o.label)
        if n is None:
            continue  # the moved daemon or removed port is reported
        if o.address != n.address:
            yield Break(
                n.loc,
                None,
                "WIRE_MOVED",
                _WIRE,
                f"wire {o.label} moved from {o.address or 'a launcher-chosen address'} to "
                f"{n.address or 'a launcher-chosen address'}: a process built from the old "
                "schema does not meet it",
            )
        old_hash = pair.old_shapes.type_hash(o.type)
        new_hash = pair.new_shapes.type_hash(n.type)
        if old_hash != new_hash:
            yield Break(
                n.loc,
                None,
                "WIRE_RETYPED",
                _WIRE,
                f"wire {o.label} now carries {type_label(n.type, pair.stem)} ({new_hash}), was "
                f"{type_label(o.type, pair.stem)} ({old_hash}): a process built from the old "
                "schema is refused at connect",
            )


RULES: tuple[Callable[[_Pair], Iterator[Break]], ...] = (_boundary, _daemons, _edges, _processes)
"""The graph rules, in report order."""


def _any_loc(module: Module) -> Loc | None:
    graph = module.graph
    locs = [m.loc for m in module.messages] + [e.loc for e in module.enums]
    if graph is not None:
        locs += [p.loc for p in (*graph.inputs, *graph.outputs)] + [d.loc for d in graph.daemons]
    return min(locs, key=lambda loc: (loc.line, loc.col)) if locs else None


def graph_breaks(
    old: Package, new: Package, old_shapes: PackageShapes, new_shapes: PackageShapes
) -> Iterator[Break]:
    """Every breaking change of a graph from ``old`` to ``new``."""
    new_modules = {m.stem: m for m in new.modules}
    for module in old.modules:
        if module.graph is None:
            continue
        counterpart = new_modules.get(module.stem)
        graph = None if counterpart is None else counterpart.graph
        if graph is None:
            where = _any_loc(module)
            if where is None:
                continue
            yield Break(
                Loc(where.path, 0, 0),
                None,
                "GRAPH_REMOVED",
                _CODE,
                f"graph {module.graph.class_name} was removed",
            )
            continue
        pair = _Pair(module.stem, module.graph, graph, old_shapes, new_shapes)
        for rule in RULES:
            yield from rule(pair)
