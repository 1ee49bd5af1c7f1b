"""Supervisor, Daemon and Context semantics (SPEC §2.4-§2.6), on asyncio and trio."""

from __future__ import annotations

import logging

import anyio
import pytest

from chrono_daemon import (
    Channel,
    Context,
    Daemon,
    DaemonError,
    RestartPolicy,
    SimClock,
    Supervisor,
    daemon,
    open_channel,
)

pytestmark = pytest.mark.anyio


class Recorder(Daemon):
    """Records its hooks; fails on demand."""

    def __init__(self, events: list[str], *, fail_in: str | None = None, fail_times: int = 99):
        self.events = events
        self.fail_in = fail_in
        self.fail_times = fail_times

    def _maybe_fail(self, hook: str) -> None:
        if self.fail_in == hook and self.fail_times > 0:
            self.fail_times -= 1
            raise ValueError(f"boom in {hook}")

    async def on_start(self, ctx: Context) -> None:
        self.events.append("on_start")
        self._maybe_fail("on_start")

    async def run(self, ctx: Context) -> None:
        self.events.append("run")
        self._maybe_fail("run")
        await ctx.stop_event.wait()

    async def on_stop(self, ctx: Context) -> None:
        self.events.append("on_stop")
        self._maybe_fail("on_stop")


def only_daemon_error(group: BaseExceptionGroup[BaseException]) -> DaemonError:
    assert len(group.exceptions) == 1
    error = group.exceptions[0]
    assert isinstance(error, DaemonError)
    return error


async def test_seed_example_shape() -> None:
    @daemon
    async def echo(ctx: Context, inp: Channel[int], out: list[tuple[int, float]]) -> None:
        async for x in inp.recv:
            await ctx.clock.sleep(0.25)
            out.append((x, ctx.clock.now()))

    clock = SimClock()
    ch: Channel[int] = open_channel(4)
    log: list[tuple[int, float]] = []
    async with Supervisor(clock=clock) as sup:
        sup.add(echo(ch, log))
        await ch.send.send(1)
        await clock.advance(0.25)
        assert log == [(1, 0.25)]
        await ch.send.aclose()
        await sup.stop(grace=0)
    assert sup.snapshot()["echo"].state == "stopped"


async def test_normal_return_runs_on_stop() -> None:
    events: list[str] = []
    async with Supervisor(clock=SimClock()) as sup:
        sup.add(Recorder(events), name="r")
        await sup.wait_all_started()
        sup.signal_stop()
    assert events == ["on_start", "run", "on_stop"]
    assert sup.snapshot()["r"].state == "stopped"


async def test_shutdown_policy_wraps_error_and_cancels_siblings() -> None:
    events: list[str] = []
    sibling: list[str] = []
    with pytest.raises(BaseExceptionGroup) as info:
        async with Supervisor(clock=SimClock()) as sup:
            sup.add(Recorder(sibling), name="sibling")
            sup.add(Recorder(events, fail_in="run"), name="bad")
    error = only_daemon_error(info.value)
    assert error.name == "bad"
    assert error.phase == "run"
    assert isinstance(error.__cause__, ValueError)
    assert str(error) == "daemon 'bad' failed in run: ValueError('boom in run')"
    assert events == ["on_start", "run", "on_stop"]
    assert sibling == ["on_start", "run", "on_stop"]  # cancelled, on_stop still ran
    snap = sup.snapshot()
    assert snap["bad"].state == "failed"
    assert snap["bad"].last_error_phase == "run"
    assert snap["sibling"].state == "stopped"


async def test_on_start_failure_skips_on_stop() -> None:
    events: list[str] = []
    with pytest.raises(BaseExceptionGroup) as info:
        async with Supervisor() as sup:
            sup.add(Recorder(events, fail_in="on_start"), name="r")
    assert only_daemon_error(info.value).phase == "on_start"
    assert events == ["on_start"]


async def test_restart_backs_off_on_the_supervisor_clock() -> None:
    clock = SimClock()
    attempts: list[float] = []

    @daemon
    async def flaky(ctx: Context) -> None:
        attempts.append(ctx.clock.now())
        if len(attempts) < 4:
            raise RuntimeError("transient")
        await ctx.stop_event.wait()

    policy = RestartPolicy(base=0.1, factor=2.0, cap=0.3)
    async with Supervisor(clock=clock, on_error="restart", restart=policy) as sup:
        sup.add(flaky())
        await clock.advance(0.05)
        assert attempts == [0.0]
        assert sup.snapshot()["flaky"].state == "restarting"
        await clock.advance(1.0)
        # backoff 0.1, then 0.2, then capped at 0.3 (not 0.4)
        assert attempts == pytest.approx([0.0, 0.1, 0.3, 0.6])
        health = sup.snapshot()["flaky"]
        assert health.state == "running"
        assert health.restart_count == 3
        assert isinstance(health.last_error, RuntimeError)
        await sup.stop(grace=0)


