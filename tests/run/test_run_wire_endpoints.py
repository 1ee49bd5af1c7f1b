"""The wires of a split graph (ADR 0030): the launcher's private ``ipc://`` addresses; a wire
closed right after sending delivers everything; a restarted producer resumes its wire."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import anyio
import msgspec
import pytest
import zmq

from chrono_daemon.run.addresses import parse_addresses, private_addresses
from chrono_daemon.run.endpoints import ZmqEndpoints
from chrono_daemon.run.plan import load_graph
from chrono_daemon.transports.zmq import ZmqChannelError, ZmqTypeMismatch

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
HANG_GUARD = 30.0
RESTART_TIME = 0.02  # far less than a process takes to start


def test_the_launcher_gives_each_unpinned_wire_a_socket_file_of_its_own() -> None:
    module, _ = load_graph(ROOT / "schemas", "system_stack")
    graph = module.graph
    assert graph is not None
    labels = [w.label for w in graph.wires]
    pinned = {labels[0]: "tcp://127.0.0.1:7001"}
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        first = private_addresses(graph, pinned, Path(one))
        second = private_addresses(graph, pinned, Path(two))
    assert sorted(first) == sorted(labels)
    assert first[labels[0]] == second[labels[0]] == "tcp://127.0.0.1:7001"
    chosen = [first[label] for label in labels[1:]]
    assert all(a.startswith(f"ipc://{one}/") for a in chosen)
    assert len(set(chosen)) == len(chosen)  # one file per wire
    assert not set(chosen) & set(second.values())  # two launches never meet (RELIABILITY 78)
    assert parse_addresses([f"{k}={v}" for k, v in first.items()], source="test") == first


@pytest.fixture
def wire() -> Any:
    with tempfile.TemporaryDirectory(prefix="chrono-wire-") as directory:  # sun_path is short
        yield ZmqEndpoints({"w": f"ipc://{directory}/w"}, linger_ms=1000)


async def receive_into(inbox: Any, got: list[Any]) -> None:
    got.append(await inbox.receive())


async def test_a_wire_receiver_waits_for_a_restarted_producer(wire: Any) -> None:
    """No ``detect_peer_loss`` on wires: a producer that dies and comes back resumes."""
    for _ in range(20):
        inbox = wire.receive("w", int, 4)
        # The bound socket's own disconnect events (white-box): a bound PAIR drops what a new
        # peer sends until the old connection is torn down (docs/transports.md), so the test
        # "restarts" the producer only after that, as a real restart (a new process) does.
        # libzmq drops the old pipe one I/O-thread round trip after the event, and nothing
        # signals that: the pause below stands for a process's restart time (no event can).
        monitor = inbox._sock.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        first: zmq.Socket[bytes] | None = None
        second: zmq.Socket[bytes] | None = None
        try:
            with anyio.fail_after(HANG_GUARD):
                first = zmq.Context.instance().socket(zmq.PAIR)
                first.connect(wire.addresses["w"])
                first.send(msgspec.msgpack.encode(7))
                assert await inbox.receive() == 7
                first.close(linger=0)  # the producer's process "crashes": no end of stream
                while not monitor.poll(0):
                    await anyio.wait_readable(monitor.get(zmq.FD))
                await anyio.sleep(RESTART_TIME)
                got: list[int] = []
                async with anyio.create_task_group() as tg:
                    tg.start_soon(receive_into, inbox, got)  # waits: no ZmqPeerLost
                    await anyio.wait_all_tasks_blocked()
                    second = zmq.Context.instance().socket(zmq.PAIR)  # the restarted producer
                    second.connect(wire.addresses["w"])
                    second.send(msgspec.msgpack.encode(8))
                assert got == [8]
        finally:
            for raw in (first, second):
                if raw is not None:
                    raw.close(linger=0)
            inbox._sock.disable_monitor()
            monitor.close(linger=0)
            await inbox.aclose()


async def test_a_wire_closed_at_once_delivers_everything(wire: Any) -> None:
    with anyio.fail_after(HANG_GUARD):
        for _ in range(50):
            inbox = wire.receive("w", int, 2)
            out = wire.send("w", int, 2)
            got: list[int] = []

            async def produce(out: Any = out) -> None:
                for n in range(6):
                    await out.send(n)
                await out.aclose()

            try:
                async with anyio.create_task_group() as tg:
                    tg.start_soon(produce)
                    got = [n async for n in inbox]
            finally:
                await out.aclose()
                await inbox.aclose()
            assert got == list(range(6))


async def test_a_wire_of_two_types_is_refused_by_its_label_on_both_ends(wire: Any) -> None:
    """The refusal names the wire (its schema label), not only a socket file."""
    inbox = wire.receive("w", str, 2)
    out = wire.send("w", int, 2)
    label = f"ZMQ channel 'w' at {wire.addresses['w']!r}: "
    try:
        with anyio.fail_after(HANG_GUARD):
            await out.send(1)
            with pytest.raises(ZmqTypeMismatch) as received:
                await inbox.receive()
            with pytest.raises(ZmqTypeMismatch) as sent:
                while True:  # the refusal arrives while the sender's queue fills
                    await out.send(2)
    finally:
        await out.aclose()
        await inbox.aclose()
    assert str(received.value).startswith(label + "refused the sender: it sends int")
    assert str(sent.value).startswith(label + "the receiver refused this sender")
    assert received.value.name == sent.value.name == "w"
    assert received.value.address == wire.addresses["w"]


def test_a_wire_that_cannot_be_bound_names_its_label(wire: Any) -> None:
    endpoints = ZmqEndpoints({"in.obs->planner": "ipc:///nonexistent-dir/x"})
    with pytest.raises(ZmqChannelError, match=r"^ZMQ channel 'in.obs->planner' at 'ipc:///no"):
        endpoints.receive("in.obs->planner", int, 2)
