"""A SimClock graph with ZeroMQ edges run without lockstep warns once (``CrossProcessTimeWarning``)
that virtual time does not cover messages between processes; WallClock graphs and tasks outside
daemons (lockstep's own wire pumps) never do."""

from __future__ import annotations

import warnings

import anyio
import msgspec
import pytest

from chrono_daemon import (
    Context,
    ReceiveStream,
    SendStream,
    SimClock,
    Supervisor,
    WallClock,
    daemon,
)
from chrono_daemon.transports import _zmq_simtime
from chrono_daemon.transports.zmq import CrossProcessTimeWarning, MsgpackSerde, open_zmq_channel

pytestmark = pytest.mark.anyio

BOUND = 10.0


class Tick(msgspec.Struct, frozen=True):
    seq: int


@daemon
async def produce(ctx: Context, out: SendStream[Tick], n: int) -> None:
    try:
        for seq in range(n):
            await out.send(Tick(seq))
    finally:
        await out.aclose()


@daemon
async def relay(ctx: Context, inp: ReceiveStream[Tick], out: SendStream[Tick]) -> None:
    try:
        async for tick in inp:
            await out.send(tick)
    finally:
        await out.aclose()


@daemon
async def collect(ctx: Context, inp: ReceiveStream[Tick], log: list[int]) -> None:
    async for tick in inp:
        log.append(tick.seq)


@pytest.fixture(autouse=True)
def fresh_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees the process-wide 'warned once' flag unset."""
    monkeypatch.setattr(_zmq_simtime, "_warned", False)


async def run_two_zmq_hops(
    clock: SimClock | WallClock,
) -> tuple[list[int], list[warnings.WarningMessage]]:
    first = open_zmq_channel("tcp://127.0.0.1:*", maxsize=2, serde=MsgpackSerde(Tick))
    second = open_zmq_channel("tcp://127.0.0.1:*", maxsize=2, serde=MsgpackSerde(Tick))
    log: list[int] = []
    try:
        with warnings.catch_warnings(record=True) as caught, anyio.fail_after(BOUND):
            warnings.simplefilter("always")
            async with Supervisor(clock=clock) as sup:
                sup.add(produce(first.send, 20))
                sup.add(relay(first.recv, second.send))
                sup.add(collect(second.recv, log))
    finally:
        for channel in (first, second):
            await channel.send.aclose()
            await channel.recv.aclose()
    return log, caught


async def test_daemons_on_zmq_edges_under_a_simclock_warn_once() -> None:
    log, caught = await run_two_zmq_hops(SimClock())
    assert log == list(range(20))
    ours = [w for w in caught if issubclass(w.category, CrossProcessTimeWarning)]
    assert len(ours) == 1, [str(w.message) for w in caught]
    text = str(ours[0].message)
    assert text.startswith("daemon '")
    assert "runs under a SimClock and waits on ZeroMQ edge 'tcp://127.0.0.1:" in text
    assert "virtual time does not cover messages between processes" in text
    assert "chrono launch --clock sim" in text
    # once per process: a second graph stays quiet
    _, again = await run_two_zmq_hops(SimClock())
    assert not [w for w in again if issubclass(w.category, CrossProcessTimeWarning)]


async def test_daemons_on_zmq_edges_under_a_wallclock_do_not_warn() -> None:
    log, caught = await run_two_zmq_hops(WallClock())
    assert log == list(range(20))
    assert not [w for w in caught if issubclass(w.category, CrossProcessTimeWarning)]


async def test_a_task_outside_any_daemon_does_not_warn() -> None:
    """Lockstep's wire pumps wait on ZeroMQ outside daemons: they must stay quiet."""
    channel = open_zmq_channel("tcp://127.0.0.1:*", maxsize=2, serde=MsgpackSerde(Tick))
    try:
        with warnings.catch_warnings(record=True) as caught, anyio.fail_after(BOUND):
            warnings.simplefilter("always")
            await channel.send.send(Tick(7))
            assert await channel.recv.receive() == Tick(7)
    finally:
        await channel.send.aclose()
        await channel.recv.aclose()
    assert not [w for w in caught if issubclass(w.category, CrossProcessTimeWarning)]
