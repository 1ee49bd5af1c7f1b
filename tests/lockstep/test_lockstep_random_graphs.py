"""Random time-driven graphs, split at random over up to three processes, run in lockstep
(``run_local``) exactly as in one process, on asyncio and trio (hypothesis).

Each drawn graph is a DAG: sources send a few messages ``gap`` virtual seconds apart (and a
graph input does too, from the harness), reactive transforms with one or two inputs (each fed
by one or two producers: tees and merges) wait ``latency`` before forwarding, every edge has a
random ``maxsize`` from 0 (rendezvous) to 3, so senders block and credit matters. With every
latency positive, no two messages meet at a merge within one settle (except in a tee triangle,
below), and lockstep must give the one-process trace exactly: every message on every edge, in
order, with its virtual time (ADR 0027 says why that is the condition). With some latencies 0
the same-settle order at a merge is the scheduler's in one process and the wire order in
lockstep: then lockstep must still be deterministic (one trace run after run; on both backends
when every hop takes time), and agree with one process on what reached each sink by each
path, in order. So must a split where one wire carries some but not all of a producer's links
(ADR 0027's difference 2), and a tee triangle across processes (a producer feeding two
daemons, one of which feeds the other: a rendezvous or full buffer releases the tee in the
same settle as the middle daemon's send, difference 1 with no instant hop). The last tests
pin the triangle and ADR 0027's differences 2 and 3.
"""

from __future__ import annotations

import contextlib
import itertools
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st
from lockstep_helpers import Trace, run_split, run_whole

from chrono_daemon.run import plan_run
from codegen import generate_to

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from chrono_daemon.run import RunPlan
    from codegen.model import Link

MESSAGES = 3
_COUNTER = itertools.count()


@dataclass
class Case:
    stem: str
    schema: str
    impl: str
    instant_hops: bool  # some transform forwards with no latency


@st.composite
def timed_graph(draw: st.DrawFn) -> Case:
    n = draw(st.integers(2, 5))
    names = [f"d{i}" for i in range(n)]
    has_input = draw(st.booleans())
    edges: list[tuple[str, str, int]] = []
    inputs: dict[str, list[str]] = {}
    consumed: set[str] = set()
    for i, d in enumerate(names):
        producers = [f"{p}.out" for p in names[:i]] + (["in.src"] if has_input else [])
        ports = draw(st.integers(0, min(2, len(producers))))
        inputs[d] = [f"i{k}" for k in range(ports)]
        # Distinct producers across a daemon's ports: one producer feeding two ports (a tee)
        # hands it two messages in one settle, whose order is the scheduler's (random on trio,
        # in one process too).
        most = min(len(producers), 2 * ports)
        feeds: list[str] = []
        if ports:
            feeds = draw(
                st.lists(st.sampled_from(producers), min_size=ports, max_size=most, unique=True)
            )
        for k, port in enumerate(inputs[d]):
            chosen = feeds[k::ports]
            for p in chosen:
                edges.append((p, f"{d}.{port}", draw(st.integers(0, 3))))
                consumed.add(p)
    if has_input and "in.src" not in consumed:
        inputs[names[-1]].append("ix")
        edges.append(("in.src", f"{names[-1]}.ix", draw(st.integers(0, 3))))
    leaves = [d for d in names if f"{d}.out" not in consumed]
    for d in leaves:
        edges.append((f"{d}.out", "out.res", draw(st.integers(0, 3))))
    delay = {
        d: draw(st.sampled_from([0.0, 0.001, 0.002] if inputs[d] else [0.001, 0.003]))
        for d in names
    }
    count = draw(st.integers(1, 3))
    where = {d: f"p{draw(st.integers(0, count - 1))}" for d in names}
    boundary = f"p{draw(st.integers(0, count - 1))}"
    stem = f"lg{next(_COUNTER)}"
    lines = ["[graph]", 'outputs.res = "Msg"']
    lines += ['inputs.src = "Msg"'] if has_input else []
    lines += ["", "[messages.Msg]", 'fields.path = "list[str]"', 'fields.n = "int"', ""]
    for d in names:
        lines += [f"[daemons.{d}]", f'kind = "{"reactive" if inputs[d] else "run"}"']
        lines += [f'inputs.{port} = "Msg"' for port in inputs[d]]
        lines += ['outputs.out = "Msg"', ""]
    for producer, consumer, maxsize in edges:
        lines += ["[[edges]]", f'from = "{producer}"', f'to = "{consumer}"', f"maxsize = {maxsize}"]
    processes = sorted(set(where.values()) | {boundary})
    for p in processes:
        lines += ["", f"[processes.{p}]"] + (["boundary = true"] if p == boundary else [])
        listed = ", ".join(f'"{d}"' for d in names if where[d] == p)
        lines.append(f"daemons = [{listed}]")
    instant = any(delay[d] == 0 for d in names)
    return Case(
        stem, "\n".join(lines) + "\n", _impl(stem, names, inputs, delay, has_input), instant
    )


