"""Bad input on a ZMQ edge never crashes or hangs the receiver (RELIABILITY 64-66).

A raw pyzmq ``PAIR`` socket plays a buggy or hostile peer. Each bad frame must raise a named
``ZmqChannelError`` subclass whose text names the channel's address and carries msgspec's message
where there is one; the receiver stays usable and gets the next valid message.
"""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated, Any

import anyio
import msgspec
import pytest
import zmq

from chrono_daemon import EndOfStream
from chrono_daemon.transports.zmq import (
    MsgpackSerde,
    Serde,
    ZmqChannelError,
    ZmqDecodeError,
    ZmqEncodeError,
    ZmqFrameError,
    ZmqMessagesLost,
    ZmqMessageTooLarge,
    ZmqReceiveStream,
    ZmqValidationError,
    open_zmq_channel,
    open_zmq_receive,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.anyio

HANG_GUARD = 10.0


class Point(msgspec.Struct, frozen=True):
    x: int
    y: int = 0


class Bounded(msgspec.Struct):
    xs: Annotated[list[int], msgspec.Meta(max_length=10)]


def data(payload: bytes) -> bytes:
    """A data frame: the payload as is (control frames start with 0xc1)."""
    return payload


def eos(sent: int) -> bytes:
    return b"\xc1\x02" + sent.to_bytes(8, "little")


GOOD = data(msgspec.msgpack.encode(Point(1, 2)))


@asynccontextmanager
async def hostile_peer(
    serde: Serde[Any] | None = None, **kwargs: Any
) -> AsyncIterator[tuple[ZmqReceiveStream[Any], zmq.Socket[bytes]]]:
    recv = open_zmq_receive(
        "tcp://127.0.0.1:*", serde=serde if serde is not None else MsgpackSerde(Point), **kwargs
    )
    raw: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.PAIR)
    raw.connect(recv.address)
    try:
        yield recv, raw
    finally:
        raw.close(linger=0)
        await recv.aclose()


async def expect(
    recv: ZmqReceiveStream[Any], error: type[ZmqChannelError], match: str
) -> ZmqChannelError:
    with anyio.fail_after(HANG_GUARD), pytest.raises(error, match=match) as info:
        await recv.receive()
    assert info.value.address == recv.address
    assert str(info.value).startswith(f"ZMQ channel {recv.address!r}: ")
    return info.value


async def still_usable(recv: ZmqReceiveStream[Any], raw: zmq.Socket[bytes]) -> None:
    raw.send(GOOD)
    with anyio.fail_after(HANG_GUARD):
        assert await recv.receive() == Point(1, 2)


@pytest.mark.parametrize(
    ("frame", "error", "match"),
    [
        pytest.param(
            data(b"\x81\xa1x\xc1"),
            ZmqDecodeError,
            r"malformed MessagePack payload: MessagePack data is malformed: invalid opcode "
            r"'\\xc1' \(byte 3\)",
            id="not-msgpack",
        ),
        pytest.param(
            data(msgspec.msgpack.encode(Point(1, 2))[:-1]),
            ZmqDecodeError,
            r"malformed MessagePack payload: Input data was truncated",
            id="truncated",
        ),
        pytest.param(
            data(msgspec.msgpack.encode(Point(1, 2)) + b"\x00"),
            ZmqDecodeError,
            r"trailing characters \(byte \d+\)",
            id="trailing-bytes",
        ),
        pytest.param(
            data(msgspec.msgpack.encode({"x": "a"})),
            ZmqValidationError,
            r"payload is not a valid Point: Expected `int`, got `str` - at `\$\.x`; "
            r"the message was discarded$",
            id="wrong-type",
        ),
        pytest.param(
            data(msgspec.msgpack.encode({"y": 1})),
            ZmqValidationError,
            r"Object missing required field `x`",
            id="missing-field",
        ),
        pytest.param(
            b"\xc1\x01",
            ZmqDecodeError,
            r"Input data was truncated",
            id="escape-without-payload",
        ),
        pytest.param(
            b"",
            ZmqFrameError,
            r"received an empty frame; expected a data frame, or a control frame "
            r"0xc1 0x01/0x02/0x04$",
            id="empty-frame",
        ),
        pytest.param(
            b"\xc1\x7fhello",
            ZmqFrameError,
            r"received a control frame \(0xc1\) with unknown tag 0x7f \(7 bytes\)",
            id="unknown-tag",
        ),
        pytest.param(
            b"\xc1",
            ZmqFrameError,
            r"control frame \(0xc1\) with unknown tag missing \(1 bytes\)",
            id="control-byte-without-tag",
        ),
        pytest.param(
            b"\xc1\x03",
            ZmqFrameError,
            r"unknown tag 0x03",
            id="receiver-close-tag-on-the-data-direction",
        ),
        pytest.param(
            b"\xc1\x02\x01",
            ZmqFrameError,
            r"malformed end-of-stream frame: expected 10 bytes, got 3",
            id="malformed-eos",
        ),
        pytest.param(
            data(b"\xdf\xff\xff\xff\xff"),
            ZmqDecodeError,
            r"Input data was truncated",
            id="map-length-bomb",
        ),
    ],
)
async def test_bad_frame_raises_a_named_error_and_the_receiver_survives(
    frame: bytes, error: type[ZmqChannelError], match: str
) -> None:
    async with hostile_peer() as (recv, raw):
        raw.send(frame)
        await expect(recv, error, match)
        await still_usable(recv, raw)


