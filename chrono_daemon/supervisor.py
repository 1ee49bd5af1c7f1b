"""The structured-concurrency host of daemons (SPEC §2.6)."""

from __future__ import annotations

import dataclasses
import logging
import math
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

import anyio

from ._errors import DaemonError, OnError
from ._logging import ClockAwareLoggerAdapter
from ._order import TaskTag, current_tag
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

DaemonState = Literal["starting", "running", "restarting", "stopped", "failed"]
DaemonFailurePhase = Literal["on_start", "run", "on_stop"]

_DEFAULT_FINALIZE_TIMEOUT = 2.0

# The record of the daemon the current task belongs to, so stop() called from inside a daemon
# does not wait for its own caller.
_current_record: ContextVar[_Record | None] = ContextVar("chrono_daemon_record", default=None)


@dataclass(frozen=True)
class RestartPolicy:
    """Exponential backoff on the supervisor clock for ``on_error="restart"``.

    Restart n (1-based) waits ``min(cap, base * factor**(n-1))`` seconds of clock time. Past
    ``max_retries`` restarts the daemon fails like ``"shutdown"``. ``base`` must be positive so
    a crash loop always moves (virtual) time forward instead of spinning at one instant.
    """

    base: float = 0.1
    factor: float = 2.0
    cap: float = 5.0
    max_retries: int | None = None

    def __post_init__(self) -> None:
        if not (self.base > 0 and math.isfinite(self.base)):
            raise ValueError(f"RestartPolicy.base must be positive and finite, got {self.base}")
        if not self.factor >= 1:
            raise ValueError(f"RestartPolicy.factor must be >= 1, got {self.factor}")
        if not self.cap >= self.base:
            raise ValueError(f"RestartPolicy.cap must be >= base, got {self.cap}")
        if self.max_retries is not None and self.max_retries < 0:
            raise ValueError(f"RestartPolicy.max_retries must be >= 0, got {self.max_retries}")

    def delay(self, restart: int) -> float:
        """Backoff before restart number ``restart`` (1-based)."""
        return float(min(self.cap, self.base * self.factor ** (restart - 1)))


@dataclass(frozen=True)
class DaemonHealth:
    """One daemon's state as seen by ``Supervisor.snapshot()``.

    ``uptime`` is live for a running daemon, frozen once it ended, ``None`` before it started;
    times are on the supervisor clock.
    """

    name: str
    state: DaemonState
    restart_count: int
    last_error: BaseException | None
    last_error_phase: DaemonFailurePhase | None
    started_at: float | None
    uptime: float | None


