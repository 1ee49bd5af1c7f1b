"""ZeroMQ transport semantics (SPEC §2.8; RELIABILITY 67-70), on asyncio and trio.

Every wait on delivery is bounded by a generous ``anyio.fail_after`` hang guard; nothing
synchronises on a wall-clock sleep.
"""

from __future__ import annotations

import itertools
import logging
import subprocess
import sys
from typing import Any

import anyio
import msgspec
import pytest
import zmq

from chrono_daemon import (
    Channel,
    ChannelClosed,
    ChannelInUse,
    ChannelStats,
    Context,
    EndOfStream,
    ReceiveStream,
    SendStream,
    Supervisor,
    WallClock,
    WouldBlock,
    daemon,
)
from chrono_daemon.transports.zmq import (
    YIELD_EVERY,
    MsgpackSerde,
    ZmqChannelError,
    ZmqConfig,
    ZmqPeerLost,
    ZmqReceiveStream,
    ZmqSendStream,
    open_zmq_channel,
    open_zmq_receive,
    open_zmq_send,
)

pytestmark = pytest.mark.anyio

HANG_GUARD = 10.0
_names = itertools.count()


class Obs(msgspec.Struct, frozen=True, kw_only=True):
    t: float
    seq: int
    tags: list[str] = []


def inproc() -> str:
    return f"inproc://test-zmq-{next(_names)}"


@pytest.fixture(params=["tcp", "inproc"])
def address(request: pytest.FixtureRequest) -> str:
    return "tcp://127.0.0.1:*" if request.param == "tcp" else inproc()


async def closing(ch: Channel[Any]) -> None:
    await ch.send.aclose()
    await ch.recv.aclose()


async def wait_blocked_sender(stream: SendStream[Any]) -> None:
    with anyio.fail_after(HANG_GUARD):
        while stream.statistics().waiters_send == 0:
            await anyio.lowlevel.checkpoint()
    await anyio.wait_all_tasks_blocked()


async def fill(send: SendStream[int], start: int = 0) -> int:
    """send_nowait until WouldBlock; return how many went through."""
    n = 0
    with pytest.raises(WouldBlock):
        while True:
            send.send_nowait(start + n)
            n += 1
    return n


# -- round trip and end of stream -------------------------------------------------------------


async def test_round_trip_of_a_typed_struct(address: str) -> None:
    ch = open_zmq_channel(address, maxsize=4, serde=MsgpackSerde(Obs))
    sent = [Obs(t=0.5 * i, seq=i, tags=["a"] * (i % 3)) for i in range(50)]

    async def produce() -> None:
        for obs in sent:
            await ch.send.send(obs)
        await ch.send.aclose()

    with anyio.fail_after(HANG_GUARD):
        async with anyio.create_task_group() as tg:
            tg.start_soon(produce)
            received = [obs async for obs in ch.recv]
    assert received == sent
    assert all(type(obs) is Obs for obs in received)
    with pytest.raises(EndOfStream):
        await ch.recv.receive()
    with pytest.raises(EndOfStream):
        ch.recv.receive_nowait()
    await closing(ch)


async def test_endpoints_satisfy_the_stream_protocols() -> None:
    address = inproc()
    # Typed assignments: mypy --strict checks the endpoint classes against the protocols.
    recv: ReceiveStream[int] = open_zmq_receive(address, serde=MsgpackSerde(int))
    send: SendStream[int] = open_zmq_send(address, serde=MsgpackSerde(int))
    ch: Channel[int] = Channel(send=send, recv=recv)
    assert isinstance(send, ZmqSendStream)
    assert isinstance(recv, ZmqReceiveStream)
    assert send.statistics() == ChannelStats(0, 0, 1, 1, 0, 0)
    await closing(ch)
    assert send.statistics().open_send_streams == 0
    assert recv.statistics().open_receive_streams == 0


@pytest.mark.parametrize("maxsize", [0, 1])
async def test_send_close_propagates_every_time(maxsize: int) -> None:
    """The end-of-stream frame is never lost (the original hung in 2-3 of 25 runs)."""
    for run in range(100):
        ch = open_zmq_channel("tcp://127.0.0.1:*", maxsize=maxsize, serde=MsgpackSerde(int))

        async def produce(ch: Channel[int] = ch) -> None:
            for i in range(20):
                await ch.send.send(i)
            await ch.send.aclose()  # at once, while the high-water mark is still full

        with anyio.fail_after(HANG_GUARD):
            async with anyio.create_task_group() as tg:
                tg.start_soon(produce)
                got = [i async for i in ch.recv]
        assert got == list(range(20)), f"run {run}"
        await ch.recv.aclose()


