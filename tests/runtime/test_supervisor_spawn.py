"""A host that spawns per request stays bounded (issue 9, item 14), on asyncio and trio.

How fast a batch of spawns runs is measured outside the tests (see the issue's closing note);
these tests pin what makes it flat: finished daemons are released, only a bounded history of
their health is kept, and unnamed names come from a counter, never a scan.
"""

from __future__ import annotations

import gc
import weakref

import anyio
import pytest

from chrono_daemon import Context, SimClock, Supervisor, _health

pytestmark = pytest.mark.anyio


class Payload:
    """Something big a request would carry."""


async def test_finished_spawned_daemons_release_their_arguments() -> None:
    refs: list[weakref.ref[Payload]] = []

    async def handle(ctx: Context, payload: Payload) -> None:
        await anyio.lowlevel.checkpoint()

    async with Supervisor(clock=SimClock()) as sup:
        for _ in range(50):
            payload = Payload()
            refs.append(weakref.ref(payload))
            sup.spawn(handle, payload)
        del payload
        await anyio.wait_all_tasks_blocked()
        gc.collect()
        assert [r for r in refs if r() is not None] == []
        assert len(sup._records) == 0  # nothing live is left behind
        assert len(sup.snapshot()) == 50  # their health is still there


async def test_snapshot_keeps_the_last_clean_and_the_last_failed_daemons(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_health, "FINISHED_KEPT", 10)

    async def fails(ctx: Context, n: int) -> None:
        raise ValueError(n)

    async def succeeds(ctx: Context) -> None:
        pass

    async def waits(ctx: Context) -> None:
        await ctx.stop_event.wait()

    async with Supervisor(clock=SimClock(), on_error="ignore") as sup:
        sup.spawn(waits, name="live")
        for n in range(25):  # one at a time: the history keeps the last ones to finish
            sup.spawn(fails, n)
            await anyio.wait_all_tasks_blocked()
        for _ in range(100):  # a flood of clean jobs does not push the failures out
            sup.spawn(succeeds)
            await anyio.wait_all_tasks_blocked()
        names = list(sup.snapshot())
        assert names[0] == "live"
        assert names[1:11] == [f"fails-{n}" for n in range(16, 26)]
        assert names[11:] == [f"succeeds-{n}" for n in range(91, 101)]
        assert sup.snapshot()["fails-25"].last_error_phase == "run"
        await sup.stop()


async def test_unnamed_names_are_never_handed_out_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_health, "FINISHED_KEPT", 2)

    async def job(ctx: Context) -> None:
        pass

    async with Supervisor(clock=SimClock()) as sup:
        names = [sup.spawn(job) for _ in range(5)]
        await anyio.wait_all_tasks_blocked()
        names += [sup.spawn(job) for _ in range(5)]  # the first ones are forgotten by now
        sup.spawn(job, name="job-11")  # an explicit name is skipped by the counter
        names += [sup.spawn(job) for _ in range(2)]
    assert names == ["job", *(f"job-{n}" for n in range(2, 11)), "job-12", "job-13"]


async def test_a_forgotten_daemon_name_may_be_reused_explicitly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_health, "FINISHED_KEPT", 1)
    runs: list[int] = []

    async def job(ctx: Context, n: int) -> None:
        runs.append(n)

    async with Supervisor(clock=SimClock()) as sup:
        sup.spawn(job, 1, name="job")
        await anyio.wait_all_tasks_blocked()
        sup.spawn(job, 2, name="other")
        await anyio.wait_all_tasks_blocked()
        assert list(sup.snapshot()) == ["other"]  # "job" was forgotten
        sup.spawn(job, 3, name="job")
    assert runs == [1, 2, 3]
    assert list(sup.snapshot()) == ["job"]  # the bound holds per kind: one clean daemon
