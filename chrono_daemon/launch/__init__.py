"""Start every process of a split graph and supervise them (``chrono launch``, SPEC §6.2).

An optional subpackage outside the anyio-only core (msgspec, pyzmq, ``codegen``); nothing in
the core imports it. ``launch(...)`` is the whole launcher; ``control`` is the launcher <->
child channel (which a lockstep coordinator extends) and ``child`` the children's side.
"""

from .control import CONTROL_ENV as CONTROL_ENV
from .control import LAUNCHER_PID_ENV as LAUNCHER_PID_ENV
from .control import ControlLink as ControlLink
from .control import ControlMessage as ControlMessage
from .control import Ready as Ready
from .launcher import LaunchOutcome as LaunchOutcome
from .launcher import describe_status as describe_status
from .launcher import launch as launch

__all__ = (
    "CONTROL_ENV",
    "LAUNCHER_PID_ENV",
    "ControlLink",
    "ControlMessage",
    "LaunchOutcome",
    "Ready",
    "describe_status",
    "launch",
)
