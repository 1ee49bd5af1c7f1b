"""The System 2/1/0 stack of SPEC §5.6, wired by hand, driven by a SimClock.

A slow planner (System 2, 1 Hz, 50 ms modelled latency) turns the latest observation into a
subgoal; a policy (System 1, 10 Hz, 20 ms) turns the latest observation and subgoal into a chunk
of 8 actions; a dispenser (System 0) emits one action every 50 ms from the newest chunk; an
actuator logs the actions. The harness pushes observations at 20 Hz and advances the clock, so
many simulated seconds run in a fraction of a wall second, and every run gives the same log.

    obs --tee--> s2_planner --subgoal--> s1_policy --chunk--> s0_dispenser --action--> actuator
          \\-------------------------------^

Run it: ``python examples/system_stack_mock.py [seconds]``. The same graph, generated from
``schemas/system_stack.toml``, is ``examples/system_stack_generated.py``.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import anyio

from chrono_daemon import (
    Channel,
    Context,
    EndOfStream,
    ReceiveStream,
    SendStream,
    SimClock,
    Supervisor,
    WouldBlock,
    daemon,
    open_channel,
)
from chrono_daemon.recipes.cooperative_every import cooperative_every
from chrono_daemon.recipes.fanout import tee
from chrono_daemon.recipes.latest import Latest

__all__ = ("Action", "Chunk", "Obs", "Subgoal", "run_mock", "run_mock_async")

OBS_PERIOD = 0.05  # the harness observes at 20 Hz
PLANNER_PERIOD = 1.0
PLANNER_LATENCY = 0.05
POLICY_PERIOD = 0.1
POLICY_LATENCY = 0.02
CHUNK_SIZE = 8
DISPENSE_PERIOD = 0.05
CMD_LIMIT = 10.0


@dataclass(frozen=True)
class Obs:
    """One observation: capture time and sequence number."""

    t: float
    seq: int


@dataclass(frozen=True)
class Subgoal:
    """What the planner wants; ``cog`` counts plans, ``t_planned`` is when the plan was ready."""

    target: float
    cog: int
    t_planned: float


@dataclass(frozen=True)
class Chunk:
    """A short open-loop plan of actions from the policy."""

    actions: tuple[float, ...]
    cog: int
    t_emitted: float


@dataclass(frozen=True)
class Action:
    """One command to the actuator."""

    cmd: float
    mode: str
    t_dispensed: float


def plan_target(obs: Obs) -> float:
    """The planner's model: a deterministic target from the observation."""
    return 1.0 + 0.25 * (obs.seq % 8)


def policy_actions(obs: Obs, goal: Subgoal) -> tuple[float, ...]:
    """The policy's model: a ramp from the current state towards the target, clamped."""
    state = 0.01 * obs.seq
    step = (goal.target - state) / CHUNK_SIZE
    return tuple(
        round(max(-CMD_LIMIT, min(CMD_LIMIT, state + step * (i + 1))), 6) for i in range(CHUNK_SIZE)
    )


@daemon
async def obs_tee(ctx: Context, src: ReceiveStream[Obs], *dests: SendStream[Obs]) -> None:
    """One producer, two consumers: the SPSC edge is split by a tee."""
    await tee(src, *dests)


@daemon
async def s2_planner(ctx: Context, obs: ReceiveStream[Obs], subgoal: SendStream[Subgoal]) -> None:
    """System 2: once a second, plan a subgoal from the newest observation."""
    latest: Latest[Obs] = Latest()
    try:
        try:
            latest.set(await obs.receive())  # start ticking at the first observation
        except EndOfStream:
            return
        async with anyio.create_task_group() as tg:
            tg.start_soon(latest.feed, obs)
            cog = 0
            async for _ in cooperative_every(ctx, PLANNER_PERIOD, first="now"):
                seen = latest.get()
                assert seen is not None
                await ctx.clock.sleep(PLANNER_LATENCY)  # thinking
                cog += 1
                plan = Subgoal(target=plan_target(seen), cog=cog, t_planned=ctx.clock.now())
                await subgoal.send(plan)
            tg.cancel_scope.cancel()
    finally:
        await subgoal.aclose()