def _impl(
    stem: str, names: list[str], inputs: dict[str, list[str]], delay: dict[str, float], src: bool
) -> str:
    base = stem.capitalize()
    out = [
        "from __future__ import annotations",
        "",
        "import anyio",
        "",
        "from chrono_daemon import Context",
        f"from {{package}}.{stem} import Msg, {base}HarnessBase",
        f"from {{package}}.{stem} import {', '.join(f'{d.capitalize()}Base' for d in names)}",
        "",
        "RESULTS: list[Msg] = []",
    ]
    for d in names:
        out += ["", "", f"class {d.capitalize()}({d.capitalize()}Base):"]
        if not inputs[d]:
            out += [
                "    async def run(self, ctx: Context) -> None:",
                f"        for n in range({MESSAGES}):",
                f"            await ctx.clock.sleep({delay[d]})",
                f"            await self.out.send(Msg(path=[{d!r}], n=n))",
            ]
        for port in inputs[d]:
            out += [
                f"    async def on_{port}(self, ctx: Context, msg: Msg) -> None:",
                f"        await ctx.clock.sleep({delay[d]})",
                f"        await self.out.send(Msg(path=[*msg.path, {d + '.' + port!r}], n=msg.n))",
            ]
    out += [
        "",
        "",
        f"class Harness({base}HarnessBase):",
        "    async def run(self, ctx: Context) -> None:",
        "        async with anyio.create_task_group() as tg:",
        "            tg.start_soon(self._send, ctx)",
        "            async for msg in self.outputs.res:",
        "                RESULTS.append(msg)",
        "",
        "    async def _send(self, ctx: Context) -> None:",
    ]
    if src:
        out += [
            f"        for n in range({MESSAGES}):",
            "            await ctx.clock.sleep(0.001)",
            "            await self.inputs.src.send(Msg(path=['in'], n=n))",
            "        await self.inputs.src.aclose()",
        ]
    else:
        out.append("        return")
    return "\n".join(out) + "\n"


def split_fan_out(plan: RunPlan) -> bool:
    """Whether a wire carries some, not all, of its producer's links: the one case where
    lockstep may order a same-instant fan-out differently from one process (ADR 0027)."""
    graph = plan.graph
    return any(
        len(wire.links) > 1
        and any(
            link.producer == wire.producer and link.index not in wire.links for link in graph.links
        )
        for wire in graph.wires
    )


def tee_triangle(plan: RunPlan) -> bool:
    """Whether a producer port feeds two daemons one of which feeds the other, with a link of
    that triangle between processes: ADR 0027's first difference without any instant hop.
    When the middle daemon wakes, it sends on and takes the tee's next item in one settle; the
    tee, blocked on that rendezvous or full buffer, goes on at once to the far daemon, so two
    messages meet at its input in one settle (one process: the tee's extra hop comes second;
    lockstep: wire order)."""
    graph = plan.graph
    crossing = {i for wire in graph.wires for i in wire.links}
    fed: dict[str, dict[str, Link]] = {}  # producer port -> consumer daemon -> link
    for link in graph.links:
        if link.consumer.daemon is not None:
            fed.setdefault(link.producer.label, {})[link.consumer.daemon] = link
    return any(
        {tee[near].index, tee[far].index, link.index} & crossing
        for tee in fed.values()
        for near in tee
        for far in tee
        for link in graph.links
        if far != near
        and link.producer.daemon == near
        and link.consumer.daemon == far
        # The tee waits on its link to ``near`` only if that buffer can fill: MESSAGES items
        # never fill one of MESSAGES places.
        and tee[near].maxsize < MESSAGES
    )


def _by_path(trace: Trace) -> dict[tuple[str, str], list[str]]:
    """What each producer port sent, by the path each message took, in order (no times)."""
    out: dict[tuple[str, str], list[str]] = {}
    for topic, log in trace.items():
        for _, message in log:
            path = message.split("path=")[1].split("], n=")[0]
            out.setdefault((topic, path), []).append(message)
    return out


TEE_TRIANGLE = (
    '[graph]\noutputs.res = "Msg"\ninputs.src = "Msg"\n\n'
    '[messages.Msg]\nfields.path = "list[str]"\nfields.n = "int"\n'
    + "".join(
        f'\n[daemons.{d}]\nkind = "reactive"\ninputs.i0 = "Msg"\noutputs.out = "Msg"\n'
        for d in ("d0", "d1")
    )
    + "".join(
        f'\n[[edges]]\nfrom = "{a}"\nto = "{b}"\nmaxsize = {m}\n'
        for a, b, m in [
            ("in.src", "d0.i0", 0), ("in.src", "d1.i0", 0), ("d0.out", "d1.i0", 1),
            ("d1.out", "out.res", 0),
        ]
    )
    + '\n[processes.p0]\nboundary = true\ndaemons = ["d0"]\n'
    + '\n[processes.p1]\ndaemons = ["d1"]\n'
)  # fmt: skip


