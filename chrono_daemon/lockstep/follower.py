"""``Follower``: one process's side of lockstep virtual time (ADR 0026).

It replaces the SimClock driver of ``chrono_daemon.run.execute``: instead of advancing its
clock, it waits for the coordinator's commands and answers each with a ``Report`` taken once
its event loop is idle.

- ``Grant``: wake the due sleepers one at a time, in heap order (deadline, key,
  registration), each followed by a local settle, while they come before the bound; stop
  right after a wake-up whose effects crossed to another process.
- ``Release``: move to the instant, apply credits, then let the held frames of each wire in,
  one wire after the other in the order given, settling before each and at the end.
- ``Stop``: move to the instant and ask the supervisor to stop; lockstep goes on.

Signals do not stop the daemons here: the follower asks the coordinator, which stops every
process at one instant.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

import anyio

from chrono_daemon import ChannelClosed, EndOfStream, SimClock, WouldBlock

from . import _clockops
from .errors import LockstepError
from .protocol import Grant, Release, Report, Stop

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

    from chrono_daemon import Supervisor
    from chrono_daemon.launch.control import ControlLink

    from .wires import LockstepEndpoints

__all__ = ("Follower",)


class Follower:
    """Follows the coordinator on ``link`` for process ``process`` (number ``index`` in the
    graph's process order), whose cross-process wires are ``endpoints``.

    Pass it to ``execute(..., driver=follower)``: ``clock`` (a new SimClock unless given; it
    must not have started) is the run's clock.
    """

    def __init__(
        self,
        process: str,
        index: int,
        endpoints: LockstepEndpoints,
        link: ControlLink,
        *,
        clock: SimClock | None = None,
    ) -> None:
        self.process = process
        self.index = index
        self.endpoints = endpoints
        self.link = link
        self.clock = SimClock() if clock is None else clock
        _clockops.hold(self.clock)
        self._idle = _clockops.Idle()
        self._sup: Supervisor | None = None
        self._seq = 0  # the last command answered
        self._send_lock: anyio.Lock | None = None
        self._tg: TaskGroup | None = None
        self._stop_asked = False
        self._finished = False

    # -- execute()'s driver protocol ----------------------------------------------------------

    async def drive(self, sup: Supervisor, grace: float) -> None:
        """Follow the coordinator until the run ends (``execute`` cancels it then).

        Raises:
            LockstepError: the coordinator went away, or sent something unexpected.
        """
        self._sup = sup
        self._send_lock = anyio.Lock()
        crossings = self.endpoints.crossings
        async with anyio.create_task_group() as tg:
            self._tg = tg
            for sender in self.endpoints.senders.values():
                tg.start_soon(sender.flush)
            await self._idle()
            await self._report(0)
            while True:
                try:
                    command = await self.link.recv.receive()
                except (EndOfStream, ChannelClosed):
                    raise LockstepError(
                        f"process {self.process!r}: the lockstep coordinator went away", None
                    ) from None
                if isinstance(command, Grant):
                    crossings.urgent = set(command.urgent)
                    self._credit(command.credits, command.closed)
                    await self._grant(command)
                elif isinstance(command, Release):
                    crossings.urgent = set()
                    _clockops.move_to(self.clock, command.now)
                    self._credit(command.credits, command.closed)
                    for wire, upto in command.upto:
                        # One wire at a time, settled in between: consumers woken together
                        # would run in the scheduler's order (shuffled on trio), and two
                        # wires feeding one merge would meet at random (ADR 0027).
                        await self._idle()
                        await self.endpoints.receivers[wire].release(upto)
                    await self._idle()
                elif isinstance(command, Stop):
                    _clockops.move_to(self.clock, command.now)
                    tg.start_soon(sup.stop, command.grace)
                    await self._idle()
                else:
                    raise LockstepError(
                        f"process {self.process!r}: unexpected control message "
                        f"{type(command).__name__} from the coordinator"
                    )
                await self._report(command.seq)

    def request_stop(self, signum: int) -> None:
        """A signal asked this process to stop: ask the coordinator to stop every process."""
        if self._stop_asked or self._tg is None:
            return
        self._stop_asked = True
        self._tg.start_soon(self._report, self._seq)

    async def finish(self) -> None:
        """After the supervisor exited and the parts closed: flush every queued frame (ends of
        streams included) and send the final report."""
        with anyio.move_on_after(10):
            for sender in self.endpoints.senders.values():
                await sender.drain()
        self._finished = True
        if self._send_lock is None:
            self._send_lock = anyio.Lock()
        with contextlib.suppress(ChannelClosed, EndOfStream, OSError):
            await self._report(self._seq)  # (the coordinator may be gone already)

    # -- commands ------------------------------------------------------------------------------

    async def _grant(self, grant: Grant) -> None:
        crossings = self.endpoints.crossings
        bound = grant.bound.sort_key()
        started = time.monotonic()
        before = crossings.count
        await self._idle()  # credit may have woken a sender
        while crossings.count == before:
            if not _clockops.pop_before(self.clock, bound, self.index):
                return
            await self._idle()
            if time.monotonic() - started > grant.slice_s:
                return

    def _credit(self, credits: dict[str, int], closed: list[str]) -> None:
        for wire, sender in self.endpoints.senders.items():
            sender.credit(credits.get(wire, sender.taken), wire in closed)

    async def _report(self, seq: int) -> None:
        self._seq = seq
        first = _clockops.head(self.clock)
        ends = self.endpoints
        report = Report(
            seq=seq,
            process=self.process,
            now=self.clock.now(),
            head=None if first is None else first[0],
            head_key=None if first is None else first[1],
            sent={wire: s.frames for wire, s in ends.senders.items()},
            taken={wire: r.taken for wire, r in ends.receivers.items()},
            blocked=[wire for wire, s in ends.senders.items() if s.waiting],
            closed=[wire for wire, r in ends.receivers.items() if r.closed],
            finished=self._finished,
            stop=self._stop_asked,
        )
        lock = self._send_lock
        assert lock is not None
        if not lock.locked():  # no report is being sent: this one cannot overtake another
            try:
                self.link.send.send_nowait(report)  # the usual case: the channel has room
            except WouldBlock:
                pass
            else:
                return
        async with lock:
            await self.link.send.send(report)
