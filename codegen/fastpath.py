"""The no-op fast path of ``chrono gen``: skip load/resolve/render when nothing can have changed.

A full run over 1,000 messages spends ~0.7 s in load, resolve and render before the writer can
see that every file is unchanged (bench/RESULTS.md, "codegen"). After each successful write, a
small manifest records a fingerprint of everything the output depends on and the ``lstat`` of
every file in OUT. The next ``chrono gen`` with the same fingerprint and an untouched OUT exits
at once; anything else (a schema byte, a file name in DIR, the generator's own code, its
version, the Python version, a generated file edited, added, removed or replaced by a symlink,
staging leftovers of an interrupted write) takes the full path.

The manifest lives in the user cache directory (``$CHRONO_CACHE_DIR``, else
``$XDG_CACHE_HOME/chrono``, else ``~/.cache/chrono``), one file per absolute OUT path: OUT keeps
containing only generated files, so ``--check`` and the writer's refusals are unaffected. Every
failure here (unreadable cache, odd files) means "not known to be up to date": the fast path can
only skip work, never change what a run produces. Only the CLI calls this module.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .outdir import siblings, snapshot

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .outdir import FileStat

__all__ = ("FORMAT", "FastPath", "cache_dir", "probe", "record")

FORMAT = "chrono-gen-manifest-1"
"""Bumped when the manifest layout or the fingerprint recipe changes."""

_GENERATOR = Path(__file__).resolve().parent
# The runtime's version file, found without importing the runtime (the fast path exists to avoid
# start-up work, and ``import chrono_daemon`` pulls in anyio and asyncio).
_RUNTIME_SPEC = importlib.util.find_spec("chrono_daemon")
_RUNTIME_VERSION = (
    Path(_RUNTIME_SPEC.origin).with_name("_version.py")
    if _RUNTIME_SPEC is not None and _RUNTIME_SPEC.origin is not None
    else None
)


def cache_dir() -> Path:
    """Where manifests are kept (see the module docstring)."""
    explicit = os.environ.get("CHRONO_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "chrono"


def _manifest_path(out: Path) -> Path:
    digest = hashlib.sha256(str(out.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    return cache_dir() / f"gen-{digest[:32]}.json"


def _feed(h: hashlib._Hash, label: str, data: bytes) -> None:
    # Length-prefixed, so no two different inputs can produce the same byte stream.
    encoded = label.encode("utf-8", "surrogateescape")
    h.update(len(encoded).to_bytes(8, "big") + encoded + len(data).to_bytes(8, "big") + data)


def _fingerprint(directory: Path) -> str:
    """Hash of everything ``chrono gen DIR`` output depends on (raises OSError if unreadable)."""
    h = hashlib.sha256()
    _feed(h, "format", FORMAT.encode())
    _feed(h, "python", repr(sys.version_info[:2]).encode())
    _feed(h, "runtime", b"" if _RUNTIME_VERSION is None else _RUNTIME_VERSION.read_bytes())
    for path in sorted(_GENERATOR.rglob("*")):
        if path.suffix in (".py", ".jinja") and "__pycache__" not in path.parts:
            _feed(h, f"gen:{path.relative_to(_GENERATOR).as_posix()}", path.read_bytes())
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        data = b""
        if entry.name.lower().endswith(".toml") and entry.is_file():
            data = Path(entry.path).read_bytes()
        _feed(h, f"dir:{entry.name}", data)
    return h.hexdigest()


def _leftovers(out: Path) -> bool:
    # The writer stages next to OUT; leftovers mean an interrupted write it must clean up.
    parts = siblings(out)
    return parts.staging.exists() or parts.old.exists()


@dataclass(frozen=True)
class FastPath:
    """The result of ``probe``: the fingerprint to record later, and the verdict.

    ``unchanged`` is the number of files in OUT when it is known to be up to date, else None.
    ``key`` is None when the inputs could not be fingerprinted (then nothing is recorded).
    """

    key: str | None
    unchanged: int | None


def probe(directory: Path, out: Path) -> FastPath:
    """Fingerprint the inputs and compare with the manifest of OUT; never raises.

    Call it before generating: the key describes the inputs as they were when the run began,
    so a schema edited during the run is caught by the next one.
    """
    try:
        return _probe(directory, out)
    except Exception:  # an optimisation must never fail the command: take the full path
        return FastPath(None, None)


def _probe(directory: Path, out: Path) -> FastPath:
    try:
        key = _fingerprint(directory)
    except OSError:
        return FastPath(None, None)
    try:
        manifest = json.loads(_manifest_path(out).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT or manifest.get("key") != key or _leftovers(out):
            return FastPath(key, None)
        recorded = {rel: tuple(stat) for rel, stat in manifest["files"].items()}
        tree = snapshot(out)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return FastPath(key, None)
    if tree is None or tree != recorded:
        return FastPath(key, None)
    return FastPath(key, len(tree))


def record(fast: FastPath, out: Path, tree: Mapping[str, FileStat] | None) -> None:
    """After a successful write, remember ``tree`` as OUT for ``fast.key``; never raises.

    ``tree`` is ``WriteReport.snapshot``: taken by the writer under OUT's lock, so it is the tree
    this run wrote or verified, never one that another ``chrono gen`` left a moment later.
    """
    if fast.key is None or tree is None:
        return
    try:
        path = _manifest_path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"format": FORMAT, "key": fast.key, "out": str(out.resolve()), "files": dict(tree)}
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except Exception:  # best effort, like any cache
        return
