"""SupervisorHost: a supervisor in the caller's task group, with a start barrier."""

from __future__ import annotations

import anyio
import pytest

from chrono_daemon import (
    Context,
    Daemon,
    DaemonError,
    OnError,
    RestartPolicy,
    SimClock,
    Supervisor,
)
from chrono_daemon.recipes import hosting
from chrono_daemon.recipes.supervisor_host import StartupError, SupervisorHost

pytestmark = pytest.mark.anyio


class Worker(Daemon):
    """Starts after a virtual delay, then runs until asked to stop."""

    def __init__(self, log: list[str], start_delay: float = 0.0) -> None:
        self.log = log
        self.start_delay = start_delay

    async def on_start(self, ctx: Context) -> None:
        await ctx.clock.sleep(self.start_delay)
        self.log.append(f"{ctx.name} started")

    async def run(self, ctx: Context) -> None:
        await ctx.stop_event.wait()
        self.log.append(f"{ctx.name} stopping")

    async def on_stop(self, ctx: Context) -> None:
        self.log.append(f"{ctx.name} stopped")


class FailsToStart(Daemon):
    async def on_start(self, ctx: Context) -> None:
        raise ValueError("no camera")

    async def run(self, ctx: Context) -> None:
        raise AssertionError("run must not be reached")


async def test_start_returns_once_every_daemon_started_and_stop_ends_them(
    anyio_backend: object,
) -> None:
    log: list[str] = []
    sup = Supervisor()
    sup.add(Worker(log), name="a")
    sup.add(Worker(log), name="b")
    stopping_seen: list[list[str]] = []

    async def on_stopping() -> None:
        stopping_seen.append(list(log))

    host = SupervisorHost(sup, on_stopping=on_stopping, default_grace=5.0)
    async with anyio.create_task_group() as tg:
        await host.start(tg)
        assert sorted(log) == ["a started", "b started"]
        assert {h.state for h in host.snapshot().values()} == {"running"}
        with anyio.fail_after(5):  # wall-clock bound: the daemons return at the stop signal
            await host.stop()
        await host.stop()  # idempotent
    assert [sorted(seen) for seen in stopping_seen] == [["a started", "b started"]]
    assert sorted(log[2:]) == ["a stopped", "a stopping", "b stopped", "b stopping"]
    assert {h.state for h in host.snapshot().values()} == {"stopped"}


async def test_on_stopping_may_be_a_plain_function(anyio_backend: object) -> None:
    """The original calls it without awaiting: a synchronous callable works as is."""
    log: list[str] = []
    sup = Supervisor()
    sup.add(Worker(log), name="worker")
    host = SupervisorHost(sup, on_stopping=lambda: log.append("teardown"))
    async with anyio.create_task_group() as tg:
        await host.start(tg)
        assert host.snapshot()["worker"].state == "running"
        await host.stop()
    assert log == ["worker started", "teardown", "worker stopping", "worker stopped"]


async def test_start_waits_for_a_slow_on_start(anyio_backend: object) -> None:
    clock = SimClock()
    log: list[str] = []
    sup = Supervisor(clock=clock)
    sup.add(Worker(log, start_delay=2.0), name="slow")
    host = SupervisorHost(sup)
    started: list[float] = []
    async with anyio.create_task_group() as tg:

        async def start() -> None:
            await host.start(tg)
            started.append(clock.now())

        tg.start_soon(start)
        await clock.advance(1.0)
        assert started == []
        await clock.advance(1.0)
        assert started == [2.0]
        assert log == ["slow started"]
        await host.stop()


@pytest.mark.parametrize("on_error", ["shutdown", "ignore"])
async def test_start_raises_when_a_daemon_failed_in_on_start(
    anyio_backend: object, on_error: OnError
) -> None:
    log: list[str] = []
    sup = Supervisor(on_error=on_error)
    sup.add(Worker(log), name="ok")
    sup.add(FailsToStart(), name="camera")
    host = SupervisorHost(sup)
    async with anyio.create_task_group() as tg:
        with pytest.raises(StartupError, match=r"daemon.*'camera' failed in on_start") as info:
            await host.start(tg)
    assert isinstance(info.value, RuntimeError)
    cause = info.value.__cause__
    if isinstance(cause, DaemonError):  # "shutdown" wraps it, naming the daemon
        cause = cause.__cause__
    assert isinstance(cause, ValueError)
    assert str(cause) == "no camera"
    assert host.snapshot()["ok"].state == "stopped"  # the supervisor is down, not leaked


async def test_a_daemon_being_restarted_does_not_fail_start(anyio_backend: object) -> None:
    clock = SimClock()
    attempts: list[float] = []

    class Flaky(Daemon):
        async def on_start(self, ctx: Context) -> None:
            attempts.append(ctx.clock.now())
            if len(attempts) == 1:
                raise OSError("not yet")

        async def run(self, ctx: Context) -> None:
            await ctx.stop_event.wait()

    sup = Supervisor(clock=clock, on_error="restart", restart=RestartPolicy(base=1.0))
    sup.add(Flaky(), name="flaky")
    host = SupervisorHost(sup)
    async with anyio.create_task_group() as tg:
        await host.start(tg)
        assert host.snapshot()["flaky"].state == "restarting"
        await clock.advance(1.0)
        assert attempts == [0.0, 1.0]
        assert host.snapshot()["flaky"].state == "running"
        await host.stop()


async def test_stop_before_start_is_a_no_op_and_start_twice_fails(anyio_backend: object) -> None:
    host = SupervisorHost(Supervisor())
    await host.stop()
    async with anyio.create_task_group() as tg:
        await host.start(tg)
        with pytest.raises(RuntimeError, match=r"start\(\) called twice"):
            await host.start(tg)
        await host.stop()


def test_negative_defaults_are_value_errors() -> None:
    with pytest.raises(ValueError, match=r"must be >= 0"):
        SupervisorHost(Supervisor(), default_grace=-1.0)


def test_subpackage_and_flat_module_export_the_same_object() -> None:
    assert hosting.SupervisorHost is SupervisorHost