def _triangle_case(stem: str) -> Case:
    inputs = {"d0": ["i0"], "d1": ["i0"]}
    impl = _impl(stem, ["d0", "d1"], inputs, {"d0": 0.002, "d1": 0.001}, True)
    return Case(stem, TEE_TRIANGLE, impl, False)


@pytest.mark.timeout(240)
@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases=st.lists(timed_graph(), min_size=5, max_size=5))
@example(cases=[_triangle_case("lgtri0")])  # found by hypothesis: a tee triangle over a wire
def test_random_splits_in_lockstep_run_as_in_one_process(
    tmp_path_factory: pytest.TempPathFactory, cases: list[Case]
) -> None:
    with generated(tmp_path_factory.mktemp("lockstep"), cases) as (schemas, root):
        for case in cases:
            _check(case, schemas, root)


@contextlib.contextmanager
def generated(root: Path, cases: list[Case]) -> Iterator[tuple[Path, Path]]:
    """Write ``cases`` under ``root``, generate their package, make it and the implementations
    importable; yield (schemas, root); forget every module of them afterwards."""
    package = f"lockstep{next(_COUNTER)}"
    schemas = root / "schemas"
    schemas.mkdir()
    for case in cases:
        (schemas / f"{case.stem}.toml").write_text(case.schema)
        (root / f"impl_{case.stem}.py").write_text(case.impl.replace("{package}", package))
    result, report = generate_to(schemas, root / package)
    assert report is not None, [str(e) for e in result.errors]
    impls = tuple(f"impl_{case.stem}" for case in cases)
    sys.path.insert(0, str(root))
    try:
        yield schemas, root
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.startswith((package, *impls))]:
            del sys.modules[name]


def _check(case: Case, schemas: Path, root: Path) -> None:
    plan = plan_run(schemas, case.stem, str(root / f"impl_{case.stem}.py"))
    fan_out = split_fan_out(plan)
    triangle = tee_triangle(plan)
    event("some hops take no time" if case.instant_hops else "every hop takes time")
    event(f"{len(plan.graph.processes)} process(es), {len(plan.graph.wires)} wire(s)")
    if fan_out:
        event("a wire carries part of a fan-out (ADR 0027: may differ from one process)")
    if triangle:
        event("a tee triangle crosses a wire (ADR 0027: may differ from one process)")
    whole, expected = run_whole(plan, "asyncio")
    assert whole.exit_code == 0, (case.schema, whole)
    paths = _by_path(expected)
    assert paths, case.schema
    assert all(len(v) == MESSAGES for v in paths.values()), (case.schema, expected)
    traces: dict[str, Trace] = {}
    for backend in ("asyncio", "trio"):
        split, traces[backend] = run_split(plan, backend)
        assert all(o.exit_code == 0 for o in split.outcomes.values()), (case.schema, split)
        if not (case.instant_hops or fan_out or triangle):
            assert traces[backend] == expected, (case.schema, backend)
        # Otherwise (same-settle meetings, or a fan-out split over a wire): the same per-path
        # streams, and as deterministic as one process is on the backend.
        assert _by_path(traces[backend]) == paths, (case.schema, backend)
    if not case.instant_hops:  # nothing left to the scheduler: one trace on both backends
        assert traces["trio"] == traces["asyncio"], case.schema
    else:  # asyncio's ready queue is FIFO (trio shuffles): one trace run after run
        assert run_split(plan, "asyncio")[1] == traces["asyncio"], case.schema


FAN_OUT = """[graph]
outputs.res = "Msg"

[messages.Msg]
fields.path = "list[str]"
fields.n = "int"

[daemons.d0]
kind = "run"
outputs.out = "Msg"

[daemons.d1]
kind = "run"
outputs.out = "Msg"

[daemons.d2]
kind = "reactive"
inputs.i0 = "Msg"
outputs.out = "Msg"

[daemons.d3]
kind = "reactive"
inputs.i0 = "Msg"
outputs.out = "Msg"

[daemons.d4]
kind = "reactive"
inputs.i0 = "Msg"
outputs.out = "Msg"
""" + "".join(
    f'[[edges]]\nfrom = "{a}"\nto = "{b}"\nmaxsize = 0\n'
    for a, b in [
        ("d0.out", "d2.i0"), ("d0.out", "d3.i0"), ("d1.out", "d3.i0"), ("d0.out", "d4.i0"),
        ("d2.out", "out.res"), ("d3.out", "out.res"), ("d4.out", "out.res"),
    ]
) + """
[processes.p0]
boundary = true
daemons = ["d0", "d1", "d3"]

[processes.p1]
daemons = ["d2", "d4"]
"""  # fmt: skip


