"""Replay a recording into a graph under virtual time, and check the new run against it.

An optional subpackage (it needs the ``record`` extra, ``codegen`` and ``chrono_daemon.run``);
nothing in the core imports it. ``chrono replay`` is a thin layer over it::

    plan = plan_replay("run.mcap", Path("schemas"), "system_stack", "impl.system_stack",
                       replace=["s2_planner"])       # every check; nothing runs yet
    outcome = await replay(plan, check=True)         # under SimClock, as fast as possible
    outcome.divergence                               # None: the run matched the recording

The recorded graph inputs (and the outputs of each replaced daemon) are played back at their
recorded times; everything else runs. See docs/recording.md and ADR 0028.
"""

from .plan import ReplayPlan as ReplayPlan
from .plan import plan_replay as plan_replay
from .plan import port_types as port_types
from .runner import ReplayOutcome as ReplayOutcome
from .runner import replay as replay
from .source import RecordedRun as RecordedRun
from .source import read_run as read_run
from .stand_ins import Playback as Playback

__all__ = (
    "Playback",
    "RecordedRun",
    "ReplayOutcome",
    "ReplayPlan",
    "plan_replay",
    "port_types",
    "read_run",
    "replay",
)
