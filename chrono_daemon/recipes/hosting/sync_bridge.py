"""``host_async_dispatcher``: call an async dispatcher from plain threads (SPEC §2.7).

Flat module: ``sync_bridge``.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal, TypeVar

import anyio
from anyio.from_thread import start_blocking_portal

from chrono_daemon import Supervisor

from .supervisor_host import StartupError, SupervisorHost, _single

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from anyio.abc import TaskStatus
    from anyio.from_thread import BlockingPortal

    from chrono_daemon import Clock

__all__ = ("host_async_dispatcher",)

D = TypeVar("D")


@contextmanager
def host_async_dispatcher(
    setup: Callable[[Supervisor], Awaitable[D]],
    *,
    clock: Clock | None = None,
    backend: Literal["asyncio", "trio"] = "asyncio",
    ready_timeout: float = 10.0,
) -> Iterator[tuple[BlockingPortal, D]]:
    """Run a supervised async graph on an event-loop thread; yield ``(portal, dispatcher)``.

    ``setup(sup)`` runs on the loop thread with a fresh ``Supervisor(clock=clock)``: it adds
    the daemons and returns the dispatcher — any object whose async methods the synchronous
    code calls through the portal, e.g. ``portal.call(dispatcher.infer, x)``. The block is
    entered once every daemon has finished ``on_start``. Calls from several threads run as
    concurrent tasks on the loop, so the dispatcher must tolerate concurrency (``submit`` to a
    ``batcher_loop`` does). Leaving the block stops the supervisor and the loop thread; an
    error that escaped the supervisor while the block ran is raised then.

    Args:
        setup: async factory of the dispatcher; it may add daemons to the supervisor.
        clock: the supervisor's clock (default ``WallClock()``).
        backend: the event loop to run: ``"asyncio"`` or ``"trio"``.
        ready_timeout: wall-clock seconds that ``setup`` plus daemon start-up may take.

    Raises:
        RuntimeError: ``async setup failed: ...``: ``setup`` failed, a daemon failed in
            ``on_start``, or start-up took longer than ``ready_timeout``; the underlying error
            (for a daemon: its ``DaemonError``, or its own exception) is chained as
            ``__cause__``.
        ValueError: ``ready_timeout`` is not positive.
    """
    if not ready_timeout > 0:
        raise ValueError(f"ready_timeout must be > 0 seconds, got {ready_timeout}")
    with start_blocking_portal(backend) as portal:
        try:
            future, (host, dispatcher) = portal.start_task(_serve, setup, clock, ready_timeout)
        except Exception as exc:
            error, cause = _startup_error(_single(exc), ready_timeout)
            raise error from cause
        try:
            yield portal, dispatcher
        finally:
            portal.call(host.stop)
            future.result()  # raises what escaped the supervisor, if anything


async def _serve(
    setup: Callable[[Supervisor], Awaitable[D]],
    clock: Clock | None,
    ready_timeout: float,
    *,
    task_status: TaskStatus[tuple[SupervisorHost, D]],
) -> None:
    supervisor = Supervisor(clock=clock)
    host = SupervisorHost(supervisor)
    async with anyio.create_task_group() as tg:
        with anyio.fail_after(ready_timeout):
            dispatcher = await setup(supervisor)
            await host.start(tg)
        task_status.started((host, dispatcher))


def _startup_error(exc: BaseException, ready_timeout: float) -> tuple[RuntimeError, BaseException]:
    """The ``RuntimeError`` a failed start-up raises in the calling thread, and its cause.

    Every message starts with ``async setup failed:`` (the original library's words), then
    says which part failed.
    """
    if isinstance(exc, TimeoutError):
        return RuntimeError(
            f"async setup failed: not ready within ready_timeout={ready_timeout}s "
            "(setup or a daemon's on_start was still running)"
        ), exc
    if isinstance(exc, StartupError):
        return RuntimeError(f"async setup failed: a daemon failed to start: {exc}"), (
            exc.__cause__ or exc
        )
    return RuntimeError(f"async setup failed: setup raised {exc!r}"), exc
