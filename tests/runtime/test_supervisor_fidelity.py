"""The original library's Supervisor behaviours (issue 9, items 1-6 and 16), on asyncio and trio."""

from __future__ import annotations

import logging

import anyio
import pytest

from chrono_daemon import Context, Daemon, DaemonError, SimClock, Supervisor, daemon

pytestmark = pytest.mark.anyio


class Quick(Daemon):
    async def run(self, ctx: Context) -> None:
        pass


# -- item 1: daemon loggers ---------------------------------------------------------------------


async def test_daemon_logs_through_a_child_of_the_supervisor_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = SimClock(t0=100.0)

    class Talker(Daemon):
        name = "logger-daemon"

        async def run(self, ctx: Context) -> None:
            ctx.logger.info("first")
            await ctx.clock.sleep(2.5)
            ctx.logger.info("second")

    with caplog.at_level(logging.INFO, logger="chrono_daemon"):
        async with Supervisor(clock=clock) as sup:
            sup.add(Talker())
            await clock.advance(10.0)
    records = [r for r in caplog.records if r.name.endswith("logger-daemon")]
    assert [r.name for r in records] == ["chrono_daemon.logger-daemon"] * 2
    assert [(r.getMessage(), r.__dict__["sim_time"]) for r in records] == [
        ("first", 100.0),
        ("second", 102.5),
    ]


async def test_a_custom_base_logger_and_spawned_daemons(caplog: pytest.LogCaptureFixture) -> None:
    """The child hangs under the given logger; unnamed spawns of one function share its logger."""
    base = logging.getLogger("harness.graph")

    async def handle(ctx: Context) -> None:
        ctx.logger.info("handled")

    with caplog.at_level(logging.INFO, logger="harness"):
        async with Supervisor(logger=base) as sup:
            sup.spawn(handle)
            sup.spawn(handle)
            sup.spawn(handle, name="special")
    records = [r for r in caplog.records if r.getMessage() == "handled"]
    assert sorted((r.name, r.__dict__["daemon"]) for r in records) == [
        ("harness.graph.handle", "handle"),
        ("harness.graph.handle", "handle-2"),
        ("harness.graph.special", "special"),
    ]


# -- item 2: add() errors ----------------------------------------------------------------------


async def test_duplicate_daemon_name_is_rejected() -> None:
    async with Supervisor(clock=SimClock()) as sup:
        sup.add(Recorderless(), name="shared-name")
        with pytest.raises(ValueError, match=r"^duplicate daemon name 'shared-name'"):
            sup.add(Quick(), name="shared-name")
        await sup.stop(grace=0)


class Recorderless(Daemon):
    async def run(self, ctx: Context) -> None:
        await ctx.stop_event.wait()


def test_add_rejects_a_non_daemon_naming_its_type() -> None:
    sup = Supervisor()
    with pytest.raises(TypeError, match=r"expected a Daemon instance, got str"):
        sup.add("not a daemon")  # type: ignore[arg-type]

    @daemon
    async def worker(ctx: Context) -> None:
        pass

    with pytest.raises(TypeError, match=r"is a @daemon factory, not a daemon: call it"):
        sup.add(worker)  # type: ignore[arg-type]


# -- item 3: a daemon that cancels its own scope -----------------------------------------------


async def test_on_stop_runs_after_a_daemon_cancels_its_own_scope() -> None:
    log: list[str] = []

    class SelfCancels(Daemon):
        async def run(self, ctx: Context) -> None:
            try:
                ctx.cancel_scope.cancel()
                await anyio.lowlevel.checkpoint()
            except anyio.get_cancelled_exc_class():
                log.append("cancelled")

        async def on_stop(self, ctx: Context) -> None:
            await anyio.lowlevel.checkpoint()  # raised here when the run's cancel leaked
            log.append("on_stop")

    async with Supervisor(clock=SimClock()) as sup:
        sup.add(SelfCancels(), name="self-cancels")
        sup.add(Recorderless(), name="sibling")
        await sup.wait_all_started()
        await anyio.wait_all_tasks_blocked()
        assert sup.snapshot()["sibling"].state == "running"  # nothing else was cancelled
        await sup.stop(grace=0)
    assert log == ["cancelled", "on_stop"]
    assert sup.snapshot()["self-cancels"].state == "stopped"


# -- items 4 and 5: health after on_stop failures and under "ignore" ----------------------------


class StopFails(Daemon):
    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def run(self, ctx: Context) -> None:
        self.log.append("run")

    async def on_stop(self, ctx: Context) -> None:
        self.log.append("on_stop")
        raise RuntimeError("cleanup failed")


async def test_on_stop_failure_is_recorded_not_retried_and_ends_stopped_under_ignore() -> None:
    log: list[str] = []
    async with Supervisor(clock=SimClock(), on_error="ignore") as sup:
        sup.add(StopFails(log), name="stop-fails")
    assert log == ["run", "on_stop"]
    health = sup.snapshot()["stop-fails"]
    assert health.state == "stopped"
    assert isinstance(health.last_error, RuntimeError)
    assert health.last_error_phase == "on_stop"


