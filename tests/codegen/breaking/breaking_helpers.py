"""Helpers of the ``chrono breaking`` tests: write an old/new pair, run the command."""

from __future__ import annotations

from typing import TYPE_CHECKING

from typer.testing import CliRunner

from codegen.cli import app

if TYPE_CHECKING:
    from pathlib import Path

SUMMARY = "chrono breaking: "


def write_pair(root: Path, old: dict[str, str], new: dict[str, str]) -> tuple[Path, Path]:
    """Write ``old/`` and ``new/`` schema directories under ``root``."""
    dirs = []
    for name, files in (("old", old), ("new", new)):
        directory = root / name
        directory.mkdir(parents=True)
        for file, text in files.items():
            (directory / file).write_text(text, "utf-8")
        dirs.append(directory)
    return dirs[0], dirs[1]


def breaking(root: Path, *args: str) -> tuple[int, list[str], str]:
    """Run ``chrono breaking ARGS`` in ``root``'s terms: (exit code, error lines, stdout).

    Paths under ``root`` are shown relative to it; the summary line (``N breaking changes``)
    is left out.
    """
    result = CliRunner().invoke(app, ["breaking", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    prefix = root.as_posix() + "/"
    lines = [
        line.replace(prefix, "")
        for line in result.stderr.splitlines()
        if not (line.startswith(SUMMARY) and "breaking change" in line)
    ]
    return result.exit_code, lines, result.stdout.replace(prefix, "")
