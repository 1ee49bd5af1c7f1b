"""The structured-concurrency host of daemons (SPEC §2.6)."""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, get_args

import anyio

from ._errors import DaemonError, OnError
from ._failure import describe_failure, is_cancellation, single_headline
from ._health import DaemonFailurePhase as DaemonFailurePhase
from ._health import DaemonHealth as DaemonHealth
from ._health import DaemonState as DaemonState
from ._health import _FinishedDaemons, _Record
from ._logging import ClockAwareLoggerAdapter
from ._order import TaskTag, current_tag
from ._restart import RestartPolicy as RestartPolicy
from ._stopping import StopWaits
from ._wallwait import wall_wait_allowed
from .clock import Clock, WallClock
from .context import Context
from .daemon import Daemon, DaemonFactory, _FunctionDaemon

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from contextlib import AbstractContextManager
    from types import TracebackType

    from anyio.abc import TaskGroup

__all__ = (
    "DaemonFailurePhase",
    "DaemonHealth",
    "DaemonState",
    "RestartPolicy",
    "Supervisor",
)

_DEFAULT_FINALIZE_TIMEOUT = 2.0

# The record of the daemon the current task belongs to, so stop() called from inside a daemon
# does not wait for its own caller.
_current_record: ContextVar[_Record | None] = ContextVar("chrono_daemon_record", default=None)


class _StopScope:
    """``Supervisor.cancel_on_stop()``: a registered ``anyio.CancelScope``."""

    __slots__ = ("_scope", "_supervisor")

    def __init__(self, supervisor: Supervisor) -> None:
        self._supervisor = supervisor
        self._scope = anyio.CancelScope()

    def __enter__(self) -> anyio.CancelScope:
        scope = self._scope.__enter__()
        if self._supervisor._stop_requested:
            scope.cancel()
        else:
            self._supervisor._stop_scopes.add(scope)
        return scope

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        self._supervisor._stop_scopes.discard(self._scope)
        return self._scope.__exit__(exc_type, exc, tb)


