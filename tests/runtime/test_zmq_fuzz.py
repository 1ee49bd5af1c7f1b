"""Byte fuzz of the ZMQ receiver (RELIABILITY 64, hypothesis): no frame crashes it.

Any frame a peer can send makes ``receive_nowait`` return an item or raise a
``ZmqChannelError`` subclass or ``EndOfStream`` — never another exception — and, unless the
frame was an end-of-stream, the next valid message still arrives.
"""

from __future__ import annotations

import itertools
from typing import Any

import anyio
import msgspec
import zmq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chrono_daemon import EndOfStream, WouldBlock
from chrono_daemon.transports.zmq import (
    MsgpackSerde,
    ZmqChannelError,
    ZmqReceiveStream,
    open_zmq_receive,
)


class Point(msgspec.Struct, frozen=True):
    x: int
    y: list[int] = []


GOOD = msgspec.msgpack.encode(Point(1, [2]))
_names = itertools.count()

ints = st.integers(min_value=-(2**63), max_value=2**64 - 1)  # what MessagePack can carry
json_like = st.recursive(
    st.none() | st.booleans() | ints | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=12,
)
frames = st.one_of(
    st.binary(max_size=48),
    st.binary(max_size=12).map(lambda b: b"\xc1" + b),  # control frames, mostly bad tags
    st.binary(max_size=12).map(lambda b: b"\xc1\x02" + b),  # end-of-stream, mostly malformed
    json_like.map(msgspec.msgpack.encode),  # valid MessagePack, usually the wrong type
    st.builds(lambda x, y: {"x": x, "y": y}, ints, st.lists(ints)).map(msgspec.msgpack.encode),
)


def receive_one(recv: ZmqReceiveStream[Any]) -> object:
    for _ in range(10_000):  # inproc delivery is immediate; this only bounds the loop
        try:
            return recv.receive_nowait()
        except WouldBlock:
            continue
    raise AssertionError("the frame never arrived")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=frames, typed=st.booleans())
def test_no_frame_crashes_the_receiver(frame: bytes, typed: bool) -> None:
    address = f"inproc://fuzz-{next(_names)}"
    serde: MsgpackSerde[Any] = MsgpackSerde(Point) if typed else MsgpackSerde()
    recv = open_zmq_receive(address, serde=serde)
    raw: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.PAIR)
    try:
        raw.connect(address)
        raw.send(frame)
        ended = False
        try:
            receive_one(recv)
        except EndOfStream:
            ended = True
        except ZmqChannelError:
            ended = recv.statistics().open_send_streams == 0  # e.g. a miscounted EOS
        if not ended:
            raw.send(GOOD)
            item = receive_one(recv)
            assert item == (Point(1, [2]) if typed else {"x": 1, "y": [2]})
    finally:
        raw.close(linger=0)
        anyio.run(recv.aclose)