@daemon
async def s1_policy(
    ctx: Context,
    obs: ReceiveStream[Obs],
    subgoal: ReceiveStream[Subgoal],
    chunk: SendStream[Chunk],
) -> None:
    """System 1: ten times a second, a chunk of actions from the newest obs and subgoal."""
    latest_obs: Latest[Obs] = Latest()
    latest_goal: Latest[Subgoal] = Latest()
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(latest_obs.feed, obs)  # keep draining obs while waiting for a plan
            try:
                latest_goal.set(await subgoal.receive())  # start at the first plan
            except EndOfStream:
                tg.cancel_scope.cancel()
                return
            tg.start_soon(latest_goal.feed, subgoal)
            async for _ in cooperative_every(ctx, POLICY_PERIOD, first="now"):
                seen, goal = latest_obs.get(), latest_goal.get()
                if seen is None or goal is None:
                    continue
                await ctx.clock.sleep(POLICY_LATENCY)  # inference
                actions = policy_actions(seen, goal)
                await chunk.send(Chunk(actions=actions, cog=goal.cog, t_emitted=ctx.clock.now()))
            tg.cancel_scope.cancel()
    finally:
        await chunk.aclose()


def newest_chunk(chunks: ReceiveStream[Chunk]) -> tuple[Chunk | None, bool]:
    """Drain what is buffered; return the newest chunk (or None) and whether the stream ended."""
    newest = None
    while True:
        try:
            newest = chunks.receive_nowait()
        except WouldBlock:
            return newest, False
        except EndOfStream:
            return newest, True


@daemon
async def s0_dispenser(
    ctx: Context, chunk: ReceiveStream[Chunk], action: SendStream[Action]
) -> None:
    """System 0: every 50 ms, the next action of the newest chunk (a newer chunk restarts it)."""
    try:
        try:
            current = await chunk.receive()
        except EndOfStream:
            return
        index = 0
        async for _ in cooperative_every(ctx, DISPENSE_PERIOD, first="now"):
            newer, ended = newest_chunk(chunk)
            if newer is not None:
                current, index = newer, 0
            if index < len(current.actions):
                cmd = current.actions[index]
                await action.send(Action(cmd=cmd, mode="tracking", t_dispensed=ctx.clock.now()))
                index += 1
            if ended:
                return
    finally:
        await action.aclose()


@daemon
async def actuator(ctx: Context, action: ReceiveStream[Action], log: list[Action]) -> None:
    """Logs every action it receives, until the dispenser closes the edge."""
    async for item in action:
        log.append(item)


async def run_mock_async(duration_s: float) -> list[Action]:
    """Run the stack for ``duration_s`` simulated seconds; return the actuator's log.

    Raises:
        ValueError: ``duration_s`` is negative.
    """
    if not duration_s >= 0:
        raise ValueError(f"duration_s must be >= 0, got {duration_s}")
    clock = SimClock()
    obs: Channel[Obs] = open_channel(1)
    obs_planner: Channel[Obs] = open_channel(1)
    obs_policy: Channel[Obs] = open_channel(1)
    subgoal: Channel[Subgoal] = open_channel(1)
    chunk: Channel[Chunk] = open_channel(4)
    action: Channel[Action] = open_channel(64)
    log: list[Action] = []

    async with Supervisor(clock=clock) as sup:
        sup.add(obs_tee(obs.recv, obs_planner.send, obs_policy.send))
        sup.add(s2_planner(obs_planner.recv, subgoal.send))
        sup.add(s1_policy(obs_policy.recv, subgoal.recv, chunk.send))
        sup.add(s0_dispenser(chunk.recv, action.send))
        sup.add(actuator(action.recv, log))
        await sup.wait_all_started()

        steps = round(duration_s / OBS_PERIOD)
        for seq in range(steps):
            await obs.send.send(Obs(t=clock.now(), seq=seq))
            await clock.advance_to((seq + 1) * OBS_PERIOD)

        # Shut down: close the input so the edges drain, ask the loops to stop, and let steps
        # that are mid-latency finish in virtual time instead of waiting out the grace period.
        await obs.send.aclose()
        sup.signal_stop()
        await clock.advance(max(PLANNER_LATENCY, POLICY_LATENCY))
        await sup.stop(grace=1.0)
    return log


def run_mock(duration_s: float) -> list[Action]:
    """Run the stack for ``duration_s`` simulated seconds on asyncio; return the actuator log."""
    return anyio.run(run_mock_async, duration_s)


def main(argv: list[str]) -> None:
    """Run the mock and print a short summary."""
    duration = float(argv[1]) if len(argv) > 1 else 10.0
    started = time.perf_counter()
    log = run_mock(duration)
    wall = time.perf_counter() - started
    print(f"{duration:g} simulated s in {wall * 1000:.0f} ms wall: {len(log)} actions")
    for item in log[:3]:
        print(f"  {item}")
    if len(log) > 3:
        print(f"  ... last: {log[-1]}")


if __name__ == "__main__":
    main(sys.argv)
