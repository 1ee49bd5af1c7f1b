"""Opt-in: SimClock wake-ups driven from the event loop's own idle point (ADR 0018).

By default a ``SimClock`` advance finds each settled instant from the outside (a pump callback
on asyncio, ``wait_all_tasks_blocked`` on trio), which works on every loop. Running the program
through this module instead lets the loop itself wake the next sleeper when nothing else can
run, which is faster (``bench/RESULTS.md``) and wakes exactly the same sleepers in exactly the
same order, so every trace is unchanged::

    from chrono_daemon import simloop

    simloop.run(main)                      # asyncio
    simloop.run(main, backend="trio")
    anyio.run(main, backend_options=simloop.backend_options("asyncio", debug=True))

Limits:

- asyncio: the loop is ``SimEventLoop``, a ``SelectorEventLoop``; not with uvloop (use the
  default path there). While an advance runs, real I/O and wall-clock timers are serviced at
  least every ``POLL_INTERVAL`` (1 ms) of wall time, plus one loop iteration; every iteration
  in debug mode. Threads handing work to the loop (``call_soon_threadsafe``) are not delayed.
- trio: the run's clock is a real-time ``trio.abc.Clock`` (like ``trio.SystemClock``) that
  holds the hook; I/O and wall-clock deadlines are serviced on every iteration.
- Several SimClocks may advance at once in one loop; the newest advance wakes its sleepers
  first (a nested supervisor's clock completes its advance before the outer clock moves on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, TypeVarTuple

import anyio

from ._sim_asyncio import POLL_INTERVAL as POLL_INTERVAL
from ._sim_asyncio import SimEventLoop as SimEventLoop

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ("POLL_INTERVAL", "SimEventLoop", "backend_options", "run")

T = TypeVar("T")
PosArgs = TypeVarTuple("PosArgs")


def backend_options(backend: str = "asyncio", /, **options: Any) -> dict[str, Any]:
    """Return ``anyio.run`` backend options that hook SimClock into ``backend``'s idle point.

    ``options`` are other options for the backend (e.g. ``debug=True`` on asyncio), passed on.

    Raises:
        ValueError: ``backend`` is not ``"asyncio"`` or ``"trio"``, or ``options`` already set
            what the hook needs (``loop_factory``/``use_uvloop`` on asyncio, ``clock`` on trio).
    """
    if backend == "asyncio":
        if options.get("use_uvloop") or "loop_factory" in options:
            raise ValueError(
                "simloop runs asyncio on its own SimEventLoop: drop loop_factory/use_uvloop, "
                "or run without simloop (the default SimClock path works on any loop)"
            )
        return {**options, "loop_factory": SimEventLoop}
    if backend == "trio":
        if "clock" in options:
            raise ValueError("simloop runs trio with its own clock: drop the clock option")
        from ._trio_backend import IdleHookClock  # trio only when asked for

        return {**options, "clock": IdleHookClock()}
    raise ValueError(f"backend must be 'asyncio' or 'trio', got {backend!r}")


def run(func: Callable[[*PosArgs], Awaitable[T]], *args: *PosArgs, backend: str = "asyncio") -> T:
    """``anyio.run(func, *args, backend=backend)`` with the SimClock idle hook installed."""
    return anyio.run(func, *args, backend=backend, backend_options=backend_options(backend))
