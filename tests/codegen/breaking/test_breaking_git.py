"""``chrono breaking --against REV``: OLD read from git, without a checkout (issue 13)."""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

import pytest
from breaking_helpers import breaking

if TYPE_CHECKING:
    from pathlib import Path

V1 = '[messages.M]\nfields.a = "int"\nfields.b = "int"\n'
V2 = '[messages.M]\nfields.a = "int"\n'


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo)}
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env=env,
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose first commit holds ``sub/schemas/s.toml`` = V1; the work tree has V2."""
    root = tmp_path / "repo"
    schemas = root / "sub" / "schemas"
    schemas.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (schemas / "s.toml").write_text(V1)
    (schemas / "notes.txt").write_text("not a schema")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "v1")
    (schemas / "s.toml").write_text(V2)
    return root


REMOVED = "error: message 'M': field 'b' was removed [WIRE, CODE]"


@pytest.mark.parametrize("against", ["main", "HEAD", "HEAD:sub/schemas", "main:sub/schemas/"])
def test_a_revision_is_read_at_the_same_path(tmp_path: Path, repo: Path, against: str) -> None:
    before = git(repo, "status", "--porcelain")
    status, lines, _ = breaking(tmp_path, str(repo / "sub" / "schemas"), "--against", against)
    rev = against.split(":")[0]
    assert (status, lines) == (1, [f"{rev}:sub/schemas/s.toml:3:8: {REMOVED}"])
    assert git(repo, "status", "--porcelain") == before  # no checkout, index untouched


def test_both_directions_between_two_commits(tmp_path: Path, repo: Path) -> None:
    git(repo, "commit", "-q", "-am", "v2")
    schemas = str(repo / "sub" / "schemas")
    status, lines, _ = breaking(tmp_path, schemas, "--against", "HEAD~1")
    assert (status, lines) == (1, [f"HEAD~1:sub/schemas/s.toml:3:8: {REMOVED}"])
    (repo / "sub" / "schemas" / "s.toml").write_text(V1)  # back to v1: b is added again
    status, lines, _ = breaking(tmp_path, schemas, "--against", "HEAD")
    assert status == 1
    assert lines == [
        "repo/sub/schemas/s.toml:3:8: error: message 'M': field 'b' was added without a "
        "default: payloads written by the old schema lack it [WIRE, CODE]"
    ]


def test_a_directory_new_since_the_revision_has_nothing_to_break(
    tmp_path: Path, repo: Path
) -> None:
    fresh = repo / "fresh"
    fresh.mkdir()
    (fresh / "s.toml").write_text(V1)
    status, lines, stdout = breaking(tmp_path, str(fresh), "--against", "main")
    assert status == 0
    assert lines == ["chrono breaking: main:fresh does not exist: nothing to compare with"]
    assert "no breaking change" in stdout


def test_an_empty_directory_at_the_revision_has_nothing_to_break(
    tmp_path: Path, repo: Path
) -> None:
    (repo / "sub" / "schemas" / "s.toml").unlink()  # HEAD's sub/schemas holds only notes.txt
    git(repo, "commit", "-q", "-am", "no schemas")
    (repo / "sub" / "schemas" / "s.toml").write_text(V1)
    status, lines, _ = breaking(tmp_path, str(repo / "sub" / "schemas"), "--against", "HEAD")
    assert status == 0
    assert lines == ["chrono breaking: HEAD:sub/schemas holds no schema files: nothing to compare"]


@pytest.mark.parametrize(
    ("against", "message"),
    [
        ("nope", "'nope' is neither a directory nor a git revision of the repository at "),
        ("--help", "'--help' is neither a directory nor a git revision"),
        ("main:sub/schemas/s.toml", "main:sub/schemas/s.toml is a blob, not a directory"),
        # An explicit PATH is never "new since REV": a typo must not pass CI forever.
        (
            "main:sub/schemaz",
            "main:sub/schemaz does not exist (PATH is from the repository root) "
            "(did you mean 'main:sub/schemas'?)",
        ),
        ("main:schemas", "main:schemas does not exist (PATH is from the repository root) "),
        ("main:sub", "main:sub holds no schema files (*.toml)"),
    ],
)
def test_a_bad_revision_is_a_usage_error(
    tmp_path: Path, repo: Path, against: str, message: str
) -> None:
    status, lines, _ = breaking(tmp_path, str(repo / "sub" / "schemas"), "--against", against)
    assert status == 2
    assert len(lines) == 1
    assert lines[0].startswith(f"chrono breaking: --against: {message}")


def test_files_git_cannot_give_as_regular_files_are_errors(tmp_path: Path, repo: Path) -> None:
    schemas = repo / "sub" / "schemas"
    (schemas / "link.toml").symlink_to("s.toml")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "a symlink")
    status, lines, _ = breaking(tmp_path, str(schemas), "--against", "HEAD")
    assert status == 1
    assert lines[0] == "HEAD:sub/schemas/link.toml: error: is a symlink, not a regular schema file"
