"""The wires of a split graph (ADR 0030): the launcher's private ``ipc://`` addresses; a wire
closed right after sending delivers everything; a restarted producer resumes its wire."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

import anyio
import msgspec
import pytest
import zmq

from chrono_daemon import WouldBlock
from chrono_daemon.run.addresses import parse_addresses, private_addresses
from chrono_daemon.run.endpoints import ZmqEndpoints
from chrono_daemon.run.plan import load_graph

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
HANG_GUARD = 30.0


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


async def test_a_wire_receiver_waits_for_a_restarted_producer(wire: Any) -> None:
    """No ``detect_peer_loss`` on wires: a producer that dies and comes back resumes."""
    inbox = wire.receive("w", int, 4)
    try:
        with anyio.fail_after(HANG_GUARD):
            for value in (7, 8):  # the first producer "crashes" (no end of stream), a second
                raw: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.PAIR)
                try:
                    raw.connect(wire.addresses["w"])
                    async with anyio.create_task_group() as tg:

                        async def produce(raw: zmq.Socket[bytes] = raw, value: int = value) -> None:
                            # A bound PAIR drops what a new peer sends until the old connection
                            # is torn down (docs/transports.md), so a restarted producer's
                            # first messages may be lost: it streams, as real ones do.
                            while True:
                                with contextlib.suppress(zmq.Again):  # not connected yet
                                    raw.send(msgspec.msgpack.encode(value), zmq.NOBLOCK)
                                await anyio.sleep(0.01)

                        tg.start_soon(produce)
                        assert await inbox.receive() == value
                        tg.cancel_scope.cancel()
                finally:
                    raw.close(linger=0)
                while True:  # what else the producer streamed
                    try:
                        assert inbox.receive_nowait() == value
                    except WouldBlock:
                        break
    finally:
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
