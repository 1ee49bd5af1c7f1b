"""The wiring plan of a graph as source fragments: channel setup, endpoints, routing daemons.

Every decision was made by ``resolve`` (which links exist, where tees and merges go); this
module only names the private attributes (``_link0``, ``_tee0``...) and spells the expressions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import DaemonDef, GraphDef, Link, PortRef
from .filters import call, comment_text, ident, pystr
from .source import annotation

__all__ = ("Spawn", "WiringView", "wiring_view")

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
    """What ``wiring.py.jinja`` formats for one graph."""

    setup: list[str] = field(default_factory=list)
    inputs: list[tuple[str, str]] = field(default_factory=list)
    outputs: list[tuple[str, str]] = field(default_factory=list)
    daemons: list[tuple[DaemonDef, list[tuple[str, str]]]] = field(default_factory=list)
    spawns: list[Spawn] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    spawn_calls: list[str] = field(default_factory=list)
    param_fields: list[str] = field(default_factory=list)
    helpers: set[str] = field(default_factory=set)
    lossy: set[str] = field(default_factory=set)
    zmq: bool = False
    closers: list[str] = field(default_factory=list)


def wiring_view(graph: GraphDef, stem: str) -> WiringView:
    """Plan the channels and routing daemons of ``graph`` (module ``stem``)."""
    view = WiringView()
    send: dict[int, str] = {}
    recv: dict[int, str] = {}
    for link in graph.links:
        _link(view, link, stem, send, recv)
    producer_end: dict[PortRef, str] = {}
    consumer_end: dict[PortRef, str] = {}
    for n, tee in enumerate(graph.tees):
        attr = f"self._tee{n}"
        targets = ", ".join(graph.links[i].consumer.label for i in tee.links)
        view.setup.append(f"# {comment_text(tee.producer.label)} -> tee -> {targets}")
        view.setup.append(f"{attr}: Channel[{annotation(tee.type, stem)}] = open_channel(1)")
        producer_end[tee.producer] = f"{attr}.send"
        view.spawns.append(
            Spawn(
                "_tee", (f"{attr}.recv", *(send[i] for i in tee.links)), f"tee:{tee.producer.label}"
            )
        )
        view.helpers.add("_tee")
    for n, merge in enumerate(graph.merges):
        attr = f"self._merge{n}"
        sources = ", ".join(graph.links[i].producer.label for i in merge.links)
        view.setup.append(f"# {sources} -> merge -> {comment_text(merge.consumer.label)}")
        view.setup.append(f"{attr}: Channel[{annotation(merge.type, stem)}] = open_channel(1)")
        consumer_end[merge.consumer] = f"{attr}.recv"
        sources_list = "[" + ", ".join(recv[i] for i in merge.links) + "]"
        view.spawns.append(
            Spawn("_merge", (sources_list, f"{attr}.send"), f"merge:{merge.consumer.label}")
        )
        view.helpers.add("_merge")
    for link in graph.links:
        producer_end.setdefault(link.producer, send[link.index])
        consumer_end.setdefault(link.consumer, recv[link.index])
    for g in graph.inputs:
        view.inputs.append((ident(g.name), producer_end[PortRef(None, f"in.{g.name}")]))
    for g in graph.outputs:
        view.outputs.append((ident(g.name), consumer_end[PortRef(None, f"out.{g.name}")]))
    latest_n = idle_n = drain_n = 0
    for d in graph.daemons:
        kwargs: list[tuple[str, str]] = []
        for p in d.inputs:
            ref = PortRef(d.name, p.name)
            end = consumer_end.get(ref)
            t = annotation(p.type, stem)
            if p.latest:
                attr = f"self._latest{latest_n}"
                latest_n += 1
                view.setup.append(f"{attr}: Latest[{t}] = Latest()")
                if end is not None:
                    view.spawns.append(Spawn("_feed_latest", (end, attr), f"latest:{ref.label}"))
                    view.helpers.add("_feed_latest")
                kwargs.append((ident(p.name), attr))
            elif end is None:
                attr = f"self._idle{idle_n}"
                idle_n += 1
                view.setup.append(f"# {comment_text(ref.label)} is unconnected: it never yields")
                view.setup.append(f"{attr}: Channel[{t}] = open_channel(0)")
                kwargs.append((ident(p.name), f"{attr}.recv"))
            else:
                kwargs.append((ident(p.name), end))
        for p in d.outputs:
            ref = PortRef(d.name, p.name)
            end = producer_end.get(ref)
            if end is None:
                attr = f"self._drain{drain_n}"
                drain_n += 1
                t = annotation(p.type, stem)
                view.setup.append(f"# {comment_text(ref.label)} is unconnected: it is discarded")
                view.setup.append(f"{attr}: Channel[{t}] = open_channel(1)")
                view.spawns.append(Spawn("_drain", (f"{attr}.recv",), f"drain:{ref.label}"))
                view.helpers.add("_drain")
                end = f"{attr}.send"
            kwargs.append((ident(p.name), end))
        if d.params:
            kwargs.append(("params", f"self.params.{ident(d.name)}"))
        view.daemons.append((d, kwargs))
    _statements(view, graph)
    return view


def _kw(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"{k}={v}" for k, v in pairs]


def _statements(view: WiringView, graph: GraphDef) -> None:
    """Spell the constructor's last statements, ``add_to``'s spawns and the params fields."""
    for head, cls, pairs in (
        ("self.inputs = ", graph.inputs_name, view.inputs),
        ("self.outputs = ", graph.outputs_name, view.outputs),
    ):
        view.statements.append(head + call(ident(cls), _kw(pairs), 8 + len(head)))
    calls: list[str] = []
    for d, kwargs in view.daemons:
        prefix = f"{ident(d.name)}="
        calls.append(prefix + call(ident(d.name), _kw(kwargs), 12 + len(prefix) + 1))
    head = "self.daemons = "
    view.statements.append(head + call(ident(graph.daemons_name), calls, 8 + len(head)))
    for s in view.spawns:
        args = [s.fn, *s.args, f"name={pystr(s.name)}"]
        view.spawn_calls.append(call("sup.spawn", args, 8))
    for d in graph.daemons:
        if d.params:
            cls = ident(d.params_name)
            head = f"{ident(d.name)}: {cls} = "
            view.param_fields.append(
                head + call("msgspec.field", [f"default_factory={cls}"], 4 + len(head))
            )


def _link(
    view: WiringView, link: Link, stem: str, send: dict[int, str], recv: dict[int, str]
) -> None:
    i = link.index
    t = annotation(link.type, stem)
    view.setup.append(
        f"# {comment_text(link.producer.label)} -> {comment_text(link.consumer.label)}"
    )
    if link.transport == "zmq":
        assert link.address is not None
        view.zmq = True
        address = pystr(link.address)
        for end, bind, func in (
            ("recv", "True", "open_zmq_receive"),
            ("send", "False", "open_zmq_send"),
        ):
            args = [address, f"bind={bind}", f"maxsize={link.maxsize}", f"serde=MsgpackSerde({t})"]
            head = f"self._link{i}_{end} = "
            view.setup.append(head + call(func, args, len(head) + 8))
        send[i], recv[i] = f"self._link{i}_send", f"self._link{i}_recv"
        view.closers += [send[i], recv[i]]
    else:
        view.setup.append(f"self._link{i}: Channel[{t}] = open_channel({link.maxsize})")
        send[i], recv[i] = f"self._link{i}.send", f"self._link{i}.recv"
    if link.policy in _LOSSY:
        cls, needs_recv = _LOSSY[link.policy]
        view.lossy.add(cls)
        lossy_args = f"{send[i]}, {recv[i]}" if needs_recv else send[i]
        view.setup.append(f"self._link{i}_lossy = {cls}({lossy_args})")
        send[i] = f"self._link{i}_lossy"
        label = f"{link.producer.label} -> {link.consumer.label}"
        view.dropped.append((pystr(label), f"self._link{i}_lossy.dropped"))
