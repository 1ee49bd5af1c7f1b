"""The one-time warning for ZeroMQ edges under a SimClock without lockstep (issue 11).

A SimClock's virtual time covers what happens in its event loop; a message in flight on a
ZeroMQ edge is invisible to it, so a graph split across processes (hand-wired, or one process
of a split graph run alone with ``chrono run --process P --clock sim``) gets results that
depend on socket timing. The first time a daemon of a SimClock supervisor waits on a ZMQ
endpoint, this warns once per process. Lockstep (``chrono launch --clock sim``) never
triggers it: its wires are waited on by its own tasks, outside any daemon.
"""

from __future__ import annotations

import warnings

from chrono_daemon._order import current_tag
from chrono_daemon.clock import SimClock

__all__ = ("CrossProcessTimeWarning", "check")


class CrossProcessTimeWarning(RuntimeWarning):
    """A daemon under a SimClock uses a ZeroMQ edge outside lockstep: virtual time does not
    cover messages between processes. Run the split graph with ``chrono launch --clock sim``
    (lockstep), or the whole graph in one process with ``chrono run --clock sim``."""


_warned = False


def check(address: str) -> None:
    """Warn (once per process) if the calling task is a daemon of a SimClock supervisor."""
    global _warned
    if _warned or not isinstance(current_tag.get().clock, SimClock):
        return
    _warned = True
    tag = current_tag.get()
    warnings.warn(
        f"daemon {tag.daemon!r} runs under a SimClock and waits on ZeroMQ edge {address!r}: "
        "virtual time does not cover messages between processes, so results depend on socket "
        "timing and may differ from run to run. Run the split graph with 'chrono launch "
        "--clock sim' (lockstep virtual time), or the whole graph in one process with "
        "'chrono run --clock sim'",
        CrossProcessTimeWarning,
        stacklevel=4,
    )
