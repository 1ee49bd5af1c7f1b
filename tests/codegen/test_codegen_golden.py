"""Golden trees: schema cases in, the exact generated package out (STYLE "Golden tests").

Each ``golden/<case>/schemas`` is rendered in memory and compared file by file with
``golden/<case>/expected``; a mismatch shows a unified diff. ``UPDATE_GOLDEN=1`` rewrites the
expected trees (review the diff). ``generated/`` is the golden record of ``schemas/``.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path, PurePosixPath

import pytest

from codegen import generate

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "schemas").is_dir())
REPO = Path(__file__).resolve().parents[2]


def _tree(root: Path) -> dict[PurePosixPath, str]:
    return {
        PurePosixPath(p.relative_to(root).as_posix()): p.read_text("utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _compare(rendered: dict[PurePosixPath, str], expected: dict[PurePosixPath, str]) -> None:
    missing = sorted(str(p) for p in set(expected) - set(rendered))
    extra = sorted(str(p) for p in set(rendered) - set(expected))
    assert not missing, f"files not rendered: {missing}"
    assert not extra, f"files rendered but not expected: {extra}"
    for path in sorted(rendered):
        if rendered[path] != expected[path]:
            diff = difflib.unified_diff(
                expected[path].splitlines(keepends=True),
                rendered[path].splitlines(keepends=True),
                f"expected/{path}",
                f"rendered/{path}",
            )
            pytest.fail("".join(diff))


@pytest.mark.parametrize("case", CASES)
def test_golden_tree(case: str) -> None:
    result = generate(GOLDEN / case / "schemas")
    assert result.files is not None, result.errors
    expected_dir = GOLDEN / case / "expected"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        shutil.rmtree(expected_dir, ignore_errors=True)
        for path, text in result.files.items():
            target = expected_dir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, "utf-8", newline="\n")
    _compare(result.files, _tree(expected_dir))


def test_generated_is_the_golden_record_of_schemas() -> None:
    """``generated/`` must equal a fresh render of ``schemas/`` (what ``--check`` enforces)."""
    result = generate(REPO / "schemas")
    assert result.files is not None, result.errors
    _compare(result.files, _tree(REPO / "generated"))


def test_golden_cases_cover_the_layout() -> None:
    """The cases named in STYLE.md exist; the fourth, ``system_stack``, is ``generated/``
    itself (a copy of it under golden/ would only be a second tree to keep in step)."""
    assert CASES == ["cross_file_imports", "edge_policies", "processes", "types_only"]
    assert (REPO / "generated" / "system_stack" / "wiring.py").is_file()
    files = generate(GOLDEN / "types_only" / "schemas").files
    assert files is not None
    assert sorted(str(p) for p in files) == [
        "__init__.py",
        "units/__init__.py",
        "units/channels.py",
        "units/messages.py",
        "units/py.typed",
    ]
