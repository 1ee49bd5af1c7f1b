"""chrono-daemon: an AnyIO runtime for time-driven async daemon graphs.

Four primitives: ``Daemon`` (long-running unit), ``Channel[T]`` (typed bounded SPSC edge),
``Clock`` (``WallClock`` or driver-advanced ``SimClock``) and ``Supervisor`` (structured host).
Everything else lives in ``chrono_daemon.recipes``.
"""

from ._errors import ChannelClosed as ChannelClosed
from ._errors import ChannelInUse as ChannelInUse
from ._errors import DaemonError as DaemonError
from ._errors import EndOfStream as EndOfStream
from ._errors import OnError as OnError
from ._errors import WouldBlock as WouldBlock
from ._version import __version__ as __version__
from ._wallwait import WallClockWaitError as WallClockWaitError
from ._wallwait import WallClockWaitWarning as WallClockWaitWarning
from .channel import Channel as Channel
from .channel import ChannelStats as ChannelStats
from .channel import ReceiveStream as ReceiveStream
from .channel import SendStream as SendStream
from .channel import open_channel as open_channel
from .clock import Clock as Clock
from .clock import SimClock as SimClock
from .clock import WallClock as WallClock
from .context import Context as Context
from .daemon import Daemon as Daemon
from .daemon import daemon as daemon
from .supervisor import DaemonFailurePhase as DaemonFailurePhase
from .supervisor import DaemonHealth as DaemonHealth
from .supervisor import DaemonState as DaemonState
from .supervisor import RestartPolicy as RestartPolicy
from .supervisor import Supervisor as Supervisor

__all__ = (
    "Channel",
    "ChannelClosed",
    "ChannelInUse",
    "ChannelStats",
    "Clock",
    "Context",
    "Daemon",
    "DaemonError",
    "DaemonFailurePhase",
    "DaemonHealth",
    "DaemonState",
    "EndOfStream",
    "OnError",
    "ReceiveStream",
    "RestartPolicy",
    "SendStream",
    "SimClock",
    "Supervisor",
    "WallClock",
    "WallClockWaitError",
    "WallClockWaitWarning",
    "WouldBlock",
    "__version__",
    "daemon",
    "open_channel",
)