@pytest.mark.parametrize("maxsize", [0, 1])
async def test_receive_close_propagates_every_time(maxsize: int) -> None:
    for run in range(100):
        ch = open_zmq_channel("tcp://127.0.0.1:*", maxsize=maxsize, serde=MsgpackSerde(int))
        await ch.send.send(-1)
        with anyio.fail_after(HANG_GUARD):
            assert await ch.recv.receive() == -1
        await ch.recv.aclose()
        sends = 0
        with anyio.fail_after(HANG_GUARD), pytest.raises(ChannelClosed, match="receiver"):
            while True:
                await ch.send.send(sends)
                sends += 1
        assert ch.send.statistics().open_receive_streams == 0, f"run {run}"
        with pytest.raises(ChannelClosed):
            ch.send.send_nowait(0)
        await ch.send.aclose()


async def test_eos_waits_for_room_when_the_buffer_is_full() -> None:
    """Closing with a full high-water mark queues EOS once the receiver drains (not dropped)."""
    ch = open_zmq_channel(inproc(), maxsize=2, serde=MsgpackSerde(int))
    n = await fill(ch.send)
    assert n >= 1
    with anyio.fail_after(HANG_GUARD):
        async with anyio.create_task_group() as tg:
            tg.start_soon(ch.send.aclose)
            await anyio.wait_all_tasks_blocked()
            assert [i async for i in ch.recv] == list(range(n))
    await ch.recv.aclose()


# -- closing never hangs ----------------------------------------------------------------------


