"""One graph split across two OS processes over ZeroMQ (docs/transports.md).

    sensor --obs--> planner --commands--> actuator
    [parent]        [child ]              [parent]

The parent binds both edges on free loopback ports, starts this same file as the child with the
resolved addresses, and hosts ``sensor`` and ``actuator``; the child hosts ``planner``. The
daemons are ordinary daemons: they only see ``SendStream`` / ``ReceiveStream``, and would run
unchanged on in-process channels. Run: ``python examples/zmq_two_processes.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import anyio
import msgspec

from chrono_daemon import Context, ReceiveStream, SendStream, Supervisor, WallClock, daemon
from chrono_daemon.transports.zmq import MsgpackSerde, open_zmq_receive, open_zmq_send

ROOT = str(Path(__file__).resolve().parents[1])  # the child imports chrono_daemon from here


class Obs(msgspec.Struct, frozen=True, kw_only=True):
    """One observation."""

    seq: int
    position: float


class Command(msgspec.Struct, frozen=True, kw_only=True):
    """The planner's answer to one observation."""

    seq: int
    target: float
    planner_pid: int


@daemon
async def sensor(ctx: Context, obs: SendStream[Obs], count: int) -> None:
    try:
        for seq in range(count):
            await obs.send(Obs(seq=seq, position=seq * 0.1))
    finally:
        await obs.aclose()  # the planner sees EndOfStream after the last observation


@daemon
async def planner(ctx: Context, obs: ReceiveStream[Obs], commands: SendStream[Command]) -> None:
    try:
        async for o in obs:
            await commands.send(
                Command(seq=o.seq, target=round(o.position + 1.0, 3), planner_pid=os.getpid())
            )
    finally:
        await commands.aclose()


@daemon
async def actuator(ctx: Context, commands: ReceiveStream[Command], log: list[Command]) -> None:
    async for command in commands:
        ctx.logger.debug("command %d -> %.3f", command.seq, command.target)
        log.append(command)


async def child(obs_address: str, commands_address: str) -> None:
    """The planner's process: connect to both edges the parent bound."""
    obs = open_zmq_receive(obs_address, bind=False, maxsize=4, serde=MsgpackSerde(Obs))
    commands = open_zmq_send(commands_address, maxsize=4, serde=MsgpackSerde(Command))
    try:
        async with Supervisor(clock=WallClock()) as sup:
            sup.add(planner(obs, commands))
    finally:
        await obs.aclose()
        await commands.aclose()


async def parent() -> None:
    obs = open_zmq_send("tcp://127.0.0.1:*", bind=True, maxsize=4, serde=MsgpackSerde(Obs))
    commands = open_zmq_receive("tcp://127.0.0.1:*", maxsize=4, serde=MsgpackSerde(Command))
    log: list[Command] = []
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])),
    }
    argv = [sys.executable, __file__, "--child", obs.address, commands.address]
    try:
        with anyio.fail_after(30):  # a guard for the demo, not part of the protocol
            async with await anyio.open_process(argv, env=env, stdout=None, stderr=None) as proc:
                async with Supervisor(clock=WallClock()) as sup:
                    sup.add(sensor(obs, 10))
                    sup.add(actuator(commands, log))
                if await proc.wait() != 0:
                    raise subprocess.CalledProcessError(proc.returncode or 1, argv)
    finally:
        await obs.aclose()
        await commands.aclose()
    assert [c.seq for c in log] == list(range(10))
    assert all(c.planner_pid != os.getpid() for c in log)
    for command in log:
        print(f"seq={command.seq} target={command.target} (planned in pid {command.planner_pid})")
    print(f"{len(log)} commands from another process, then end of stream")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        anyio.run(child, sys.argv[2], sys.argv[3])
    else:
        anyio.run(parent)
