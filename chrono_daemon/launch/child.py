"""The child side of ``chrono launch``: follow the launcher, report readiness, never outlive it.

A child started by the launcher finds ``CHRONO_LAUNCHER_PID`` and ``CHRONO_CONTROL`` in its
environment. ``die_with_launcher`` asks Linux for SIGTERM when the parent dies
(``PR_SET_PDEATHSIG``; elsewhere the control channel alone) and exits at once when the launcher
is already gone. ``follow_launcher`` reports ``Ready`` once every daemon started and stops the
run when the control channel ends or its peer is lost: a killed launcher leaves no orphans.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import TYPE_CHECKING

from chrono_daemon import ChannelClosed
from chrono_daemon.transports.zmq import ZmqChannelError

from .control import LAUNCHER_PID_ENV, ControlLink, Ready

if TYPE_CHECKING:
    from chrono_daemon import Supervisor

__all__ = ("die_with_launcher", "follow_launcher")

_PR_SET_PDEATHSIG = 1


def die_with_launcher() -> None:
    """Arrange for SIGTERM when the launcher dies; exit now if it already has. No-op outside
    a launch (``CHRONO_LAUNCHER_PID`` unset)."""
    launcher = os.environ.get(LAUNCHER_PID_ENV)
    if not launcher:
        return
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != int(launcher):
        os._exit(143)  # the launcher died before we could ask to follow it


async def follow_launcher(link: ControlLink, process: str, sup: Supervisor, grace: float) -> None:
    """Report ``Ready`` for ``process``; stop ``sup`` when the launcher goes away."""
    try:
        await link.send.send(Ready(process=process, pid=os.getpid()))
        async for _ in link.recv:
            pass  # no launcher -> child message needs an answer yet
    except (ChannelClosed, ZmqChannelError):
        pass
    await sup.stop(grace)
