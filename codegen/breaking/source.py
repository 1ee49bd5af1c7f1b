"""Where OLD comes from: a schema directory, or a git revision read without a checkout.

``read_against(new_dir, against)``: when ``against`` is a directory, it is loaded like any
schema directory. Otherwise it is a git revision of the repository that holds ``new_dir``:
``REV`` compares with the directory at the same path inside the repository at ``REV``
(``--against main`` for ``schemas/`` reads ``main:schemas/``), and ``REV:PATH`` names the
directory explicitly (``PATH`` from the repository root, as git spells it). Files are read
with ``git ls-tree`` and ``git cat-file``: nothing is checked out, the work tree and index are
left alone. With ``REV`` alone, a directory that does not exist at ``REV`` (or holds no schema
files there) is an empty schema set: the first change that adds schemas breaks nothing. An
explicit ``REV:PATH`` that does not exist or holds no schema files is an error naming it (a
typo in a CI job must not pass forever), with the closest directory at ``REV`` as a hint.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SchemaError, sort_errors
from ..load import MAX_FILE_BYTES, LoadResult, RawFile, load, load_text
from ..suggest import suggest

__all__ = ("AgainstError", "OldSchemas", "read_against")

GIT_TIMEOUT = 60.0
"""Seconds any one git command may take (a huge or remote-backed repository)."""


class AgainstError(Exception):
    """``--against`` names neither a directory nor a git revision that can be read."""


@dataclass(frozen=True)
class OldSchemas:
    """The OLD side: what was loaded, how to name it, and a note for the user (or None)."""

    label: str
    loaded: LoadResult = field(default_factory=LoadResult)
    note: str | None = None


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
            env=env,
        )
    except FileNotFoundError:
        raise AgainstError(
            "git is not installed (or not on PATH), so a revision cannot be read; pass a "
            "schema directory to --against instead"
        ) from None
    except subprocess.TimeoutExpired:
        raise AgainstError(f"git {args[0]} took longer than {GIT_TIMEOUT:.0f} s") from None


def _stderr(result: subprocess.CompletedProcess[bytes]) -> str:
    text = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return text[-1] if text else f"exit status {result.returncode}"


def read_against(new_dir: Path, against: str) -> OldSchemas:
    """Load OLD for comparing with ``new_dir`` (see the module docstring).

    Raises:
        AgainstError: ``against`` is not a directory, and not a revision git can read.
    """
    if Path(against).is_dir():
        return OldSchemas(against, load(Path(against)))
    if not new_dir.is_dir():
        raise AgainstError(f"{new_dir.as_posix()!r} is not a directory")
    rev, colon, explicit = against.partition(":")
    top = _git(new_dir, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise AgainstError(
            f"{against!r} is not a directory, and {new_dir.as_posix()!r} is not inside a git "
            "repository, so it cannot be a git revision either"
        )
    commit = _git(
        new_dir, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"
    )
    if not rev or commit.returncode != 0:
        raise AgainstError(
            f"{against!r} is neither a directory nor a git revision of the repository at "
            f"{top.stdout.decode().strip()} (try a branch, tag, commit or HEAD~1)"
        )
    if colon:
        prefix = explicit.strip("/")
    else:
        shown = _git(new_dir, "rev-parse", "--show-prefix")
        prefix = shown.stdout.decode("utf-8", "surrogateescape").strip().rstrip("/")
    # From the top: ls-tree run inside a subdirectory lists only entries under it.
    root = Path(top.stdout.decode("utf-8", "surrogateescape").strip())
    return _read_tree(root, rev, prefix, commit.stdout.decode().strip(), explicit=bool(colon))


def _closest_dir(cwd: Path, rev: str, prefix: str) -> str:
    """`` (did you mean 'REV:dir'?)`` for the directory at ``REV`` closest to ``prefix``."""
    listing = _git(cwd, "ls-tree", "-r", "-d", "-z", "--name-only", "--end-of-options", rev)
    dirs = listing.stdout.decode("utf-8", "surrogateescape").split("\0")
    found = suggest(prefix, [d for d in dirs if d])
    return f" (did you mean '{rev}:{found}'?)" if found else ""


def _read_tree(cwd: Path, rev: str, prefix: str, commit: str, *, explicit: bool) -> OldSchemas:
    shown_dir = f"{rev}:{prefix}" if prefix else f"{rev}:"
    label = shown_dir.rstrip(":")
    listing = _git(cwd, "ls-tree", "-z", "-l", "--end-of-options", f"{commit}:{prefix}")
    if listing.returncode != 0:
        probe = _git(cwd, "cat-file", "-t", f"{commit}:{prefix}")
        if probe.returncode == 0:  # it exists, but is not a tree
            raise AgainstError(f"{shown_dir} is a {probe.stdout.decode().strip()}, not a directory")
        if explicit:
            raise AgainstError(
                f"{shown_dir} does not exist (PATH is from the repository root)"
                f"{_closest_dir(cwd, rev, prefix)}"
            )
        return OldSchemas(label, note=f"{shown_dir} does not exist: nothing to compare with")
    files: list[RawFile] = []
    errors: list[SchemaError] = []
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_name = entry.partition(b"\t")
        mode, kind, oid, size = meta.split()
        name = raw_name.decode("utf-8", "surrogateescape")
        if name.startswith(".") or name.endswith("~") or not name.endswith(".toml"):
            continue
        path = f"{shown_dir}/{name}" if prefix else f"{shown_dir}{name}"
        if kind != b"blob" or mode == b"120000":
            what = "a symlink" if mode == b"120000" else f"a {kind.decode()}"
            errors.append(SchemaError(path, 0, 0, f"is {what}, not a regular schema file"))
            continue
        if int(size) > MAX_FILE_BYTES:
            errors.append(
                SchemaError(
                    path, 0, 0, f"file too large ({int(size)} bytes; the limit is {MAX_FILE_BYTES})"
                )
            )
            continue
        blob = _git(cwd, "cat-file", "blob", oid.decode())
        if blob.returncode != 0:
            errors.append(SchemaError(path, 0, 0, f"git cannot read it: {_stderr(blob)}"))
            continue
        result = load_text(blob.stdout, path=path, name=name)
        files.extend(result.files)
        errors.extend(result.errors)
    if explicit and not (files or errors):
        raise AgainstError(f"{shown_dir} holds no schema files (*.toml)")
    note = None if files or errors else f"{shown_dir} holds no schema files: nothing to compare"
    return OldSchemas(label, LoadResult(tuple(files), sort_errors(errors)), note)
