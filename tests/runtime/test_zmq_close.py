"""A clean close over ZMQ delivers everything, then ``EndOfStream`` (RELIABILITY 69, ADR 0030).

Regression tests for two defects found by running split graphs: over ``ipc://`` a sender that
closed right after sending lost its last messages and its end-of-stream (libzmq drops what a
receiver with a full queue had not read when the connection hangs up), and with
``detect_peer_loss`` that showed up as ``ZmqPeerLost`` on a clean close. Each test repeats a
quick send + close many times, over ``ipc://`` and ``tcp://``, on both backends, every wait
bounded. Before the fix the loops failed in most runs over ipc.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
import pytest

from chrono_daemon import Channel, EndOfStream, Supervisor, WallClock, open_channel
from chrono_daemon.recipes.merge import merge
from chrono_daemon.transports.zmq import (
    MsgpackSerde,
    ZmqConfig,
    ZmqReceiveStream,
    ZmqSendStream,
    open_zmq_receive,
    open_zmq_send,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.anyio

HANG_GUARD = 30.0
ROUNDS = 200
ROOT = Path(__file__).resolve().parents[2]
PEER = Path(__file__).with_name("zmq_peer") / "zmq_echo_peer.py"
# Payloads large enough that the receiver's libzmq cannot read a whole burst in one go.
PAYLOAD = "x" * 3000


class Ping(msgspec.Struct, frozen=True, kw_only=True):  # as in zmq_peer/zmq_echo_peer.py
    seq: int
    value: float


@pytest.fixture(params=["ipc", "tcp"])
def address(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A factory of fresh bind addresses: ipc:// files in a short private directory, or tcp."""
    if request.param == "tcp":
        yield lambda: "tcp://127.0.0.1:*"
        return
    with tempfile.TemporaryDirectory(prefix="chrono-zmq-") as directory:  # sun_path is short
        names = iter(range(1_000_000))
        yield lambda: f"ipc://{directory}/e{next(names)}"


def lingering() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "chrono-zmq-linger"]


async def no_lingering_sockets() -> None:
    """Wait (bounded) until every closed sender's socket is closed for good."""
    for thread in lingering():
        await anyio.to_thread.run_sync(thread.join, HANG_GUARD)
        assert not thread.is_alive(), "a closed sender's socket is still open"


async def stream(
    send: ZmqSendStream[Any], recv: ZmqReceiveStream[Any], items: list[Any]
) -> list[Any]:
    """Send ``items`` and close at once, while receiving until ``EndOfStream``."""
    got: list[Any] = []

    async def produce() -> None:
        for item in items:
            await send.send(item)
        await send.aclose()

    async with anyio.create_task_group() as tg:
        tg.start_soon(produce)
        with pytest.raises(EndOfStream):
            while True:
                got.append(await recv.receive())
    return got


@pytest.mark.parametrize("detect_peer_loss", [False, True], ids=["plain", "detect"])
async def test_a_quick_close_delivers_every_message_then_end_of_stream(
    address: Any, detect_peer_loss: bool
) -> None:
    """Defects 1 and 2: never a lost tail, a hang, or ZmqPeerLost after a clean close."""
    config = ZmqConfig(maxsize=4, detect_peer_loss=detect_peer_loss)
    items = [(i, PAYLOAD) for i in range(12)]
    with anyio.fail_after(HANG_GUARD):
        for _ in range(ROUNDS):
            recv = open_zmq_receive(address(), config=config)
            send = open_zmq_send(recv.address, config=config)
            try:
                assert await stream(send, recv, items) == [list(i) for i in items]
            finally:
                await send.aclose()
                await recv.aclose()
    await no_lingering_sockets()


