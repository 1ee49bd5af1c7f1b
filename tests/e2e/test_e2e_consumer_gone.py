"""Producers whose consumer is gone end quietly (the generated stubs, ``Latest.close``).

A stub that ends by itself closes its inputs (``Latest`` inputs through ``close``), so its
producers' sends raise ``ChannelClosed``; the periodic and reactive bases take that as "the
consumer is gone" and return instead of failing. Under a supervisor stop the inputs stay open,
so what they buffer can still be counted (RELIABILITY 77).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio
import pytest

from chrono_daemon import ChannelClosed, SimClock, Supervisor, open_channel
from chrono_daemon.recipes.latest import Latest
from generated.geometry import Pose
from generated.odometry import Estimate, FuserBase
from generated.system_stack import Obs, S2PlannerBase, Subgoal

if TYPE_CHECKING:
    from chrono_daemon import Channel, Context

pytestmark = pytest.mark.anyio


def _channel(maxsize: int) -> Channel[Any]:
    return open_channel(maxsize)


class Planner(S2PlannerBase):
    async def step(self, ctx: Context, t: float) -> None:
        await self.subgoal.send(Subgoal(target=1.0, cog=0, t_planned=t))


class Fuser(FuserBase):
    async def on_pose(self, ctx: Context, msg: Pose) -> None:
        await self.estimate.send(Estimate(pose=msg, sources=1, note=None))


async def test_closing_a_latest_stops_its_feed_and_closes_the_source() -> None:
    latest: Latest[int] = Latest()
    channel = _channel(4)
    await channel.send.send(1)
    async with anyio.create_task_group() as tg:
        tg.start_soon(latest.feed, channel.recv)
        await anyio.wait_all_tasks_blocked()  # the feed took the item and waits for the next
        latest.close()
    assert latest.get() == 1
    assert not latest.ended  # closed by its reader, not ended by its source
    with pytest.raises(ChannelClosed):
        await channel.send.send(2)


async def test_a_latest_closed_before_its_feed_starts_closes_the_source_at_once() -> None:
    latest: Latest[int] = Latest()
    channel = _channel(1)
    latest.close()
    await latest.feed(channel.recv)
    with pytest.raises(ChannelClosed):
        channel.send.send_nowait(1)


async def test_a_periodic_daemon_whose_consumer_is_gone_returns() -> None:
    clock = SimClock()
    subgoals = _channel(1)
    planner = Planner(obs=Latest[Obs](), subgoal=subgoals.send)
    async with Supervisor(clock=clock) as sup:
        sup.add(planner)
        await clock.advance(1.0)  # the first subgoal is buffered
        await subgoals.recv.aclose()  # the consumer is gone
        await clock.advance(2.0)
        health = sup.snapshot()["s2_planner"]
        assert (health.state, health.last_error) == ("stopped", None)


async def test_a_reactive_daemon_whose_consumer_is_gone_returns_and_closes_its_input() -> None:
    poses, estimates = _channel(4), _channel(4)
    fuser = Fuser(pose=poses.recv, estimate=estimates.send)
    pose = Pose(x=0.0, y=0.0, theta=0.0, t=0.0)
    async with Supervisor(clock=SimClock()) as sup:
        sup.add(fuser)
        await estimates.recv.aclose()
        await poses.send.send(pose)  # the handler's send raises ChannelClosed: the fuser returns
        await sup.wait_all_started()
    health = sup.snapshot()["fuser"]
    assert (health.state, health.last_error) == ("stopped", None)
    with pytest.raises(ChannelClosed):  # it ended by itself, so it closed its input
        await poses.send.send(pose)


async def test_a_stop_keeps_the_inputs_open() -> None:
    clock = SimClock()
    poses, estimates = _channel(4), _channel(4)
    fuser = Fuser(pose=poses.recv, estimate=estimates.send)
    async with Supervisor(clock=clock) as sup:
        sup.add(fuser)
        await sup.stop(grace=0)
    poses.send.send_nowait(Pose(x=0.0, y=0.0, theta=0.0, t=0.0))  # buffered, still countable
    assert poses.recv.statistics().current_buffer_used == 1
