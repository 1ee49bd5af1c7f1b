"""Record the edges of a graph to MCAP, read them back, merge, feed and compare recordings.

An optional subpackage (extra ``record``: mcap, jsonschema), outside the anyio-only core:
nothing in the core imports it. ``Recorder`` is an ``EdgeTap``: pass it as a generated graph's
``tap=`` or call ``recorder.tap(topic, type, send)`` on a hand-wired edge. See
docs/recording.md and ADRs 0024 (the file) and 0025 (the writer).
"""

try:
    import mcap  # noqa: F401 - imported for the friendly error below
    import msgspec  # noqa: F401
except ImportError as _exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "chrono_daemon.recording needs the optional recording dependencies (mcap, msgspec); "
        'install them with: pip install "chrono-daemon[record]"'
    ) from _exc

from ._errors import CorruptRecording as CorruptRecording
from ._errors import IncompatibleRecording as IncompatibleRecording
from ._errors import NotARecording as NotARecording
from ._errors import RecordingClosed as RecordingClosed
from ._errors import RecordingError as RecordingError
from ._errors import TruncatedRecording as TruncatedRecording
from ._errors import UnsupportedRecording as UnsupportedRecording
from ._scan import RecordedChannel as RecordedChannel
from ._schema import json_schema as json_schema
from .compare import Divergence as Divergence
from .compare import FieldDiff as FieldDiff
from .compare import compare_recordings as compare_recordings
from .compat import check_types as check_types
from .feed import feed as feed
from .info import RecordingInfo as RecordingInfo
from .info import TopicInfo as TopicInfo
from .info import inspect_recording as inspect_recording
from .merge import merge_recordings as merge_recordings
from .reader import RecordedMessage as RecordedMessage
from .reader import read_messages as read_messages
from .reader import seconds as seconds
from .recorder import Recorder as Recorder
from .recorder import RecorderStats as RecorderStats
from .recorder import schema_file_hashes as schema_file_hashes

__all__ = (
    "CorruptRecording",
    "Divergence",
    "FieldDiff",
    "IncompatibleRecording",
    "NotARecording",
    "RecordedChannel",
    "RecordedMessage",
    "Recorder",
    "RecorderStats",
    "RecordingClosed",
    "RecordingError",
    "RecordingInfo",
    "TopicInfo",
    "TruncatedRecording",
    "UnsupportedRecording",
    "check_types",
    "compare_recordings",
    "feed",
    "inspect_recording",
    "json_schema",
    "merge_recordings",
    "read_messages",
    "schema_file_hashes",
    "seconds",
)
