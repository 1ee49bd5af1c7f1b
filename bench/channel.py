"""open_channel vs a raw anyio memory object stream: same workload, same run.

One producer task sends N ints, one consumer receives them. maxsize 0 (rendezvous) and 64, on
asyncio and trio. Rounds alternate between the two implementations; medians are reported.
Run: PYTHONPATH=. python bench/channel.py [--items 100000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import TYPE_CHECKING

import anyio

from bench._results import write_section
from chrono_daemon import Channel, open_channel

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable


async def run_chrono(items: int, maxsize: int) -> None:
    ch: Channel[int] = open_channel(maxsize)

    async def produce() -> None:
        send = ch.send
        for i in range(items):
            await send.send(i)
        await send.aclose()

    async def consume() -> None:
        async for _ in ch.recv:
            pass

    async with anyio.create_task_group() as tg:
        tg.start_soon(produce)
        tg.start_soon(consume)


async def run_raw(items: int, maxsize: int) -> None:
    send, recv = anyio.create_memory_object_stream[int](maxsize)

    async def produce() -> None:
        for i in range(items):
            await send.send(i)
        await send.aclose()

    async def consume() -> None:
        async for _ in recv:
            pass
        await recv.aclose()

    async with anyio.create_task_group() as tg:
        tg.start_soon(produce)
        tg.start_soon(consume)


def rate(
    fn: Callable[[int, int], Awaitable[None]], items: int, maxsize: int, backend: str
) -> float:
    t0 = time.perf_counter()
    anyio.run(fn, items, maxsize, backend=backend)
    return items / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="no RESULTS.md update")
    args = parser.parse_args()
    lines = [
        "## Channel throughput (`bench/channel.py`)",
        "",
        f"{args.items:,} ints from one producer task to one consumer task. {args.rounds} "
        "rounds, each running both back to back; rates are medians, the ratio is the median "
        "of the per-round ratios (so both sides see the same machine noise). Target: >= 0.95x "
        "raw anyio in all four cells.",
        "",
        "| backend | maxsize | open_channel items/s | anyio stream items/s | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    for backend in ("asyncio", "trio"):
        for maxsize in (0, 64):
            ours, raw = [], []
            for _ in range(args.rounds):
                ours.append(rate(run_chrono, args.items, maxsize, backend))
                raw.append(rate(run_raw, args.items, maxsize, backend))
            o, r = statistics.median(ours), statistics.median(raw)
            ratio = statistics.median(a / b for a, b in zip(ours, raw, strict=True))
            lines.append(f"| {backend} | {maxsize} | {o:,.0f} | {r:,.0f} | **{ratio:.2f}x** |")
            print(lines[-1])
    if not args.quick:
        write_section("channel", "\n".join(lines))


if __name__ == "__main__":
    main()
