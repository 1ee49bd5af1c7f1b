"""``chrono launch --record F.mcap``: one recording per child, merged into F at the end.

Each child records the edges it produces (a topic has one producer, so one process) to
``F.<process>.mcap`` next to F, written in place as ``chrono run --record`` writes. Once every
child has exited, the launcher merges those files into F by time (``merge_recordings``: the
order one recorder would have written) and deletes them. After a failed or interrupted launch
the merge salvages what each file holds up to its cut (a killed child's file ends at its last
complete chunk) and says which files were cut. A launcher that is itself killed leaves the
per-process files: ``chrono merge F.*.mcap --salvage -o F.mcap`` recovers them (ADR 0029).
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import TYPE_CHECKING

from chrono_daemon.run.errors import RunError
from chrono_daemon.run.record import record_patterns

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from codegen.model import Module

    from .launcher import LaunchOutcome

__all__ = ("merge_parts", "part_paths", "record_args")


def part_paths(
    record: Path | None, processes: Sequence[str], module: Module, patterns: Sequence[str]
) -> dict[str, Path]:
    """Check ``--record`` before any child starts; each process's file (none without it).

    Raises:
        RunError: ``--record-topics`` without ``--record``, a pattern that matches nothing,
            a directory that does not exist, or the ``record`` extra is not installed.
    """
    if record is None:
        if patterns:
            raise RunError(["chrono launch: --record-topics selects what --record FILE records"])
        return {}
    record_patterns(module, patterns)
    try:
        import chrono_daemon.recording  # noqa: F401 - the children need it; say so now
    except ImportError as exc:
        raise RunError([f"chrono: --record: {exc}"]) from None
    target = record.absolute()
    if not target.parent.is_dir():
        raise RunError([f"chrono: --record {record}: directory {target.parent} does not exist"])
    suffix = target.suffix or ".mcap"
    return {p: target.with_name(f"{target.stem}.{p}{suffix}") for p in processes}


def record_args(parts: Mapping[str, Path], process: str, patterns: Sequence[str]) -> list[str]:
    """The ``chrono run`` options that make child ``process`` record its part."""
    if not parts:
        return []
    return ["--record", str(parts[process]), *(a for p in patterns for a in ("--record-topics", p))]


def merge_parts(record: Path, parts: Mapping[str, Path], outcome: LaunchOutcome) -> LaunchOutcome:
    """Merge the children's recordings into ``record``; ``outcome`` with what happened noted.

    A launch that succeeded needs every file complete; otherwise what each holds is kept
    up to its cut. If merging fails, the per-process files stay where they are, named in the
    notes, and a launch that had succeeded fails.
    """
    from chrono_daemon.recording import RecordingError, merge_recordings
    from chrono_daemon.recording.info import inspect_recording

    found = {name: path for name, path in parts.items() if path.exists()}
    notes = [
        f"chrono launch: --record: process {name!r} wrote no recording"
        for name in parts
        if name not in found
    ]
    if not found:
        return dataclasses.replace(outcome, notes=[*outcome.notes, *notes])
    salvage = outcome.exit_code != 0
    try:
        count = merge_recordings(list(found.values()), record, allow_truncated=salvage)
        cut = _truncated_inputs(inspect_recording(record, validate=False).metadata)
    except RecordingError as exc:
        listed = " ".join(str(p) for p in found.values())
        notes.append(
            f"chrono launch: --record: merging the processes' recordings failed: {exc}; they "
            f"are kept: chrono merge {listed} --salvage -o {record}"
        )
        code = outcome.exit_code or 1
        return dataclasses.replace(outcome, exit_code=code, notes=[*outcome.notes, *notes])
    for path in found.values():
        with contextlib.suppress(OSError):
            path.unlink()
    for name, path in found.items():
        if path.name in cut:
            notes.append(
                f"chrono launch: --record: the recording of process {name!r} was cut off "
                "(it did not stop cleanly): kept up to its last complete chunk"
            )
    notes.append(f"chrono launch: recorded {count:,} messages of {len(found)} processes: {record}")
    return dataclasses.replace(outcome, notes=[*outcome.notes, *notes])


def _truncated_inputs(metadata: list[tuple[str, dict[str, str]]]) -> set[str]:
    import msgspec

    for name, data in metadata:
        if name == "chrono.merge":
            return set(msgspec.json.decode(data.get("truncated_inputs", "[]")))
    return set()