async def test_close_is_bounded_when_the_peer_is_gone_and_the_buffer_full(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A sender connected to nobody: the EOS cannot be queued; aclose gives up after linger.

    inproc, because a TCP port picked in advance may be bound by a parallel test meanwhile.
    """
    send = open_zmq_send(inproc(), linger_ms=50, serde=MsgpackSerde(int))
    assert await fill(send) >= 1
    with caplog.at_level(logging.WARNING), anyio.fail_after(HANG_GUARD):
        await send.aclose()
    assert "end-of-stream frame could not be queued within linger_ms=50" in caplog.text
    with pytest.raises(ChannelClosed, match="closed ZMQ send stream"):
        await send.send(1)


async def test_close_with_zero_linger_returns_at_once() -> None:
    send = open_zmq_send(inproc(), linger_ms=0, serde=MsgpackSerde(int))
    await fill(send)
    with anyio.fail_after(HANG_GUARD):
        await send.aclose()
    await send.aclose()  # idempotent


async def test_close_is_bounded_even_when_cancelled() -> None:
    ch = open_zmq_channel(inproc(), maxsize=1, serde=MsgpackSerde(int), linger_ms=50)
    await fill(ch.send)
    with anyio.fail_after(HANG_GUARD), anyio.CancelScope() as scope:
        scope.cancel()
        await ch.send.aclose()  # shielded, bounded wait for room; no one drains
    assert ch.send.statistics().open_send_streams == 0
    await ch.recv.aclose()


async def test_closing_the_sender_wakes_a_blocked_send() -> None:
    ch = open_zmq_channel(inproc(), serde=MsgpackSerde(int), linger_ms=50)
    await fill(ch.send)
    errors: list[BaseException] = []

    async def blocked() -> None:
        try:
            await ch.send.send(99)
        except ChannelClosed as exc:
            errors.append(exc)

    with anyio.fail_after(HANG_GUARD):
        async with anyio.create_task_group() as tg:
            tg.start_soon(blocked)
            await wait_blocked_sender(ch.send)
            await ch.send.aclose()
    assert len(errors) == 1
    await ch.recv.aclose()


@pytest.mark.parametrize("detect_peer_loss", [False, True])
async def test_closing_the_receiver_wakes_a_blocked_receive(detect_peer_loss: bool) -> None:
    config = ZmqConfig(detect_peer_loss=detect_peer_loss)  # True: it waits on two descriptors
    ch = open_zmq_channel(inproc(), serde=MsgpackSerde(int), config=config)
    errors: list[BaseException] = []

    async def blocked() -> None:
        try:
            await ch.recv.receive()
        except ChannelClosed as exc:
            errors.append(exc)

    with anyio.fail_after(HANG_GUARD):
        async with anyio.create_task_group() as tg:
            tg.start_soon(blocked)
            await anyio.wait_all_tasks_blocked()
            assert ch.recv.statistics().waiters_receive == 1
            await ch.recv.aclose()
    assert len(errors) == 1
    assert "closed while a receive waited" in str(errors[0])
    with pytest.raises(ChannelClosed):
        ch.recv.receive_nowait()
    await ch.send.aclose()


async def test_closing_during_a_periodic_checkpoint_of_send_is_channel_closed() -> None:
    ch = open_zmq_channel(inproc(), maxsize=4, serde=MsgpackSerde(int))
    assert isinstance(ch.send, ZmqSendStream)
    ch.send._budget = 0  # the next send() checkpoints before it sends
    errors: list[BaseException] = []

    async def sender() -> None:
        try:
            await ch.send.send(1)
        except Exception as exc:
            errors.append(exc)

    with anyio.fail_after(HANG_GUARD):
        async with anyio.create_task_group() as tg:
            tg.start_soon(sender)
            await anyio.lowlevel.checkpoint()  # the sender is now inside its checkpoint
            await ch.send.aclose()
    assert [type(e) for e in errors] == [ChannelClosed]
    await ch.recv.aclose()


async def test_receiver_close_wakes_a_sender_blocked_on_a_full_buffer() -> None:
    ch = open_zmq_channel("tcp://127.0.0.1:*", serde=MsgpackSerde(int))
    with anyio.fail_after(HANG_GUARD):
        # Connected first: a receiver that closes before any sender connected has nobody to
        # tell (documented in docs/transports.md).
        await ch.send.send(-1)
        assert await ch.recv.receive() == -1
        async with anyio.create_task_group() as tg:

            async def flood() -> None:
                with pytest.raises(ChannelClosed, match="receiver"):
                    for i in itertools.count():
                        await ch.send.send(i)

            tg.start_soon(flood)
            await wait_blocked_sender(ch.send)
            await ch.recv.aclose()
    await ch.send.aclose()


# -- nowait, busy endpoints, cancellation -----------------------------------------------------


async def test_nowait_paths() -> None:
    ch = open_zmq_channel(inproc(), maxsize=2, serde=MsgpackSerde(int))
    with pytest.raises(WouldBlock):
        ch.recv.receive_nowait()
    n = await fill(ch.send)
    assert [ch.recv.receive_nowait() for _ in range(n)] == list(range(n))
    with pytest.raises(WouldBlock):
        ch.recv.receive_nowait()
    ch.send.send_nowait(7)
    await ch.send.aclose()
    assert ch.recv.receive_nowait() == 7
    with pytest.raises(EndOfStream):
        ch.recv.receive_nowait()
    with pytest.raises(ChannelClosed):
        ch.send.send_nowait(8)
    await ch.recv.aclose()


@pytest.mark.parametrize("maxsize", [0, 4])
async def test_high_water_mark_bounds_the_queue(maxsize: int) -> None:
    """RELIABILITY 70: check bounds, not counts; on inproc the HWM is the sum of both sides."""
    ch = open_zmq_channel(inproc(), maxsize=maxsize, serde=MsgpackSerde(int))
    hwm = max(maxsize, 1)
    assert 1 <= await fill(ch.send) <= 2 * hwm
    await closing(ch)


async def test_second_blocked_receiver_is_channel_in_use() -> None:
    ch = open_zmq_channel(inproc(), serde=MsgpackSerde(int))
    with anyio.fail_after(HANG_GUARD):
        async with anyio.create_task_group() as tg:
            tg.start_soon(ch.recv.receive)
            await anyio.wait_all_tasks_blocked()
            with pytest.raises(ChannelInUse, match="receiving"):
                await ch.recv.receive()
            with pytest.raises(WouldBlock):
                ch.recv.receive_nowait()
            tg.cancel_scope.cancel()
    await closing(ch)


async def test_second_blocked_sender_is_channel_in_use() -> None:
    ch = open_zmq_channel(inproc(), serde=MsgpackSerde(int))
    await fill(ch.send)
    with anyio.fail_after(HANG_GUARD):
        async with anyio.create_task_group() as tg:
            tg.start_soon(ch.send.send, 100)
            await wait_blocked_sender(ch.send)
            with pytest.raises(ChannelInUse, match="sending"):
                await ch.send.send(101)
            with pytest.raises(WouldBlock):
                ch.send.send_nowait(102)
            tg.cancel_scope.cancel()
    await closing(ch)


async def test_a_cancelled_send_sends_nothing() -> None:
    ch = open_zmq_channel(inproc(), maxsize=1, serde=MsgpackSerde(int))
    n = await fill(ch.send)
    with anyio.fail_after(HANG_GUARD):
        async with anyio.create_task_group() as tg:
            tg.start_soon(ch.send.send, 999)
            await wait_blocked_sender(ch.send)
            tg.cancel_scope.cancel()
    assert ch.send.statistics().waiters_send == 0
    with anyio.fail_after(HANG_GUARD):
        assert [await ch.recv.receive() for _ in range(n)] == list(range(n))
        await ch.send.aclose()
        with pytest.raises(EndOfStream):  # and not 999
            await ch.recv.receive()
    await ch.recv.aclose()


async def test_a_tight_loop_yields_to_other_tasks() -> None:
    """send/receive checkpoint at least every YIELD_EVERY calls, so siblings still run."""
    ch = open_zmq_channel(inproc(), maxsize=2 * YIELD_EVERY + 1, serde=MsgpackSerde(int))
    ticks: list[int] = []

    async def ticker() -> None:
        while True:
            ticks.append(len(ticks))
            await anyio.lowlevel.checkpoint()

    with anyio.fail_after(HANG_GUARD):
        async with anyio.create_task_group() as tg:
            tg.start_soon(ticker)
            await anyio.lowlevel.checkpoint()
            before = len(ticks)
            # Never blocks (the buffer has room), so only the periodic checkpoints yield. Two
            # of them: after one, trio may resume this task before the ticker in the batch.
            for i in range(2 * YIELD_EVERY + 1):
                await ch.send.send(i)
            assert len(ticks) > before
            tg.cancel_scope.cancel()
    await closing(ch)


# -- configuration and addresses --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"maxsize": -1}, ValueError, r"^ZmqConfig\.maxsize must be >= 0, got -1$"),
        ({"linger_ms": -1}, ValueError, r"^ZmqConfig\.linger_ms must be >= 0, got -1$"),
        ({"max_message_bytes": 0}, ValueError, r"max_message_bytes must be >= 1, got 0$"),
        ({"max_message_bytes": -5}, ValueError, r"max_message_bytes must be >= 1"),
        ({"maxsize": 1.5}, TypeError, r"maxsize must be an int, got 1\.5$"),
        ({"linger_ms": True}, TypeError, r"linger_ms must be an int, got True$"),
    ],
)
def test_config_rejects_bad_values(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        ZmqConfig(**kwargs)
    with pytest.raises(error, match=match):
        open_zmq_channel(inproc(), **kwargs)


def test_config_rejects_a_non_bool_detect_peer_loss() -> None:
    with pytest.raises(TypeError, match=r"^ZmqConfig\.detect_peer_loss must be a bool, got 1$"):
        ZmqConfig(detect_peer_loss=1)  # type: ignore[arg-type]


def test_config_defaults_and_hwm() -> None:
    cfg = ZmqConfig()
    assert (cfg.maxsize, cfg.linger_ms, cfg.max_message_bytes) == (0, 1000, 16 * 1024 * 1024)
    assert cfg.hwm == 1
    assert ZmqConfig(maxsize=7).hwm == 7
    assert ZmqConfig(max_message_bytes=None).max_message_bytes is None


async def test_config_object_and_socket_options() -> None:
    cfg = ZmqConfig(maxsize=5, linger_ms=20, max_message_bytes=100)
    ch = open_zmq_channel("tcp://127.0.0.1:*", config=cfg)
    assert isinstance(ch.recv, ZmqReceiveStream)
    assert ch.recv.config == cfg
    assert ch.recv.statistics().max_buffer_size == 5
    sock = ch.recv._sock
    assert sock.get(zmq.RCVHWM) == 5
    assert sock.get(zmq.MAXMSGSIZE) == 102  # payload limit + an escape prefix (2 bytes)
    assert sock.get(zmq.LINGER) == 20
    await closing(ch)
    with pytest.raises(TypeError, match="either config="):
        open_zmq_channel(inproc(), config=cfg, maxsize=3)


def test_wildcard_port_is_resolved_and_bad_addresses_are_named() -> None:
    recv = open_zmq_receive("tcp://127.0.0.1:*")
    try:
        assert recv.address.startswith("tcp://127.0.0.1:")
        assert not recv.address.endswith("*")
        with pytest.raises(ZmqChannelError, match=r"cannot bind to this address: .*in use"):
            open_zmq_receive(recv.address)
    finally:
        anyio.run(recv.aclose)
    with pytest.raises(ZmqChannelError, match=r"^ZMQ channel 'nonsense': cannot connect"):
        open_zmq_send("nonsense")


# -- start-up order (RELIABILITY 68) ----------------------------------------------------------


async def test_sender_may_start_before_the_receiver_binds() -> None:
    address = inproc()  # over tcp, a port picked in advance can be taken meanwhile
    send = open_zmq_send(address, maxsize=4, serde=MsgpackSerde(int))  # connects first
    for i in range(3):
        await send.send(i)
    recv = open_zmq_receive(address, maxsize=4, serde=MsgpackSerde(int))
    await send.aclose()
    with anyio.fail_after(HANG_GUARD):
        assert [i async for i in recv] == [0, 1, 2]
    await recv.aclose()


async def test_a_binding_sender_waits_for_its_receiver_to_connect() -> None:
    send = open_zmq_send("tcp://127.0.0.1:*", bind=True, serde=MsgpackSerde(int))
    with pytest.raises(WouldBlock):
        send.send_nowait(0)  # a bound PAIR with no peer yet queues nothing
    with anyio.fail_after(HANG_GUARD):
        async with anyio.create_task_group() as tg:
            tg.start_soon(send.send, 1)
            await wait_blocked_sender(send)
            recv = open_zmq_receive(send.address, bind=False, serde=MsgpackSerde(int))
            assert await recv.receive() == 1
    await send.aclose()
    with anyio.fail_after(HANG_GUARD), pytest.raises(EndOfStream):
        await recv.receive()
    await recv.aclose()


async def test_receiver_may_connect_to_a_binding_sender() -> None:
    ch = open_zmq_channel("tcp://127.0.0.1:*", bind_receive=False, serde=MsgpackSerde(str))
    assert ch.send.statistics().open_send_streams == 1
    with anyio.fail_after(HANG_GUARD):
        async with anyio.create_task_group() as tg:
            tg.start_soon(ch.send.send, "hello")
            assert await ch.recv.receive() == "hello"
    await closing(ch)


def test_pub_sub_would_drop_what_is_sent_before_the_subscriber_joins() -> None:
    """RELIABILITY 68: why edges are PAIR, not PUB/SUB (the "slow joiner" loses messages)."""
    pub: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.PUB)
    sub: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.SUB)
    try:
        port = pub.bind_to_random_port("tcp://127.0.0.1")
        pub.send(b"early")  # accepted without error, and dropped: nobody subscribed yet
        sub.connect(f"tcp://127.0.0.1:{port}")
        sub.subscribe(b"")
        for _ in range(1000):  # probe until the subscription has reached the publisher
            pub.send(b"probe")
            if sub.poll(10):
                break
        assert sub.recv() == b"probe"  # the first message that arrives is not "early"
    finally:
        pub.close(linger=0)
        sub.close(linger=0)


async def test_a_crashed_sender_is_not_an_end_of_stream() -> None:
    """RELIABILITY 69: no EOS frame means no EndOfStream; by default receive keeps waiting."""
    recv = open_zmq_receive("tcp://127.0.0.1:*", serde=MsgpackSerde(int))
    raw: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.PAIR)
    raw.connect(recv.address)
    raw.send(msgspec.msgpack.encode(5))
    with anyio.fail_after(HANG_GUARD):
        assert await recv.receive() == 5
    raw.close(linger=0)  # the "crash": gone without an end-of-stream frame
    with anyio.move_on_after(0.2) as scope:
        await recv.receive()
    assert scope.cancelled_caught
    await recv.aclose()


@pytest.mark.parametrize("bind", [True, False])
async def test_detect_peer_loss_turns_a_crash_into_an_error(bind: bool) -> None:
    """RELIABILITY 69: with detect_peer_loss, a vanished sender raises ZmqPeerLost."""
    config = ZmqConfig(detect_peer_loss=True)
    if bind:
        recv = open_zmq_receive("tcp://127.0.0.1:*", serde=MsgpackSerde(int), config=config)
        raw: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.PAIR)
        raw.connect(recv.address)
    else:
        raw = zmq.Context.instance().socket(zmq.PAIR)
        port: int = raw.bind_to_random_port("tcp://127.0.0.1")
        recv = open_zmq_receive(
            f"tcp://127.0.0.1:{port}", bind=False, serde=MsgpackSerde(int), config=config
        )
    try:
        raw.send(msgspec.msgpack.encode(1))
        raw.send(msgspec.msgpack.encode(2))
        with anyio.fail_after(HANG_GUARD):
            assert await recv.receive() == 1
            raw.close(linger=0)  # the "crash"
            assert await recv.receive() == 2  # what arrived comes first
            with pytest.raises(ZmqPeerLost, match=r"disconnected without an end-of-stream"):
                await recv.receive()
        assert recv.statistics().open_send_streams == 1  # not an end of stream
    finally:
        raw.close(linger=0)
        await recv.aclose()


async def test_detect_peer_loss_is_quiet_on_a_clean_close() -> None:
    ch = open_zmq_channel(
        "tcp://127.0.0.1:*", serde=MsgpackSerde(int), config=ZmqConfig(detect_peer_loss=True)
    )
    for _ in range(3):  # connect, close cleanly: EndOfStream, never ZmqPeerLost
        await ch.send.send(1)
        await ch.send.aclose()
        with anyio.fail_after(HANG_GUARD):
            assert [i async for i in ch.recv] == [1]
        await ch.recv.aclose()
        ch = open_zmq_channel(
            "tcp://127.0.0.1:*", serde=MsgpackSerde(int), config=ZmqConfig(detect_peer_loss=True)
        )
    await closing(ch)


# -- daemons under a supervisor, one process ---------------------------------------------------


@daemon
async def produce(ctx: Context, out: SendStream[Obs], count: int) -> None:
    try:
        for seq in range(count):
            await out.send(Obs(t=ctx.clock.now(), seq=seq))
    finally:
        await out.aclose()


@daemon
async def relay(ctx: Context, inp: ReceiveStream[Obs], out: SendStream[Obs]) -> None:
    try:
        async for obs in inp:
            await out.send(Obs(t=obs.t, seq=obs.seq * 10, tags=[ctx.name]))
    finally:
        await out.aclose()


@daemon
async def collect(ctx: Context, inp: ReceiveStream[Obs], log: list[Obs]) -> None:
    async for obs in inp:
        log.append(obs)


async def test_supervised_daemons_talk_over_zmq(address: str) -> None:
    first = open_zmq_channel(address, maxsize=2, serde=MsgpackSerde(Obs))
    second = open_zmq_channel(
        "tcp://127.0.0.1:*" if address.startswith("tcp") else inproc(),
        maxsize=2,
        serde=MsgpackSerde(Obs),
    )
    log: list[Obs] = []
    with anyio.fail_after(HANG_GUARD):
        async with Supervisor(clock=WallClock()) as sup:
            sup.add(produce(first.send, 30))
            sup.add(relay(first.recv, second.send))
            sup.add(collect(second.recv, log))
    assert [obs.seq for obs in log] == [10 * i for i in range(30)]
    assert all(obs.tags == ["relay"] for obs in log)
    assert all(h.state == "stopped" for h in sup.snapshot().values())
    await closing(first)
    await closing(second)


# -- the extra is optional ---------------------------------------------------------------------


def test_import_without_pyzmq_says_how_to_install() -> None:
    code = (
        "import sys\n"
        "sys.modules['zmq'] = None\n"
        "import chrono_daemon, chrono_daemon.transports\n"
        "try:\n"
        "    import chrono_daemon.transports.zmq\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
        "else:\n"
        "    print('imported')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert 'pip install "chrono-daemon[zmq]"' in result.stdout, result.stdout + result.stderr
