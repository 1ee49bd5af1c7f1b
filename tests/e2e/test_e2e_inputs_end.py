"""Daemons whose inputs end (issue 10): a daemon with at least one input, all of which reached
end-of-stream, ends and closes its outputs, whatever its kind, periodic included (a ``latest``
input counts as ended when the stream feeding it did). This is what lets a split pipeline finish
by itself."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from chrono_daemon import EndOfStream, SimClock, Supervisor, open_channel
from chrono_daemon.recipes.latest import Latest
from generated.system_stack import Obs, S2PlannerBase, Subgoal
from generated.system_stack.daemons import _ended

if TYPE_CHECKING:
    from chrono_daemon import Channel, Context

pytestmark = pytest.mark.anyio


def _channel(maxsize: int) -> Channel[Any]:
    return open_channel(maxsize)


class Planner(S2PlannerBase):
    ticks: list[float]

    async def on_start(self, ctx: Context) -> None:
        self.ticks = []

    async def step(self, ctx: Context, t: float) -> None:
        self.ticks.append(t)
        obs = self.obs.get()
        if obs is not None:
            await self.subgoal.send(Subgoal(target=1.0, cog=obs.seq, t_planned=t))


async def test_latest_knows_when_its_source_ended() -> None:
    latest: Latest[int] = Latest()
    channel = _channel(4)
    await channel.send.send(1)
    await channel.send.aclose()
    assert not latest.ended
    await latest.feed(channel.recv)
    assert (latest.get(), latest.ended) == (1, True)
    assert "ended" in repr(latest)


async def test_a_cancelled_feed_does_not_end_it() -> None:
    latest: Latest[int] = Latest()
    channel = _channel(1)
    with anyio.move_on_after(0):
        await latest.feed(channel.recv)
    assert not latest.ended


async def test_ended_needs_every_input_drained() -> None:
    latest: Latest[int] = Latest()
    stream = _channel(2)
    await stream.send.send(7)
    await stream.send.aclose()
    latest._ended = True  # as feed() leaves it
    assert not _ended(latest, stream.recv)  # an item still waits in the stream
    assert await stream.recv.receive() == 7
    assert _ended(latest, stream.recv)
    assert not _ended(Latest(), stream.recv)


async def test_a_periodic_daemon_ends_when_its_inputs_end() -> None:
    clock = SimClock()
    source = _channel(1)
    subgoals = _channel(8)
    obs: Latest[Obs] = Latest()
    planner = Planner(obs=obs, subgoal=subgoals.send)
    async with Supervisor(clock=clock) as sup:
        sup.add(planner)
        sup.spawn(lambda ctx: obs.feed(source.recv), name="feed")
        await sup.wait_all_started()
        await source.send.send(Obs(t=0.0, seq=3))
        await clock.advance_to(2.5)  # ticks at 1 and 2
        await source.send.aclose()
        await clock.advance_to(10.0)  # ends at the tick of 3 instead of stepping
        # Left alone, the block exits: the planner returned by itself (no stop was asked).
    assert planner.ticks == [1.0, 2.0]
    assert [subgoals.recv.receive_nowait().cog for _ in range(2)] == [3, 3]
    with pytest.raises(EndOfStream):
        subgoals.recv.receive_nowait()  # its output was closed


async def test_an_input_that_never_ends_keeps_it_running() -> None:
    clock = SimClock()
    subgoals = _channel(1)
    planner = Planner(obs=Latest(), subgoal=subgoals.send)  # unconnected: never fed, never ends
    async with Supervisor(clock=clock) as sup:
        sup.add(planner)
        await sup.wait_all_started()
        await clock.advance_to(5.5)
        assert sup.snapshot()["s2_planner"].state == "running"
        await sup.stop(grace=1.0)
    assert planner.ticks == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert math.isfinite(clock.now())