async def test_restart_past_max_retries_fails_like_shutdown() -> None:
    clock = SimClock()
    events: list[str] = []
    policy = RestartPolicy(base=1.0, max_retries=2)
    with pytest.raises(BaseExceptionGroup) as info:
        async with Supervisor(clock=clock, on_error="restart", restart=policy) as sup:
            sup.add(Recorder(events, fail_in="run"), name="r")
            for _ in range(5):
                await clock.advance(1.0)
    error = only_daemon_error(info.value)
    assert error.name == "r"
    assert events == ["on_start", "run", "on_stop"] * 3  # on_stop before every restart
    assert sup.snapshot()["r"].restart_count == 2


async def test_restart_storm_moves_virtual_time() -> None:
    """RELIABILITY 57: an always-failing daemon cannot spin at one instant."""
    clock = SimClock()
    attempts: list[float] = []

    @daemon
    async def crasher(ctx: Context) -> None:
        attempts.append(ctx.clock.now())
        raise RuntimeError("always")

    async with Supervisor(clock=clock, on_error="restart") as sup:
        sup.add(crasher())
        await clock.advance(10.0)
        await sup.stop(grace=0)
    assert len(attempts) < 20
    assert attempts == sorted(set(attempts))


async def test_ignore_policy_keeps_siblings(caplog: pytest.LogCaptureFixture) -> None:
    events: list[str] = []
    sibling: list[str] = []
    caplog.set_level(logging.ERROR, logger="chrono_daemon")
    async with Supervisor(on_error="ignore") as sup:
        sup.add(Recorder(events, fail_in="run"), name="bad")
        sup.add(Recorder(sibling), name="good")
        await sup.wait_all_started()
        await anyio.wait_all_tasks_blocked()
        assert sup.snapshot()["good"].state == "running"
        assert sup.snapshot()["bad"].state == "stopped"  # the policy handled it
        assert sup.snapshot()["bad"].last_error_phase == "run"
        await sup.stop()
    assert events == ["on_start", "run", "on_stop"]
    assert sibling == ["on_start", "run", "on_stop"]
    assert any("'bad' failed in run; ignored" in r.getMessage() for r in caplog.records)


async def test_on_stop_failure_is_never_retried() -> None:
    events: list[str] = []

    class Quick(Recorder):
        async def run(self, ctx: Context) -> None:
            self.events.append("run")

    with pytest.raises(BaseExceptionGroup) as info:
        async with Supervisor(on_error="restart") as sup:
            sup.add(Quick(events, fail_in="on_stop"), name="q")
    assert only_daemon_error(info.value).phase == "on_stop"
    assert events == ["on_start", "run", "on_stop"]


async def test_on_stop_runs_on_cancel_and_self_cancel() -> None:
    events: list[str] = []

    class SelfCancel(Recorder):
        async def run(self, ctx: Context) -> None:
            self.events.append("run")
            ctx.cancel_scope.cancel()
            await anyio.sleep_forever()

    async with Supervisor() as sup:
        sup.add(SelfCancel(events), name="self")
        other: list[str] = []
        sup.add(Recorder(other), name="other")
        await sup.wait_all_started()
        await anyio.wait_all_tasks_blocked()
        assert sup.snapshot()["self"].state == "stopped"
        assert sup.snapshot()["other"].state == "running"  # siblings untouched
        await sup.stop(grace=0)
    assert events == ["on_start", "run", "on_stop"]
    assert other == ["on_start", "run", "on_stop"]


async def test_stop_grace_then_cancel_with_shielded_on_stop() -> None:
    clock = SimClock()
    stopped: list[float] = []

    class Stubborn(Daemon):
        async def run(self, ctx: Context) -> None:
            await anyio.sleep_forever()  # ignores the stop signal

        async def on_stop(self, ctx: Context) -> None:
            await anyio.lowlevel.checkpoint()  # would raise if not shielded
            stopped.append(ctx.clock.now())

    class Polite(Daemon):
        async def run(self, ctx: Context) -> None:
            await ctx.stop_event.wait()

    async with Supervisor(clock=clock) as sup:
        sup.add(Stubborn(), name="stubborn")
        sup.add(Polite(), name="polite")
        await sup.wait_all_started()
        await sup.stop(grace=0.01, finalize_timeout=1.0)
        assert {h.state for h in sup.snapshot().values()} == {"stopped"}
        await sup.stop()  # idempotent
    assert stopped == [0.0]


