"""Latest: a one-slot cache of the newest value."""

from __future__ import annotations

import anyio
import pytest

from chrono_daemon import Channel, open_channel
from chrono_daemon.recipes import state
from chrono_daemon.recipes.latest import Latest

pytestmark = pytest.mark.anyio


def test_get_is_none_until_set_then_the_newest_value() -> None:
    latest: Latest[int] = Latest()
    assert latest.get() is None
    assert latest.version == 0
    latest.set(1)
    latest.set(2)
    assert latest.get() == 2
    assert latest.get() == 2  # reading does not consume
    assert latest.version == 2


def test_initial_value() -> None:
    latest = Latest("idle")
    assert latest.get() == "idle"
    assert latest.version == 0


async def test_feed_keeps_the_newest_item_and_ends_with_the_stream(anyio_backend: object) -> None:
    ch: Channel[int] = open_channel(1)
    latest: Latest[int] = Latest()
    async with anyio.create_task_group() as tg:
        tg.start_soon(latest.feed, ch.recv)
        for i in range(5):
            await ch.send.send(i)
        await anyio.wait_all_tasks_blocked()
        assert latest.get() == 4
        assert latest.version == 5
        await ch.send.aclose()  # feed returns, so the task group can exit


def test_subpackage_and_flat_module_export_the_same_object() -> None:
    assert state.Latest is Latest
