"""The control channel between ``chrono launch`` and each child it starts.

One pair of ZeroMQ edges per child, bound by the launcher in its private directory: ``up``
(child -> launcher) and ``down`` (launcher -> child), carrying ``ControlMessage`` values
(msgspec tagged Structs, validated on receipt). The child learns the two addresses from the
``CHRONO_CONTROL`` environment variable. Today a child reports ``Ready`` once its daemons have
started, and takes the ``down`` edge ending (the launcher closed it, or died) as an order to
stop; the lockstep clock of issue 11 adds its own message kinds to the union.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec

from chrono_daemon.lockstep.protocol import Grant, Release, Report, Stop
from chrono_daemon.transports.zmq import MsgpackSerde, ZmqConfig, open_zmq_receive, open_zmq_send

if TYPE_CHECKING:
    from pathlib import Path

    from chrono_daemon import ReceiveStream, SendStream

__all__ = (
    "CONTROL_ENV",
    "LAUNCHER_PID_ENV",
    "LOCKSTEP_ENV",
    "ControlLink",
    "ControlMessage",
    "Ready",
    "bind_control",
    "connect_control",
)

CONTROL_ENV = "CHRONO_CONTROL"
"""``"<up address> <down address>"``: set by ``chrono launch`` in each child's environment."""

LOCKSTEP_ENV = "CHRONO_LOCKSTEP"
"""Set (to ``1``) by ``chrono launch --clock sim``: the child follows the lockstep coordinator
on its control channel instead of driving its own SimClock."""

LAUNCHER_PID_ENV = "CHRONO_LAUNCHER_PID"
"""The launcher's pid: a child that finds another parent knows the launcher is gone."""


class Ready(msgspec.Struct, frozen=True, kw_only=True, tag="ready"):
    """Child -> launcher: every daemon of ``process`` has finished ``on_start``."""

    process: str
    pid: int


ControlMessage = Ready | Grant | Release | Stop | Report
"""Everything the control channel carries: ``Ready``, and the lockstep commands and reports
(``chrono_daemon.lockstep.protocol``)."""


@dataclass
class ControlLink:
    """One side of a child's control channel: send on ``send``, receive from ``recv``."""

    send: SendStream[ControlMessage]
    recv: ReceiveStream[ControlMessage]

    async def aclose(self) -> None:
        """Close both ends (the peer sees ``EndOfStream``)."""
        await self.send.aclose()
        await self.recv.aclose()


def _config() -> ZmqConfig:
    return ZmqConfig(maxsize=16, linger_ms=200, detect_peer_loss=True)


def bind_control(directory: Path, process: str) -> tuple[ControlLink, str]:
    """The launcher's side for child ``process``, and the ``CHRONO_CONTROL`` value to give it."""
    serde = MsgpackSerde(ControlMessage)
    up = open_zmq_receive(f"ipc://{directory}/{process}.up", serde=serde, config=_config())
    down = open_zmq_send(
        f"ipc://{directory}/{process}.down", bind=True, serde=serde, config=_config()
    )
    return ControlLink(send=down, recv=up), f"{up.address} {down.address}"


def connect_control(value: str | None = None) -> ControlLink | None:
    """The child's side, from ``value`` (default: ``$CHRONO_CONTROL``); None when unset."""
    value = os.environ.get(CONTROL_ENV) if value is None else value
    if not value:
        return None
    up, down = value.split()
    serde = MsgpackSerde(ControlMessage)
    send = open_zmq_send(up, serde=serde, config=_config())
    recv = open_zmq_receive(down, bind=False, serde=serde, config=_config())
    return ControlLink(send=send, recv=recv)