class _Record:
    """The supervisor's bookkeeping for one hosted daemon."""

    def __init__(self, name: str, daemon: Daemon, order: int = 0) -> None:
        self.name = name
        self.daemon = daemon
        self.order = order  # the daemon's place in SimClock tie order (ADR 0017)
        self.state: DaemonState = "starting"
        self.restart_count = 0
        self.last_error: BaseException | None = None
        self.last_error_phase: DaemonFailurePhase | None = None
        self.started_at: float | None = None
        self.ended_at: float | None = None
        self.cancel_scope = anyio.CancelScope()
        # Created once an event loop runs (see Supervisor._start).
        self.started: anyio.Event | None = None
        self.done: anyio.Event | None = None


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
        on_error: what an exception escaping a daemon does: ``"shutdown"`` (wrap it in
            ``DaemonError``, cancel the siblings, raise it out of the block in an
            ``ExceptionGroup``), ``"restart"`` (back off per ``restart`` and run the daemon
            again) or ``"ignore"`` (log it; the daemon ends, the siblings keep running).
        restart: the backoff for ``"restart"`` (default ``RestartPolicy()``).
        logger: the base logger (default ``logging.getLogger("chrono_daemon")``).
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
        self._records: dict[str, _Record] = {}
        self._task_group: TaskGroup | None = None
        self._stop_event: anyio.Event | None = None
        self._stop_requested = False
        self._stop_scopes: set[anyio.CancelScope] = set()
        self._entered = False
        self._exited = False
        self._finalize_timeout = _DEFAULT_FINALIZE_TIMEOUT
        self._hosted = 0  # daemons hosted so far: the default tie order (ADR 0017)
        self._order_prefix: tuple[int, ...] = ()

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
            ValueError: the name is taken by a daemon that has not finished (the name of a
                finished daemon is reused, and its health replaced).
            RuntimeError: the supervisor has already exited.
        """
        if isinstance(daemon, DaemonFactory):
            raise TypeError(
                f"{daemon!r} is a @daemon factory, not a daemon: call it with its arguments "
                f"first, e.g. sup.add({daemon.name}(...))"
            )
        if not isinstance(daemon, Daemon):
            raise TypeError(f"Supervisor.add expects a Daemon, got {type(daemon).__name__}")
        if order is not None and (not isinstance(order, int) or isinstance(order, bool)):
            raise TypeError(f"order must be an int, got {type(order).__name__}")
        self._host(name or daemon.name or type(daemon).__name__, daemon, order)

    def spawn(
        self,
        fn: Callable[..., Awaitable[None]] | DaemonFactory[Any],
        *args: Any,
        name: str | None = None,
        **kwargs: Any,
    ) -> str:
        """Host an ad-hoc ``async def fn(ctx, *args, **kwargs)``; returns the name it got.

        Without ``name``, the function's name is used, suffixed ``-2``, ``-3``... when taken.
        A ``@daemon`` factory is accepted too (its function is hosted, under its name).
        """
        if isinstance(fn, DaemonFactory):
            base = fn.name
            fn = fn.fn
        else:
            base = getattr(fn, "__name__", "daemon")
        if name is None:
            name, n = base, 1
            while name in self._records:
                n += 1
                name = f"{base}-{n}"
        self._host(name, _FunctionDaemon(fn, args, kwargs, name))
        return name

    def _host(self, name: str, daemon: Daemon, order: int | None = None) -> None:
        if self._exited:
            raise RuntimeError("cannot add a daemon to a Supervisor that has exited")
        previous = self._records.get(name)
        if previous is not None and not (previous.done is not None and previous.done.is_set()):
            raise ValueError(f"a daemon named {name!r} is already hosted by this supervisor")
        self._records.pop(name, None)  # a finished daemon's name may be reused
        record = _Record(name, daemon, self._hosted if order is None else order)
        self._hosted += 1
        self._records[name] = record
        if self._task_group is not None:
            self._start(record)

    def _start(self, record: _Record) -> None:
        assert self._task_group is not None
        record.started = anyio.Event()
        record.done = anyio.Event()
        self._task_group.start_soon(self._supervise, record, name=f"daemon:{record.name}")

    # -- the async context -------------------------------------------------------------------

    async def __aenter__(self) -> Supervisor:
        if self._entered:
            raise RuntimeError("a Supervisor can be entered only once")
        self._entered = True
        self._order_prefix = current_tag.get().order  # a nested supervisor's daemons sort within
        self._stop_event = anyio.Event()
        if self._stop_requested:
            self._stop_event.set()
        task_group = anyio.create_task_group()
        await task_group.__aenter__()
        self._task_group = task_group
        for record in self._records.values():
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
        finally:
            self._exited = True
            self._task_group = None

    # -- one daemon's life -------------------------------------------------------------------

    async def _supervise(self, record: _Record) -> None:
        assert record.started is not None
        assert record.done is not None
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
            record.done.set()

    async def _lifecycles(self, record: _Record) -> None:
        """Run on_start/run/on_stop, again after each failure while the policy says restart."""
        while True:
            failure = await self._lifecycle(record)
            if failure is None:
                record.state = "stopped"
                return
            error, phase = failure
            record.last_error, record.last_error_phase = error, phase
            policy = self.on_error
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
            record.state = "failed"
            record.ended_at = self.clock.now()
            if policy == "ignore":
                self._log(record).error(
                    "daemon %r failed in %s; ignored", record.name, phase, exc_info=error
                )
                return
            raise DaemonError(record.name, error, phase)

    def _restarts(self, record: _Record) -> bool:
        """Whether a failure of ``record`` now (outside on_stop) is followed by a restart."""
        retries = self.restart.max_retries
        may_retry = retries is None or record.restart_count < retries
        return self.on_error == "restart" and may_retry

    async def _lifecycle(self, record: _Record) -> tuple[Exception, DaemonFailurePhase] | None:
        """One on_start/run/on_stop pass; returns the failure, if any. Cancellation propagates."""
        assert record.started is not None
        daemon = record.daemon
        ctx = self._context(record)
        record.state = "starting" if record.restart_count == 0 else "restarting"
        try:
            await daemon.on_start(ctx)
        except Exception as exc:
            record.started.set()
            return exc, "on_start"
        record.state = "running"
        record.started_at = self.clock.now()
        record.ended_at = None
        record.started.set()
        failure: tuple[Exception, DaemonFailurePhase] | None = None
        try:
            await daemon.run(ctx)
        except Exception as exc:
            failure = exc, "run"
        except BaseException:
            await self._finalize(record, ctx, shielded=True)
            raise
        record.ended_at = self.clock.now()
        if failure is not None and self._restarts(record):
            ctx = dataclasses.replace(ctx, will_restart=True)
        stop_failure = await self._finalize(record, ctx, shielded=False)
        if stop_failure is not None and failure is not None:
            self._log(record).error(
                "on_stop of daemon %r failed too", record.name, exc_info=stop_failure
            )
        return failure or (None if stop_failure is None else (stop_failure, "on_stop"))

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
            if shielded:  # the daemon is being cancelled: report, never retry
                record.last_error, record.last_error_phase = exc, "on_stop"
                self._log(record).error("on_stop of daemon %r failed", record.name, exc_info=exc)
            return exc
        return None

    def _context(self, record: _Record) -> Context:
        assert self._stop_event is not None
        return Context(
            clock=self.clock,
            cancel_scope=record.cancel_scope,
            logger=self._log(record),
            name=record.name,
            supervisor=self,
            stop_event=self._stop_event,
        )

    def _log(self, record: _Record) -> ClockAwareLoggerAdapter:
        return ClockAwareLoggerAdapter(self.logger, self.clock, {"daemon": record.name})

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

        ``grace`` and ``finalize_timeout`` are wall-clock seconds: nobody advances a SimClock
        while a graph shuts down. Idempotent; returns once every daemon has ended, or once
        cancelled daemons overran ``finalize_timeout`` (they are logged by name). Called from
        inside a daemon, it does not wait for that daemon, which is cancelled at its next
        checkpoint after ``stop`` returns.
        """
        if grace < 0 or finalize_timeout < 0:
            raise ValueError("grace and finalize_timeout must be >= 0")
        self._finalize_timeout = finalize_timeout
        self.signal_stop()
        if self._task_group is None:
            return
        caller = _current_record.get()
        with wall_wait_allowed(), anyio.move_on_after(grace):
            await self._wait_all_done(caller)
        for record in self._records.values():
            if record is not caller:
                record.cancel_scope.cancel()
        with wall_wait_allowed(), anyio.move_on_after(finalize_timeout):
            await self._wait_all_done(caller)
            if caller is not None:
                caller.cancel_scope.cancel()  # a daemon that stops everything stops itself too
            return
        # Python cannot kill a task: a daemon that swallows cancellation keeps running, and
        # leaving the `async with` block waits for it. Name it so the bug is findable.
        stuck = sorted(
            r.name
            for r in self._records.values()
            if r.done and not r.done.is_set() and r is not caller
        )
        self.logger.error(
            "daemons still running %gs after cancellation (do they swallow it?): %s",
            finalize_timeout, ", ".join(stuck),
        )  # fmt: skip

    async def _wait_all_done(self, caller: _Record | None = None) -> None:
        for record in list(self._records.values()):
            if record.done is not None and record is not caller:
                await record.done.wait()

    async def wait_all_started(self) -> None:
        """Return once every daemon known now has finished (or failed) ``on_start``."""
        if not self._entered:
            raise RuntimeError("wait_all_started() needs an entered Supervisor")
        for record in list(self._records.values()):
            if record.started is not None:
                await record.started.wait()

    # -- diagnostics -------------------------------------------------------------------------

    def snapshot(self) -> dict[str, DaemonHealth]:
        """Health of every daemon, by name; works before entry, while running and after exit."""
        now = self.clock.now()
        health = {}
        for name, r in self._records.items():
            uptime = None
            if r.started_at is not None:
                uptime = (now if r.ended_at is None else r.ended_at) - r.started_at
            health[name] = DaemonHealth(
                name=name,
                state=r.state,
                restart_count=r.restart_count,
                last_error=r.last_error,
                last_error_phase=r.last_error_phase,
                started_at=r.started_at,
                uptime=uptime,
            )
        return health