async def test_wrong_number_of_frames_is_read_frame_by_frame() -> None:
    """Each ZMQ part is checked on its own: a stray part is a frame error, not a crash."""
    async with hostile_peer() as (recv, raw):
        raw.send_multipart([GOOD, b"", b"\xc1junk"])
        with anyio.fail_after(HANG_GUARD):
            assert await recv.receive() == Point(1, 2)
        await expect(recv, ZmqFrameError, r"received an empty frame")
        await expect(recv, ZmqFrameError, r"unknown tag 0x6a \(5 bytes\)")
        # A [header, payload] message from a foreign protocol: the header is a bad payload.
        raw.send_multipart([b"\x01", msgspec.msgpack.encode(Point(3))])
        await expect(recv, ZmqValidationError, r"Expected `object`, got `int`")
        with anyio.fail_after(HANG_GUARD):
            assert await recv.receive() == Point(3)
        await still_usable(recv, raw)


@pytest.mark.parametrize("serde", [MsgpackSerde(), MsgpackSerde(list[int])], ids=repr)
async def test_an_array_length_bomb_is_rejected_fast(serde: MsgpackSerde[Any]) -> None:
    """RELIABILITY 65: a 4G-element array header over 4 bytes of data: no large allocation."""
    async with hostile_peer(serde) as (recv, raw):
        raw.send(data(b"\xdd\xff\xff\xff\xff"))
        started = time.perf_counter()
        await expect(recv, ZmqDecodeError, r"Input data was truncated")
        assert time.perf_counter() - started < 1.0
        raw.send(data(msgspec.msgpack.encode([7])))
        with anyio.fail_after(HANG_GUARD):
            assert await recv.receive() == [7]


async def test_a_length_header_over_max_length_is_rejected_fast() -> None:
    """A 1M-element array header on a field with max_length: no large allocation."""
    async with hostile_peer(MsgpackSerde(Bounded)) as (recv, raw):
        raw.send(data(b"\x81\xa2xs\xdd\x00\x0f\x42\x40"))
        started = time.perf_counter()
        await expect(recv, ZmqValidationError, r"Expected `array` of length <= 10 - at `\$\.xs`")
        assert time.perf_counter() - started < 1.0


async def test_deep_nesting_becomes_a_channel_error() -> None:
    """RELIABILITY 66: msgspec's RecursionError is turned into a ZmqDecodeError."""
    async with hostile_peer(MsgpackSerde()) as (recv, raw):
        raw.send(data(b"\x91" * 100_000 + b"\xc0"))
        exc = await expect(recv, ZmqDecodeError, r"payload is nested too deeply to decode")
        assert isinstance(exc.__cause__, RecursionError)
        raw.send(data(msgspec.msgpack.encode([1, [2]])))
        with anyio.fail_after(HANG_GUARD):
            assert await recv.receive() == [1, [2]]


async def test_receive_nowait_reports_bad_frames_too() -> None:
    async with hostile_peer() as (recv, raw):
        raw.send(b"")
        raw.send(GOOD)
        with anyio.fail_after(HANG_GUARD):
            while True:  # wait for the bad frame's arrival; each poll is a checkpoint
                try:
                    recv.receive_nowait()
                except ZmqFrameError:
                    break
                except anyio.WouldBlock:
                    await anyio.lowlevel.checkpoint()
            assert await recv.receive() == Point(1, 2)


