"""``Coordinator``: the driver of lockstep virtual time across processes (ADR 0026).

Conservative synchronisation with a central coordinator, barrier style. It keeps the last
``Report`` of every follower and only acts when the whole system is settled: every follower
it commanded has answered (each answer is taken with that follower's event loop idle), so
nothing runs anywhere and every frame in flight is accounted for by the counts. Then, in
this order:

1. **Release round**: a frame sent but not yet let in, or credit owed to a producer that
   waits for it, is delivered (``Release``) to every process concerned at once; repeat.
   Their effects are held in turn, so a chain of hops across processes completes at its
   instant, one round per hop, deterministically.
2. **Stop**: at ``until`` (every sleeper due by then has woken) or when a process asked
   (a signal), every process is told to stop at that instant; lockstep goes on while they do.
3. **Grant**: the process whose earliest sleeper comes first in the global order (deadline,
   daemon key, process index) may wake its sleepers, in order, up to the next process's
   earliest one; it stops early after a wake-up whose effects crossed. A wake-up whose
   effects stay inside its process costs no global round.

Faults: a follower that does not answer within ``watchdog`` wall seconds, whose control
channel ends or is lost before its final report, or that sends a malformed or unexpected
frame, stops the run with a ``LockstepError`` naming it. So does a deadlock (nobody sleeps,
nothing in flight, no ``until``, processes still running).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio

from .errors import LockstepError
from .protocol import Command, Grant, Release, Report, Stop, Wake

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from chrono_daemon.launch.control import ControlLink

__all__ = ("DEFAULT_SLICE", "DEFAULT_WATCHDOG", "Coordinator", "LockstepStats", "Route")

DEFAULT_WATCHDOG = 60.0
"""Wall seconds a follower may take to answer one command (``--watchdog``)."""

DEFAULT_SLICE = 0.25
"""Wall seconds a grant may run before the follower reports anyway (keeps the watchdog
meaningful, and progress visible, through long stretches of process-local work)."""

_GONE = object()  # a follower's control channel ended


@dataclass(frozen=True)
class Route:
    """A wire between two processes: its label, producing process and receiving process."""

    wire: str
    producer: str
    consumer: str


@dataclass
class LockstepStats:
    """What a lockstep run did: global rounds by kind, final virtual time, wall seconds."""

    grants: int = 0
    releases: int = 0
    now: float = 0.0
    wall: float = 0.0

    @property
    def rounds(self) -> int:
        """Global synchronisation rounds (a grant, or a release round)."""
        return self.grants + self.releases


class Coordinator:
    """Drives ``processes`` (in the graph's process order) over their control ``links``.

    Args:
        processes: process names; the index of each is its last tie-break.
        routes: every wire between two processes.
        links: each process's control link (send commands, receive reports).
        until: virtual time at which every process is told to stop (None: run until every
            process has ended).
        grace: the ``Supervisor.stop`` grace passed on with the stop.
        watchdog: wall seconds a follower may take to answer.
        on_started: called once every follower sent its first report.
        on_progress: ``on_progress(now, until, sim_rate)`` about every 0.2 wall seconds.
    """

    def __init__(
        self,
        processes: Sequence[str],
        routes: Sequence[Route],
        links: Mapping[str, ControlLink],
        *,
        until: float | None = None,
        grace: float = 5.0,
        watchdog: float = DEFAULT_WATCHDOG,
        slice_s: float = DEFAULT_SLICE,
        on_started: Callable[[], None] | None = None,
        on_progress: Callable[[float, float | None, float], None] | None = None,
    ) -> None:
        if watchdog <= 0:
            raise ValueError(f"watchdog must be > 0 seconds, got {watchdog}")
        self.processes = list(processes)
        self.routes = list(routes)
        self.links = dict(links)
        self.until = until
        self.grace = grace
        self.watchdog = watchdog
        self.slice_s = slice_s
        self.on_started = on_started
        self.on_progress = on_progress
        self.stats = LockstepStats()
        self._index = {p: i for i, p in enumerate(self.processes)}
        self._reports: dict[str, Report] = {}
        self._pending: dict[str, int] = {}
        self._finished: set[str] = set()
        self._released = {r.wire: 0 for r in self.routes}
        self._credited = {r.wire: 0 for r in self.routes}
        self._closed_told: set[str] = set()
        self._seq = 0
        self._now = 0.0
        self._stop_requested = False
        self._stopped = False
        # Reports are taken by each process's reader task as they arrive; the loop waits for
        # the ones it expects on ``_answered`` (one wall-clock deadline per command).
        self._waiting: set[str] = set()
        self._any_one = False
        self._answered = anyio.Event()
        self._failure: LockstepError | None = None

    def request_stop(self) -> None:
        """Stop every process at the current instant, as soon as the system is settled."""
        self._stop_requested = True

    async def run(self) -> LockstepStats:
        """Drive the processes until every one has sent its final report.

        Raises:
            LockstepError: a follower failed (see the module docstring) or a deadlock.
        """
        started = time.monotonic()
        failure: LockstepError | None = None
        async with anyio.create_task_group() as tg:
            for process in self.processes:
                tg.start_soon(self._read, process)
            try:
                await self._lockstep(started)
            except LockstepError as exc:
                failure = exc  # raised below, not wrapped in the task group's ExceptionGroup
            finally:
                tg.cancel_scope.cancel()
        if failure is not None:
            raise failure
        self.stats.now = self._now
        self.stats.wall = time.monotonic() - started
        return self.stats

    # -- the loop ------------------------------------------------------------------------------

    def _alive(self) -> list[str]:
        return [p for p in self.processes if p not in self._finished]

    async def _lockstep(self, started: float) -> None:
        self._pending = dict.fromkeys(self.processes, 0)
        self._expect(set(self.processes))
        await self._answers()
        if self.on_started is not None:
            self.on_started()
        shown = time.monotonic()
        while self._alive():
            if await self._release_round():
                continue
            heads = sorted(
                (
                    Wake(deadline=r.head, key=r.head_key, index=self._index[p])
                    for p in self._alive()
                    if (r := self._reports[p]).head is not None
                ),
                key=Wake.sort_key,
            )
            until = None if self._stopped else self.until
            if not self._stopped and (
                self._stop_requested
                or (until is not None and (not heads or heads[0].deadline > until))
            ):
                if until is not None and not self._stop_requested:
                    self._now = max(self._now, until)
                await self._stop()
                continue
            if not heads:
                if not self._stopped:
                    raise LockstepError(
                        f"lockstep deadlock at t={self._now:g}: no process sleeps and no message "
                        f"is in flight, but {', '.join(map(repr, self._alive()))} still run "
                        "(every daemon waits for another); pass --until to stop at a time"
                    )
                self._expect(set(self._alive()), any_one=True)
                await self._answers(extra=self.grace)
                continue
            first = heads[0]
            bound = heads[1] if len(heads) > 1 else Wake(deadline=math.inf, key=None, index=0)
            if until is not None:
                cap = Wake(deadline=until, key=None, index=len(self.processes))
                bound = min(bound, cap, key=Wake.sort_key)
            process = self.processes[first.index]
            self.stats.grants += 1
            grant = Grant(
                seq=self._next_seq(),
                bound=bound,
                credits=self._credits(process),
                urgent=self._urgent(process),
                closed=self._closed(process),
                slice_s=self.slice_s,
            )
            await self._command({process: grant})
            self._now = max(self._now, self._reports[process].now)
            if self.on_progress is not None and time.monotonic() - shown > 0.2:
                shown = time.monotonic()
                elapsed = shown - started
                self.on_progress(self._now, self.until, self._now / elapsed if elapsed else 0.0)

    async def _release_round(self) -> bool:
        """Deliver every frame sent and not let in, and credit owed to a waiting producer."""
        upto: dict[str, list[tuple[str, int]]] = {}
        owed: set[str] = set()
        for route in self.routes:
            producer = self._reports[route.producer]
            consumer = self._reports[route.consumer]
            sent = producer.sent.get(route.wire, 0)
            if route.consumer not in self._finished and sent > self._released[route.wire]:
                upto.setdefault(route.consumer, []).append((route.wire, sent))
            if route.producer not in self._finished and route.wire in producer.blocked:
                taken = consumer.taken.get(route.wire, 0)
                closed = route.wire in consumer.closed and route.wire not in self._closed_told
                if taken > self._credited[route.wire] or closed:
                    owed.add(route.producer)
        targets = [p for p in self.processes if p in upto or p in owed]
        if not targets:
            return False
        self.stats.releases += 1
        commands: dict[str, Command] = {}
        for process in targets:
            for wire, n in upto.get(process, []):
                self._released[wire] = n
            commands[process] = Release(
                seq=self._next_seq(),
                now=self._now,
                upto=upto.get(process, []),
                credits=self._credits(process),
                closed=self._closed(process),
            )
        await self._command(commands)
        return True

    async def _stop(self) -> None:
        self._stopped = True
        commands: dict[str, Command] = {
            p: Stop(seq=self._next_seq(), now=self._now, grace=self.grace) for p in self._alive()
        }
        await self._command(commands)

    # -- what a command tells a producer -------------------------------------------------------

    def _credits(self, process: str) -> dict[str, int]:
        credits: dict[str, int] = {}
        for route in self.routes:
            if route.producer == process:
                taken = self._reports[route.consumer].taken.get(route.wire, 0)
                credits[route.wire] = self._credited[route.wire] = taken
        return credits

    def _closed(self, process: str) -> list[str]:
        closed = [
            r.wire
            for r in self.routes
            if r.producer == process and r.wire in self._reports[r.consumer].closed
        ]
        self._closed_told.update(closed)
        return closed

    def _urgent(self, process: str) -> list[str]:
        return [
            r.wire
            for r in self.routes
            if r.consumer == process
            and r.producer not in self._finished
            and r.wire in self._reports[r.producer].blocked
        ]

    # -- talking to followers ------------------------------------------------------------------

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    async def _command(self, commands: Mapping[str, Command]) -> None:
        for process, command in commands.items():
            self._pending[process] = command.seq
        self._expect(set(commands))  # before sending: an answer may come before the last send
        for process, command in commands.items():
            try:
                await self.links[process].send.send(command)
            except Exception as exc:
                raise LockstepError(
                    f"process {process!r}: cannot send it a lockstep command ({exc})", process
                ) from None
        await self._answers()

    def _expect(self, waiting: set[str], *, any_one: bool = False) -> None:
        """Wait (in ``_answers``) until each of ``waiting`` answered or ended, or any one did."""
        self._waiting = waiting - self._finished
        self._any_one = any_one
        self._answered = anyio.Event()
        if not self._waiting:
            self._answered.set()

    async def _answers(self, *, extra: float = 0.0) -> None:
        """Wait for what ``_expect`` asked, ``watchdog + extra`` wall seconds at most.

        Raises:
            LockstepError: a follower failed, or one of those waited for did not answer.
        """
        if self._failure is None and not self._answered.is_set():
            with anyio.move_on_after(self.watchdog + extra):
                await self._answered.wait()
        if self._failure is not None:
            raise self._failure
        if not self._answered.is_set():
            silent = min(self._waiting, key=self._index.__getitem__)
            raise LockstepError(
                f"process {silent!r} did not answer the lockstep coordinator within "
                f"{self.watchdog + extra:g} s (it hangs, or one step of it takes longer: "
                "raise --watchdog)",
                silent,
            )

    def _deliver(self, process: str, message: object) -> None:
        """Take ``message`` from ``process`` (its reader task), and wake the loop once every
        follower it waits for has answered (or the first failure)."""
        if self._failure is not None:
            return
        try:
            answered = self._take(process, message)
        except LockstepError as exc:
            self._failure = exc
            self._answered.set()
            return
        if answered and process in self._waiting:
            self._waiting.discard(process)
            if self._any_one or not self._waiting:
                self._answered.set()

    def _take(self, process: str, message: object) -> bool:
        """Record ``message`` from ``process``; True when it answers the pending command."""
        if message is _GONE:
            if process in self._finished:
                return False
            raise LockstepError(
                f"process {process!r} left lockstep without a final report (it died, or "
                "closed its control channel)",
                process,
            )
        if isinstance(message, BaseException):
            raise LockstepError(
                f"process {process!r} sent a malformed lockstep control frame: {message}", process
            )
        if not isinstance(message, Report) or message.process != process:
            what = type(message).__name__
            if isinstance(message, Report):
                what = f"a report for process {message.process!r}"
            raise LockstepError(
                f"process {process!r} sent an unexpected lockstep control message ({what})",
                process,
            )
        self._reports[process] = message
        self._stop_requested = self._stop_requested or message.stop
        if message.finished:
            self._finished.add(process)
            return True
        return message.seq == self._pending.get(process)

    async def _read(self, process: str) -> None:
        recv = self.links[process].recv
        while True:
            try:
                message = await recv.receive()
            except anyio.get_cancelled_exc_class():
                raise
            except Exception as exc:  # end of stream, lost peer, malformed frame
                from chrono_daemon import ChannelClosed, EndOfStream

                gone = isinstance(exc, EndOfStream | ChannelClosed) or _peer_lost(exc)
                self._deliver(process, _GONE if gone else exc)
                return
            self._deliver(process, message)


def _peer_lost(exc: Exception) -> bool:
    try:
        from chrono_daemon.transports.zmq import ZmqPeerLost
    except ImportError:  # pragma: no cover - zmq is there whenever a ZMQ link is
        return False
    return isinstance(exc, ZmqPeerLost)
