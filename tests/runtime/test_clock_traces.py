"""Random daemon graphs give the same per-task traces on every run, backend and path (issue 14).

A graph is a forest of daemons joined by channels: periodic sources (tied periods on purpose),
relays that sleep and forward to one or two outputs (in a child task for some of them), sinks,
and pollers that wake on the clock and `receive_nowait` whatever has arrived. Each daemon
records what it observed and when. The global interleaving of records is not compared (trio
orders tasks made runnable together at random, see docs/concepts.md); each task's own
sequence is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chrono_daemon import Channel, Context, SimClock, Supervisor, WouldBlock, daemon, simloop
from chrono_daemon import open_channel as open_channel

Trace = dict[str, list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Node:
    kind: str  # "source" | "relay" | "forked-relay" | "sink" | "poller"
    parent: int | None  # the node whose output feeds this one
    period: float  # sources, pollers
    latency: float  # relays
    maxsize: int  # of the channel from the parent


@st.composite
def graphs(draw: st.DrawFn) -> list[Node]:
    nodes: list[Node] = []
    outputs: dict[int, int] = {}  # free output slots per node
    for i in range(draw(st.integers(2, 7))):
        open_parents = [j for j, free in outputs.items() if free > 0]
        if i == 0 or not open_parents or draw(st.integers(0, 3)) == 0:
            kind, parent = "source", None
        else:
            parent = draw(st.sampled_from(open_parents))
            kind = draw(st.sampled_from(["relay", "forked-relay", "sink", "poller"]))
            outputs[parent] -= 1
        nodes.append(
            Node(
                kind=kind,
                parent=parent,
                period=draw(st.sampled_from([0.1, 0.2, 0.3])),
                latency=draw(st.sampled_from([0.0, 0.05, 0.1])),
                maxsize=draw(st.sampled_from([0, 1, 3])),
            )
        )
        if kind in ("source", "relay", "forked-relay"):
            outputs[i] = draw(st.integers(1, 2))
    return nodes


async def run_graph(nodes: list[Node]) -> Trace:
    clock = SimClock()
    trace: Trace = {f"n{i}": [] for i in range(len(nodes))}
    inputs: dict[int, Channel[tuple[str, int]]] = {}
    outputs: dict[int, list[Channel[tuple[str, int]]]] = {i: [] for i in range(len(nodes))}
    for i, node in enumerate(nodes):
        if node.parent is not None:
            inputs[i] = open_channel(node.maxsize)
            outputs[node.parent].append(inputs[i])

    @daemon
    async def source(ctx: Context, outs: list[Channel[tuple[str, int]]], period: float) -> None:
        log = trace[ctx.name]
        k = 0
        async for t in ctx.clock.every(period):
            k += 1
            log.append(("tick", t))
            for out in outs:
                await out.send.send((ctx.name, k))
                log.append(("sent", k, ctx.clock.now()))

    async def relay_loop(
        ctx: Context,
        inp: Channel[tuple[str, int]],
        outs: list[Channel[tuple[str, int]]],
        latency: float,
    ) -> None:
        log = trace[ctx.name]
        async for item in inp.recv:
            log.append(("got", item, ctx.clock.now()))
            await ctx.clock.sleep(latency)
            for out in outs:
                await out.send.send(item)
                log.append(("sent", item, ctx.clock.now()))

    @daemon
    async def relay(ctx: Context, inp: Any, outs: Any, latency: float) -> None:
        await relay_loop(ctx, inp, outs, latency)

    @daemon
    async def forked_relay(ctx: Context, inp: Any, outs: Any, latency: float) -> None:
        async with anyio.create_task_group() as tg:  # the child inherits the daemon's place
            tg.start_soon(relay_loop, ctx, inp, outs, latency)

    @daemon
    async def sink(ctx: Context, inp: Channel[tuple[str, int]]) -> None:
        async for item in inp.recv:
            trace[ctx.name].append(("got", item, ctx.clock.now()))

    @daemon
    async def poller(ctx: Context, inp: Channel[tuple[str, int]], period: float) -> None:
        async for t in ctx.clock.every(period):
            try:
                trace[ctx.name].append(("polled", inp.recv.receive_nowait(), t))
            except WouldBlock:
                trace[ctx.name].append(("polled", None, t))

    async with Supervisor(clock=clock) as sup:
        for i, node in enumerate(nodes):
            name = f"n{i}"
            if node.kind == "source":
                sup.add(source(outputs[i], node.period), name=name)
            elif node.kind == "relay":
                sup.add(relay(inputs[i], outputs[i], node.latency), name=name)
            elif node.kind == "forked-relay":
                sup.add(forked_relay(inputs[i], outputs[i], node.latency), name=name)
            elif node.kind == "sink":
                sup.add(sink(inputs[i]), name=name)
            else:
                sup.add(poller(inputs[i], node.period), name=name)
        for _ in range(3):
            await clock.advance(0.4)
        await sup.stop(grace=0)
    return trace


async def five_runs(nodes: list[Node]) -> list[Trace]:
    return [await run_graph(nodes) for _ in range(5)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_random_graphs_give_identical_per_task_traces(nodes: list[Node]) -> None:
    reference = anyio.run(run_graph, nodes, backend="asyncio")
    assert sum(map(len, reference.values())) > 0
    for backend in ("asyncio", "trio"):
        assert anyio.run(five_runs, nodes, backend=backend) == [reference] * 5, backend
        assert simloop.run(five_runs, nodes, backend=backend) == [reference] * 5, backend
