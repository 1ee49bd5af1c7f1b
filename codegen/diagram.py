"""The topology of each graph as a diagram: Mermaid or Graphviz dot (``chrono graph``, SPEC §4.3).

Built from the resolved model only, so the diagram shows exactly what ``wiring.py`` builds:
daemons with their kind and rate, the graph's inputs and outputs, every link labelled with its
ports, message type, ``maxsize``, policy and transport, the ``tee``/``merge`` nodes the
generator inserts, and each ``[processes]`` entry as a cluster (a Mermaid subgraph, a dot
cluster) around its daemons; an edge between two clusters is a ZeroMQ wire, drawn once with
its key (``odom.pose->io``) and teed out where the target process tees it. Output is
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


def _link_detail(link: Link, stem: str, *, wired: bool = False) -> str:
    parts = [type_label(link.type, stem), f"maxsize {link.maxsize}", link.policy]
    if link.transport != "inproc" and not wired:  # a wire's line names its transport
        parts.append(f"{link.transport} {link.address or ''}".rstrip())
    return " · ".join(parts)


def _wire_line(wire: Wire) -> str:
    """``zmq wire odom.pose->io`` (the key ``--address`` takes), with its pinned address."""
    return f"zmq wire {wire.label}" + (f" @ {wire.address}" if wire.address else "")


class _Drawing:
    """The nodes and edges of one graph, built in model order (see ``topology``)."""

    def __init__(self, graph: GraphDef, stem: str, prefix: str) -> None:
        self.graph, self.stem, self.prefix = graph, stem, prefix
        self.nodes: list[Node] = [
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
        self.edges: list[Edge] = []
        self.homes: dict[str, str] = {}  # tee/merge id -> the process it runs in (split graphs)
        self.latest = {(d.name, p.name) for d in graph.daemons for p in d.inputs if p.latest}
        self.wired = {i for w in graph.wires for i in w.links}
        self.merge_of: dict[int, str] = {}
        for k, merge in enumerate(graph.merges):
            mid = f"{prefix}_merge{k}"
            self.merge_of.update((i, mid) for i in merge.links)
            self._home(mid, merge.consumer)

    def end_id(self, ref: PortRef) -> str:
        if ref.daemon is not None:
            return f"{self.prefix}_d_{ref.daemon}"
        side, _, name = ref.port.partition(".")
        return f"{self.prefix}_{side}_{name}"

    def _home(self, node: str, ref: PortRef) -> None:
        process = self.graph.process_of(ref)
        if process is not None:
            self.homes[node] = process

    def consumer_name(self, ref: PortRef) -> str:
        name = _port_name(ref)
        return f"{name} (latest)" if (ref.daemon, ref.port) in self.latest else name

    def ports(self, link: Link) -> str:
        return f"{_port_name(link.producer)} {_ARROW} {self.consumer_name(link.consumer)}"

    def tee(self, producer: PortRef, home: PortRef, lines: tuple[str, ...]) -> str:
        """A tee node in ``home``'s process, fed from ``producer``'s node (or no edge when
        ``lines`` is empty: a wire feeds it)."""
        tid = f"{self.prefix}_tee{sum(n.shape == 'tee' for n in self.nodes)}"
        self.nodes.append(Node(tid, "tee", ("tee",)))
        self._home(tid, home)
        if lines:
            self.edges.append(Edge(self.end_id(producer), tid, lines))
        return tid

    def link_edge(self, src: str, link: Link, wire: Wire | None = None) -> None:
        dst = self.merge_of.get(link.index, self.end_id(link.consumer))
        wired = link.index in self.wired
        lines = [self.ports(link), _link_detail(link, self.stem, wired=wired)]
        if wire is not None:
            lines.append(_wire_line(wire))
        self.edges.append(Edge(src, dst, tuple(lines)))

    def one_process(self) -> None:
        """One tee per producer with several links, in the producer's place."""
        tee_of: dict[int, str] = {}
        for tee in self.graph.tees:
            feed = (f"{_port_name(tee.producer)}: {type_label(tee.type, self.stem)}",)
            tid = self.tee(tee.producer, tee.producer, feed)
            tee_of.update((i, tid) for i in tee.links)
        for link in self.graph.links:
            self.link_edge(tee_of.get(link.index, self.end_id(link.producer)), link)

    def split(self) -> None:
        """What a split graph runs: a producer tees only when it has several targets (a wire
        counts once), and a wire carrying several links is teed out in its target process."""
        graph = self.graph
        wire_of = {i: w for w in graph.wires for i in w.links}
        targets: dict[PortRef, set[tuple[str, int]]] = {}
        for link in graph.links:
            wire = wire_of.get(link.index)
            key = ("link", link.index) if wire is None else ("wire", wire.index)
            targets.setdefault(link.producer, set()).add(key)
        source: dict[PortRef, str] = {}
        for producer, ends in targets.items():
            if len(ends) > 1:
                t = next(lk.type for lk in graph.links if lk.producer == producer)
                feed = (f"{_port_name(producer)}: {type_label(t, self.stem)}",)
                source[producer] = self.tee(producer, producer, feed)
        fanned: dict[int, str] = {}  # wire -> the tee in its target process
        for link in graph.links:
            src = source.get(link.producer, self.end_id(link.producer))
            wire = wire_of.get(link.index)
            if wire is None:
                self.link_edge(src, link)
            elif len(wire.links) == 1:
                self.link_edge(src, link, wire)
            else:
                if wire.index not in fanned:
                    tid = fanned[wire.index] = self.tee(link.producer, link.consumer, ())
                    detail = (type_label(wire.type, self.stem), f"maxsize {wire.maxsize}")
                    what = f"{_port_name(link.producer)}: {' · '.join(detail)} · {wire.policy}"
                    self.edges.append(Edge(src, tid, (what, _wire_line(wire))))
                self.link_edge(fanned[wire.index], link)

    def merges(self) -> None:
        for k, merge in enumerate(self.graph.merges):
            mid = f"{self.prefix}_merge{k}"
            self.nodes.append(Node(mid, "merge", ("merge",)))
            label = f"{_ARROW} {self.consumer_name(merge.consumer)}: "
            self.edges.append(
                Edge(mid, self.end_id(merge.consumer), (label + type_label(merge.type, self.stem),))
            )


