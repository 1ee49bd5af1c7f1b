"""The ``chrono gen`` no-op fast path: it skips the pipeline only when nothing can have changed.

Each test runs ``chrono gen`` once for real (which records the manifest), then replaces the
pipeline with a counter to see whether the second run took the fast path or the full one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import codegen.pipeline
from codegen import fastpath
from codegen.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def chrono(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


class PipelineSpy:
    """Counts full pipeline runs while delegating to the real ``generate_to``."""

    def __init__(self) -> None:
        self.calls = 0
        self.real = codegen.pipeline.generate_to

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.real(*args, **kwargs)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example schemas, a private manifest cache, and one real generation."""
    monkeypatch.setenv("CHRONO_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    first = chrono("gen", tmp_path / "schemas", "-o", tmp_path / "generated")
    assert first.exit_code == 0, first.stderr
    assert "20 written" in first.stdout
    return tmp_path


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> PipelineSpy:
    counter = PipelineSpy()
    monkeypatch.setattr(codegen.pipeline, "generate_to", counter)
    return counter


def gen(project: Path, *extra: str) -> Result:
    return chrono("gen", project / "schemas", "-o", project / "generated", *extra)


def snapshot(tree: Path) -> dict[str, tuple[int, int, bytes]]:
    return {
        p.relative_to(tree).as_posix(): (p.stat().st_mtime_ns, p.stat().st_ino, p.read_bytes())
        for p in sorted(tree.rglob("*"))
        if p.is_file()
    }


def test_an_unchanged_rerun_skips_the_pipeline_and_touches_nothing(
    project: Path, spy: PipelineSpy
) -> None:
    before = snapshot(project / "generated")
    result = gen(project)
    assert result.exit_code == 0, result.stderr
    assert spy.calls == 0
    assert (
        result.stdout
        == f"chrono: {(project / 'generated').as_posix()}: 0 written, 0 removed, 20 unchanged\n"
    )
    assert snapshot(project / "generated") == before


def test_a_changed_schema_byte_takes_the_full_path(project: Path, spy: PipelineSpy) -> None:
    schema = project / "schemas" / "geometry.toml"
    schema.write_text(schema.read_text().replace("A planar pose.", "A planar pose!"))
    result = gen(project)
    assert result.exit_code == 0, result.stderr
    assert spy.calls == 1
    assert "3 written" in result.stdout  # the geometry subpackage's files (header hash)
    assert gen(project).exit_code == 0
    assert spy.calls == 1  # and the new state was recorded


def test_a_new_file_name_in_the_schema_directory_takes_the_full_path(
    project: Path, spy: PipelineSpy
) -> None:
    (project / "schemas" / "notes.TOML").write_text("")
    result = gen(project)
    assert spy.calls == 1
    assert result.exit_code == 1  # the loader's verdict on 'notes.TOML', not a stale skip
    assert "must end in '.toml'" in result.stderr


@pytest.mark.parametrize("damage", ["edit", "delete", "add", "symlink", "leftover"])
def test_a_touched_output_takes_the_full_path(project: Path, spy: PipelineSpy, damage: str) -> None:
    out = project / "generated"
    target = out / "system_stack" / "messages.py"
    if damage == "edit":
        target.write_text(target.read_text() + "# edited\n")
    elif damage == "delete":
        target.unlink()
    elif damage == "add":
        (out / "system_stack" / "custom.py").write_text("x = 1\n")
    elif damage == "symlink":
        shutil.move(out / "geometry", project / "elsewhere")
        (out / "geometry").symlink_to(project / "elsewhere")
    else:  # staging left by an interrupted write: the writer, not the fast path, decides
        (project / ".generated.chrono-new").mkdir()
    result = gen(project)
    assert spy.calls == 1
    if damage in ("edit", "delete", "leftover"):
        assert result.exit_code == 0, result.stderr
        assert "# edited" not in target.read_text()
    else:  # the writer refuses user files and symlinks inside OUT
        assert result.exit_code == 1
        assert "refus" in result.stderr


def test_pycache_in_the_output_does_not_defeat_the_fast_path(
    project: Path, spy: PipelineSpy
) -> None:
    cache = project / "generated" / "system_stack" / "__pycache__"
    cache.mkdir()
    (cache / "messages.cpython-311.pyc").write_bytes(b"\0")
    assert gen(project).exit_code == 0
    assert spy.calls == 0


def test_a_changed_generator_takes_the_full_path(
    project: Path, spy: PipelineSpy, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = project / "fake_generator"
    shutil.copytree(Path(fastpath.__file__).parent / "templates", fake / "templates")
    monkeypatch.setattr(fastpath, "_GENERATOR", fake)
    assert gen(project).exit_code == 0
    assert spy.calls == 1  # a different generator fingerprint than the recorded one
    assert gen(project).exit_code == 0
    assert spy.calls == 1
    template = fake / "templates" / "messages.py.jinja"
    template.write_text(template.read_text() + "\n")
    assert gen(project).exit_code == 0
    assert spy.calls == 2


def test_check_never_uses_the_fast_path(project: Path, spy: PipelineSpy) -> None:
    result = gen(project, "--check")
    assert result.exit_code == 0, result.stderr
    assert spy.calls == 1


@pytest.mark.parametrize("garbage", ["{not json", '{"format": 1}', "[]", '{"format": "x"}'])
def test_a_corrupt_manifest_only_costs_a_full_run(
    project: Path, spy: PipelineSpy, garbage: str
) -> None:
    manifests = list((project / "cache").iterdir())
    assert len(manifests) == 1
    manifests[0].write_text(garbage)
    assert gen(project).exit_code == 0
    assert spy.calls == 1
    assert gen(project).exit_code == 0
    assert spy.calls == 1  # rewritten by the full run


def test_an_unusable_cache_directory_never_breaks_gen(
    project: Path, spy: PipelineSpy, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = project / "not_a_dir"
    blocker.write_text("")
    monkeypatch.setenv("CHRONO_CACHE_DIR", str(blocker))
    for _ in range(2):
        result = gen(project)
        assert result.exit_code == 0, result.stderr
    assert spy.calls == 2


def test_manifests_are_per_output_directory(project: Path, spy: PipelineSpy) -> None:
    other = chrono("gen", project / "schemas", "-o", project / "other")
    assert other.exit_code == 0
    assert spy.calls == 1
    assert gen(project).exit_code == 0
    assert chrono("gen", project / "schemas", "-o", project / "other").exit_code == 0
    assert spy.calls == 1
    assert len(list((project / "cache").iterdir())) == 2


def test_the_cache_directory_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHRONO_CACHE_DIR", "/x/chrono-cache")
    assert fastpath.cache_dir() == Path("/x/chrono-cache")
    monkeypatch.delenv("CHRONO_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/y")
    assert fastpath.cache_dir() == Path("/y/chrono")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert fastpath.cache_dir() == Path(os.path.expanduser("~")) / ".cache" / "chrono"
