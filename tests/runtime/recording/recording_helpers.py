"""Shared pieces of the recording tests: a schema with every field type, hand-wired graphs."""

from __future__ import annotations

import datetime
import importlib
import itertools
import sys
from typing import TYPE_CHECKING, Any

import anyio
import msgspec

from chrono_daemon import Channel, Context, SimClock, Supervisor, daemon, open_channel
from chrono_daemon.recording import Recorder

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from chrono_daemon import ReceiveStream, SendStream
    from chrono_daemon.tap import EdgeTap

_COUNTER = itertools.count()

# Every field type of the schema language (docs/schema.md), including constraints.
ALL_TYPES = """
[enums.Mode]
values = ["idle", "tracking", "fault"]

[messages.Point]
fields.x = "float"
fields.y = { type = "float", ge = -1e6, le = 1e6 }

[messages.Ping]
fields.seq = "int"

[messages.Pong]
fields.note = "str"
fields.points = "list[Point]"

[messages.Sample]
doc = "Every field type."
fields.flag = "bool"
fields.count = { type = "int", ge = 0 }
fields.ratio = "float"
fields.name = { type = "str", max_length = 32 }
fields.blob = "bytes"
fields.at = "datetime"
fields.mode = { type = "Mode", default = "tracking" }
fields.maybe = "int | None"
fields.maybe_point = "optional[Point]"
fields.point = "Point"
fields.points = { type = "list[Point]", default = [] }
fields.pair = "tuple[float, ...]"
fields.table = { type = "dict[str, list[int]]", default = {} }
fields.event = "Ping | Pong"
"""


def samples(pkg: Any) -> list[Any]:
    """Two ``Sample`` messages of ``ALL_TYPES`` that use every field type (and defaults)."""
    m = pkg
    at = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC)
    return [
        m.Sample(
            flag=True,
            count=3,
            ratio=0.1,
            name="a\u00e9\U0001f600",
            blob=b"\x00\xff\x10",
            at=at,
            maybe=None,
            maybe_point=None,
            point=m.Point(x=1.5, y=-2.0),
            pair=(),
            event=m.Ping(seq=1),
        ),
        m.Sample(
            flag=False,
            count=0,
            ratio=-1e-300,
            name="",
            blob=b"",
            at=at,
            mode=m.Mode.fault,
            maybe=-7,
            maybe_point=m.Point(x=0.0, y=0.0),
            point=m.Point(x=3.0, y=4.0),
            points=[m.Point(x=1.0, y=2.0)] * 3,
            pair=(1.0, 2.5, float(2**60)),
            table={"a": [1, 2], "b": []},
            event=m.Pong(note="n", points=[m.Point(x=9.0, y=9.0)]),
        ),
    ]


def generate_package(tmp_path: Path, schemas: dict[str, str]) -> Iterator[Any]:
    """Generate ``schemas`` into ``tmp_path``; yield the first file's module, then unload it."""
    from codegen import generate, write

    directory = tmp_path / "schemas"
    directory.mkdir()
    for name, text in schemas.items():
        (directory / name).write_text(text)
    result = generate(directory)
    assert result.files is not None, result.errors
    name = f"recpkg{next(_COUNTER)}"
    assert write(result.files, tmp_path / name).errors == ()
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(f"{name}.{next(iter(schemas)).removesuffix('.toml')}")
    finally:
        sys.path.remove(str(tmp_path))
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]


class Reading(msgspec.Struct, frozen=True, kw_only=True):
    """The message of the hand-wired pipelines."""

    t: float
    value: int


PERIOD = 0.01
LATENCY = 0.002


@daemon
async def source(ctx: Context, out: SendStream[Reading], count: int) -> None:
    """``count`` readings, one per ``PERIOD``, then close."""
    k = 0
    async for t in ctx.clock.every(PERIOD):
        await out.send(Reading(t=t, value=k))
        k += 1
        if k == count:
            break
    await out.aclose()


@daemon
async def relay(
    ctx: Context, inp: ReceiveStream[Reading], out: SendStream[Reading], add: int = 0
) -> None:
    """Forward each reading after ``LATENCY`` (``value + add``); close at the end."""
    async for item in inp:
        await ctx.clock.sleep(LATENCY)
        await out.send(Reading(t=item.t, value=item.value + add))
    await out.aclose()


@daemon
async def sink(ctx: Context, inp: ReceiveStream[Reading], got: list[Reading]) -> None:
    """Collect everything."""
    async for item in inp:
        got.append(item)


def pipeline_edges(tap: EdgeTap, maxsize: int = 4) -> tuple[list[Channel[Reading]], list[Any]]:
    """Three edges of the ``g`` pipeline, their producer ends passed through ``tap``."""
    channels: list[Channel[Reading]] = [open_channel(maxsize) for _ in range(3)]
    topics = ("g/in.readings", "g/relay1.out", "g/relay2.out")
    sends = [tap.tap(t, Reading, c.send) for t, c in zip(topics, channels, strict=True)]
    return channels, sends


async def run_pipeline(
    path: Path, count: int, *, add: int = 0, maxsize: int = 4, chunk_size: int = 1024 * 1024
) -> list[Reading]:
    """Record a source -> relay1 -> relay2 -> sink run of ``count`` readings to ``path``."""
    clock = SimClock()
    got: list[Reading] = []
    async with Recorder(path, clock=clock, graph="g", chunk_size=chunk_size) as recorder:
        channels, sends = pipeline_edges(recorder, maxsize)
        async with Supervisor(clock=clock) as sup:
            sup.add(source(sends[0], count))
            sup.add(relay(channels[0].recv, sends[1]), name="relay1")
            sup.add(relay(channels[1].recv, sends[2], add), name="relay2")
            sup.add(sink(channels[2].recv, got))
            await clock.advance_to(count * PERIOD + 1.0)
            await sup.stop(grace=0)
    return got


def record_pipeline(path: Path, count: int, backend: str, **kwargs: Any) -> list[Reading]:
    """``run_pipeline`` in a fresh event loop of ``backend``."""
    result: list[Reading] = []

    async def main() -> None:
        result.extend(await run_pipeline(path, count, **kwargs))

    anyio.run(main, backend=backend)
    return result
