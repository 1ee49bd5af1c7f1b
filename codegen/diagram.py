"""The topology of each graph as a diagram: Mermaid or Graphviz dot (``chrono graph``, SPEC §4.3).

Built from the resolved model only, so the diagram shows exactly what ``wiring.py`` builds:
daemons with their kind and rate, the graph's inputs and outputs, every link labelled with its
ports, message type, ``maxsize``, policy and transport, the ``tee``/``merge`` nodes the
generator inserts, and each ``[processes]`` entry as a cluster (a Mermaid subgraph, a dot
cluster) around its daemons; a link between two clusters is a ZeroMQ wire. Output is
deterministic (model order, no timestamps), so a committed diagram can be compared with fresh
output. Every piece of schema text goes through a per-format escaper: a label can never close
its quotes or start a new statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .resolve.types import type_label

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .model import DaemonDef, GraphDef, GraphPort, Link, Module, Package, PortRef, Wire

__all__ = (
    "Cluster",
    "DiagramFormat",
    "Edge",
    "Node",
    "TopologyView",
    "render_diagram",
    "topology",
)

DiagramFormat = Literal["mermaid", "dot"]
Shape = Literal["daemon", "input", "output", "tee", "merge"]

_ARROW = "\u2192"  # "→": reads as data flow in both formats and needs no escaping in either


@dataclass(frozen=True, slots=True)
class Node:
    """A box in the diagram; ``id`` is unique in the whole diagram and safe in both formats."""

    id: str
    shape: Shape
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Edge:
    """An arrow between two nodes, with a label of one or more lines."""

    src: str
    dst: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Cluster:
    """A box around nodes: one process of a split graph (``id`` as safe as a node's)."""

    id: str
    title: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TopologyView:
    """The format-neutral picture of one graph: its stem, id prefix, nodes and edges in order,
    and its process clusters (empty for a one-process graph)."""

    stem: str
    prefix: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[Cluster, ...] = ()


def _rate(rate_hz: float) -> str:
    return f"{rate_hz:g} Hz"


def _daemon_lines(d: DaemonDef) -> tuple[str, ...]:
    if d.kind == "periodic" and d.rate_hz is not None:
        return (d.name, f"periodic @ {_rate(d.rate_hz)}")
    return (d.name, d.kind)


def _boundary_lines(side: str, port: GraphPort, stem: str) -> tuple[str, ...]:
    return (f"{side}.{port.name}", type_label(port.type, stem))


def _port_name(ref: PortRef) -> str:
    # Boundary ends are spelled ``in.obs``/``out.actions`` in ``port``; show the bare name.
    return ref.port if ref.daemon is not None else ref.port.partition(".")[2]


def _link_detail(link: Link, stem: str, wire: Wire | None) -> str:
    parts = [type_label(link.type, stem), f"maxsize {link.maxsize}", link.policy]
    if wire is not None:
        parts.append(f"zmq {wire.address or ''}".rstrip())
    elif link.transport != "inproc":
        parts.append(f"{link.transport} {link.address or ''}".rstrip())
    return " · ".join(parts)


def topology(module: Module, prefix: str) -> TopologyView | None:
    """Return the diagram of ``module``'s graph (None for a types-only file).

    ``prefix`` makes node ids unique across graphs drawn in one diagram (``g0``, ``g1``...).
    Ids are ``<prefix>_d_<daemon>``, ``<prefix>_in_<port>``, ``<prefix>_out_<port>``,
    ``<prefix>_tee<k>`` and ``<prefix>_merge<k>``; distinct first letters keep them apart.
    """
    graph: GraphDef | None = module.graph
    if graph is None:
        return None
    stem = module.stem
    nodes = [
        *(
            Node(f"{prefix}_in_{p.name}", "input", _boundary_lines("in", p, stem))
            for p in graph.inputs
        ),
        *(Node(f"{prefix}_d_{d.name}", "daemon", _daemon_lines(d)) for d in graph.daemons),
        *(
            Node(f"{prefix}_out_{p.name}", "output", _boundary_lines("out", p, stem))
            for p in graph.outputs
        ),
    ]

    def end_id(ref: PortRef) -> str:
        if ref.daemon is not None:
            return f"{prefix}_d_{ref.daemon}"
        side, _, name = ref.port.partition(".")
        return f"{prefix}_{side}_{name}"

    latest = {(d.name, p.name) for d in graph.daemons for p in d.inputs if p.latest}

    def consumer_name(ref: PortRef) -> str:
        name = _port_name(ref)
        return f"{name} (latest)" if (ref.daemon, ref.port) in latest else name

    edges: list[Edge] = []
    tee_of: dict[int, str] = {}
    for k, tee in enumerate(graph.tees):
        tid = f"{prefix}_tee{k}"
        nodes.append(Node(tid, "tee", ("tee",)))
        edges.append(
            Edge(
                end_id(tee.producer),
                tid,
                (f"{_port_name(tee.producer)}: {type_label(tee.type, stem)}",),
            )
        )
        for i in tee.links:
            tee_of[i] = tid
    merge_of: dict[int, str] = {}
    for k, merge in enumerate(graph.merges):
        mid = f"{prefix}_merge{k}"
        nodes.append(Node(mid, "merge", ("merge",)))
        for i in merge.links:
            merge_of[i] = mid
    wire_of = {i: w for w in graph.wires for i in w.links}
    for link in graph.links:
        src = tee_of.get(link.index, end_id(link.producer))
        dst = merge_of.get(link.index, end_id(link.consumer))
        ports = f"{_port_name(link.producer)} {_ARROW} {consumer_name(link.consumer)}"
        edges.append(Edge(src, dst, (ports, _link_detail(link, stem, wire_of.get(link.index)))))
    for k, merge in enumerate(graph.merges):
        edges.append(
            Edge(
                f"{prefix}_merge{k}",
                end_id(merge.consumer),
                (f"{_ARROW} {consumer_name(merge.consumer)}: {type_label(merge.type, stem)}",),
            )
        )
    return TopologyView(stem, prefix, tuple(nodes), tuple(edges), _clusters(graph, prefix))


def _clusters(graph: GraphDef, prefix: str) -> tuple[Cluster, ...]:
    """One cluster per process: its daemons, the boundary if it hosts it, and the tee of each
    of its producers and the merge of each of its consumers."""
    clusters = []
    for p in graph.processes:
        members = [f"{prefix}_d_{d}" for d in p.daemons]
        if p.boundary:
            members += [f"{prefix}_in_{g.name}" for g in graph.inputs]
            members += [f"{prefix}_out_{g.name}" for g in graph.outputs]
        members += [
            f"{prefix}_tee{k}" for k, t in enumerate(graph.tees)
            if graph.process_of(t.producer) == p.name
        ]  # fmt: skip
        members += [
            f"{prefix}_merge{k}" for k, m in enumerate(graph.merges)
            if graph.process_of(m.consumer) == p.name
        ]  # fmt: skip
        title = f"process {p.name}" + ("" if p.host == "127.0.0.1" else f" @ {p.host}")
        clusters.append(Cluster(f"{prefix}_p_{p.name}", title, tuple(members)))
    return tuple(clusters)


def _placement(view: TopologyView) -> tuple[list[Node], list[tuple[Cluster, list[Node]]]]:
    """The nodes outside any cluster, and each cluster with its nodes (model order)."""
    home = {m: c.id for c in view.clusters for m in c.members}
    loose = [n for n in view.nodes if n.id not in home]
    inside = [(c, [n for n in view.nodes if home.get(n.id) == c.id]) for c in view.clusters]
    return loose, inside


# -- Mermaid ------------------------------------------------------------------------------------

_MERMAID_ENTITIES = {
    "#": "#35;",
    '"': "#quot;",
    "<": "#lt;",
    ">": "#gt;",
    "`": "#96;",
    "&": "#amp;",
}
_MERMAID_SHAPES: dict[Shape, tuple[str, str]] = {
    "daemon": ('["', '"]'),
    "input": ('(["', '"])'),
    "output": ('(["', '"])'),
    "tee": ('{{"', '"}}'),
    "merge": ('{{"', '"}}'),
}


def _one_line(text: str) -> str:
    """Control characters (line breaks included) become spaces: a label is one line of source."""
    return "".join(
        " " if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029" else ch
        for ch in text
    )


def _mermaid_text(lines: Sequence[str]) -> str:
    escaped = ("".join(_MERMAID_ENTITIES.get(ch, ch) for ch in _one_line(line)) for line in lines)
    return "<br/>".join(escaped)


def _mermaid_node(n: Node, indent: str) -> str:
    head, tail = _MERMAID_SHAPES[n.shape]
    return f"{indent}{n.id}{head}{_mermaid_text(n.lines)}{tail}"


def _mermaid(views: Sequence[TopologyView]) -> str:
    out = ["flowchart LR"]
    for view in views:
        out.append(f'  subgraph {view.prefix}["{_mermaid_text([view.stem])}"]')
        loose, inside = _placement(view)
        out.extend(_mermaid_node(n, "    ") for n in loose)
        for cluster, members in inside:
            out.append(f'    subgraph {cluster.id}["{_mermaid_text([cluster.title])}"]')
            out.extend(_mermaid_node(n, "      ") for n in members)
            out.append("    end")
        out.extend(f'    {e.src} -->|"{_mermaid_text(e.lines)}"| {e.dst}' for e in view.edges)
        out.append("  end")
    return "\n".join(out) + "\n"


# -- Graphviz dot -------------------------------------------------------------------------------

_DOT_SHAPES: dict[Shape, str] = {
    "daemon": 'shape=box, style="rounded"',
    "input": "shape=cds",
    "output": "shape=cds",
    "tee": "shape=hexagon",
    "merge": "shape=hexagon",
}


def _dot_text(lines: Sequence[str]) -> str:
    # Backslashes first: dot reads \n, \l, \N, \G... as escapes inside quoted labels.
    escaped = (_one_line(line).replace("\\", "\\\\").replace('"', '\\"') for line in lines)
    return '"' + "\\n".join(escaped) + '"'


def _dot_node(n: Node, indent: str) -> str:
    return f"{indent}{n.id} [{_DOT_SHAPES[n.shape]}, label={_dot_text(n.lines)}];"


def _dot(views: Sequence[TopologyView]) -> str:
    out = [
        "digraph chrono {",
        "  rankdir=LR;",
        '  graph [fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for view in views:
        out.append(f"  subgraph cluster_{view.prefix} {{")
        out.append(f"    label={_dot_text([view.stem])};")
        loose, inside = _placement(view)
        out.extend(_dot_node(n, "    ") for n in loose)
        for cluster, members in inside:
            out.append(f"    subgraph cluster_{cluster.id} {{")
            out.append(f"      label={_dot_text([cluster.title])};")
            out.extend(_dot_node(n, "      ") for n in members)
            out.append("    }")
        out.extend(f"    {e.src} -> {e.dst} [label={_dot_text(e.lines)}];" for e in view.edges)
        out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


def render_diagram(
    package: Package, fmt: DiagramFormat, *, only: Sequence[str] = ()
) -> tuple[str, list[str]]:
    """Draw every graph of ``package`` (or only the stems in ``only``) in one diagram.

    Returns the diagram text and the stems named in ``only`` that have no graph (the caller
    reports them). Each graph is a Mermaid ``subgraph`` / dot ``cluster`` titled with its stem;
    types-only files are left out. With no graph at all the diagram is empty but valid.
    """
    wanted = set(only)
    graphs = {m.stem for m in package.modules if m.graph is not None}
    missing = sorted(wanted - graphs)
    views: list[TopologyView] = []
    for module in package.modules:
        if wanted and module.stem not in wanted:
            continue
        view = topology(module, f"g{len(views)}")
        if view is not None:
            views.append(view)
    return (_mermaid(views) if fmt == "mermaid" else _dot(views)), missing