class Supervisor:
    """Hosts daemons in one task group, applies the error policy, and stops them.

    Use as ``async with Supervisor(clock=...) as sup:``. Leaving the block waits for the
    daemons; call ``await sup.stop()`` (or ``sup.signal_stop()``) to end them.

    Args:
        clock: the clock handed to every daemon (default ``WallClock()``).
        on_error: what an exception escaping a daemon does: ``"shutdown"`` (log one line
            naming the daemon, the phase and the time, wrap the exception in ``DaemonError``,
            cancel the siblings, raise it out of the block in an ``ExceptionGroup``),
            ``"restart"`` (back off per ``restart`` and run the daemon again) or ``"ignore"``
            (log it; the daemon ends as ``"stopped"`` with ``last_error`` set, the siblings keep
            running).
        restart: the backoff for ``"restart"`` (default ``RestartPolicy()``).
        logger: the base logger (default ``logging.getLogger("chrono_daemon")``); a daemon
            named ``X`` logs through its child ``<logger>.X``.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        on_error: OnError = "shutdown",
        restart: RestartPolicy | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        if on_error not in get_args(OnError):
            raise ValueError(f"on_error must be one of {get_args(OnError)}, got {on_error!r}")
        self.clock: Clock = clock if clock is not None else WallClock()
        self.on_error: OnError = on_error
        self.restart = restart if restart is not None else RestartPolicy()
        self.logger = logger if logger is not None else logging.getLogger("chrono_daemon")
        self._records: dict[str, _Record] = {}  # every daemon that has not finished
        self._finished = _FinishedDaemons()
        self._seq = itertools.count()  # add order: snapshot order and the default tie order
        self._order_prefix: tuple[int, ...] = ()  # a nested supervisor's place (ADR 0017)
        self._next_suffix: dict[str, int] = {}  # spawn(): the next "-n" to try, per base name
        self._task_group: TaskGroup | None = None
        self._stop_event: anyio.Event | None = None
        self._stop_requested = False
        self._stop_scopes: set[anyio.CancelScope] = set()
        self._stop_waits = StopWaits(self._records)
        self._entered = False
        self._entered_at = 0.0
        self._exited = False
        self._finalize_timeout = _DEFAULT_FINALIZE_TIMEOUT

    # -- hosting -----------------------------------------------------------------------------

    def add(self, daemon: Daemon, *, name: str | None = None, order: int | None = None) -> None:
        """Host ``daemon``: started at once inside the block, or on entry if added before.

        ``order`` is the daemon's place when SimClock deadlines tie (ADR 0017): sleepers due
        at one instant wake by ascending order, then registration. It defaults to the number
        of daemons hosted before this one, so ties follow the order of ``add``/``spawn``
        calls. A graph split over several processes passes each daemon's index in the whole
        graph, so every process breaks ties the way the one-process graph does.

        Raises:
            TypeError: ``daemon`` is not a ``Daemon`` (or is an uncalled ``@daemon`` factory),
                or ``order`` is not an int.
            ValueError: duplicate daemon name: the name is taken by a daemon that has not
                finished (the name of a finished daemon is reused, and its health replaced).
            RuntimeError: the supervisor has already exited.
        """
        if isinstance(daemon, DaemonFactory):
            raise TypeError(
                f"{daemon!r} is a @daemon factory, not a daemon: call it with its arguments "
                f"first, e.g. sup.add({daemon.name}(...))"
            )
        if not isinstance(daemon, Daemon):
            raise TypeError(
                f"Supervisor.add() expected a Daemon instance, got {type(daemon).__name__}: "
                "pass an instance of a Daemon subclass, or call a @daemon factory, "
                "or use sup.spawn(async_fn, ...)"
            )
        if order is not None and (not isinstance(order, int) or isinstance(order, bool)):
            raise TypeError(f"order must be an int, got {type(order).__name__}")
        chosen = name or daemon.name or type(daemon).__name__
        self._host(chosen, daemon, chosen, order)

    def spawn(
        self,
        fn: Callable[..., Awaitable[None]] | DaemonFactory[Any],
        *args: Any,
        name: str | None = None,
        **kwargs: Any,
    ) -> str:
        """Host an ad-hoc ``async def fn(ctx, *args, **kwargs)``; returns the name it got.

        Without ``name``, the function's name is used, suffixed ``-2``, ``-3``... when taken;
        suffixes only grow, so a name is never handed out twice, and every daemon spawned
        from one function logs through one logger, ``<logger>.<function name>``. A ``@daemon``
        factory is accepted too (its function is hosted, under its name).
        """
        if isinstance(fn, DaemonFactory):
            base = fn.name
            fn = fn.fn
        else:
            base = getattr(fn, "__name__", "daemon")
        if name is None:
            chosen, logger_name = self._free_name(base), base
        else:
            chosen = logger_name = name
        self._host(chosen, _FunctionDaemon(fn, args, kwargs, chosen), logger_name)
        return chosen

    def _free_name(self, base: str) -> str:
        """``base`` or ``base-n`` for the next n not taken: O(1) apart from explicit clashes."""
        n = self._next_suffix.get(base, 1)
        chosen = base if n == 1 else f"{base}-{n}"
        while chosen in self._records or chosen in self._finished:
            n += 1
            chosen = f"{base}-{n}"
        self._next_suffix[base] = n + 1
        return chosen

    def _host(self, name: str, daemon: Daemon, logger_name: str, order: int | None = None) -> None:
        if self._exited:
            raise RuntimeError("cannot add a daemon to a Supervisor that has exited")
        if name in self._records:
            raise ValueError(
                f"duplicate daemon name {name!r}: a daemon of that name is still hosted by this "
                "supervisor; pass a unique name=... (a finished daemon's name may be reused)"
            )
        self._finished.discard(name)
        seq = next(self._seq)
        record = _Record(name, daemon, seq, logger_name, seq if order is None else order)
        self._records[name] = record
        if self._task_group is not None:
            self._start(record)

    def _start(self, record: _Record) -> None:
        assert self._task_group is not None
        record.cancel_scope = anyio.CancelScope()
        record.started = anyio.Event()
        self._task_group.start_soon(self._supervise, record, name=f"daemon:{record.name}")

    def _release(self, record: _Record) -> None:
        """Forget a finished daemon but its health (bounded, see ``_FinishedDaemons``)."""
        if self._records.get(record.name) is record:
            del self._records[record.name]
        self._finished.add(record.seq, record.health(self.clock.now()))
        self._stop_waits.finished(record)

    # -- the async context -------------------------------------------------------------------

    async def __aenter__(self) -> Supervisor:
        if self._entered:
            raise RuntimeError("a Supervisor can be entered only once")
        self._entered = True
        self._entered_at = time.monotonic()
        self._order_prefix = current_tag.get().order  # a nested supervisor's daemons sort within
        self._stop_event = anyio.Event()
        self._stop_waits.arm()
        if self._stop_requested:
            self._stop_event.set()
        task_group = anyio.create_task_group()
        await task_group.__aenter__()
        self._task_group = task_group
        for record in list(self._records.values()):
            self._start(record)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._task_group is not None
        try:
            return await self._task_group.__aexit__(exc_type, exc, tb)
        except ExceptionGroup as group:
            failures = [e for e in group.exceptions if isinstance(e, DaemonError)]
            if len(failures) != len(group.exceptions):
                raise
            # Same type and contents (SPEC §2.6), but headed by what failed instead of "unhandled
            # errors in a TaskGroup" and without anyio's frames: the daemon's own traceback is
            # printed once, under its DaemonError.
            raise ExceptionGroup(single_headline(failures), failures) from None
        finally:
            self._exited = True
            self._task_group = None

    # -- one daemon's life -------------------------------------------------------------------

    async def _supervise(self, record: _Record) -> None:
        assert record.started is not None
        assert record.cancel_scope is not None
        _current_record.set(record)
        order = (*self._order_prefix, record.order)
        current_tag.set(TaskTag(order, record.name, self.clock))  # inherited by child tasks
        try:
            with record.cancel_scope:
                await self._lifecycles(record)
        finally:
            if record.state in ("starting", "running", "restarting"):
                record.state = "stopped"
            if record.ended_at is None:
                record.ended_at = self.clock.now()
            record.started.set()
            self._release(record)

    async def _lifecycles(self, record: _Record) -> None:
        """Run on_start/run/on_stop, again after each failure while the policy says restart."""
        while True:
            failure = await self._lifecycle(record)
            if failure is None:
                record.state = "stopped"
                return
            error, phase = failure
            record.last_error, record.last_error_phase = error, phase
            if phase != "on_stop" and self._restarts(record):
                record.restart_count += 1
                record.state = "restarting"
                delay = self.restart.delay(record.restart_count)
                self._log(record).warning(
                    "daemon %r failed in %s (%r); restart %d in %gs",
                    record.name, phase, error, record.restart_count, delay,
                )  # fmt: skip
                await self.clock.sleep(delay)
                continue
            record.ended_at = self.clock.now()
            if self.on_error == "ignore":
                record.state = "stopped"
                self._log(record).error(
                    "daemon %r failed in %s; ignored", record.name, phase, exc_info=error
                )
                return
            record.state = "failed"
            self._log(record).error(
                "%s; the supervisor stops (on_error=%r)",
                describe_failure(record.name, error, phase, self.clock, self._entered_at),
                self.on_error,
            )
            raise DaemonError(record.name, error, phase)

    def _restarts(self, record: _Record) -> bool:
        """Whether a failure of ``record`` now (outside on_stop) is followed by a restart."""
        retries = self.restart.max_retries
        may_retry = retries is None or record.restart_count < retries
        return self.on_error == "restart" and may_retry

    async def _lifecycle(self, record: _Record) -> tuple[Exception, DaemonFailurePhase] | None:
        """One on_start/run/on_stop pass; returns the failure, if any. Cancellation propagates.

        ``on_start`` and ``run`` run inside the daemon's own ``ctx.cancel_scope`` (a fresh one
        per attempt): a daemon that cancels it ends its run, and ``on_stop`` still runs,
        outside that scope.
        """
        assert record.started is not None
        daemon = record.daemon
        ctx = self._context(record, anyio.CancelScope())
        record.state = "starting" if record.restart_count == 0 else "restarting"
        failure: tuple[Exception, DaemonFailurePhase] | None = None
        running = False
        try:
            with ctx.cancel_scope:
                await daemon.on_start(ctx)
                running = True
                record.state = "running"
                record.started_at = self.clock.now()
                record.ended_at = None
                record.started.set()
                await daemon.run(ctx)
        except Exception as exc:
            failure = exc, "run" if running else "on_start"
        except BaseException as exc:
            self._crashed(record, exc, "run" if running else "on_start")
            if running:
                await self._finalize(record, ctx, shielded=True)
            raise
        if not running:  # on_start failed, or the daemon cancelled itself inside it
            record.started.set()
            return failure
        record.ended_at = self.clock.now()
        if failure is not None and self._restarts(record):
            ctx = dataclasses.replace(ctx, will_restart=True)
        stop_failure = await self._finalize(record, ctx, shielded=False)
        if stop_failure is not None and failure is not None:
            self._log(record).error(
                "on_stop of daemon %r failed too", record.name, exc_info=stop_failure
            )
        return failure or (None if stop_failure is None else (stop_failure, "on_stop"))

    def _crashed(self, record: _Record, exc: BaseException, phase: DaemonFailurePhase) -> None:
        """Record a ``BaseException`` (not a cancellation) that leaves the daemon: it propagates."""
        if not is_cancellation(exc) and record.state != "failed":
            record.last_error, record.last_error_phase = exc, phase
            record.state = "failed"

    async def _finalize(self, record: _Record, ctx: Context, *, shielded: bool) -> Exception | None:
        """Run on_stop; when cancelling, shielded and bounded by ``finalize_timeout``."""
        try:
            if not shielded:
                await record.daemon.on_stop(ctx)
                return None
            with wall_wait_allowed(), anyio.CancelScope(shield=True) as scope:
                scope.deadline = anyio.current_time() + self._finalize_timeout
                await record.daemon.on_stop(ctx)
            if scope.cancelled_caught:
                self._log(record).error(
                    "on_stop of daemon %r exceeded finalize_timeout=%gs",
                    record.name, self._finalize_timeout,
                )  # fmt: skip
        except Exception as exc:
            if shielded:  # the daemon is being cancelled or crashed: report, never retry
                if record.state != "failed":
                    record.last_error, record.last_error_phase = exc, "on_stop"
                self._log(record).error("on_stop of daemon %r failed", record.name, exc_info=exc)
            return exc
        except BaseException as exc:
            self._crashed(record, exc, "on_stop")
            raise
        return None

    def _context(self, record: _Record, cancel_scope: anyio.CancelScope) -> Context:
        assert self._stop_event is not None
        return Context(
            clock=self.clock,
            cancel_scope=cancel_scope,
            logger=self._log(record),
            name=record.name,
            supervisor=self,
            stop_event=self._stop_event,
        )

    def _log(self, record: _Record) -> ClockAwareLoggerAdapter:
        logger = self.logger.getChild(record.logger_name)
        return ClockAwareLoggerAdapter(logger, self.clock, {"daemon": record.name})

    # -- stopping ----------------------------------------------------------------------------

    def signal_stop(self) -> None:
        """Set the shared stop event (sync, idempotent, safe before entry and from a daemon)."""
        self._stop_requested = True
        if self._stop_event is not None:
            self._stop_event.set()
        scopes, self._stop_scopes = self._stop_scopes, set()
        for scope in scopes:
            scope.cancel()

    def cancel_on_stop(self) -> AbstractContextManager[anyio.CancelScope]:
        """A cancel scope that is cancelled as soon as this supervisor is asked to stop.

        ``with sup.cancel_on_stop(): await something()`` ends the wait at the stop signal (and
        at once if the stop was already signalled); the scope absorbs its own cancellation, so
        check ``scope.cancel_called`` or ``ctx.stopping`` afterwards. Cheaper than racing the
        wait against ``stop_event.wait()`` in a task group.
        """
        return _StopScope(self)

    async def stop(self, grace: float = 5.0, finalize_timeout: float = 2.0) -> None:
        """Signal stop, wait up to ``grace`` seconds, then cancel the daemons still running.

        ``grace`` and ``finalize_timeout`` are wall-clock seconds. Under a ``SimClock`` the
        grace also ends as soon as the daemons can only be waiting on virtual time that nobody
        advances (the loop is idle, no advance is running and a sleeper is pending on the
        clock): they are cancelled at once. The daemons cancelled rather than returning by
        themselves are logged by name. Idempotent; returns once every daemon has ended, or
        once cancelled daemons overran ``finalize_timeout`` (they are logged by name too).

        Called from inside a daemon, it waits for every daemon except the ones that are
        themselves inside ``stop()`` (so any number of daemons may call it at once), and the
        calling daemon is cancelled at its next checkpoint after ``stop`` returns.
        """
        if grace < 0 or finalize_timeout < 0:
            raise ValueError("grace and finalize_timeout must be >= 0")
        self._finalize_timeout = finalize_timeout
        self.signal_stop()
        if self._task_group is None:
            return
        caller = _current_record.get()
        if caller is not None and self._records.get(caller.name) is not caller:
            caller = None  # a daemon of another supervisor: an outside caller here
        waits = self._stop_waits
        if caller is not None:
            waits.enter(caller)
        reason = await waits.grace_period(grace, caller, self.clock, self._task_group)
        if reason is not None:
            waits.cancel_the_rest(reason, grace, self.clock, self.logger)
        with wall_wait_allowed(), anyio.move_on_after(finalize_timeout):
            await waits.settled(caller)
            if caller is not None:
                assert caller.cancel_scope is not None
                caller.cancel_scope.cancel()  # a daemon that stops everything stops itself too
            return
        # Python cannot kill a task: a daemon that swallows cancellation keeps running, and
        # leaving the `async with` block waits for it. Name it so the bug is findable.
        self.logger.error(
            "daemons still running %gs after cancellation (do they swallow it?): %s",
            finalize_timeout, ", ".join(waits.stuck()),
        )  # fmt: skip

    async def wait_all_started(self) -> None:
        """Return once every daemon known now has finished (or failed) ``on_start``.

        Before entry (daemons added are only pending: they have no task yet) and after exit it
        returns at once.
        """
        for record in list(self._records.values()):
            if record.started is not None:
                await record.started.wait()

    # -- diagnostics -------------------------------------------------------------------------

    def snapshot(self) -> dict[str, DaemonHealth]:
        """Health of the daemons, by name, in add order; before entry, while running, after exit.

        Works in plain synchronous code too. Lists every daemon that has not finished, plus the
        last 1,000 that finished cleanly and the last 1,000 that finished with an error (older
        finished daemons are forgotten, so a host that spawns per request stays bounded).
        """
        now = self.clock.now()
        entries = [(r.seq, r.health(now)) for r in self._records.values()]
        entries.extend(self._finished)
        entries.sort(key=lambda entry: entry[0])
        return {health.name: health for _, health in entries}
