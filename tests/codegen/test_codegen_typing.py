"""mypy --strict and ruff over generated code and over user code written against it.

One mypy run covers: every golden expected tree (copied under distinct package names, since
generated code only uses relative imports), the positive typing files (must be clean) and the
negative typing files (the set of (file, line, code) errors must equal the ``# expect:``
markers, mypy-protobuf style; messages are not compared, they drift between mypy versions).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from codegen_helpers import REPO, run_mypy

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
POSITIVE = sorted((HERE / "typing" / "positive").glob("*.py"))
NEGATIVE = sorted((HERE / "typing" / "negative").glob("*.py"))
_EXPECT = re.compile(r"#\s*expect:\s*\[([a-z-]+)\]")
_ERROR = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: .*\[(?P<code>[a-z-]+)\]$")


@pytest.fixture(scope="module")
def mypy_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int, Path]:
    work = tmp_path_factory.mktemp("typing")
    for case in sorted(p.name for p in GOLDEN.iterdir() if (p / "expected").is_dir()):
        shutil.copytree(GOLDEN / case / "expected", work / f"golden_{case}")
    paths = [work / p.name for p in sorted(work.iterdir())] + POSITIVE + NEGATIVE
    out, status = run_mypy(paths, work / ".mypy_cache", cwd=REPO)
    return out, status, work


def test_generated_trees_and_positive_files_are_clean(mypy_run: tuple[str, int, Path]) -> None:
    out, _, _ = mypy_run
    negative = {p.name for p in NEGATIVE}
    unexpected = [
        line for line in out.splitlines() if line and Path(line.split(":")[0]).name not in negative
    ]
    assert unexpected == [], out


def test_negative_files_flag_exactly_the_marked_lines(mypy_run: tuple[str, int, Path]) -> None:
    out, status, _ = mypy_run
    assert status == 1
    found: set[tuple[str, int, str]] = set()
    for line in out.splitlines():
        m = _ERROR.match(line)
        if m and Path(m["path"]).name in {p.name for p in NEGATIVE}:
            found.add((Path(m["path"]).name, int(m["line"]), m["code"]))
    expected: set[tuple[str, int, str]] = set()
    for path in NEGATIVE:
        for n, text in enumerate(path.read_text().splitlines(), start=1):
            m = _EXPECT.search(text)
            if m:
                expected.add((path.name, n, m[1]))
    assert len(expected) >= 8
    assert found == expected, out


def test_generated_trees_pass_ruff(mypy_run: tuple[str, int, Path]) -> None:
    """ruff check (the project's rules, no per-file ignores) and ruff format on every tree."""
    _, _, work = mypy_run
    trees = [str(p) for p in sorted(work.glob("golden_*"))]
    ruff = [sys.executable, "-m", "ruff"]
    check = subprocess.run(
        [*ruff, "check", "--config", "pyproject.toml", "--no-cache", *trees],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = subprocess.run(
        [*ruff, "format", "--check", "--config", "pyproject.toml", "--no-cache", *trees],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
