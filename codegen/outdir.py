"""The output directory OUT: which paths may be one, the paths kept next to it, its lstat.

``chrono gen`` replaces OUT as a whole (ADR 0012), so OUT must be a directory of its own: never
the file-system root, the home directory, the current directory or a directory that contains
one of them (``unsuitable``). Next to OUT live the writer's staging tree, the parked old tree
and the lock (``Siblings``). ``snapshot`` is the ``lstat`` of every file of OUT that the no-op
fast path compares (ADR 0007). Standard library only: the fast path imports this module and
must not pay for the pipeline.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ("FileStat", "Siblings", "siblings", "snapshot", "unsuitable")

FileStat = tuple[int, int, int]
"""``(size, mtime_ns, inode)`` of one file: what the fast path compares."""

_SKIP_DIRS = frozenset({"__pycache__"})


@dataclass(frozen=True)
class Siblings:
    """The paths the writer keeps next to OUT, all hidden (``.OUT.chrono-*``)."""

    staging: Path
    """``.OUT.chrono-new``: the new tree while it is being written."""
    old: Path
    """``.OUT.chrono-old``: the previous tree between the two renames of a swap."""
    lock: Path
    """``.OUT.chrono-lock``: held while a writer changes OUT, removed when it is done."""


def siblings(out: Path) -> Siblings:
    """The sibling paths of ``out`` (see ``Siblings``)."""
    base = out.parent / f".{out.name}.chrono"
    return Siblings(Path(f"{base}-new"), Path(f"{base}-old"), Path(f"{base}-lock"))


def _within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def unsuitable(out: Path) -> str | None:
    """Why ``out`` cannot be an output directory, or None when it can.

    Refused, after resolving symlinks and ``..``: a file-system root, the home directory or any
    directory containing it, and the current directory or any directory containing it (the
    swap would leave the shell in a deleted directory). Checked before anything is read, so a
    mistaken ``-o /`` fails at once instead of walking the whole machine.
    """
    target = out.resolve()
    if target.parent == target:
        return "is the root of the file system"
    try:
        home: Path | None = Path.home().resolve()
    except (KeyError, RuntimeError):  # no HOME and no passwd entry: nothing to protect
        home = None
    if home is not None and _within(home, target):
        return "is your home directory" if home == target else "contains your home directory"
    cwd = Path.cwd().resolve()
    if _within(cwd, target):
        return "is the current directory" if cwd == target else "contains the current directory"
    return None


def snapshot(out: Path) -> dict[str, FileStat] | None:
    """``lstat`` of every file under OUT; None when OUT holds anything but dirs and files."""
    if out.is_symlink() or not out.is_dir():
        return None
    found: dict[str, FileStat] = {}
    pending = [out]
    while pending:
        current = pending.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                if entry.is_symlink():
                    return None
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in _SKIP_DIRS:
                        pending.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    rel = Path(entry.path).relative_to(out).as_posix()
                    found[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)
                else:
                    return None
    return found
