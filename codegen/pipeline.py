"""The whole pipeline as library calls: what ``chrono gen``/``check`` and other commands reuse."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import SchemaError, sort_errors
from .load import load
from .render import render
from .resolve import resolve
from .write import WriteReport, write

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path, PurePosixPath

    from .model import Package

__all__ = ("GenerateResult", "check", "generate", "generate_to")


@dataclass(frozen=True)
class GenerateResult:
    """The resolved package and rendered files (both None on error), and every problem.

    ``errors`` holds errors and warnings sorted by (file, line, column); ``ok`` is False
    when any of them is an error.
    """

    package: Package | None = None
    files: dict[PurePosixPath, str] | None = None
    errors: list[SchemaError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem has severity ``"error"``."""
        return self.files is not None


def _noop(name: str) -> None:
    del name


def generate(directory: Path, *, stage: Callable[[str], None] | None = None) -> GenerateResult:
    """Load, resolve and render every schema of ``directory``, in memory (no disk writes).

    ``stage`` (e.g. ``Progress.stage``) is called with ``"loading"``, ``"resolving"`` and
    ``"rendering"`` as the pipeline enters each stage.
    """
    report = stage or _noop
    report("loading")
    loaded = load(directory)
    report("resolving")
    resolved = resolve(loaded.files)
    errors = sort_errors(loaded.errors + resolved.errors)
    if resolved.package is None or any(e.severity == "error" for e in errors):
        return GenerateResult(errors=errors)
    report("rendering")
    return GenerateResult(resolved.package, render(resolved.package), errors)


def check(directory: Path, *, stage: Callable[[str], None] | None = None) -> list[SchemaError]:
    """Validate ``directory``: every error and warning, sorted (empty when all is well)."""
    return generate(directory, stage=stage).errors


def generate_to(
    directory: Path,
    out: Path,
    *,
    check_only: bool = False,
    stage: Callable[[str], None] | None = None,
) -> tuple[GenerateResult, WriteReport | None]:
    """``generate`` then ``write`` to ``out`` (or compare, with ``check_only``).

    The write step runs only when generation had no error, so a bad schema writes nothing.
    ``stage`` also hears ``"writing"`` (or ``"comparing"``), and ``"waiting for another chrono
    gen"`` while another process holds OUT's lock.
    """
    result = generate(directory, stage=stage)
    if result.files is None:
        return result, None
    report = stage or _noop
    report("comparing" if check_only else "writing")
    waiting = functools.partial(report, "waiting for another chrono gen")
    return result, write(result.files, out, check=check_only, on_wait=waiting)
