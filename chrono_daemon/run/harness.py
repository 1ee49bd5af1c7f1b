"""``HarnessHost``: hosts a graph's harness, then discards the outputs it left unread.

A harness that returns while the graph still produces outputs would otherwise leave their
bounded channels full and the graph blocked forever. When ``run`` returns, the host runs the
harness's ``on_stop`` at once (which closes the graph inputs), then reads every graph output to
its end, discarding, so the graph drains and the run can end. An ``EndOfStream`` escaping the
harness's ``run`` (it read an output the graph closed, e.g. while the run stops) ends it
quietly, like a return.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import TYPE_CHECKING, Any

import anyio

from chrono_daemon import Daemon, EndOfStream

if TYPE_CHECKING:
    from chrono_daemon import Context, ReceiveStream

__all__ = ("HarnessHost",)


class HarnessHost(Daemon):
    """Runs ``harness`` (its three hooks), then drains every field of ``harness.outputs``."""

    def __init__(self, harness: Any) -> None:
        self.harness = harness
        self.name = harness.name
        self._stopped = False

    async def on_start(self, ctx: Context) -> None:
        await self.harness.on_start(ctx)

    async def run(self, ctx: Context) -> None:
        with contextlib.suppress(EndOfStream):
            await self.harness.run(ctx)
        self._stopped = True
        await self.harness.on_stop(ctx)
        outputs: list[ReceiveStream[Any]] = [
            getattr(self.harness.outputs, f.name) for f in dataclasses.fields(self.harness.outputs)
        ]
        async with anyio.create_task_group() as tg:
            for output in outputs:
                tg.start_soon(_discard, output)

    async def on_stop(self, ctx: Context) -> None:
        if not self._stopped:
            await self.harness.on_stop(ctx)


async def _discard(output: ReceiveStream[Any]) -> None:
    async for _ in output:
        pass
