"""``chrono merge A.mcap B.mcap ... -o OUT.mcap``: the per-process recordings of one run, merged.

Each process of a multi-process graph records its own edges; this writes one file with every
message in time order (ties in topic order), the same whatever the order of the inputs.
``--salvage`` accepts interrupted inputs and keeps what they hold up to the cut: with one input,
it turns a killed recording into a complete file. Exit 0, or 1 with one ``chrono: error:`` line
(nothing is written then).
"""

# No ``from __future__ import annotations``: Typer reads these signatures at run time.

from pathlib import Path
from typing import Annotated

import typer

from ._common import plural
from .info import load_recording_library

__all__ = ("merge_command",)


def merge_command(
    files: Annotated[list[Path], typer.Argument(help="The recordings (.mcap) to merge.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="The merged recording to write.")],
    salvage: Annotated[
        bool,
        typer.Option("--salvage", help="Keep what truncated inputs hold up to the cut."),
    ] = False,
) -> None:
    """Merge the recordings FILES of one run into OUT, by time.

    Example: chrono merge planner.mcap policy.mcap -o run.mcap
    """
    load_recording_library()
    from chrono_daemon.recording import RecordingError
    from chrono_daemon.recording.merge import merge_recordings

    try:
        count = merge_recordings(files, out, allow_truncated=salvage)
    except RecordingError as exc:
        hint = "; --salvage keeps what it holds" if "truncated at byte" in str(exc) else ""
        typer.echo(f"chrono: error: {exc}{hint}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"chrono: {out}: {plural(count, 'message')} from {plural(len(files), 'recording')}")
