"""The ZMQ connect-time type check (ADR 0023; RELIABILITY 79), on asyncio and trio.

Two ends generated from two versions of a schema are refused by type hash before any payload
is decoded, on both ends, with an error naming the type, both hashes and the first difference;
ends from one schema (even two separately generated packages) connect as before.
"""

from __future__ import annotations

import importlib
import itertools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
import pytest
import zmq

from chrono_daemon.transports.zmq import (
    MsgpackSerde,
    ZmqFrameError,
    ZmqReceiveStream,
    ZmqSendStream,
    ZmqTypeMismatch,
    open_zmq_receive,
    open_zmq_send,
)
from chrono_daemon.wire import Change, type_hash
from codegen import generate, write

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import ModuleType

pytestmark = pytest.mark.anyio

HANG_GUARD = 10.0
ROOT = Path(__file__).resolve().parents[2]
PEER = Path(__file__).with_name("zmq_peer") / "zmq_echo_peer.py"
_COUNTER = itertools.count()

V1 = '[messages.Obs]\nfields.t = "float"\nfields.seq = "int"\n'
V2 = '[messages.Obs]\nfields.t = "float"\nfields.seq = "str"\n'  # seq retyped
V3 = V1 + 'fields.note = { type = "str", default = "" }\n'  # compatible, but another hash


@pytest.fixture
def versions(tmp_path: Path) -> Iterator[dict[str, ModuleType]]:
    """Generate each schema version into its own package and import its messages."""
    packages = []
    out: dict[str, ModuleType] = {}
    sys.path.insert(0, str(tmp_path))
    try:
        for label, text in (("v1", V1), ("v1-again", V1), ("v2", V2), ("v3", V3)):
            schemas = tmp_path / f"schemas-{label}"
            schemas.mkdir()
            (schemas / "robot.toml").write_text(text)
            result = generate(schemas)
            assert result.files is not None, result.errors
            package = f"handshake{next(_COUNTER)}"
            assert write(result.files, tmp_path / package).errors == ()
            packages.append(package)
            out[label] = importlib.import_module(f"{package}.robot.messages")
        yield out
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.split(".")[0] in packages]:
            del sys.modules[name]


def pair(
    sender_type: Any, receiver_type: Any, **kwargs: Any
) -> tuple[ZmqSendStream[Any], ZmqReceiveStream[Any]]:
    recv = open_zmq_receive("tcp://127.0.0.1:*", serde=MsgpackSerde(receiver_type), **kwargs)
    send = open_zmq_send(recv.address, serde=MsgpackSerde(sender_type), **kwargs)
    return send, recv


async def send_until_refused(send: ZmqSendStream[Any], item: object) -> ZmqTypeMismatch:
    """Keep sending: once the queue is full, the blocked send sees the refusal and raises."""
    with anyio.fail_after(HANG_GUARD), pytest.raises(ZmqTypeMismatch) as info:
        while True:
            await send.send(item)
    return info.value


async def test_two_schema_versions_are_refused_at_connect(versions: dict[str, Any]) -> None:
    old, new = versions["v1"].Obs, versions["v2"].Obs
    send, recv = pair(old, new)
    old_hash, new_hash = old.__chrono_type_hash__, new.__chrono_type_hash__
    try:
        await send.send(old(t=1.0, seq=1))  # queued behind the hello
        with anyio.fail_after(HANG_GUARD), pytest.raises(ZmqTypeMismatch) as info:
            await recv.receive()
        error = info.value
        assert str(error) == (
            f"ZMQ channel {recv.address!r}: refused the sender: it sends Obs with type hash "
            f"{old_hash}, but this receiver expects Obs with type hash {new_hash}; first "
            "difference from the sender's type to the receiver's: field 'seq' changed type "
            "from int to str (an incompatible change). "
            "The two ends were built from different schema versions: generate both from one "
            "schema (docs/type-hashes.md). What this sender sends is discarded"
        )
        assert (error.sent_type, error.sent_hash) == ("Obs", old_hash)
        assert (error.expected_type, error.expected_hash) == ("Obs", new_hash)
        assert error.difference is not None
        refused = await send_until_refused(send, old(t=2.0, seq=2))
        assert str(refused).startswith(
            f"ZMQ channel {send.address!r}: the receiver refused this sender: this end sends "
            f"Obs with type hash {old_hash}, but the receiver expects Obs with type hash "
            f"{new_hash}; first difference from the sender's type to the receiver's: field 'seq' "
            "changed type from int to str"
        )
    finally:
        await send.aclose()
        await recv.aclose()


