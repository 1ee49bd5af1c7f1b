"""The base shared by both ZeroMQ channel endpoints: socket, descriptor waiting, closing.

Its one job is the machinery common to ``ZmqSendStream`` and ``ZmqReceiveStream``: the
``_Endpoint`` base (the socket, the ``YIELD_EVERY`` checkpoint budget, waiting on the socket's
file descriptor through anyio, and interrupting a blocked waiter on close), ``_wait_either``
(waiting on two descriptors) and the per-message pyzmq aliases both hot paths use.
"""

from __future__ import annotations

import asyncio
import types
from typing import TYPE_CHECKING, cast

import anyio
import zmq

from . import _zmq_simtime as _simtime
from ._zmq_errors import channel_label

if TYPE_CHECKING:
    from ._zmq_config import ZmqConfig

__all__ = ("YIELD_EVERY", "_NOBLOCK", "_Again", "_Endpoint", "_wait_either")

# A checkpoint costs ~3 us on asyncio, several ZMQ sends, and each one breaks the producer's and
# consumer's batches into smaller ones (more empty-queue wake-ups in libzmq). Every 1024 calls
# that did not wait costs ~1 % (bench/zmq.py: 256 gave 0.72-0.77x raw, 1024 gave 0.82x), and a
# loop that never waits still lets other tasks run about every millisecond.
YIELD_EVERY = 1024

# Module-level aliases: the hot paths run once per message.
_NOBLOCK = zmq.NOBLOCK
_Again = zmq.Again


class _Endpoint:
    """Socket, file-descriptor waiting and close interruption shared by both endpoints.

    The hot paths test one number, ``_budget``: how many more calls may skip the periodic
    checkpoint (every ``YIELD_EVERY``-th call takes it). It is forced to 0 while anything is
    unusual (closed, peer done, a task blocked); at 0 a call takes the slow path, which looks at
    the individual flags. ``_refresh`` zeroes it whenever a flag changes.
    """

    def __init__(
        self, sock: zmq.Socket[bytes], address: str, config: ZmqConfig, name: str | None
    ) -> None:
        self._sock = sock
        # The backend's send skips the pure-Python wrapper (routing_id/group handling for
        # SERVER/RADIO sockets) that costs ~40 % of a small send; PAIR never needs it.
        self._send_frame = types.MethodType(zmq.backend.Socket.send, sock)
        self._fd = cast("int", sock.get(zmq.FD))
        self._address = address
        self._name = name
        self._label = channel_label(address, name)  # for messages
        self._config = config
        self._closed = False
        self._waiting = False  # a task is blocked in send()/receive()
        self._budget = YIELD_EVERY - 1
        self._saved_budget = YIELD_EVERY - 1
        self._yielded = False
        self._extra_fd: int | None = None  # also wake on this descriptor (socket monitor)
        self._wait_scope: anyio.CancelScope | None = None
        self._wait_done: anyio.Event | None = None

    @property
    def address(self) -> str:
        """The ZMQ address of this endpoint (a bound wildcard port is resolved)."""
        return self._address

    @property
    def name(self) -> str | None:
        """The name this endpoint was opened with (a wire's label), or ``None``."""
        return self._name

    @property
    def config(self) -> ZmqConfig:
        """The settings this endpoint was opened with."""
        return self._config

    def _refresh(self) -> None:
        if self._closed or self._waiting or self._peer_done():
            self._budget = 0

    def _peer_done(self) -> bool:
        raise NotImplementedError

    def _begin_wait(self) -> None:
        _simtime.check(self._address)  # a daemon under SimClock waits here: issue 11's warning
        self._saved_budget = self._budget
        self._yielded = False
        self._waiting = True
        self._budget = 0  # another task's call takes the slow path: ChannelInUse / WouldBlock

    def _end_wait(self) -> None:
        self._waiting = False
        # A wait that really yielded restarts the count; one that found the socket ready at
        # once did not, or a sender that always just misses the mark would never checkpoint.
        self._budget = YIELD_EVERY - 1 if self._yielded else self._saved_budget
        self._refresh()

    def _events(self) -> int:
        return cast("int", self._sock.get(zmq.EVENTS))

    async def _wait_fd(self) -> None:
        """Wait until libzmq signals a possible state change; the caller re-reads EVENTS."""
        self._yielded = True  # this wait yields to the event loop: no checkpoint owed
        scope = anyio.CancelScope()
        self._wait_scope = scope
        try:
            with scope:
                if self._extra_fd is None:
                    await anyio.wait_readable(self._fd)
                else:
                    await _wait_either(self._fd, self._extra_fd)
        finally:
            self._wait_scope = None
            if self._wait_done is not None:
                self._wait_done.set()

    async def _interrupt_waiter(self) -> None:
        """Wake a task blocked on the descriptor (we are closing) and wait until it let go."""
        scope = self._wait_scope
        if scope is None:
            return
        self._wait_done = done = anyio.Event()
        scope.cancel()
        with anyio.CancelScope(shield=True):
            await done.wait()
        self._wait_done = None

    def _close_socket(self) -> None:
        self._sock.close(linger=self._config.linger_ms)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<{type(self).__name__} {self._label} {state}>"


async def _wait_either(first: int, second: int) -> None:
    """Wait until either descriptor is readable.

    On an asyncio loop: one future woken by a reader on each descriptor. A task group of two
    ``wait_readable`` tasks costs several times more there (two task spawns, and anyio's
    ``CancelScope.cancel`` formats the task's repr), and a launcher's control channel (which
    watches its peer) waits here once per lockstep round (bench/lockstep.py).
    """
    loop = asyncio._get_running_loop()
    if loop is not None:
        woken: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not woken.done():
                woken.set_result(None)

        try:
            loop.add_reader(first, wake)
        except NotImplementedError:  # pragma: no cover - a loop without readers (Proactor)
            pass
        else:
            try:
                loop.add_reader(second, wake)
                await woken
            finally:
                loop.remove_reader(first)
                loop.remove_reader(second)
            return
    async with anyio.create_task_group() as tg:

        async def wait(fd: int) -> None:
            await anyio.wait_readable(fd)
            tg.cancel_scope.cancel()

        tg.start_soon(wait, first)
        tg.start_soon(wait, second)
