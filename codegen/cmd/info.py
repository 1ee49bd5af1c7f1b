"""``chrono info FILE.mcap``: what a recording holds (SPEC §6.2), from one checked pass.

Prints the run's metadata, the duration, and per topic the message count, rate and type; exit 0.
A file that is not a readable chrono recording (not MCAP, damaged, foreign encodings, payloads
that do not match their schemas) is one ``chrono: error:`` line and exit 1; a truncated file
prints what it holds up to the cut, then the error, and exits 1.
"""

# No ``from __future__ import annotations``: Typer reads these signatures at run time.
# chrono_daemon.recording (mcap, jsonschema) is imported inside the command: every ``chrono``
# invocation imports this module.

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from chrono_daemon.recording.info import RecordingInfo

__all__ = ("format_info", "info_command", "load_recording_library")


def load_recording_library() -> None:
    """Exit 1 with the install hint when the ``record`` extra is missing."""
    try:
        import chrono_daemon.recording  # noqa: F401
    except ImportError as exc:
        typer.echo(f"chrono: error: {exc}", err=True)
        raise typer.Exit(1) from None


def _seconds(ns: int | None) -> str:
    return "-" if ns is None else f"{ns / 1e9:.9f}"


def format_info(info: "RecordingInfo") -> list[str]:
    """The lines ``chrono info`` prints for ``info``."""
    import msgspec

    lines = [f"file:      {info.path}", f"written by {info.library or '?'}"]
    for run in info.runs:
        process = f", process {run['process']}" if run.get("process") else ""
        lines.append(
            f"graph:     {run.get('graph') or '-'}{process} (chrono {run.get('chrono_version')}, "
            f"format {run.get('format')})"
        )
        if run.get("clock"):
            until = f" --until {run['until']}" if run.get("until") else ""
            lines.append(f"  run:     --clock {run['clock']}{until} (grace {run.get('grace')} s)")
        if run.get("params", "{}") != "{}":
            lines.append(f"  params:  {run['params']}")
        files = msgspec.json.decode(run.get("schema_files", "{}"))
        for name, digest in sorted(files.items()):
            lines.append(f"  schema:  {name} sha256 {digest}")
    for name, data in info.metadata:
        if name not in ("chrono.recording", "chrono.end"):
            pairs = ", ".join(f"{k}={v}" for k, v in sorted(data.items()))
            lines.append(f"metadata:  {name}: {pairs}")
    start, end = info.start_time, info.end_time
    span = 0 if start is None or end is None else end - start
    lines.append(f"duration:  {span / 1e9:.9f} s (from t={_seconds(start)} to t={_seconds(end)})")
    closed = info.closed_at
    if closed is not None:
        ended = len(info.edge_ends)
        lines.append(
            f"closed:    at t={_seconds(closed)}; {ended} of {len(info.topics)} edges were "
            "closed by their producers before"
        )
    lines.append(f"messages:  {info.message_count:,} on {len(info.topics)} topics")
    width = max((len(t) for t in info.topics), default=5)
    for topic in info.topics.values():
        rate = "-" if topic.rate_hz is None else f"{topic.rate_hz:.3f} Hz"
        # The hash's first 12 hex digits, like a short git hash: enough to tell types apart.
        hashed = f" {topic.channel.type_hash[:18]}" if topic.channel.type_hash else ""
        lines.append(
            f"  {topic.channel.topic:<{width}}  {topic.count:>9,}  {rate:>14}  "
            f"{topic.channel.schema_name}{hashed}"
        )
    return lines


def info_command(
    file: Annotated[Path, typer.Argument(help="A recording (.mcap) written by chrono.")],
) -> None:
    """Show what FILE holds: duration, messages per topic, rates, types and the run's metadata.

    Every chunk is read and every message checked against its stored JSON Schema; a damaged or
    foreign file is an error (exit 1), a truncated one is shown up to the cut (exit 1).

    Example: chrono info run.mcap
    """
    load_recording_library()
    from chrono_daemon.recording import RecordingError
    from chrono_daemon.recording.info import inspect_recording

    try:
        info = inspect_recording(file)
    except RecordingError as exc:
        typer.echo(f"chrono: error: {exc}", err=True)
        raise typer.Exit(1) from None
    for line in format_info(info):
        typer.echo(line)
    if info.truncated is not None:
        typer.echo(f"chrono: error: {info.truncated}", err=True)
        raise typer.Exit(1)
