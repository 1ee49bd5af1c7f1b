"""The wiring plan of a graph, or of one process of it, as source fragments.

Every decision was made by ``resolve`` (which links exist, which cross processes on which
wire); this module only names the private attributes (``_link0``, ``_wire0``, ``_tee0``...),
places the routing daemons on the right side of each wire, and spells the expressions. A
producer's tee and a consumer's merge live in that producer's or consumer's process; a wire
that carries several links is teed out by the target process, so each message crosses once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..model import PortRef
from .filters import call, comment_text, ident, pystr
from .source import annotation

if TYPE_CHECKING:
    from ..model import DaemonDef, GraphDef, Link, Port, ProcessDef, TypeExpr, Wire

__all__ = ("Spawn", "WiringView", "topic", "wiring_view")

_LOSSY = {
    "drop_newest": ("DropNewestSend", False),
    "drop_oldest": ("DropOldestSend", True),
    "coalesce": ("CoalesceSend", True),
}


@dataclass(frozen=True)
class Spawn:
    """One routing daemon: ``sup.spawn(fn, *args, name=name)``."""

    fn: str
    args: tuple[str, ...]
    name: str


@dataclass
class WiringView:
    """What ``wiring.py.jinja`` and ``processes.py.jinja`` format for a graph or one process.

    ``daemons`` pairs each hosted daemon with its constructor arguments and its index in the
    schema's daemon list: the program-defined order that breaks same-instant ties, the same
    whether the graph runs in one process or split.
    """

    setup: list[str] = field(default_factory=list)
    inputs: list[tuple[str, str]] = field(default_factory=list)
    outputs: list[tuple[str, str]] = field(default_factory=list)
    daemons: list[tuple[DaemonDef, list[tuple[str, str]], int]] = field(default_factory=list)
    spawns: list[Spawn] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    buffered: list[tuple[str, str]] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    spawn_calls: list[str] = field(default_factory=list)
    param_fields: list[str] = field(default_factory=list)
    helpers: set[str] = field(default_factory=set)
    lossy: set[str] = field(default_factory=set)
    zmq: bool = False
    wires: bool = False
    closers: list[str] = field(default_factory=list)


def topic(stem: str, ref: PortRef) -> str:
    """The tap topic of a producer port, as ``chrono_daemon.tap.port_topic`` and
    ``graph_input_topic`` spell it: ``system_stack/s1_policy.chunk``, ``system_stack/in.obs``."""
    return f"{stem}/{ref.label}"


def wiring_view(graph: GraphDef, stem: str, process: ProcessDef | None = None) -> WiringView:
    """Plan the channels and routing daemons of ``graph`` (module ``stem``), or of the part
    that ``process`` hosts: its daemons, its links, and a boundary endpoint per wire."""
    plan = _Plan(graph, stem, process)
    for link in graph.links:
        plan.open(link)
    plan.route_producers()
    plan.route_consumers()
    plan.host_daemons()
    _statements(plan.view, graph, process)
    return plan.view


class _Plan:
    """The ends of every link as seen from one process (or from the whole graph)."""

    def __init__(self, graph: GraphDef, stem: str, process: ProcessDef | None) -> None:
        self.graph = graph
        self.stem = stem
        self.view = WiringView()
        self.boundary = process is None or process.boundary
        hosted = None if process is None else set(process.daemons)
        self.hosted = [d for d in graph.daemons if hosted is None or d.name in hosted]
        self.names = {d.name for d in self.hosted}
        self.wire_of = {i: w for w in graph.wires for i in w.links} if process else {}
        self.send: dict[int, tuple[str, str]] = {}  # link -> (producer-side end, its label)
        self.recv: dict[int, str] = {}  # link -> consumer-side end
        self.opened: set[int] = set()
        self.producer_end: dict[PortRef, str] = {}
        self.consumer_end: dict[PortRef, str] = {}
        self.counters: dict[str, int] = {}

    def local(self, ref: PortRef) -> bool:
        return ref.daemon in self.names if ref.daemon is not None else self.boundary

    def type_of(self, t: TypeExpr) -> str:
        return annotation(t, self.stem)

    # -- links and wires ----------------------------------------------------------------------

    def open(self, link: Link) -> None:
        """Open the ends of ``link`` that live here: a channel, or a wire endpoint."""
        mine, theirs = self.local(link.producer), self.local(link.consumer)
        if mine and theirs:
            self._channel(link)
            return
        if not (mine or theirs):
            return
        wire = self.wire_of[link.index]
        if wire.index not in self.opened:
            self.opened.add(wire.index)
            self._wire(wire, outbound=mine)
        if mine:
            self.send[link.index] = self.send[wire.links[0]]
        elif len(wire.links) == 1:
            self.recv[link.index] = f"self._wire{wire.index}"
        else:
            self._channel(link)  # fed by the tee on the wire's receiving end

    def _channel(self, link: Link) -> None:
        i, t, view = link.index, self.type_of(link.type), self.view
        view.setup.append(
            f"# {comment_text(link.producer.label)} -> {comment_text(link.consumer.label)}"
        )
        if link.transport == "zmq" and link.address is not None:
            view.zmq = True
            send, recv = f"self._link{i}_send", f"self._link{i}_recv"
            serde = f"serde=MsgpackSerde({t})"
            head = f"{recv} = "
            args = [pystr(link.address), "bind=True", f"maxsize={link.maxsize}", serde]
            view.setup.append(head + call("open_zmq_receive", args, len(head) + 8))
            # Bind first, then connect to the address the bind resolved ("*" ports included).
            head = f"{send} = "
            args = [f"{recv}.address", "bind=False", f"maxsize={link.maxsize}", serde]
            view.setup.append(head + call("open_zmq_send", args, len(head) + 8))
            view.closers += [send, recv]
        else:
            view.setup.append(f"self._link{i}: Channel[{t}] = open_channel({link.maxsize})")
            send, recv = f"self._link{i}.send", f"self._link{i}.recv"
            self._buffer(f"{link.producer.label} -> {link.consumer.label}", f"self._link{i}")
        label = f"{link.producer.label} -> {link.consumer.label}"
        end = self._lossy(link.policy, f"_link{i}", send, recv, label)
        self.send[i] = (end, link.consumer.label)
        self.recv[i] = recv

    def _wire(self, wire: Wire, *, outbound: bool) -> None:
        view, t, attr = self.view, self.type_of(wire.type), f"self._wire{wire.index}"
        view.wires = True
        peer = f"to process {wire.target}" if outbound else f"from process {wire.source}"
        if wire.address is not None:
            peer += f" at {wire.address}"
        view.setup.append(f"# {comment_text(wire.label)}: {comment_text(peer)}")
        kind, method = ("SendStream", "send") if outbound else ("ReceiveStream", "receive")
        head = f"{attr}: {kind}[{t}] = "
        args = [pystr(wire.label), t, str(wire.maxsize)]
        view.setup.append(head + call(f"endpoints.{method}", args, len(head) + 8))
        view.closers.append(attr)
        if outbound:
            only = self.graph.links[wire.links[0]]
            label = f"{only.producer.label} -> {only.consumer.label}"
            end = self._lossy(wire.policy, f"_wire{wire.index}", attr, attr, label)
            self.send[wire.links[0]] = (end, wire.label)

    def _buffer(self, label: str, channel: str) -> None:
        """Count what waits in ``channel`` under ``label`` (``buffered()``)."""
        self.view.buffered.append((pystr(label), f"_waiting({channel})"))
        self.view.helpers.add("_waiting")

    def _lossy(self, policy: str, attr: str, send: str, recv: str, label: str) -> str:
        """Wrap ``send`` per a lossy ``policy`` (its drops counted under ``label``)."""
        if policy not in _LOSSY:
            return send
        cls, needs_recv = _LOSSY[policy]
        self.view.lossy.add(cls)
        self.view.setup.append(
            f"self.{attr}_lossy = {cls}({send}, {recv})"
            if needs_recv
            else f"self.{attr}_lossy = {cls}({send})"
        )
        self.view.dropped.append((pystr(label), f"self.{attr}_lossy.dropped"))
        return f"self.{attr}_lossy"

    # -- routing ------------------------------------------------------------------------------

    def route_producers(self) -> None:
        """A tee for each local producer with several targets (a wire counts once), and one
        on the receiving end of each inbound wire that carries several links."""
        targets: dict[PortRef, dict[str, str]] = {}
        types: dict[PortRef, TypeExpr] = {}
        for link in self.graph.links:
            if link.index in self.send and self.local(link.producer):
                end, label = self.send[link.index]
                targets.setdefault(link.producer, {}).setdefault(end, label)
                types[link.producer] = link.type
        tees = 0
        for producer, ends in targets.items():
            if len(ends) == 1:
                self.producer_end[producer] = next(iter(ends))
                continue
            attr = f"self._tee{tees}"
            tees += 1
            self._tee(f"{attr}.recv", producer.label, ends, f"tee:{producer.label}")
            self.view.setup.append(
                f"{attr}: Channel[{self.type_of(types[producer])}] = open_channel(1)"
            )
            self._buffer(f"{producer.label} -> tee", attr)
            self.producer_end[producer] = f"{attr}.send"
        for wire in self.graph.wires:
            inbound = self.local(self.graph.links[wire.links[0]].consumer)
            if wire.index in self.opened and inbound and len(wire.links) > 1:
                ends = dict(self.send[i] for i in wire.links)
                self._tee(f"self._wire{wire.index}", wire.label, ends, f"tee:{wire.label}")

    def _tee(self, source: str, what: str, ends: dict[str, str], name: str) -> None:
        labels = ", ".join(ends.values())
        self.view.setup.append(f"# {comment_text(what)} -> tee -> {comment_text(labels)}")
        self.view.spawns.append(Spawn("_tee", (source, *ends), name))
        self.view.helpers.add("_tee")

    def route_consumers(self) -> None:
        """A merge for each local consumer with several sources."""
        sources: dict[PortRef, list[Link]] = {}
        for link in self.graph.links:
            if link.index in self.recv and self.local(link.consumer):
                sources.setdefault(link.consumer, []).append(link)
        merges = 0
        for consumer, links in sources.items():
            if len(links) == 1:
                self.consumer_end[consumer] = self.recv[links[0].index]
                continue
            attr = f"self._merge{merges}"
            merges += 1
            labels = ", ".join(lk.producer.label for lk in links)
            self.view.setup.append(
                f"# {comment_text(labels)} -> merge -> {comment_text(consumer.label)}"
            )
            t = self.type_of(links[0].type)
            self.view.setup.append(f"{attr}: Channel[{t}] = open_channel(1)")
            self._buffer(f"merge -> {consumer.label}", attr)
            self.consumer_end[consumer] = f"{attr}.recv"
            ends = "[" + ", ".join(self.recv[lk.index] for lk in links) + "]"
            self.view.spawns.append(
                Spawn("_merge", (ends, f"{attr}.send"), f"merge:{consumer.label}")
            )
            self.view.helpers.add("_merge")

    # -- daemons and the boundary -------------------------------------------------------------

    def tapped(self, ref: PortRef, t: TypeExpr, end: str) -> str:
        """``end`` passed through the graph's tap under the topic of producer ``ref``."""
        self.view.helpers.add("_tap")
        return call("_tap", ["tap", pystr(topic(self.stem, ref)), self.type_of(t), end])

    def host_daemons(self) -> None:
        """The boundary endpoints (in the boundary process) and each hosted daemon's ports."""
        if self.boundary:
            for g in self.graph.inputs:
                ref = PortRef(None, f"in.{g.name}")
                end = self.tapped(ref, g.type, self.producer_end[ref])
                self.view.inputs.append((ident(g.name), end))
            for g in self.graph.outputs:
                end = self.consumer_end[PortRef(None, f"out.{g.name}")]
                self.view.outputs.append((ident(g.name), end))
        order = {d.name: n for n, d in enumerate(self.graph.daemons)}
        for d in self.hosted:
            kwargs = [self._input(d, p) for p in d.inputs]
            kwargs += [self._output(d, p) for p in d.outputs]
            if d.params:
                kwargs.append(("params", f"self.params.{ident(d.name)}"))
            self.view.daemons.append((d, kwargs, order[d.name]))

    def _fresh(self, kind: str) -> str:
        n = self.counters.get(kind, 0)
        self.counters[kind] = n + 1
        return f"self._{kind}{n}"

    def _input(self, d: DaemonDef, p: Port) -> tuple[str, str]:
        ref, view = PortRef(d.name, p.name), self.view
        end = self.consumer_end.get(ref)
        t = self.type_of(p.type)
        if p.latest:
            attr = self._fresh("latest")
            view.setup.append(f"{attr}: Latest[{t}] = Latest()")
            if end is not None:
                view.spawns.append(Spawn("_feed_latest", (end, attr), f"latest:{ref.label}"))
                view.helpers.add("_feed_latest")
            return ident(p.name), attr
        if end is None:
            attr = self._fresh("idle")
            view.setup.append(f"# {comment_text(ref.label)} is unconnected: it never yields")
            view.setup.append(f"{attr}: Channel[{t}] = open_channel(0)")
            return ident(p.name), f"{attr}.recv"
        return ident(p.name), end

    def _output(self, d: DaemonDef, p: Port) -> tuple[str, str]:
        ref, view = PortRef(d.name, p.name), self.view
        end = self.producer_end.get(ref)
        if end is None:
            attr = self._fresh("drain")
            view.setup.append(f"# {comment_text(ref.label)} is unconnected: it is discarded")
            view.setup.append(f"{attr}: Channel[{self.type_of(p.type)}] = open_channel(1)")
            view.spawns.append(Spawn("_drain", (f"{attr}.recv",), f"drain:{ref.label}"))
            view.helpers.add("_drain")
            end = f"{attr}.send"
        return ident(p.name), self.tapped(ref, p.type, end)


