"""End to end: merge + lossy edges (the generated odometry graph) and a ZMQ edge, under SimClock."""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

import pytest

from chrono_daemon import Context, EndOfStream, SimClock, Supervisor, WouldBlock
from codegen import generate, write
from generated.geometry import Pose
from generated.odometry import Estimate, FuserBase, OdometryGraph

if TYPE_CHECKING:
    from pathlib import Path


class SlowFuser(FuserBase):
    """Blends poses; takes 0.1 s of clock time per pose, so the visual edge overflows."""

    async def on_pose(self, ctx: Context, msg: Pose) -> None:
        await ctx.clock.sleep(0.1)
        self.count = getattr(self, "count", 0) + 1
        await self.estimate.send(Estimate(pose=msg, sources=self.count))


@pytest.mark.anyio
async def test_merge_and_drop_oldest_conserve_items(anyio_backend: object) -> None:
    clock = SimClock()
    graph = OdometryGraph(fuser=SlowFuser)
    estimates: list[Estimate] = []
    wheel_sent = visual_sent = 0
    async with Supervisor(clock=clock) as sup:
        graph.add_to(sup)
        for k in range(30):
            await graph.inputs.visual.send(Pose(x=float(k), y=0.0, theta=0.0, t=clock.now()))
            visual_sent += 1
            if k % 10 == 0:
                await graph.inputs.wheel.send(Pose(x=-1.0, y=0.0, theta=0.0, t=clock.now()))
                wheel_sent += 1
        await graph.inputs.visual.aclose()
        await graph.inputs.wheel.aclose()
        for _ in range(100):
            await clock.advance(0.1)
            while True:
                try:
                    estimates.append(graph.outputs.estimates.receive_nowait())
                except (WouldBlock, EndOfStream):
                    break
        await sup.stop(grace=1.0)
    dropped = graph.dropped()
    assert set(dropped) == {"in.visual -> fuser.pose"}
    assert dropped["in.visual -> fuser.pose"] > 0
    # conservation: every pose is either fused exactly once or counted as dropped
    assert len(estimates) + dropped["in.visual -> fuser.pose"] == visual_sent + wheel_sent
    assert [e.sources for e in estimates] == list(range(1, len(estimates) + 1))
    # drop_oldest keeps the newest visual poses
    assert max(e.pose.x for e in estimates) == 29.0
    with pytest.raises(EndOfStream):
        graph.outputs.estimates.receive_nowait()


ZMQ_SCHEMA = """
[graph]
inputs.numbers = "Num"
outputs.doubled = "Num"

[messages.Num]
fields.value = "int"
fields.label = { type = "str", default = "n" }

[daemons.doubler]
kind = "reactive"
inputs.numbers = "Num"
outputs.doubled = "Num"

[[edges]]
from = "in.numbers"
to = "doubler.numbers"
transport = "zmq"
address = "inproc://chrono-e2e-ADDR"
maxsize = 4

[[edges]]
from = "doubler.doubled"
to = "out.doubled"
"""


@pytest.mark.anyio
async def test_zmq_edge_carries_typed_messages(
    anyio_backend: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"zmqpkg_{anyio_backend[0] if isinstance(anyio_backend, tuple) else 'x'}"
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "pipe.toml").write_text(ZMQ_SCHEMA.replace("ADDR", name))
    result = generate(schemas)
    assert result.files is not None, result.errors
    assert write(result.files, tmp_path / name).errors == ()
    monkeypatch.syspath_prepend(str(tmp_path))
    pipe: Any = importlib.import_module(f"{name}.pipe")

    class Doubler(pipe.DoublerBase):  # type: ignore[misc]
        async def on_numbers(self, ctx: Context, msg: Any) -> None:
            await self.doubled.send(pipe.Num(value=msg.value * 2, label=msg.label))

    clock = SimClock()
    graph = pipe.PipeGraph(doubler=Doubler)
    got: list[Any] = []
    try:
        async with Supervisor(clock=clock) as sup:
            graph.add_to(sup)
            for n in range(5):
                await graph.inputs.numbers.send(pipe.Num(value=n))
            await graph.inputs.numbers.aclose()
            async for item in graph.outputs.doubled:
                got.append(item)
            await sup.stop(grace=1.0)
    finally:
        await graph.aclose()
        for module in [m for m in sys.modules if m.startswith(name)]:
            del sys.modules[module]
    assert [(x.value, x.label) for x in got] == [(0, "n"), (2, "n"), (4, "n"), (6, "n"), (8, "n")]
