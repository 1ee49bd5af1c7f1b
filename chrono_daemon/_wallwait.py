"""Daemons that wait on wall-clock time under a SimClock (issue 9 item 12; docs/concepts.md).

A daemon that awaits ``anyio.sleep`` (or a wall-clock timeout) instead of ``ctx.clock`` under a
SimClock supervisor silently breaks virtual time: the advance does not wait for it. When an
advance starts and when it ends, the clock looks for such waits — cheaply first: only when the
event loop has any wall-clock timer at all, and then at most ``1 / SCAN_SHARE`` of the wall
time (a scan that took 1 ms is not repeated for 20 ms) — and reports each (daemon, call site)
once, as a ``WallClockWaitWarning``, or raises ``WallClockWaitError`` under
``SimClock(strict=True)``.

Found: ``anyio.sleep``/``sleep_until``, ``asyncio.sleep``, ``trio.sleep``/``sleep_until`` and
``WallClock`` waits awaited by a daemon of a SimClock supervisor or one of its child tasks
(named with the call and its file:line), and wall-clock timeouts (``anyio.fail_after``/
``move_on_after``, ``asyncio.timeout``) in such tasks. chrono's own bounded wall-clock waits
(``Supervisor.stop``'s grace and finalize_timeout, the ZMQ transport's linger) run inside
``wall_wait_allowed()`` and are never reported. Not found: waits inside an async generator's
frames below an ``async for`` (Python does not expose them), and anything on loops without
asyncio's timer heap (uvloop).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import warnings
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio

from ._order import ROOT, current_tag
from ._waiter import trio_backend

if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextvars import Context
    from types import CodeType, FrameType

    from .clock import SimClock

__all__ = (
    "SCAN_SHARE",
    "WallClockWaitError",
    "WallClockWaitWarning",
    "check",
    "wall_wait_allowed",
)

# After a scan that took s seconds, the next one waits at least SCAN_SHARE * s: scanning costs
# at most about 1 / SCAN_SHARE of the wall time, however many tasks and timers there are.
SCAN_SHARE = 20


class WallClockWaitWarning(RuntimeWarning):
    """A daemon under a SimClock supervisor awaits wall-clock time (``anyio.sleep``, a
    wall-clock timeout): virtual time does not wait for it. Sleep through ``ctx.clock``.
    Turn it into an error with ``warnings.simplefilter("error", WallClockWaitWarning)``."""


class WallClockWaitError(RuntimeError):
    """Raised by ``SimClock(strict=True)`` advances instead of a ``WallClockWaitWarning``."""


_ALLOWED: ContextVar[bool] = ContextVar("chrono_daemon_wall_wait_allowed", default=False)


@contextmanager
def wall_wait_allowed() -> Iterator[None]:
    """Mark the wall-clock waits of this block as deliberate (chrono's own bounded waits)."""
    token = _ALLOWED.set(True)
    try:
        yield
    finally:
        _ALLOWED.reset(token)


@dataclass(frozen=True)
class WallWait:
    """One wall-clock wait found in a daemon's task."""

    daemon: str
    call: str
    where: str

    def message(self) -> str:
        return (
            f"daemon {self.daemon!r} awaits {self.call} at {self.where} under a SimClock: "
            "virtual time does not wait for it (use ctx.clock.sleep / ctx.clock.every, or a "
            "virtual timeout, instead)"
        )


def check(clock: SimClock) -> None:
    """Report new wall-clock waits of daemons (see the module docstring); cheap when none."""
    start = time.perf_counter()
    if start < clock._wall_check_at:
        return
    loop = asyncio._get_running_loop()
    waits = list(_on_asyncio(loop) if loop is not None else _on_trio())
    clock._wall_check_at = start + SCAN_SHARE * (time.perf_counter() - start)
    for wait in waits:
        key = (wait.daemon, wait.where)
        if key in clock._wall_waits_seen:
            continue
        clock._wall_waits_seen.add(key)
        if clock.strict:
            raise WallClockWaitError(wait.message())
        warnings.warn(wait.message(), WallClockWaitWarning, stacklevel=_caller_level())


def _sim_daemon(context: Context) -> str | None:
    """The daemon whose task runs in ``context``, if its supervisor's clock is a SimClock."""
    from .clock import SimClock  # clock imports this module

    tag = context.get(current_tag, ROOT)
    if tag.daemon is None or not isinstance(tag.clock, SimClock):
        return None
    if context.get(_ALLOWED, False):
        return None
    return tag.daemon


def _on_asyncio(loop: asyncio.AbstractEventLoop) -> Iterator[WallWait]:
    timers: list[asyncio.TimerHandle] = getattr(loop, "_scheduled", [])
    for timer in list(timers):  # a timer keeps the context of the task that scheduled it
        context = getattr(timer, "_context", None)
        if timer.cancelled() or context is None or (daemon := _sim_daemon(context)) is None:
            continue
        callback = getattr(timer, "_callback", None)
        owner = getattr(callback, "__self__", None)
        if callback is getattr(asyncio.futures, "_set_result_unless_cancelled", None):
            task = _task_waiting_on(getattr(timer, "_args", (None,))[0])
            found = _wall_sleep_on(task.get_coro()) if task is not None else None
            yield WallWait(daemon, *(found or ("a wall-clock sleep", "an unknown place")))
        elif _is_timeout_owner(owner):
            task = getattr(owner, "_host_task", None)
            left = timer.when() - loop.time()
            where = _innermost_user_frame(task.get_coro()) if task is not None else None
            yield WallWait(daemon, f"a wall-clock timeout ({left:.3g} s left)", where or "?")


def _task_waiting_on(future: Any) -> asyncio.Task[Any] | None:
    for callback, _ in getattr(future, "_callbacks", None) or ():
        task = getattr(callback, "__self__", None)
        if isinstance(task, asyncio.Task):
            return task
    return None


def _is_timeout_owner(owner: object) -> bool:
    return isinstance(owner, anyio.CancelScope | asyncio.Timeout)


def _on_trio() -> Iterator[WallWait]:
    backend = trio_backend()
    if not backend.has_deadlines():
        return
    for task in backend.all_tasks():
        daemon = _sim_daemon(task.context)
        if daemon is None:
            continue
        found = _wall_sleep_on(task.coro)
        if found is not None:
            yield WallWait(daemon, *found)
        elif (left := backend.wall_timeout_left(task)) is not None:
            where = _innermost_user_frame(task.coro) or "?"
            yield WallWait(daemon, f"a wall-clock timeout ({left:.3g} s left)", where)


def _frames(awaitable: Any) -> Iterator[FrameType]:
    """The frames of a coroutine's await chain, outermost first."""
    while awaitable is not None:
        frame = getattr(awaitable, "cr_frame", None) or getattr(awaitable, "gi_frame", None)
        if frame is None:
            return
        yield frame
        awaitable = getattr(awaitable, "cr_await", None) or getattr(awaitable, "gi_yieldfrom", None)


def _sleep_functions() -> dict[CodeType, tuple[str, str]]:
    """The wall-clock sleeps we recognise: code object -> (display name, argument name)."""
    from .clock import WallClock  # clock imports this module

    functions: dict[CodeType, tuple[str, str]] = {
        anyio.sleep.__code__: ("anyio.sleep", "delay"),
        anyio.sleep_until.__code__: ("anyio.sleep_until", "deadline"),
        asyncio.sleep.__code__: ("asyncio.sleep", "delay"),
        WallClock.sleep.__code__: ("WallClock.sleep", "seconds"),
        WallClock.wait_until.__code__: ("WallClock.wait_until", "deadline"),
    }
    trio = sys.modules.get("trio")
    if trio is not None:
        functions[trio.sleep.__code__] = ("trio.sleep", "seconds")
        functions[trio.sleep_until.__code__] = ("trio.sleep_until", "deadline")
    return functions


def _wall_sleep_on(coro: Any) -> tuple[str, str] | None:
    """``(call, where)`` of the outermost wall-clock sleep on ``coro``'s await chain."""
    functions = _sleep_functions()
    caller: FrameType | None = None
    for frame in _frames(coro):
        known = functions.get(frame.f_code)
        if known is not None:
            name, argument = known
            value = frame.f_locals.get(argument)
            call = f"{name}({value!r})" if isinstance(value, int | float) else name
            return call, _place(caller) if caller is not None else "?"
        caller = frame
    return None


_LIBRARIES = (
    os.path.dirname(asyncio.__file__) + os.sep,
    os.path.dirname(__file__) + os.sep,  # chrono_daemon
)


def _innermost_user_frame(coro: Any) -> str | None:
    """Where the deepest frame outside asyncio, anyio, trio and chrono_daemon is."""
    place = None
    for frame in _frames(coro):
        filename = frame.f_code.co_filename
        library = filename.startswith(_LIBRARIES) or any(
            f"{os.sep}{name}{os.sep}" in filename for name in ("anyio", "trio")
        )
        if not library:
            place = _place(frame)
    return place


def _place(frame: FrameType) -> str:
    return f"{frame.f_code.co_filename}:{frame.f_lineno} (in {frame.f_code.co_qualname})"


def _caller_level() -> int:
    """``warnings.warn`` stacklevel pointing at the first frame outside chrono_daemon."""
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARIES[1]):
        frame = frame.f_back
        level += 1
    return level
