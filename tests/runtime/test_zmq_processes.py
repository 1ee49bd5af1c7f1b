"""Two OS processes, a supervised daemon in each, talking over ZMQ on 127.0.0.1 (RELIABILITY 67).

The parent binds free loopback ports (``tcp://127.0.0.1:*``) and passes the resolved addresses
to the peer script in ``zmq_peer/``, started with ``sys.executable``.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import msgspec
import pytest

from chrono_daemon import (
    Context,
    ReceiveStream,
    SendStream,
    Supervisor,
    WallClock,
    WouldBlock,
    daemon,
)
from chrono_daemon.transports.zmq import (
    MsgpackSerde,
    ZmqConfig,
    ZmqPeerLost,
    open_zmq_receive,
    open_zmq_send,
)

if TYPE_CHECKING:
    from anyio.abc import Process

pytestmark = pytest.mark.anyio

HANG_GUARD = 30.0
ROOT = Path(__file__).resolve().parents[2]
PEER = Path(__file__).with_name("zmq_peer") / "zmq_echo_peer.py"


# The wire contract is structural: the peer defines the same two Structs independently.
class Ping(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    value: float


class Pong(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    doubled: float
    pid: int


async def start_peer(*args: str) -> Process:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return await anyio.open_process([sys.executable, str(PEER), *args], env=env)


@daemon
async def pinger(ctx: Context, out: SendStream[Ping], count: int) -> None:
    try:
        for seq in range(count):
            await out.send(Ping(seq=seq, value=seq / 4))
    finally:
        await out.aclose()


@daemon
async def collector(ctx: Context, inbox: ReceiveStream[Pong], log: list[Pong]) -> None:
    async for pong in inbox:
        log.append(pong)


async def test_two_processes_exchange_typed_messages_under_supervisors() -> None:
    pings = open_zmq_send("tcp://127.0.0.1:*", bind=True, maxsize=8, serde=MsgpackSerde(Ping))
    pongs = open_zmq_receive("tcp://127.0.0.1:*", maxsize=8, serde=MsgpackSerde(Pong))
    log: list[Pong] = []
    try:
        with anyio.fail_after(HANG_GUARD):
            async with await start_peer("echo", pings.address, pongs.address) as peer:
                async with Supervisor(clock=WallClock()) as sup:
                    sup.add(pinger(pings, 200))
                    sup.add(collector(pongs, log))
                assert await peer.wait() == 0
    finally:
        await pings.aclose()
        await pongs.aclose()
    assert [p.seq for p in log] == list(range(200))
    assert [p.doubled for p in log] == [seq / 2 for seq in range(200)]
    assert {p.pid for p in log} == {peer.pid} != {os.getpid()}


async def test_sender_shutdown_is_bounded_when_the_receiver_is_killed() -> None:
    """SIGKILL the receiving process mid-stream: the sender's close ends within its linger."""
    linger_ms = 200
    out = open_zmq_send(
        "tcp://127.0.0.1:*", bind=True, maxsize=4, serde=MsgpackSerde(Ping), linger_ms=linger_ms
    )
    try:
        with anyio.fail_after(HANG_GUARD):
            async with await start_peer("sink", out.address) as peer:
                assert peer.stdout is not None
                await out.send(Ping(seq=0, value=0.0))
                assert b"streaming" in await peer.stdout.receive()
                peer.send_signal(signal.SIGKILL)
                assert await peer.wait() == -signal.SIGKILL
                # Fill whatever buffer is left, so the EOS frame finds no room.
                with pytest.raises(WouldBlock):
                    for seq in range(1, 1_000_000):
                        out.send_nowait(Ping(seq=seq, value=0.0))
                started = time.monotonic()
                await out.aclose()
                assert time.monotonic() - started < linger_ms / 1000 + 1.0
    finally:
        await out.aclose()


@pytest.mark.parametrize("transport", ["tcp", "ipc"])
async def test_a_killed_sender_process_is_a_zmq_peer_lost_not_a_hang(transport: str) -> None:
    """SIGKILL the sending process: with detect_peer_loss the receiver gets an error.

    Over ipc what was in flight may be lost with the connection (a shorter prefix arrives).
    """
    short = Path(tempfile.mkdtemp(prefix="chrono-zmq-"))  # an ipc path must be short
    inbox = open_zmq_receive(
        "tcp://127.0.0.1:*" if transport == "tcp" else f"ipc://{short}/inbox",
        serde=MsgpackSerde(Ping),
        config=ZmqConfig(maxsize=8, detect_peer_loss=True),
    )
    try:
        with anyio.fail_after(HANG_GUARD):
            async with await start_peer("source", inbox.address) as peer:
                assert (await inbox.receive()).seq == 0
                peer.send_signal(signal.SIGKILL)
                assert await peer.wait() == -signal.SIGKILL
                seqs = []
                with pytest.raises(ZmqPeerLost, match="disconnected without an end-of-stream"):
                    while True:  # what was in flight arrives first, in order
                        seqs.append((await inbox.receive()).seq)
                assert seqs == list(range(1, len(seqs) + 1))
    finally:
        await inbox.aclose()
        shutil.rmtree(short)
