"""One edge across processes vs in process vs raw pyzmq, and ``chrono launch`` start-up time.

Edge: a producer sends small msgspec Structs to a consumer (maxsize 64):
- ``in-process``: ``open_channel`` between two tasks of one event loop;
- ``chrono wire``: the producer in a child process, on the ``ZmqEndpoints`` wire a split graph
  uses (``open_zmq_send``/``open_zmq_receive``, MsgpackSerde, loopback TCP);
- ``raw pyzmq``: the same across processes with blocking PAIR sockets carrying msgspec bytes
  (no framing, no close protocol: an empty frame ends the stream), the floor.
Throughput: a burst of N messages, messages/s at the consumer. Latency: 2,000 messages paced at
~1 kHz, each stamped with ``time.monotonic_ns()`` (system-wide on Linux), p50/p99 at receipt.

Start-up: ``chrono launch`` of a 3-process pipeline (source -> relay -> sink, one per process),
wall time from starting the launcher to the first message printed by the sink's process.

Rounds alternate; medians are reported. Run: PYTHONPATH=. python bench/deploy.py [--quick]
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]  # run as a script: keep "import zmq" away from bench/zmq.py

import argparse
import functools
import os
import statistics
import subprocess
import tempfile
import time
from typing import TYPE_CHECKING

import anyio
import msgspec
import zmq

from bench._results import write_section
from chrono_daemon import Channel, open_channel
from chrono_daemon.launch.launcher import free_ports
from chrono_daemon.transports.zmq import MsgpackSerde, ZmqConfig, open_zmq_receive, open_zmq_send

if TYPE_CHECKING:
    from collections.abc import Callable

MAXSIZE = 64
NOTE = (
    "Reading it: the raw reference is two *blocking* pyzmq loops in two processes, the floor "
    "for any implementation (bench/zmq.py compares async loops in one event loop, the SPEC "
    '5.2 target). "in-process" is no faster than a wire across processes because one event '
    "loop runs both ends (no second core) and every item is a task switch; its latency is the "
    "lowest. On this shared 2-core machine the wire's ratio moved between 0.33x and 0.55x from "
    "run to run (2026-12-02, load 1.3-2.7), with the code before and after the ZMQ close fix "
    "(ADR 0030) alike. "
    "Start-up is dominated by three Python interpreters importing chrono, msgspec and pyzmq."
)
PACED = 2000
REPO = Path(__file__).resolve().parents[1]


class Sample(msgspec.Struct, frozen=True):
    seq: int
    sent_ns: int


# -- the producer side, run in a child process -------------------------------------------------


def child(kind: str, address: str, items: int, pace: float) -> None:
    if kind == "raw":
        sock: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.PAIR)
        sock.set(zmq.SNDHWM, MAXSIZE)
        sock.connect(address)
        encode = msgspec.msgpack.Encoder().encode
        for i in range(items):
            sock.send(encode(Sample(i, time.monotonic_ns())))
            if pace:
                time.sleep(pace)
        sock.send(b"")
        sock.close(linger=5000)
        return

    async def produce() -> None:
        send = open_zmq_send(address, serde=MsgpackSerde(Sample), config=ZmqConfig(MAXSIZE))
        for i in range(items):
            await send.send(Sample(i, time.monotonic_ns()))
            if pace:
                await anyio.sleep(pace)
        await send.aclose()

    anyio.run(produce)


# -- the consumer side, in this process --------------------------------------------------------


def _spawn(kind: str, address: str, items: int, pace: float) -> subprocess.Popen[bytes]:
    argv = [sys.executable, __file__, "--child", kind, address, str(items), str(pace)]
    return subprocess.Popen(argv, env={**os.environ, "PYTHONPATH": str(REPO)})


def across(kind: str, items: int, pace: float) -> tuple[float, list[int]]:
    """(seconds from first to last message, latencies in ns) of one run across processes."""
    (port,) = free_ports(["127.0.0.1"])
    address = f"tcp://127.0.0.1:{port}"
    latencies: list[int] = []
    if kind == "raw":
        sock: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.PAIR)
        sock.set(zmq.RCVHWM, MAXSIZE)
        sock.bind(address)
        proc = _spawn(kind, address, items, pace)
        decode = msgspec.msgpack.Decoder(Sample).decode
        first = sock.recv()
        start = time.perf_counter()
        frame = first
        while frame:
            latencies.append(time.monotonic_ns() - decode(frame).sent_ns)
            frame = sock.recv()
        elapsed = time.perf_counter() - start
        sock.close(linger=0)
        proc.wait(60)
        return elapsed, latencies

    async def consume() -> float:
        recv = open_zmq_receive(address, serde=MsgpackSerde(Sample), config=ZmqConfig(MAXSIZE))
        proc = _spawn(kind, address, items, pace)
        first = await recv.receive()
        start = time.perf_counter()
        latencies.append(time.monotonic_ns() - first.sent_ns)
        latencies.extend([time.monotonic_ns() - item.sent_ns async for item in recv])
        elapsed = time.perf_counter() - start
        await recv.aclose()
        await anyio.to_thread.run_sync(proc.wait, 60)
        return elapsed

    return anyio.run(consume), latencies


def in_process(items: int, pace: float) -> tuple[float, list[int]]:
    latencies: list[int] = []

    async def main() -> float:
        ch: Channel[Sample] = open_channel(MAXSIZE)
        times: list[float] = []

        async def produce() -> None:
            for i in range(items):
                await ch.send.send(Sample(i, time.monotonic_ns()))
                if pace:
                    await anyio.sleep(pace)
            await ch.send.aclose()

        async def consume() -> None:
            async for item in ch.recv:
                if not times:
                    times.append(time.perf_counter())
                latencies.append(time.monotonic_ns() - item.sent_ns)
            times.append(time.perf_counter())

        async with anyio.create_task_group() as tg:
            tg.start_soon(produce)
            tg.start_soon(consume)
        return times[-1] - times[0]

    return anyio.run(main), latencies


def edge_numbers(items: int, rounds: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, list[float]]] = {}
    runs: dict[str, Callable[[int, float], tuple[float, list[int]]]] = {
        "in-process": in_process,
        "chrono wire": functools.partial(across, "chrono"),
        "raw pyzmq": functools.partial(across, "raw"),
    }
    for _ in range(rounds):
        for name, run in runs.items():
            elapsed, _ = run(items, 0.0)
            _, lat = run(PACED, 0.001)
            lat.sort()
            row = out.setdefault(name, {"rate": [], "p50": [], "p99": []})
            row["rate"].append(items / elapsed)
            row["p50"].append(lat[len(lat) // 2] / 1000)
            row["p99"].append(lat[int(len(lat) * 0.99)] / 1000)
    return {n: {k: statistics.median(v) for k, v in row.items()} for n, row in out.items()}


# -- launch start-up ---------------------------------------------------------------------------

PIPELINE = """\
[graph]
outputs.done = "Tick"