async def test_one_schema_generated_twice_connects(versions: dict[str, Any]) -> None:
    a, b = versions["v1"].Obs, versions["v1-again"].Obs
    assert a is not b
    assert a.__chrono_type_hash__ == b.__chrono_type_hash__
    send, recv = pair(a, b)
    try:
        with anyio.fail_after(HANG_GUARD):
            for i in range(3):
                await send.send(a(t=float(i), seq=i))
            await send.aclose()
            assert [m async for m in recv] == [b(t=float(i), seq=i) for i in range(3)]
    finally:
        await recv.aclose()


@pytest.mark.parametrize(
    ("sender", "receiver", "direction"),
    [
        ("v1", "v3", "from the sender's type to the receiver's"),  # the receiver is newer
        ("v3", "v1", "from the receiver's type to the sender's"),  # the sender is newer
    ],
    ids=["newer-receiver", "newer-sender"],
)
async def test_a_compatible_change_is_still_refused_and_says_so(
    versions: dict[str, Any], sender: str, receiver: str, direction: str
) -> None:
    """A field added with a default is compatible whichever end has it, and is said so."""
    sender_type, receiver_type = versions[sender].Obs, versions[receiver].Obs
    # What the verdict rests on: msgspec decodes each version's bytes as the other version.
    payload = msgspec.msgpack.encode(sender_type(t=1.0, seq=1))
    assert msgspec.msgpack.decode(payload, type=receiver_type).seq == 1
    send, recv = pair(sender_type, receiver_type)
    try:
        await send.send(sender_type(t=1.0, seq=1))
        with anyio.fail_after(HANG_GUARD), pytest.raises(ZmqTypeMismatch) as info:
            await recv.receive()
        expected = (
            f"first difference {direction}: field 'note' was added with a default "
            "(compatible by the schema-evolution rules, but an edge needs identical types)"
        )
        assert expected in str(info.value)
        assert isinstance(info.value.difference, Change)
        assert info.value.difference.rule == "FIELD_ADDED"
        refused = await send_until_refused(send, sender_type(t=2.0, seq=2))
        assert expected in str(refused)
    finally:
        await send.aclose()
        await recv.aclose()


async def test_a_refusal_is_for_good_on_both_ends(versions: dict[str, Any]) -> None:
    """Nothing of a refused sender is ever decoded; reopen the ends to try again."""
    old, new = versions["v1"].Obs, versions["v2"].Obs
    send, recv = pair(old, new)
    try:
        await send.send(old(t=1.0, seq=1))
        with anyio.fail_after(HANG_GUARD), pytest.raises(ZmqTypeMismatch) as first:
            await recv.receive()
        for _ in range(3):
            with pytest.raises(ZmqTypeMismatch) as again:
                await recv.receive()
            assert str(again.value) == str(first.value)
            with pytest.raises(ZmqTypeMismatch):
                recv.receive_nowait()
        await send_until_refused(send, old(t=2.0, seq=2))
        with pytest.raises(ZmqTypeMismatch):
            await send.send(old(t=3.0, seq=3))
        with pytest.raises(ZmqTypeMismatch):
            send.send_nowait(old(t=3.0, seq=3))
    finally:
        with anyio.fail_after(HANG_GUARD):  # closing a refused end is quick and quiet
            await send.aclose()
            await recv.aclose()


async def test_a_binding_sender_says_hello_once_a_receiver_connects(
    versions: dict[str, Any],
) -> None:
    old, new = versions["v1"].Obs, versions["v2"].Obs
    send = open_zmq_send("tcp://127.0.0.1:*", bind=True, serde=MsgpackSerde(old))
    recv = open_zmq_receive(send.address, bind=False, serde=MsgpackSerde(new))
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(send.send, old(t=1.0, seq=1))
            with anyio.fail_after(HANG_GUARD), pytest.raises(ZmqTypeMismatch):
                await recv.receive()
    finally:
        await send.aclose()
        await recv.aclose()


class Handwritten(msgspec.Struct, frozen=True):
    t: float
    seq: int


async def test_hand_written_types_are_checked_and_untyped_ends_are_not(
    versions: dict[str, Any],
) -> None:
    generated = versions["v2"].Obs
    send, recv = pair(Handwritten, generated)  # a typed serde: checked
    try:
        await send.send(Handwritten(t=1.0, seq=1))
        with anyio.fail_after(HANG_GUARD), pytest.raises(ZmqTypeMismatch, match=r"field 'seq'"):
            await recv.receive()
    finally:
        await send.aclose()
        await recv.aclose()
    # The same structure as the generated v1 type: the same hash, so it connects.
    assert type_hash(Handwritten) == versions["v1"].Obs.__chrono_type_hash__
    for sender, receiver in ((Handwritten, Any), (Any, Handwritten)):
        send, recv = pair(sender, receiver)
        try:
            with anyio.fail_after(HANG_GUARD):
                await send.send({"t": 1.0, "seq": 1} if sender is Any else Handwritten(1.0, 1))
                got = await recv.receive()
            assert got in ({"t": 1.0, "seq": 1}, Handwritten(1.0, 1))
        finally:
            await send.aclose()
            await recv.aclose()


