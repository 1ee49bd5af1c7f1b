"""Many independent sessions in one process: one inner supervisor per session.

An outer ``Supervisor`` hosts one daemon per session; that daemon runs the session's own inner
``Supervisor`` on the session's own ``SimClock``. Sessions are registered and unregistered while
the others keep running: each one's virtual time moves only when its driver advances it, a
failure stays inside its inner supervisor's policy, and unregistering cancels exactly one inner
supervisor — the sessions share nothing but the event loop. Sessions may be advanced
concurrently from different driver tasks.

Run it: ``python examples/system_stack_multi_session.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio

from chrono_daemon import (
    Channel,
    Context,
    ReceiveStream,
    SendStream,
    SimClock,
    Supervisor,
    daemon,
    open_channel,
)
from chrono_daemon.recipes.cooperative_every import cooperative_every

__all__ = ("Session", "SessionHost", "demo")

Reading = tuple[float, int]


@daemon
async def sensor(ctx: Context, period: float, out: SendStream[Reading]) -> None:
    """Counts its ticks on the session clock: ``(tick time, count)``."""
    try:
        count = 0
        async for t in cooperative_every(ctx, period):
            count += 1
            await out.send((t, count))
    finally:
        await out.aclose()


@daemon
async def recorder(ctx: Context, readings: ReceiveStream[Reading], log: list[Reading]) -> None:
    """Keeps every reading of its session."""
    async for reading in readings:
        log.append(reading)


@dataclass(eq=False)
class Session:
    """One session: its own clock, its own inner supervisor, and what it recorded."""

    name: str
    clock: SimClock
    period: float
    log: list[Reading] = field(default_factory=list)
    supervisor: Supervisor | None = None
    ready: anyio.Event = field(default_factory=anyio.Event)
    stop_requested: anyio.Event = field(default_factory=anyio.Event)
    done: anyio.Event = field(default_factory=anyio.Event)


async def run_session(ctx: Context, session: Session) -> None:
    """The outer daemon of one session: run its inner supervisor until unregistered."""
    try:
        readings: Channel[Reading] = open_channel(16)
        async with Supervisor(clock=session.clock, logger=ctx.logger.logger) as inner:
            session.supervisor = inner
            inner.add(sensor(session.period, readings.send))
            inner.add(recorder(readings.recv, session.log))
            await inner.wait_all_started()
            session.ready.set()
            with ctx.cancel_on_stop():  # also end when the outer supervisor stops
                await session.stop_requested.wait()
            # Nobody advances this session's clock any more: cancel rather than wait.
            await inner.stop(grace=0)
    finally:
        session.ready.set()
        session.done.set()


class SessionHost:
    """Registers and unregisters sessions on an entered outer supervisor.

    Args:
        outer: the supervisor that hosts one daemon per session (already entered).
    """

    def __init__(self, outer: Supervisor) -> None:
        self.outer = outer
        self._sessions: dict[str, Session] = {}

    @property
    def names(self) -> list[str]:
        """The registered sessions, in registration order."""
        return list(self._sessions)

    def __getitem__(self, name: str) -> Session:
        return self._sessions[name]

    async def register(self, name: str, *, rate_hz: float = 10.0) -> Session:
        """Start a session with its own SimClock; return once its daemons have started.

        Raises:
            ValueError: a session of that name is registered already.
        """
        if name in self._sessions:
            raise ValueError(f"session {name!r} is already registered; unregister it first")
        session = Session(name=name, clock=SimClock(), period=1.0 / rate_hz)
        self._sessions[name] = session
        self.outer.spawn(run_session, session, name=f"session:{name}")
        await session.ready.wait()
        return session

    async def unregister(self, name: str) -> Session:
        """Stop one session (its inner daemons are cancelled) and forget it.

        Raises:
            KeyError: no session of that name is registered.
        """
        session = self._sessions.pop(name)
        session.stop_requested.set()
        await session.done.wait()
        return session

    async def advance(self, name: str, dt: float) -> None:
        """Advance one session's clock by ``dt`` (other sessions' clocks do not move)."""
        await self._sessions[name].clock.advance(dt)


async def demo() -> dict[str, list[Reading]]:
    """Two sessions at different rates; one leaves half-way. Returns each session's log."""
    async with Supervisor() as outer:
        host = SessionHost(outer)
        alice = await host.register("alice", rate_hz=10.0)
        bob = await host.register("bob", rate_hz=2.0)
        await host.advance("alice", 1.0)
        await host.advance("bob", 1.0)
        await host.unregister("alice")
        await host.advance("bob", 1.0)
        await outer.stop(grace=1.0)
    return {"alice": alice.log, "bob": bob.log}


if __name__ == "__main__":
    for name, log in anyio.run(demo).items():
        print(f"{name}: {len(log)} readings, last {log[-1] if log else None}")