async def test_signal_stop_before_entry_and_stopping_flag() -> None:
    seen: list[bool] = []

    @daemon
    async def watcher(ctx: Context) -> None:
        seen.append(ctx.stopping)

    sup = Supervisor()
    sup.signal_stop()
    sup.signal_stop()
    sup.add(watcher())
    async with sup:
        pass
    assert seen == [True]


async def test_add_validation() -> None:
    @daemon
    async def worker(ctx: Context) -> None:
        pass

    sup = Supervisor()
    with pytest.raises(TypeError, match=r"call it with its arguments first"):
        sup.add(worker)  # type: ignore[arg-type]
    with pytest.raises(
        TypeError, match=r"^Supervisor.add\(\) expected a Daemon instance, got object"
    ):
        sup.add(object())  # type: ignore[arg-type]
    sup.add(worker())
    with pytest.raises(ValueError, match=r"^duplicate daemon name 'worker': .* pass a unique name"):
        sup.add(worker())
    sup.add(worker(), name="worker2")
    async with sup:
        assert sup.spawn(worker) == "worker-2"
    with pytest.raises(RuntimeError, match="exited"):
        sup.add(worker(), name="late")
    with pytest.raises(ValueError, match="on_error"):
        Supervisor(on_error="explode")  # type: ignore[arg-type]


async def test_daemon_decorator_names() -> None:
    @daemon(name="custom")
    async def fn(ctx: Context, x: int, *, y: str) -> None:
        pass

    assert fn(1, y="a").name == "custom"
    d = fn(2, y="b")
    async with Supervisor() as sup:
        sup.add(d)
    assert list(sup.snapshot()) == ["custom"]


async def test_wait_all_started_includes_failed_on_start() -> None:
    events: list[str] = []
    async with Supervisor(on_error="ignore") as sup:
        sup.add(Recorder(events, fail_in="on_start"), name="bad")
        sup.add(Recorder([]), name="good")
        await sup.wait_all_started()
        snap = sup.snapshot()
        assert snap["bad"].state == "stopped"  # ignored: its error did not leave the supervisor
        assert snap["bad"].last_error_phase == "on_start"
        assert snap["good"].state == "running"
        await sup.stop()


async def test_snapshot_before_during_after() -> None:
    clock = SimClock()
    sup = Supervisor(clock=clock)
    sup.add(Recorder([]), name="r")
    before = sup.snapshot()["r"]
    assert (before.state, before.started_at, before.uptime) == ("starting", None, None)
    async with sup:
        await sup.wait_all_started()
        await clock.advance(2.0)
        during = sup.snapshot()["r"]
        assert (during.state, during.started_at, during.uptime) == ("running", 0.0, 2.0)
        await clock.advance(1.0)
        assert sup.snapshot()["r"].uptime == 3.0  # live
        await sup.stop()
    after = sup.snapshot()["r"]
    assert (after.state, after.uptime) == ("stopped", 3.0)
    await clock.advance(5.0)
    assert sup.snapshot()["r"].uptime == 3.0  # frozen once ended


async def test_nested_supervisors_with_own_clocks() -> None:
    outer_clock, inner_clock = SimClock(), SimClock()
    inner_times: list[float] = []

    @daemon
    async def inner_ticker(ctx: Context) -> None:
        async for t in ctx.clock.every(0.5):
            inner_times.append(t)

    @daemon
    async def host(ctx: Context) -> None:
        async with Supervisor(clock=inner_clock) as inner:
            inner.add(inner_ticker())
            await inner_clock.advance(1.2)
            await inner.stop(grace=0)

    async with Supervisor(clock=outer_clock) as sup:
        sup.add(host())
    assert inner_times == [0.5, 1.0]
    assert outer_clock.now() == 0.0


async def test_logger_stamps_sim_time(caplog: pytest.LogCaptureFixture) -> None:
    clock = SimClock(t0=7.5)
    caplog.set_level(logging.INFO, logger="chrono_daemon")

    @daemon
    async def talker(ctx: Context) -> None:
        ctx.logger.info("hello")
        ctx.logger.info("explicit", extra={"sim_time": -1.0})

    async with Supervisor(clock=clock) as sup:
        sup.add(talker())
    records = [r for r in caplog.records if r.getMessage() in ("hello", "explicit")]
    stamps = [(r.__dict__["sim_time"], r.__dict__["daemon"]) for r in records]
    assert stamps == [(7.5, "talker"), (-1.0, "talker")]


async def test_simultaneous_failures_are_all_reported() -> None:
    """RELIABILITY 58: two daemons failing at the same instant are both reported."""

    @daemon
    async def fails(ctx: Context, tag: str) -> None:
        raise ValueError(tag)

    with pytest.raises(BaseExceptionGroup) as info:
        async with Supervisor(clock=SimClock()) as sup:
            sup.add(fails("a"), name="a")
            sup.add(fails("b"), name="b")
    names = sorted(e.name for e in info.value.exceptions if isinstance(e, DaemonError))
    assert names in (["a"], ["a", "b"])  # b may be cancelled before it ever runs
    assert sup.snapshot()["a"].state == "failed"


