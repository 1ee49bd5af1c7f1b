"""Shared helpers for the code generator tests: schema dirs, CLI runs, snapshots, mypy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from codegen import format_error, generate
from codegen.cli import app

REPO = Path(__file__).resolve().parents[2]
# `chrono gen` keeps no-op manifests in a user cache dir (ADR 0007): keep tests out of ~/.cache.
_CACHE = tempfile.TemporaryDirectory(prefix="chrono-test-cache-")
CACHE_ENV = {"CHRONO_CACHE_DIR": _CACHE.name}
ERROR_LINE = re.compile(r"^[^:]+(:\d+(:\d+)?)?: (error|warning): .+$")

SIMPLE = """
[graph]
inputs.obs = "Obs"
outputs.cmds = "Cmd"

[messages.Obs]
doc = "An observation."
fields.t = "float"
fields.seq = "int"

[messages.Cmd]
fields.value = { type = "float", ge = -1.0, le = 1.0 }
fields.mode = { type = "Mode", default = "on" }

[enums.Mode]
values = ["off", "on"]

[daemons.policy]
kind = "reactive"
inputs.obs = "Obs"
outputs.cmd = "Cmd"
params.gain = { type = "float", default = 0.5 }

[[edges]]
from = "in.obs"
to = "policy.obs"

[[edges]]
from = "policy.cmd"
to = "out.cmds"
"""
"""A small valid graph schema used as a base by many tests."""


ROVER = """\
[graph]
inputs.goal = "Pose"
outputs.poses = "Pose"

[messages.Pose]
fields.x = "float"

[messages.Scan]
fields.r = "float"

[daemons.odom]
kind = "periodic"
rate_hz = 10.0
outputs.pose = "Pose"

[daemons.lidar]
kind = "periodic"
rate_hz = 10.0
outputs.scan = "Scan"

[daemons.safety]
kind = "run"
inputs.goal = "Pose"
inputs.scan = "Scan"
inputs.pose = { type = "Pose", read = "latest" }

[daemons.logger]
kind = "run"
inputs.pose = "Pose"

[[edges]]
from = "in.goal"
to = "safety.goal"

[[edges]]
from = "lidar.scan"
to = "safety.scan"

[[edges]]
from = "odom.pose"
to = ["safety.pose", "logger.pose", "out.poses"]
"""
"""A graph for scaffold tests: two periodic daemons, a run daemon with two stream inputs (and a
latest one), a run daemon with one."""


def write_schemas(directory: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``{file name: content}`` into ``directory`` (created) and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (directory / name).write_bytes(data)
    return directory


def errors_of(directory: Path) -> list[str]:
    """Every error/warning of ``directory`` as printed by the CLI (without the dir prefix)."""
    prefix = directory.as_posix() + "/"
    return [format_error(e).removeprefix(prefix) for e in generate(directory).errors]


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run ``chrono`` in-process; return (exit code, stdout, stderr)."""
    result = CliRunner(env=CACHE_ENV).invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def run_python(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` with the repo importable and a private cache; bounded to 60 s."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(REPO)
    full_env.update(CACHE_ENV)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd or REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kwargs,
    )


def run_cli_subprocess(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m codegen`` in a fresh interpreter (no shared state, real exit codes)."""
    return run_python("-m", "codegen", *args, cwd=cwd, env=env)


def snapshot(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under ``root``: relative path -> (inode, mtime_ns, content)."""
    out: dict[str, tuple[int, int, bytes]] = {}
    if not root.exists():
        return out
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            st = path.stat()
            out[path.relative_to(root).as_posix()] = (st.st_ino, st.st_mtime_ns, path.read_bytes())
    return out


def run_mypy(paths: list[Path], cache_dir: Path, cwd: Path) -> tuple[str, int]:
    """``mypy --strict`` over ``paths`` with a shared cache; returns (stdout, exit status)."""
    from mypy import api

    old = Path.cwd()
    limit = sys.getrecursionlimit()  # mypy raises it; hypothesis warns if it leaks
    os.chdir(cwd)
    try:
        stdout, stderr, status = api.run(
            [
                "--strict",
                "--no-error-summary",
                "--show-error-codes",
                "--cache-dir",
                str(cache_dir),
                "--config-file",
                str(REPO / "pyproject.toml"),
                *[str(p) for p in paths],
            ]
        )
    finally:
        os.chdir(old)
        sys.setrecursionlimit(limit)
    return stdout + stderr, status
