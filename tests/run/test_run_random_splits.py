"""Random valid process splits of random graphs generate, type-check, and run to the same sink
output as the one-process graph (issue 10).

Each drawn graph is a DAG of sources (``run`` daemons that send three messages and return) and
reactive transforms with one or two inputs, each fed by one or two producers (tees and merges
of every kind), optionally fed from a graph input; every leaf goes to the graph output. Its
daemons are spread over up to three processes. Every message carries the path it took, so the
sink output is compared per path, in order (tees and merges keep per-producer FIFO): the whole
graph under SimClock, the split graph with in-memory wires under SimClock, and the split graph
over real ZeroMQ (loopback TCP) under WallClock must agree, on asyncio and trio.
"""

from __future__ import annotations

import itertools
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chrono_daemon.launch.launcher import free_ports
from chrono_daemon.run import MemoryEndpoints, RunOutcome, ZmqEndpoints, execute, plan_run
from codegen import generate_to

REPO = Path(__file__).resolve().parents[2]
MESSAGES = 3
_COUNTER = itertools.count()


@dataclass
class Case:
    """One drawn graph: its schema, implementation module and where each daemon runs."""

    stem: str
    schema: str
    impl: str
    processes: dict[str, list[str]] = field(default_factory=dict)


@st.composite
def split_graph(draw: st.DrawFn) -> Case:
    n = draw(st.integers(2, 5))
    names = [f"d{i}" for i in range(n)]
    has_input = draw(st.booleans())
    edges: list[tuple[str, str, int]] = []  # producer, consumer port, maxsize
    inputs: dict[str, list[str]] = {}
    consumed: set[str] = set()
    for i, d in enumerate(names):
        producers = [f"{p}.out" for p in names[:i]] + (["in.src"] if has_input else [])
        ports = draw(st.integers(0, 2)) if producers else 0
        inputs[d] = [f"i{k}" for k in range(ports)]
        for port in inputs[d]:
            chosen = draw(st.lists(st.sampled_from(producers), min_size=1, max_size=2, unique=True))
            for p in chosen:
                edges.append((p, f"{d}.{port}", draw(st.integers(0, 3))))
                consumed.add(p)
    if has_input and "in.src" not in consumed:
        inputs[names[-1]].append("ix")
        edges.append(("in.src", f"{names[-1]}.ix", 1))
        consumed.add("in.src")
    leaves = [d for d in names if f"{d}.out" not in consumed]
    extra = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    for d in sorted(set(leaves) | set(extra), key=names.index):
        edges.append((f"{d}.out", "out.res", draw(st.integers(1, 3))))
    count = draw(st.integers(1, 3))
    where = {d: f"p{draw(st.integers(0, count - 1))}" for d in names}
    boundary = f"p{draw(st.integers(0, count - 1))}"
    stem = f"rg{next(_COUNTER)}"
    lines = ["[graph]", 'outputs.res = "Msg"']
    if has_input:
        lines.append('inputs.src = "Msg"')
    lines += ["", "[messages.Msg]", 'fields.path = "list[str]"', 'fields.n = "int"', ""]
    for d in names:
        lines.append(f"[daemons.{d}]")
        lines.append(f'kind = "{"reactive" if inputs[d] else "run"}"')
        lines += [f'inputs.{port} = "Msg"' for port in inputs[d]]
        lines += ['outputs.out = "Msg"', ""]
    for producer, consumer, maxsize in edges:
        lines += ["[[edges]]", f'from = "{producer}"', f'to = "{consumer}"']
        lines += [f"maxsize = {maxsize}", ""]
    processes: dict[str, list[str]] = {}
    for d in names:
        processes.setdefault(where[d], []).append(d)
    for p in sorted(set(processes) | {boundary}):
        lines.append(f"[processes.{p}]")
        if p == boundary:
            lines.append("boundary = true")
        listed = ", ".join(f'"{d}"' for d in processes.get(p, []))
        lines += [f"daemons = [{listed}]", ""]
    return Case(stem, "\n".join(lines), _impl(stem, names, inputs, has_input), processes)