def test_restart_policy_validation() -> None:
    assert RestartPolicy().delay(1) == 0.1
    assert RestartPolicy().delay(10) == 5.0
    for kwargs in ({"base": 0}, {"factor": 0.5}, {"cap": 0.01}, {"max_retries": -1}):
        with pytest.raises(ValueError, match="RestartPolicy"):
            RestartPolicy(**kwargs)


async def test_stop_from_inside_a_daemon_does_not_wait_for_itself() -> None:
    events: list[str] = []

    class Harness(Daemon):
        async def run(self, ctx: Context) -> None:
            await ctx.supervisor.stop(grace=30.0)  # would hang 30 s if it waited for itself
            await anyio.lowlevel.checkpoint()  # the caller is cancelled here
            events.append("unreachable")

        async def on_stop(self, ctx: Context) -> None:
            events.append("harness on_stop")

    with anyio.fail_after(10):
        async with Supervisor() as sup:
            sup.add(Recorder(events), name="worker")
            await sup.wait_all_started()
            sup.add(Harness(), name="harness")
    assert events == ["on_start", "run", "on_stop", "harness on_stop"]
    assert {h.state for h in sup.snapshot().values()} == {"stopped"}


async def test_stop_names_a_daemon_that_swallows_cancellation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """RELIABILITY 56: stop() returns within its bound and names the culprit."""
    swallowed = 0
    release = anyio.Event()

    @daemon
    async def stubborn(ctx: Context) -> None:
        nonlocal swallowed
        while not release.is_set():  # a real culprit loops forever; this one is released
            try:
                await anyio.sleep(3600)
            except BaseException:
                swallowed += 1

    caplog.set_level(logging.ERROR, logger="chrono_daemon")
    with anyio.fail_after(10):
        async with Supervisor() as sup:
            sup.add(stubborn())
            sup.add(Recorder([]), name="polite")
            await sup.wait_all_started()
            await sup.stop(grace=0, finalize_timeout=0.05)
            assert swallowed > 0
            messages = [r.getMessage() for r in caplog.records]
            assert any(m.endswith("swallow it?): stubborn") for m in messages), messages
            release.set()


async def test_cancel_on_stop_ends_waits_at_the_stop_signal() -> None:
    clock = SimClock()
    outcomes: list[tuple[str, bool, float]] = []

    @daemon
    async def waiter(ctx: Context) -> None:
        with ctx.cancel_on_stop() as scope:
            await ctx.clock.sleep(3600)  # nobody advances the clock past this
        outcomes.append(("first", scope.cancel_called, ctx.clock.now()))
        with ctx.cancel_on_stop() as scope:  # already stopping: cancelled at once
            await ctx.clock.sleep(3600)
        outcomes.append(("second", scope.cancel_called, ctx.clock.now()))

    with anyio.fail_after(10):
        async with Supervisor(clock=clock) as sup:
            sup.add(waiter())
            await clock.advance(1.0)
            await sup.stop(grace=30.0)  # returns at once: the daemon ends at the signal
    assert outcomes == [("first", True, 1.0), ("second", True, 1.0)]
    assert sup._stop_scopes == set()


async def test_name_of_a_finished_daemon_can_be_reused() -> None:
    runs: list[int] = []

    @daemon
    async def once(ctx: Context, n: int) -> None:
        runs.append(n)

    async with Supervisor() as sup:
        sup.add(once(1), name="job")
        await sup.wait_all_started()
        await anyio.wait_all_tasks_blocked()
        assert sup.snapshot()["job"].state == "stopped"
        sup.add(once(2), name="job")
        sup.add(Recorder([]), name="live")
        with pytest.raises(ValueError, match="duplicate daemon name 'live'"):
            sup.add(Recorder([]), name="live")
        await sup.stop()
    assert runs == [1, 2]


async def test_on_stop_knows_when_a_restart_follows() -> None:
    clock = SimClock()
    seen: list[bool] = []

    class Flaky(Daemon):
        def __init__(self) -> None:
            self.runs = 0

        async def run(self, ctx: Context) -> None:
            self.runs += 1
            if self.runs < 3:
                raise RuntimeError("transient")

        async def on_stop(self, ctx: Context) -> None:
            seen.append(ctx.will_restart)

    policy = RestartPolicy(base=0.1, max_retries=1)
    with pytest.raises(BaseExceptionGroup):
        async with Supervisor(clock=clock, on_error="restart", restart=policy) as sup:
            sup.add(Flaky(), name="flaky")
            await clock.advance(1.0)
    assert seen == [True, False]  # the second failure is past max_retries: no restart follows