async def test_two_zmq_edges_merged_and_closed_at_once_deliver_everything(address: Any) -> None:
    """The launch engineer's case: two ZMQ ends, a merge, a quick close, in one process."""
    config = ZmqConfig(maxsize=4)
    with anyio.fail_after(HANG_GUARD):
        for _ in range(ROUNDS // 4):
            recvs = [open_zmq_receive(address(), config=config) for _ in range(2)]
            sends = [open_zmq_send(r.address, config=config) for r in recvs]
            merged: Channel[Any] = open_channel(4)
            got: list[Any] = []

            async def produce(out: ZmqSendStream[Any], tag: int) -> None:
                try:
                    for i in range(10):
                        await out.send([tag, i, PAYLOAD])
                finally:
                    await out.aclose()

            try:
                async with anyio.create_task_group() as tg:
                    tg.start_soon(merge, recvs, merged.send)
                    for tag, out in enumerate(sends):
                        tg.start_soon(produce, out, tag)
                    got = [item async for item in merged.recv]
            finally:
                for out in sends:
                    await out.aclose()
                for inbox in recvs:
                    await inbox.aclose()
            for tag in range(2):
                assert [i for t, i, _ in got if t == tag] == list(range(10))
    await no_lingering_sockets()


async def test_closing_before_the_receiver_reads_returns_at_once_and_loses_nothing(
    address: Any,
) -> None:
    """One task fills the edge, closes, then reads: aclose does not wait for the reader."""
    config = ZmqConfig(maxsize=4, linger_ms=5000)
    with anyio.fail_after(HANG_GUARD):
        for _ in range(ROUNDS // 4):
            recv = open_zmq_receive(address(), config=config)
            send = open_zmq_send(recv.address, config=config)
            try:
                # More than the receiver's queue holds (so libzmq stops reading the
                # connection), less than the edge holds in all (so nothing blocks).
                for i in range(8):
                    await send.send([i, PAYLOAD])
                started = time.monotonic()
                await send.aclose()
                assert time.monotonic() - started < 1.0  # it did not wait out linger_ms
                got = [item[0] async for item in recv]
                assert got == list(range(8))
            finally:
                await send.aclose()
                await recv.aclose()
    await no_lingering_sockets()


async def test_a_sender_process_that_exits_right_after_close_delivers_everything(
    address: Any,
) -> None:
    """The child sends, closes, exits: the interpreter waits for the receiver's ack, and the
    clean close is never taken for a crash (detect_peer_loss)."""
    config = ZmqConfig(maxsize=4, detect_peer_loss=True)
    for _ in range(3):
        inbox = open_zmq_receive(address(), serde=MsgpackSerde(Ping), config=config)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        try:
            with anyio.fail_after(HANG_GUARD):
                async with await anyio.open_process(
                    [sys.executable, str(PEER), "burst", inbox.address, "8"], env=env
                ) as peer:
                    assert peer.stdout is not None
                    assert b"closed" in await peer.stdout.receive()
                    # The child's aclose has returned: read only now, as a slow consumer.
                    assert [p.seq async for p in inbox] == list(range(8))
                    assert await peer.wait() == 0
        finally:
            await inbox.aclose()


async def test_a_receiver_that_never_reads_costs_at_most_linger_and_says_so(
    address: Any, caplog: pytest.LogCaptureFixture
) -> None:
    config = ZmqConfig(maxsize=4, linger_ms=200)
    recv = open_zmq_receive(address(), config=config)
    send = open_zmq_send(recv.address, config=config)
    try:
        with anyio.fail_after(HANG_GUARD):
            await send.send(1)
            started = time.monotonic()
            with caplog.at_level(logging.WARNING, logger="chrono_daemon.transports.zmq"):
                await send.aclose()
                assert time.monotonic() - started < 0.2  # the wait is in the background
                await no_lingering_sockets()
            assert time.monotonic() - started < 0.2 + 1.0
        assert "did not confirm the end of stream within linger_ms=200" in caplog.text
    finally:
        await recv.aclose()


async def test_a_receiver_that_closes_releases_the_sender_at_once(address: Any) -> None:
    config = ZmqConfig(maxsize=4, linger_ms=60_000)
    recv = open_zmq_receive(address(), config=config)
    send = open_zmq_send(recv.address, config=config)
    with anyio.fail_after(HANG_GUARD):
        await send.send(1)
        assert await recv.receive() == 1  # connected both ways: it can tell the sender
        await send.aclose()
        await recv.aclose()  # not at end of stream: "receiver closed" is the sender's ack
        await no_lingering_sockets()  # long before linger_ms


async def test_linger_zero_closes_at_once() -> None:
    recv = open_zmq_receive("tcp://127.0.0.1:*", linger_ms=0)
    send = open_zmq_send(recv.address, linger_ms=0)
    try:
        await send.send(1)
        await send.aclose()
        assert not lingering()
    finally:
        await recv.aclose()


async def test_a_graph_under_a_supervisor_closing_at_once_delivers_everything(
    address: Any,
) -> None:
    """The same through daemons: the producer's on_stop-style close, the consumer's loop."""
    from chrono_daemon import Context, ReceiveStream, SendStream, daemon

    @daemon
    async def produce(ctx: Context, out: SendStream[Any]) -> None:
        try:
            for i in range(20):
                await out.send([i, PAYLOAD])
        finally:
            await out.aclose()

    @daemon
    async def consume(ctx: Context, inbox: ReceiveStream[Any], log: list[int]) -> None:
        log.extend([item[0] async for item in inbox])

    config = ZmqConfig(maxsize=2)
    with anyio.fail_after(HANG_GUARD):
        for _ in range(ROUNDS // 10):
            recv = open_zmq_receive(address(), config=config)
            send = open_zmq_send(recv.address, config=config)
            log: list[int] = []
            try:
                async with Supervisor(clock=WallClock()) as sup:
                    sup.add(produce(send))
                    sup.add(consume(recv, log))
            finally:
                await send.aclose()
                await recv.aclose()
            assert log == list(range(20))