async def test_on_stop_failure_is_not_restarted_under_restart() -> None:
    """As in the original, it cannot be retried, so it leaves the supervisor like "shutdown"."""
    log: list[str] = []
    with pytest.raises(ExceptionGroup) as info:
        async with Supervisor(clock=SimClock(), on_error="restart") as sup:
            sup.add(StopFails(log), name="stop-fails")
    assert log == ["run", "on_stop"]
    [error] = info.value.exceptions
    assert isinstance(error, DaemonError)
    assert error.phase == "on_stop"
    health = sup.snapshot()["stop-fails"]
    assert (health.state, health.last_error_phase, health.restart_count) == ("failed", "on_stop", 0)


async def test_ignore_policy_ends_the_daemon_as_stopped_with_its_error() -> None:
    class Crashes(Daemon):
        async def run(self, ctx: Context) -> None:
            raise RuntimeError("kaboom")

    async with Supervisor(clock=SimClock(), on_error="ignore") as sup:
        sup.add(Crashes(), name="crasher")
        sup.add(Recorderless(), name="sibling")
        await sup.wait_all_started()
        await anyio.wait_all_tasks_blocked()
        assert sup.snapshot()["sibling"].state == "running"
        await sup.stop()
    crasher = sup.snapshot()["crasher"]
    assert crasher.state == "stopped"
    assert isinstance(crasher.last_error, RuntimeError)
    assert str(crasher.last_error) == "kaboom"
    assert crasher.last_error_phase == "run"
    assert sup.snapshot()["sibling"].state == "stopped"


# -- item 6: before entry ----------------------------------------------------------------------


def test_snapshot_before_entry_with_the_default_wall_clock_needs_no_event_loop() -> None:
    sup = Supervisor()
    sup.add(Quick(), name="queued")
    health = sup.snapshot()["queued"]
    assert (health.state, health.uptime, health.started_at) == ("starting", None, None)


async def test_wait_all_started_before_entry_returns_at_once() -> None:
    sup = Supervisor(clock=SimClock())
    sup.add(Quick(), name="queued")
    with anyio.fail_after(5):
        await sup.wait_all_started()  # pending registrations have no host yet
    async with sup:
        await sup.wait_all_started()
    await sup.wait_all_started()  # and after exit
    assert sup.snapshot()["queued"].state == "stopped"


# -- item 16: health after a BaseException ------------------------------------------------------


# KeyboardInterrupt and SystemExit escaping a task leave asyncio's loop at once, which would end
# pytest's own loop too: each case runs its own event loop.
BACKENDS = ["asyncio", "trio"]


def _run_until_it_escapes(daemon: Daemon, backend: str) -> tuple[Supervisor, BaseException]:
    sup = Supervisor(clock=SimClock())

    async def main() -> None:
        async with sup:
            sup.add(daemon, name="interrupted")
            sup.add(Recorderless(), name="sibling")

    with pytest.raises(BaseException) as info:  # noqa: PT011 - checked by the callers
        anyio.run(main, backend=backend)
    return sup, info.value


def _contains(exc: BaseException, kind: type[BaseException]) -> bool:
    if isinstance(exc, BaseExceptionGroup):
        return any(_contains(e, kind) for e in exc.exceptions)
    return isinstance(exc, kind)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("escaping", [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_a_base_exception_escaping_run_is_recorded_and_propagates(
    escaping: type[BaseException], backend: str
) -> None:
    stopped: list[str] = []

    class Interrupted(Daemon):
        async def run(self, ctx: Context) -> None:
            await anyio.lowlevel.checkpoint()
            raise escaping("bye")

        async def on_stop(self, ctx: Context) -> None:
            stopped.append("on_stop")

    sup, raised = _run_until_it_escapes(Interrupted(), backend)
    assert _contains(raised, escaping)
    health = sup.snapshot()["interrupted"]
    assert health.state == "failed"
    assert isinstance(health.last_error, escaping)
    assert health.last_error_phase == "run"
    assert stopped == ["on_stop"]  # cleanup ran, shielded
    assert sup.snapshot()["sibling"].last_error is None  # cancelled: not an error


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_base_exception_in_on_start_is_recorded_with_its_phase(backend: str) -> None:
    class Interrupted(Daemon):
        async def on_start(self, ctx: Context) -> None:
            await anyio.lowlevel.checkpoint()  # asyncio drops tasks not started by then
            raise KeyboardInterrupt

        async def run(self, ctx: Context) -> None:
            raise AssertionError("not reached")

    sup, raised = _run_until_it_escapes(Interrupted(), backend)
    assert _contains(raised, KeyboardInterrupt)
    health = sup.snapshot()["interrupted"]
    assert (health.state, health.last_error_phase) == ("failed", "on_start")
    assert isinstance(health.last_error, KeyboardInterrupt)


async def test_cancellation_is_not_recorded_as_an_error() -> None:
    async with Supervisor(clock=SimClock()) as sup:
        sup.add(Recorderless(), name="waits")
        await sup.wait_all_started()
        sup._records["waits"].cancel_scope.cancel()  # type: ignore[union-attr]
    health = sup.snapshot()["waits"]
    assert (health.state, health.last_error) == ("stopped", None)