def topology(module: Module, prefix: str) -> TopologyView | None:
    """Return the diagram of ``module``'s graph (None for a types-only file).

    ``prefix`` makes node ids unique across graphs drawn in one diagram (``g0``, ``g1``...).
    Ids are ``<prefix>_d_<daemon>``, ``<prefix>_in_<port>``, ``<prefix>_out_<port>``,
    ``<prefix>_tee<k>`` and ``<prefix>_merge<k>``; distinct first letters keep them apart.
    A split graph is drawn as its processes run it: one edge per wire (labelled with the wire's
    key, ``odom.pose->io``), a tee in the source process only for a producer with several
    targets, and a tee in the target process for a wire that carries several links.
    """
    graph: GraphDef | None = module.graph
    if graph is None:
        return None
    drawing = _Drawing(graph, module.stem, prefix)
    if graph.processes:
        drawing.split()
    else:
        drawing.one_process()
    drawing.merges()
    clusters = _clusters(graph, prefix, drawing.homes)
    return TopologyView(module.stem, prefix, tuple(drawing.nodes), tuple(drawing.edges), clusters)


def _clusters(graph: GraphDef, prefix: str, homes: dict[str, str]) -> tuple[Cluster, ...]:
    """One cluster per process: its daemons, the boundary if it hosts it, and the tees and
    merges that run in it (``homes``)."""
    clusters = []
    for p in graph.processes:
        members = [f"{prefix}_d_{d}" for d in p.daemons]
        if p.boundary:
            members += [f"{prefix}_in_{g.name}" for g in graph.inputs]
            members += [f"{prefix}_out_{g.name}" for g in graph.outputs]
        members += [node for node, home in homes.items() if home == p.name]
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