def _impl(stem: str, names: list[str], inputs: dict[str, list[str]], has_input: bool) -> str:
    out = [
        "from __future__ import annotations",
        "",
        "import anyio",
        "",
        "from chrono_daemon import Context",
        f"from {{package}}.{stem} import Msg, {stem.capitalize()}HarnessBase",
        f"from {{package}}.{stem} import {', '.join(f'{d.capitalize()}Base' for d in names)}",
        "",
        "RESULTS: list[Msg] = []",
        "",
    ]
    for d in names:
        out += ["", f"class {d.capitalize()}({d.capitalize()}Base):"]
        if not inputs[d]:
            out += [
                "    async def run(self, ctx: Context) -> None:",
                f"        for n in range({MESSAGES}):",
                f"            await self.out.send(Msg(path=[{d!r}], n=n))",
            ]
        for port in inputs[d]:
            out += [
                f"    async def on_{port}(self, ctx: Context, msg: Msg) -> None:",
                f"        await self.out.send(Msg(path=[*msg.path, {d + '.' + port!r}], n=msg.n))",
            ]
    out += [
        "",
        f"class Harness({stem.capitalize()}HarnessBase):",
        "    async def run(self, ctx: Context) -> None:",
        "        async with anyio.create_task_group() as tg:",
        "            tg.start_soon(self._send)",
        "            async for msg in self.outputs.res:",
        "                RESULTS.append(msg)",
        "",
        "    async def _send(self) -> None:",
    ]
    if has_input:
        out += [
            f"        for n in range({MESSAGES}):",
            "            await self.inputs.src.send(Msg(path=['in'], n=n))",
            "        await self.inputs.src.aclose()",
        ]
    else:
        out.append("        return")
    return "\n".join(out) + "\n"


def _by_path(results: list[Any]) -> dict[tuple[str, ...], list[int]]:
    out: dict[tuple[str, ...], list[int]] = {}
    for msg in results:
        out.setdefault(tuple(msg.path), []).append(msg.n)
    return out


def _mypy(paths: list[Path], root: Path) -> tuple[str, int]:
    from mypy import api

    limit = sys.getrecursionlimit()
    old = Path.cwd()
    os.chdir(root)
    try:
        stdout, _, status = api.run(
            ["--strict", "--no-error-summary", "--show-error-codes", "--cache-dir",
             str(root / ".mypy_cache"), "--config-file", str(REPO / "pyproject.toml"),
             *map(str, paths)]
        )  # fmt: skip
    finally:
        os.chdir(old)
        sys.setrecursionlimit(limit)
    return stdout, status


@pytest.mark.slow
@pytest.mark.timeout(240)
@settings(
    max_examples=2,
    deadline=None,
    # No "explain" phase: its tracing makes each run several times slower on Python 3.11.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases=st.lists(split_graph(), min_size=4, max_size=4))
def test_random_splits_run_like_one_process(
    tmp_path_factory: pytest.TempPathFactory, cases: list[Case]
) -> None:
    root = tmp_path_factory.mktemp("splits")
    package = f"splits{next(_COUNTER)}"
    schemas = root / "schemas"
    schemas.mkdir()
    for case in cases:
        (schemas / f"{case.stem}.toml").write_text(case.schema)
        (root / f"impl_{case.stem}.py").write_text(case.impl.replace("{package}", package))
    result, report = generate_to(schemas, root / package)
    assert report is not None, [str(e) for e in result.errors]
    impls = [root / f"impl_{c.stem}.py" for c in cases]
    out, status = _mypy([root / package, *impls], root)
    assert status == 0, out
    sys.path.insert(0, str(root))
    try:
        for case in cases:
            _check(case, schemas, root)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.startswith((package, "impl_rg"))]:
            del sys.modules[name]


def _check(case: Case, schemas: Path, root: Path) -> None:
    plan = plan_run(schemas, case.stem, str(root / f"impl_{case.stem}.py"))
    module = sys.modules[f"impl_{case.stem}"]
    runs: dict[str, dict[tuple[str, ...], list[int]]] = {}
    for backend in ("asyncio", "trio"):
        for name, build, clock in (
            ("whole", lambda: plan.build(), "sim"),
            ("memory", lambda: plan.build(split=True, endpoints=MemoryEndpoints()), "sim"),
            ("zmq", lambda: plan.build(split=True, endpoints=_tcp(plan)), "wall"),
        ):
            module.RESULTS.clear()

            async def main(build: Any = build, clock: Any = clock) -> RunOutcome:
                with anyio.fail_after(20):
                    return await execute(build(), clock=clock, handle_signals=False)

            outcome = anyio.run(main, backend=backend)
            assert outcome.exit_code == 0, (case.schema, name, backend, outcome)
            runs[f"{name}/{backend}"] = _by_path(module.RESULTS)
    first = runs["whole/asyncio"]
    assert first, case.schema
    assert all(len(ns) == MESSAGES for ns in first.values()), (case.schema, first)
    assert all(r == first for r in runs.values()), (case.schema, runs)


def _tcp(plan: Any) -> ZmqEndpoints:
    """Free loopback ports, one per wire, chosen as ``chrono launch`` chooses them."""
    wires = plan.graph.wires
    ports = free_ports(["127.0.0.1"] * len(wires))
    pairs = zip(wires, ports, strict=True)
    return ZmqEndpoints({w.label: f"tcp://127.0.0.1:{p}" for w, p in pairs})