async def test_a_failing_custom_serde_is_a_decode_error() -> None:
    class Strict:
        def encode(self, item: str, /) -> bytes:
            return item.encode("ascii")

        def decode(self, data: bytes, /) -> str:
            return data.decode("ascii")

    ch = open_zmq_channel("tcp://127.0.0.1:*", serde=Strict())
    try:
        with pytest.raises(ZmqEncodeError, match=r"cannot encode str: .*nothing was sent$"):
            await ch.send.send("é")
        await ch.send.send("ok")
        with anyio.fail_after(HANG_GUARD):
            assert await ch.recv.receive() == "ok"
    finally:
        await ch.send.aclose()
        await ch.recv.aclose()
    async with hostile_peer(Strict()) as (recv, raw):
        raw.send(data("é".encode()))
        await expect(recv, ZmqDecodeError, r"Strict\.decode failed: UnicodeDecodeError")


async def test_payloads_that_look_like_control_frames_are_escaped() -> None:
    """A custom serde may produce b"" or a leading 0xc1 (MessagePack never does)."""

    class Raw:
        def encode(self, item: bytes, /) -> bytes:
            return item

        def decode(self, data: bytes, /) -> bytes:
            return data

    ch = open_zmq_channel("tcp://127.0.0.1:*", maxsize=8, serde=Raw())
    items = [b"", b"\xc1", b"\xc1\x02" + bytes(8), b"\xc1\x03", b"plain"]
    try:
        for item in items:
            await ch.send.send(item)
        await ch.send.aclose()
        with anyio.fail_after(HANG_GUARD):
            assert [item async for item in ch.recv] == items
    finally:
        await ch.recv.aclose()


async def test_the_sender_refuses_oversized_messages_before_sending() -> None:
    ch = open_zmq_channel(
        "tcp://127.0.0.1:*", maxsize=4, serde=MsgpackSerde(str), max_message_bytes=100
    )
    try:
        with pytest.raises(
            ZmqMessageTooLarge,
            match=r"the encoded str is 202 bytes, over max_message_bytes=100; nothing was sent",
        ):
            await ch.send.send("x" * 200)
        with pytest.raises(ZmqMessageTooLarge):
            ch.send.send_nowait("x" * 200)
        await ch.send.send("x" * 98)  # exactly 100 bytes encoded: allowed
        await ch.send.aclose()
        with anyio.fail_after(HANG_GUARD):
            assert [s async for s in ch.recv] == ["x" * 98]
    finally:
        await ch.recv.aclose()


async def test_the_sender_refuses_unencodable_items() -> None:
    ch = open_zmq_channel("tcp://127.0.0.1:*", serde=MsgpackSerde())
    try:
        with pytest.raises(ZmqEncodeError, match=r"cannot encode object: .*nothing was sent$"):
            await ch.send.send(object())
        await ch.send.send(1)
        with anyio.fail_after(HANG_GUARD):
            assert await ch.recv.receive() == 1
    finally:
        await ch.send.aclose()
        await ch.recv.aclose()


async def test_an_oversized_frame_from_a_raw_peer_is_dropped_and_the_loss_detected() -> None:
    """libzmq drops a connection that exceeds MAXMSGSIZE; the EOS count exposes the loss."""
    async with hostile_peer(max_message_bytes=100) as (recv, raw):
        monitor = raw.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        try:
            raw.send(data(b"\xc4\xff" + b"\x00" * 255))  # a 257-byte bin: over the limit
            # The receiver drops the connection; wait (bounded) for the raw peer to see it.
            assert await anyio.to_thread.run_sync(monitor.poll, int(HANG_GUARD * 1000))
            monitor.recv_multipart()
            raw.send(GOOD)  # queued until the raw peer has reconnected
            raw.send(eos(2))  # "I sent 2"
            with anyio.fail_after(HANG_GUARD):
                assert await recv.receive() == Point(1, 2)
            with pytest.raises(ZmqMessagesLost, match=r"sent 2 messages but only 1 arrived"):
                await recv.receive()
            with pytest.raises(EndOfStream):
                await recv.receive()
        finally:
            raw.disable_monitor()
            monitor.close(linger=0)


async def test_more_messages_than_the_eos_count_is_still_an_end_of_stream() -> None:
    """A restarted sender counts afresh: more arrived than its count is not an error."""
    async with hostile_peer() as (recv, raw):
        raw.send(GOOD)
        raw.send(GOOD)
        raw.send(eos(1))
        with anyio.fail_after(HANG_GUARD):
            assert [p async for p in recv] == [Point(1, 2), Point(1, 2)]
        with pytest.raises(EndOfStream):
            await recv.receive()
