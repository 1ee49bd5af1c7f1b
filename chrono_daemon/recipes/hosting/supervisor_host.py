"""``SupervisorHost``: run a supervisor inside someone else's task group (SPEC §2.7).

Flat module: ``supervisor_host``.
"""

from __future__ import annotations

from inspect import isawaitable
from typing import TYPE_CHECKING

import anyio

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from anyio.abc import TaskGroup, TaskStatus

    from chrono_daemon import DaemonHealth, Supervisor

__all__ = ("StartupError", "SupervisorHost")


class SupervisorHost:
    """Host ``supervisor`` in a caller's task group, with a start barrier and an explicit stop.

    For applications that own the task group (a server, a test harness, a thread bridge):
    ``await host.start(tg)`` enters the supervisor as a task of ``tg`` and returns once every
    daemon added before it has finished ``on_start``; ``await host.stop()`` stops the daemons
    and waits until the supervisor has exited. Until ``stop``, the host stays in ``tg`` even if
    every daemon has returned. A failure after ``start`` propagates into ``tg`` (per the
    supervisor's error policy), as any task's would.

    Args:
        supervisor: a fresh, not yet entered supervisor, with its daemons added.
        on_stopping: called first thing in ``stop`` — e.g. to close the graph's inputs so
            daemons drain and return within the grace period. A plain function or an async
            one (what it returns is awaited when it is awaitable).
        default_grace: ``grace`` for ``Supervisor.stop`` when ``stop`` is not given one.
        default_finalize_timeout: ``finalize_timeout`` likewise.
    """

    def __init__(
        self,
        supervisor: Supervisor,
        on_stopping: Callable[[], Awaitable[None] | None] | None = None,
        default_grace: float = 0.0,
        default_finalize_timeout: float = 2.0,
    ) -> None:
        if default_grace < 0 or default_finalize_timeout < 0:
            raise ValueError("default_grace and default_finalize_timeout must be >= 0")
        self.supervisor = supervisor
        self.on_stopping = on_stopping
        self.default_grace = default_grace
        self.default_finalize_timeout = default_finalize_timeout
        self._stop_requested: anyio.Event | None = None
        self._done: anyio.Event | None = None
        self._stop_args: tuple[float, float] = (default_grace, default_finalize_timeout)

    async def start(self, tg: TaskGroup) -> None:
        """Enter the supervisor as a task of ``tg``; return once every daemon has started.

        Raises:
            StartupError: (a ``RuntimeError``) a daemon failed in ``on_start``; the daemon's
                error is chained as ``__cause__`` and the supervisor has exited by then. A
                daemon that the ``"restart"`` policy is retrying does not count as failed.
            RuntimeError: the host was already started.
        """
        if self._done is not None:
            raise RuntimeError("SupervisorHost.start() called twice; a host starts once")
        self._stop_requested = anyio.Event()
        self._done = anyio.Event()
        try:
            await tg.start(self._serve, name="SupervisorHost")
        except _StartFailed as failed:
            raise StartupError(str(failed)) from failed.__cause__
        except Exception as exc:  # the supervisor failed out of its block before starting
            inner = _single(exc)
            raise StartupError(f"supervisor failed while starting its daemons: {inner}") from inner

    async def _serve(self, *, task_status: TaskStatus[None]) -> None:
        assert self._stop_requested is not None
        assert self._done is not None
        sup = self.supervisor
        start_failure: _StartFailed | None = None
        try:
            async with sup:
                await sup.wait_all_started()
                start_failure = _start_failure(sup.snapshot())
                if start_failure is None:
                    task_status.started()
                    await self._stop_requested.wait()
                    if self.on_stopping is not None:
                        outcome = self.on_stopping()
                        if isawaitable(outcome):
                            await outcome
                grace, finalize_timeout = self._stop_args
                await sup.stop(grace=grace, finalize_timeout=finalize_timeout)
        finally:
            self._done.set()
        if start_failure is not None:
            raise start_failure

    async def stop(self, grace: float | None = None, finalize_timeout: float | None = None) -> None:
        """Stop the supervisor and wait until it has exited (idempotent; no-op if not started).

        Args:
            grace: seconds the daemons get to return before they are cancelled (default
                ``default_grace``); wall-clock seconds, like ``Supervisor.stop``.
            finalize_timeout: bound on each cancelled daemon's ``on_stop`` (default
                ``default_finalize_timeout``).
        """
        if self._stop_requested is None or self._done is None:
            return
        if not self._stop_requested.is_set():
            self._stop_args = (
                self.default_grace if grace is None else grace,
                self.default_finalize_timeout if finalize_timeout is None else finalize_timeout,
            )
            self._stop_requested.set()
        await self._done.wait()

    def snapshot(self) -> dict[str, DaemonHealth]:
        """The supervisor's ``snapshot()``: every daemon's health, by name."""
        return self.supervisor.snapshot()


class StartupError(RuntimeError):
    """``SupervisorHost.start`` failed: a daemon failed in ``on_start`` (cause chained)."""


class _StartFailed(Exception):
    """Raised out of the host task when a daemon failed in ``on_start`` (policy "ignore")."""


def _single(exc: BaseException) -> BaseException:
    """Unwrap exception groups that hold a single exception (task groups add one layer each)."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def _start_failure(health: dict[str, DaemonHealth]) -> _StartFailed | None:
    # "stopped" under on_error="ignore", "failed" when the error leaves the supervisor; a daemon
    # that "restart" retries is "restarting" and does not count.
    failed = [
        h
        for h in health.values()
        if h.state in ("stopped", "failed")
        and h.last_error_phase == "on_start"
        and h.started_at is None
    ]
    if not failed:
        return None
    names = ", ".join(repr(h.name) for h in failed)
    failure = _StartFailed(f"daemon(s) {names} failed in on_start: {failed[0].last_error!r}")
    failure.__cause__ = failed[0].last_error
    return failure
