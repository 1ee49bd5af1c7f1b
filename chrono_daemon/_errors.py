"""The runtime's exceptions (SPEC §2.1).

`EndOfStream`, `WouldBlock` and `ChannelInUse` subclass their anyio counterparts, so code that
already catches anyio's exceptions keeps working on chrono-daemon endpoints.
"""

from __future__ import annotations

from typing import Literal

import anyio

__all__ = (
    "ChannelClosed",
    "ChannelInUse",
    "DaemonError",
    "EndOfStream",
    "OnError",
    "WouldBlock",
)

OnError = Literal["shutdown", "restart", "ignore"]


class EndOfStream(anyio.EndOfStream):
    """The send side was closed and every buffered item has been received."""


class ChannelClosed(Exception):
    """The other side of the channel is gone, or this side was closed already."""


class ChannelInUse(anyio.BusyResourceError):
    """A second task blocked on an endpoint while another task was still blocked on it.

    Channels are single-producer / single-consumer; use a routing recipe for N:1 or 1:N.
    """

    def __init__(self, action: str = "sending") -> None:
        Exception.__init__(
            self,
            f"another task is already {action} on this endpoint; channels are single-producer/"
            "single-consumer (use a routing recipe such as merge or tee for N:1 or 1:N)",
        )


class WouldBlock(anyio.WouldBlock):
    """A ``*_nowait`` call could not complete without blocking."""


class DaemonError(Exception):
    """An exception escaped a daemon; names the daemon and chains the original as ``__cause__``.

    Attributes:
        name: the daemon's name within its supervisor.
        error: the exception that escaped the daemon.
        phase: where it escaped: ``"on_start"``, ``"run"`` or ``"on_stop"``.
    """

    def __init__(self, name: str, error: BaseException, phase: str = "run") -> None:
        super().__init__(f"daemon {name!r} failed in {phase}: {error!r}")
        self.name = name
        self.error = error
        self.phase = phase
        self.__cause__ = error