def test_a_fan_out_split_over_a_wire_is_the_documented_difference(tmp_path: Path) -> None:
    """d0 feeds d2 and d4 (process p1: one wire) and d3 (its own process), every buffer 0 and
    every consumer busy 1 ms per message: in one process d0's tee waits for d2 before d3; split,
    the wire takes the item and the tee moves on to d3 at once, so d0 and d1 meet at d3 in
    another order. Lockstep stays deterministic, and every path carries the same messages."""
    names = [f"d{i}" for i in range(5)]
    inputs = {d: ([] if d in ("d0", "d1") else ["i0"]) for d in names}
    case = Case(
        "lgfan", FAN_OUT, _impl("lgfan", names, inputs, dict.fromkeys(names, 0.001), False), False
    )
    with generated(tmp_path, [case]) as (schemas, root):
        plan = plan_run(schemas, "lgfan", str(root / "impl_lgfan.py"))
        assert split_fan_out(plan)
        _, expected = run_whole(plan, "asyncio")
        traces = [run_split(plan, backend)[1] for backend in ("asyncio", "trio", "asyncio")]
    assert traces[0] == traces[1] == traces[2]
    assert _by_path(traces[0]) == _by_path(expected)
    assert traces[0]["lgfan/d3.out"] != expected["lgfan/d3.out"]  # the order ADR 0027 documents


def test_a_tee_triangle_over_a_wire_meets_in_one_settle(tmp_path: Path) -> None:
    """ADR 0027's first difference with every hop taking time (found by hypothesis): in.src
    feeds d0 (p0) and d1 (p1) on rendezvous, and d0 feeds d1 too. At t=0.003 d0 wakes, sends
    n0 towards d1 and takes n1 from the tee, which was blocked on d0 and now sends n1 over the
    in.src wire: two messages from one settle meet at d1's input. One process delivers d0's
    first (the tee is one hop more); lockstep in wire order, the in.src wire first, on both
    backends, run after run (wires are released one at a time, settled in between)."""
    with generated(tmp_path, [_triangle_case("lgtri")]) as (schemas, root):
        plan = plan_run(schemas, "lgtri", str(root / "impl_lgtri.py"))
        assert tee_triangle(plan)
        assert not split_fan_out(plan)
        _, expected = run_whole(plan, "asyncio")
        traces = [run_split(plan, "asyncio")[1]] + [run_split(plan, "trio")[1] for _ in range(8)]
    assert all(trace == traces[0] for trace in traces)
    assert _by_path(traces[0]) == _by_path(expected)
    assert expected["lgtri/d1.out"][1] == (0.004, "Msg(path=['in', 'd0.i0', 'd1.i0'], n=0)")
    assert traces[0]["lgtri/d1.out"][1] == (0.004, "Msg(path=['in', 'd1.i0'], n=1)")


DROP_NEWEST_RENDEZVOUS = """[graph]
outputs.res = "Msg"

[messages.Msg]
fields.path = "list[str]"
fields.n = "int"

[daemons.d0]
kind = "run"
outputs.out = "Msg"

[daemons.d1]
kind = "reactive"
inputs.i0 = "Msg"
outputs.out = "Msg"

[[edges]]
from = "d0.out"
to = "d1.i0"
maxsize = 0
policy = "drop_newest"

[[edges]]
from = "d1.out"
to = "out.res"

[processes.p0]
daemons = ["d0"]

[processes.p1]
boundary = true
daemons = ["d1"]
"""


def test_drop_newest_on_a_rendezvous_wire_drops_what_one_process_delivers(
    tmp_path: Path,
) -> None:
    """ADR 0027's third difference: d1 always waits on its input, so in one process every
    ``send_nowait`` of d0 meets it and nothing is dropped; across processes the sender cannot
    know that the remote consumer waits, so every item is dropped, and counted."""
    names = ["d0", "d1"]
    inputs = {"d0": [], "d1": ["i0"]}
    impl = _impl("lgdrop", names, inputs, {"d0": 0.001, "d1": 0.0}, False)
    with generated(tmp_path, [Case("lgdrop", DROP_NEWEST_RENDEZVOUS, impl, True)]) as (s, root):
        plan = plan_run(s, "lgdrop", str(root / "impl_lgdrop.py"))
        whole, expected = run_whole(plan, "asyncio")
        splits = [run_split(plan, backend) for backend in ("asyncio", "trio")]
    assert len(expected["lgdrop/d1.out"]) == MESSAGES
    assert not whole.dropped
    for split, trace in splits:
        assert trace.get("lgdrop/d1.out", []) == []
        assert split.outcomes["p0"].dropped == {"d0.out -> d1.i0": MESSAGES}