def _kw(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"{k}={v}" for k, v in pairs]


def _statements(view: WiringView, graph: GraphDef, process: ProcessDef | None) -> None:
    """Spell the constructor's last statements, ``add_to``'s spawns and the params fields."""
    if process is None or process.boundary:
        for head, cls, pairs in (
            ("self.inputs = ", graph.inputs_name, view.inputs),
            ("self.outputs = ", graph.outputs_name, view.outputs),
        ):
            view.statements.append(head + call(ident(cls), _kw(pairs), 8 + len(head)))
    calls: list[str] = []
    for d, kwargs, _ in view.daemons:
        prefix = f"{ident(d.name)}="
        calls.append(prefix + call(ident(d.name), _kw(kwargs), 12 + len(prefix) + 1))
    head = "self.daemons = "
    holder = graph.daemons_name if process is None else process.daemons_name
    view.statements.append(head + call(ident(holder), calls, 8 + len(head)))
    for s in view.spawns:
        args = [s.fn, *s.args, f"name={pystr(s.name)}"]
        view.spawn_calls.append(call("sup.spawn", args, 8))
    if process is None:
        for d in graph.daemons:
            if d.params:
                cls = ident(d.params_name)
                head = f"{ident(d.name)}: {cls} = "
                view.param_fields.append(
                    head + call("msgspec.field", [f"default_factory={cls}"], 4 + len(head))
                )