[messages.Tick]
fields.n = "int"

[daemons.source]
kind = "run"
outputs.out = "Tick"

[daemons.relay]
kind = "reactive"
inputs.tick = "Tick"
outputs.out = "Tick"

[daemons.sink]
kind = "reactive"
inputs.tick = "Tick"
outputs.out = "Tick"

[[edges]]
from = "source.out"
to = "relay.tick"
[[edges]]
from = "relay.out"
to = "sink.tick"
[[edges]]
from = "sink.out"
to = "out.done"

[processes.a]
daemons = ["source"]
[processes.b]
daemons = ["relay"]
[processes.c]
boundary = true
daemons = ["sink"]
"""

PIPELINE_IMPL = """\
from chrono_daemon import Context
from pipegen.pipeline import PipelineHarnessBase, RelayBase, SinkBase, SourceBase, Tick


class Source(SourceBase):
    async def run(self, ctx: Context) -> None:
        await self.out.send(Tick(n=1))


class Relay(RelayBase):
    async def on_tick(self, ctx: Context, msg: Tick) -> None:
        await self.out.send(msg)


class Sink(SinkBase):
    async def on_tick(self, ctx: Context, msg: Tick) -> None:
        print("first", flush=True)
        await self.out.send(msg)


class Harness(PipelineHarnessBase):
    async def run(self, ctx: Context) -> None:
        async for _ in self.outputs.done:
            pass
"""


def startup(rounds: int) -> tuple[float, float]:
    """Median (seconds to the first message at the sink, seconds to exit 0)."""
    from codegen import generate_to

    work = Path(tempfile.mkdtemp(prefix="chrono-bench-"))
    (work / "schemas").mkdir()
    (work / "schemas" / "pipeline.toml").write_text(PIPELINE)
    generate_to(work / "schemas", work / "pipegen")
    (work / "pipe_impl.py").write_text(PIPELINE_IMPL)
    firsts, totals = [], []
    for _ in range(rounds):
        argv = [sys.executable, "-m", "codegen", "launch", "schemas", "-g", "pipeline"]
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*argv, "--impl", "pipe_impl.py"],
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONPATH": f"{work}{os.pathsep}{REPO}"},
        )
        assert proc.stdout is not None
        firsts += [time.perf_counter() - start for line in proc.stdout if line == "[c] first\n"]
        assert proc.wait(60) == 0
        totals.append(time.perf_counter() - start)
    return statistics.median(firsts), statistics.median(totals)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    items, rounds = (10_000, 1) if args.quick else (args.items, args.rounds)
    edges = edge_numbers(items, rounds)
    first, total = startup(max(rounds, 3))
    raw = edges["raw pyzmq"]
    rows = [
        f"| {name} | {r['rate']:,.0f} | {r['rate'] / raw['rate']:.2f}x | {r['p50']:.0f} | "
        f"{r['p99']:.0f} |"
        for name, r in edges.items()
    ]
    load = os.getloadavg()[0]
    text = "\n".join(
        [
            f"{items:,} messages (burst) and {PACED:,} paced at ~1 kHz for latency, maxsize "
            f"{MAXSIZE}, loopback TCP, asyncio; median of {rounds} rounds; load average "
            f"{load:.1f} on {os.cpu_count()} cores.",
            "",
            "| edge | messages/s | vs raw pyzmq | p50 latency µs | p99 latency µs |",
            "|---|---|---|---|---|",
            *rows,
            "",
            f"`chrono launch` of a 3-process pipeline: first message at the sink after "
            f"**{first:.2f} s** (wall, from starting the launcher), every process exited 0 "
            f"after {total:.2f} s (median of {max(rounds, 3)}).",
            "",
            NOTE,
        ]
    )
    print(text)
    if not args.quick:
        write_section("deploy", "## Deployment: one edge across processes, launch start-up "
                      "(`bench/deploy.py`)\n\n" + text)  # fmt: skip


if __name__ == "__main__":
    main()
