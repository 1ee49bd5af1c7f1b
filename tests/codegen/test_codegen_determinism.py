"""Byte-identical output whatever the hash seed, working directory, path spelling or file
creation order (RELIABILITY E.42); no absolute path ever reaches the output."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

from codegen_helpers import CACHE_ENV, REPO, snapshot

if TYPE_CHECKING:
    from pathlib import Path


def _gen(directory: str, out: str, cwd: Path, seed: str) -> None:
    env = {
        **os.environ,
        **CACHE_ENV,
        "PYTHONPATH": str(REPO),
        "PYTHONHASHSEED": seed,
        "LC_ALL": "C",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "codegen", "gen", directory, "-o", out],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def _contents(root: Path) -> dict[str, bytes]:
    return {p: v[2] for p, v in snapshot(root).items()}


def test_output_is_environment_independent(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    names = sorted(p.name for p in (REPO / "schemas").glob("*.toml"))
    for name in reversed(names):  # created in reverse order
        shutil.copy(REPO / "schemas" / name, schemas / name)
    _gen("schemas", "out0", tmp_path, "0")
    _gen(str(schemas), str(tmp_path / "out1"), REPO, "1")
    (tmp_path / "deep").mkdir()
    _gen("../schemas", "../out2", tmp_path / "deep", "random")
    trees = [_contents(tmp_path / f"out{i}") for i in range(3)]
    assert trees[0] == trees[1] == trees[2]
    assert trees[0] == _contents(REPO / "generated")
    for data in trees[0].values():
        assert str(tmp_path).encode() not in data
        assert str(REPO).encode() not in data
