"""``context=``: a ``zmq.asyncio.Context`` (the original's default) or a ``zmq.Context`` (issue 9,
item 10), on asyncio and trio."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import anyio
import pytest
import zmq
import zmq.asyncio

from chrono_daemon import Channel
from chrono_daemon.transports.zmq import open_zmq_channel, open_zmq_receive, open_zmq_send

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

pytestmark = pytest.mark.anyio

HANG_GUARD = 10.0
_names = itertools.count()

CONTEXT_KINDS: dict[str, Callable[[], zmq.Context[Any]]] = {
    "asyncio-context": zmq.asyncio.Context,
    "plain-context": zmq.Context,
}


@pytest.fixture(params=list(CONTEXT_KINDS))
async def context(request: pytest.FixtureRequest) -> AsyncIterator[zmq.Context[Any]]:
    ctx = CONTEXT_KINDS[request.param]()
    try:
        yield ctx
    finally:
        ctx.term()  # every endpoint is closed by now: term() would hang on a leaked socket


async def round_trip(ch: Channel[Any], items: int) -> list[Any]:
    got: list[Any] = []

    async def produce() -> None:
        for i in range(items):
            await ch.send.send({"seq": i})
        await ch.send.aclose()

    try:
        with anyio.fail_after(HANG_GUARD):
            async with anyio.create_task_group() as tg:
                tg.start_soon(produce)
                async for item in ch.recv:
                    got.append(item)
    finally:  # on failure too: the context fixture's term() waits for every socket to close
        with anyio.move_on_after(HANG_GUARD, shield=True):
            await ch.send.aclose()
            await ch.recv.aclose()
    return got


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:*", "inproc://"])
async def test_a_channel_over_either_kind_of_context(
    context: zmq.Context[Any], address: str
) -> None:
    if address == "inproc://":
        address += f"test-zmq-context-{next(_names)}"
    ch = open_zmq_channel(address, maxsize=8, context=context)
    assert await round_trip(ch, 200) == [{"seq": i} for i in range(200)]


async def test_ends_opened_separately_on_one_asyncio_context_meet_over_inproc() -> None:
    """Both ends open plain sockets on that same libzmq context, so inproc:// connects."""
    actx = zmq.asyncio.Context()
    try:
        address = f"inproc://test-zmq-context-{next(_names)}"
        recv = open_zmq_receive(address, bind=True, context=actx)
        send = open_zmq_send(address, bind=False, context=actx)
        assert await round_trip(Channel(send=send, recv=recv), 10) == [
            {"seq": i} for i in range(10)
        ]
    finally:
        actx.term()


async def test_the_asyncio_context_instance_of_the_original_default() -> None:
    ch = open_zmq_channel("tcp://127.0.0.1:*", context=zmq.asyncio.Context.instance())
    assert await round_trip(ch, 5) == [{"seq": i} for i in range(5)]


@pytest.mark.parametrize("opener", [open_zmq_channel, open_zmq_receive, open_zmq_send])
@pytest.mark.parametrize("bad", ["tcp://127.0.0.1:5555", object(), 1])
def test_anything_else_is_a_type_error_saying_what_is_accepted(
    opener: Callable[..., Any], bad: object
) -> None:
    with pytest.raises(
        TypeError,
        match=r"^context= must be a zmq\.Context or a zmq\.asyncio\.Context \(or None for "
        rf"zmq\.Context\.instance\(\)\), got {type(bad).__name__}$",
    ):
        opener("tcp://127.0.0.1:*", context=bad)