async def test_a_peer_without_a_hello_is_not_checked_and_a_bad_hello_is_named() -> None:
    """Senders older than the handshake (or raw sockets) send no hello: data decodes as before."""
    recv = open_zmq_receive("tcp://127.0.0.1:*", serde=MsgpackSerde(Handwritten))
    raw: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.PAIR)
    raw.connect(recv.address)
    try:
        raw.send(msgspec.msgpack.encode(Handwritten(1.0, 1)))
        raw.send(b"\xc1\x04\x93\x01")  # a truncated hello
        raw.send(msgspec.msgpack.encode(Handwritten(2.0, 2)))
        with anyio.fail_after(HANG_GUARD):
            assert await recv.receive() == Handwritten(1.0, 1)
            with pytest.raises(ZmqFrameError, match=r"malformed hello frame \(4 bytes\): "):
                await recv.receive()
            assert await recv.receive() == Handwritten(2.0, 2)
    finally:
        raw.close(linger=0)
        await recv.aclose()


async def test_a_hello_too_large_for_max_message_bytes_leaves_its_shape_out(
    versions: dict[str, Any],
) -> None:
    """The receiver's MAXMSGSIZE would drop a larger frame (and the connection with it)."""
    old, new = versions["v1"].Obs, versions["v2"].Obs
    send, recv = pair(old, new, max_message_bytes=110)
    try:
        await send.send(old(t=1.0, seq=1))
        with (
            anyio.fail_after(HANG_GUARD),
            pytest.raises(ZmqTypeMismatch, match=r"; the peer sent no shape to compare\. "),
        ):
            await recv.receive()
        refused = await send_until_refused(send, old(t=2.0, seq=2))
        assert "field 'seq' changed type from int to str" in str(refused)
    finally:
        await send.aclose()
        await recv.aclose()


class PingV2(msgspec.Struct, frozen=True, kw_only=True):
    """The peer script's ``Ping`` (``seq: int, value: float``) with ``value`` retyped."""

    seq: int
    value: str


async def test_a_peer_process_of_another_version_is_refused_and_fails() -> None:
    """RELIABILITY 79 across processes: the peer's supervised sender fails by name too."""
    inbox = open_zmq_receive("tcp://127.0.0.1:*", maxsize=8, serde=MsgpackSerde(PingV2))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        with anyio.fail_after(HANG_GUARD * 3):
            async with await anyio.open_process(
                [sys.executable, str(PEER), "source", inbox.address], env=env
            ) as peer:
                try:
                    with pytest.raises(ZmqTypeMismatch, match=r"field 'value' changed type"):
                        await inbox.receive()
                    assert await peer.wait() == 1  # its daemon failed: the supervisor shut down
                    assert peer.stderr is not None
                    chunks = [chunk async for chunk in peer.stderr]
                    stderr = b"".join(chunks).decode()
                    assert "ZmqTypeMismatch" in stderr
                    assert "the receiver refused this sender" in stderr
                finally:
                    if peer.returncode is None:
                        peer.kill()
    finally:
        await inbox.aclose()


async def test_a_named_edge_is_refused_by_its_name_on_both_ends(versions: dict[str, Any]) -> None:
    old, new = versions["v1"].Obs, versions["v2"].Obs
    recv = open_zmq_receive("tcp://127.0.0.1:*", serde=MsgpackSerde(new), name="obs->planner")
    send = open_zmq_send(recv.address, serde=MsgpackSerde(old), name="obs->planner")
    prefix = f"ZMQ channel 'obs->planner' at {recv.address!r}: "
    try:
        await send.send(old(t=1.0, seq=1))
        with anyio.fail_after(HANG_GUARD), pytest.raises(ZmqTypeMismatch) as info:
            await recv.receive()
        assert str(info.value).startswith(prefix + "refused the sender")
        assert (info.value.name, info.value.address) == ("obs->planner", recv.address)
        refused = await send_until_refused(send, old(t=2.0, seq=2))
        assert str(refused).startswith(prefix + "the receiver refused this sender")
        assert repr(send) == f"<ZmqSendStream 'obs->planner' at {recv.address!r} open>"
    finally:
        await send.aclose()
        await recv.aclose()
