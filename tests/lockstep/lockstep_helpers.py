"""Shared by the lockstep tests: a recording tap, and the one-process / lockstep runs of a plan."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio

from chrono_daemon._order import current_tag
from chrono_daemon.lockstep import run_local
from chrono_daemon.run import execute

if TYPE_CHECKING:
    from chrono_daemon import ChannelStats, SendStream
    from chrono_daemon.lockstep import LocalOutcome
    from chrono_daemon.run import RunOutcome, RunPlan

Trace = dict[str, list[tuple[float, str]]]
"""Every message sent on each producer port (topic), in order, with its virtual time."""

BOUND = 60.0  # wall seconds any one run may take


class Recorder:
    """An ``EdgeTap`` that records every item each producer port sends, with the sender's
    virtual time (the clock of the daemon's supervisor: each process has its own)."""

    def __init__(self) -> None:
        self.trace: Trace = {}

    def tap(self, topic: str, message_type: object, send: SendStream[Any]) -> SendStream[Any]:
        return _Recorded(send, self.trace.setdefault(topic, []))


class _Recorded:
    def __init__(self, inner: SendStream[Any], log: list[tuple[float, str]]) -> None:
        self._inner = inner
        self._log = log

    def _note(self, item: Any) -> None:
        clock = current_tag.get().clock
        assert clock is not None
        self._log.append((clock.now(), repr(item)))

    async def send(self, item: Any) -> None:
        await self._inner.send(item)
        self._note(item)

    def send_nowait(self, item: Any) -> None:
        self._inner.send_nowait(item)
        self._note(item)

    async def aclose(self) -> None:
        await self._inner.aclose()

    def statistics(self) -> ChannelStats:
        return self._inner.statistics()


def run_whole(plan: RunPlan, backend: str, until: float | None = None) -> tuple[RunOutcome, Trace]:
    """The graph in one process under SimClock (``chrono run --clock sim``)."""
    recorder = Recorder()

    async def main() -> RunOutcome:
        with anyio.fail_after(BOUND):
            built = plan.build(tap=recorder)
            return await execute(built, clock="sim", until=until, handle_signals=False)

    return anyio.run(main, backend=backend), recorder.trace


def run_split(
    plan: RunPlan, backend: str, until: float | None = None
) -> tuple[LocalOutcome, Trace]:
    """Every process of the graph in lockstep, in one event loop (``run_local``)."""
    recorder = Recorder()

    async def main() -> LocalOutcome:
        with anyio.fail_after(BOUND):
            return await run_local(plan, until=until, tap=recorder)

    return anyio.run(main, backend=backend), recorder.trace


def upto(trace: Trace, until: float) -> Trace:
    """``trace`` without what was sent after ``until``."""
    return {topic: [m for m in log if m[0] <= until] for topic, log in trace.items()}


def trace_lines(lines: list[str]) -> Trace:
    """The ``TRACE <t> <topic> <message>`` lines that ``stack_impl`` prints (``[process] ``
    prefixes of ``chrono launch`` dropped), by topic, in order."""
    trace: Trace = {}
    for line in lines:
        if line.startswith("["):
            line = line.partition("] ")[2]
        if line.startswith("TRACE "):
            _, t, topic, message = line.split(" ", 3)
            trace.setdefault(topic, []).append((float(t), message))
    return trace


def without_graph(trace: Trace) -> Trace:
    """``trace`` with topics as ``stack_impl`` prints them (``system_stack/`` dropped)."""
    return {topic.partition("/")[2]: log for topic, log in trace.items()}
