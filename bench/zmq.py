"""open_zmq_channel vs raw pyzmq PAIR sockets carrying msgspec bytes: same workload, same run.

One producer task sends N small msgspec Structs over tcp://127.0.0.1 to one consumer task in the
same event loop; maxsize (high-water mark) 1000 on both. The channel is opened with
``context=zmq.asyncio.Context.instance()``, the original library's default (and, for
comparison, with a plain ``zmq.Context``). The raw reference is the minimal
correct hand-written async pyzmq loop: non-blocking send/recv, and on ``zmq.Again`` a wait on
the socket's descriptor through anyio after re-reading ``zmq.EVENTS`` — no per-message
checkpoint, no framing, no close protocol (an empty frame ends the stream). Rounds alternate
between the two implementations; medians are reported.
Run: PYTHONPATH=. python bench/zmq.py [--items 100000] [--rounds 15] [--quick]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's directory is sys.path[0], where "import zmq" would find this very
# file instead of pyzmq.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import argparse
import os
import statistics
import time
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
import zmq
import zmq.asyncio

from bench._results import write_section
from chrono_daemon.transports.zmq import MsgpackSerde, open_zmq_channel

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

MAXSIZE = 1000


class Sample(msgspec.Struct, frozen=True):
    seq: int
    t: float
    name: str


async def run_chrono(items: int, context: zmq.Context[Any] | None = None) -> None:
    ch = open_zmq_channel(
        "tcp://127.0.0.1:*", maxsize=MAXSIZE, serde=MsgpackSerde(Sample), context=context
    )

    async def produce() -> None:
        send = ch.send.send
        for i in range(items):
            await send(Sample(i, 0.5, "obs"))
        await ch.send.aclose()

    async def consume() -> None:
        n = 0
        async for _ in ch.recv:
            n += 1
        assert n == items
        await ch.recv.aclose()

    async with anyio.create_task_group() as tg:
        tg.start_soon(produce)
        tg.start_soon(consume)


async def run_chrono_asyncio_context(items: int) -> None:
    await run_chrono(items, zmq.asyncio.Context.instance())


async def run_chrono_plain_context(items: int) -> None:
    await run_chrono(items, zmq.Context.instance())


async def _wait(sock: zmq.Socket[bytes], fd: int, flag: int) -> None:
    while not int(sock.get(zmq.EVENTS)) & flag:
        await anyio.wait_readable(fd)


async def run_raw(items: int) -> None:
    recv_sock: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.PAIR)
    send_sock: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.PAIR)
    for sock in (recv_sock, send_sock):
        sock.set(zmq.SNDHWM, MAXSIZE)
        sock.set(zmq.RCVHWM, MAXSIZE)
        sock.set(zmq.LINGER, 1000)
    recv_sock.bind("tcp://127.0.0.1:*")
    send_sock.connect(bytes(recv_sock.get(zmq.LAST_ENDPOINT)).decode())
    encode = msgspec.msgpack.Encoder().encode
    decode = msgspec.msgpack.Decoder(Sample).decode

    async def produce() -> None:
        fd = int(send_sock.get(zmq.FD))
        for i in range(items):
            frame = encode(Sample(i, 0.5, "obs"))
            while True:
                try:
                    send_sock.send(frame, zmq.NOBLOCK)
                    break
                except zmq.Again:
                    await _wait(send_sock, fd, zmq.POLLOUT)
        await _wait(send_sock, fd, zmq.POLLOUT)
        send_sock.send(b"")

    async def consume() -> None:
        fd = int(recv_sock.get(zmq.FD))
        n = 0
        while True:
            try:
                frame = recv_sock.recv(zmq.NOBLOCK)
            except zmq.Again:
                await _wait(recv_sock, fd, zmq.POLLIN)
                continue
            if not frame:
                break
            decode(frame)
            n += 1
        assert n == items

    async with anyio.create_task_group() as tg:
        tg.start_soon(produce)
        tg.start_soon(consume)
    send_sock.close()
    recv_sock.close()


def rate(fn: Callable[[int], Awaitable[None]], items: int, backend: str) -> float:
    """Messages per wall-clock second."""
    return measure(fn, items, backend)[0]


def measure(fn: Callable[[int], Awaitable[None]], items: int, backend: str) -> tuple[float, float]:
    """Messages per wall-clock second, and per CPU second of this process (all its threads,
    libzmq's I/O thread included): the second is far less sensitive to other load."""
    w0, c0 = time.perf_counter(), time.process_time()
    anyio.run(fn, items, backend=backend)
    return items / (time.perf_counter() - w0), items / (time.process_time() - c0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="no RESULTS.md update")
    args = parser.parse_args()
    load_before = _load()
    lines = [
        "## ZMQ channel throughput (`bench/zmq.py`)",
        "",
        f"{args.items:,} msgspec Structs `Sample(seq, t, name)` from one producer task to one "
        f"consumer task over `tcp://127.0.0.1`, maxsize/HWM {MAXSIZE}; median of {args.rounds} "
        "alternating rounds. `open_zmq_channel` is given `context=zmq.asyncio.Context.instance()`"
        " (the original library's default; a plain `zmq.Context` for comparison). Reference: raw "
        "pyzmq PAIR sockets carrying msgspec bytes in a hand-written async loop (non-blocking "
        "send/recv, anyio descriptor waits on `zmq.Again`). Target: >= 0.8x raw.",
        "",
        f"Measured with load average {load_before} before and {{load_after}} after (`uptime`, "
        f"{os.cpu_count()} cores; the machine was shared with parallel work), so wall-clock "
        "rates drift between runs. The ratio is that of the median rates; the brackets "
        "give the range of the per-round ratios (each round runs all three back to back). The "
        "CPU-time ratio compares messages per CPU second of the benchmark process (libzmq's "
        "I/O thread included), which other load disturbs much less.",
        "",
        "| backend | asyncio.Context msgs/s | zmq.Context msgs/s | raw PAIR msgs/s "
        "| ratio (asyncio.Context) | CPU-time ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for backend in ("asyncio", "trio"):
        ours: list[tuple[float, float]] = []
        plain: list[tuple[float, float]] = []
        raw: list[tuple[float, float]] = []
        for _ in range(args.rounds):
            ours.append(measure(run_chrono_asyncio_context, args.items, backend))
            plain.append(measure(run_chrono_plain_context, args.items, backend))
            raw.append(measure(run_raw, args.items, backend))
        wall = [a[0] / b[0] for a, b in zip(ours, raw, strict=True)]
        cpu = [a[1] / b[1] for a, b in zip(ours, raw, strict=True)]
        ours_rate = statistics.median(o[0] for o in ours)
        plain_rate = statistics.median(p[0] for p in plain)
        raw_rate = statistics.median(r[0] for r in raw)
        line = (
            f"| {backend} | {ours_rate:,.0f} | {plain_rate:,.0f} | {raw_rate:,.0f} "
            f"| {ours_rate / raw_rate:.2f}x ({min(wall):.2f}-{max(wall):.2f}) "
            f"| {statistics.median(cpu):.2f}x ({min(cpu):.2f}-{max(cpu):.2f}) |"
        )
        print(line, flush=True)
        lines.append(line)
    text = "\n".join(lines).replace("{load_after}", _load())
    print(f"load average {load_before} before, {_load()} after", flush=True)
    if not args.quick:
        write_section("zmq", text)


def _load() -> str:
    """The 1-minute load average, for the record of how busy the machine was."""
    return f"{os.getloadavg()[0]:.1f}"


if __name__ == "__main__":
    main()
