"""Work a valid run skips (issue 15.8), and proof that skipping it changes nothing.

The key-position index is built only when an error needs a position; a valid file is decoded
in one ``msgspec.convert`` (entry by entry only to report errors); ``chrono --help`` and the
no-op fast path never import the pipeline. Speed itself is measured in ``bench/codegen.py``.
"""

from __future__ import annotations

import gc
import tomllib
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
from codegen_helpers import REPO, SIMPLE, run_cli, run_python, write_schemas

import codegen.pipeline
from codegen import generate
from codegen.load import decode, positions
from codegen.load.raw import RawSchema

if TYPE_CHECKING:
    from pathlib import Path

VALID_SCHEMAS = sorted(
    [*REPO.glob("schemas/*.toml"), *REPO.glob("tests/codegen/golden/*/schemas/*.toml")]
)


class _Counted:
    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls = 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        return self.real(*args)


def test_a_valid_schema_never_builds_the_position_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = _Counted(positions.index_positions)
    monkeypatch.setattr(positions, "index_positions", counted)
    assert generate(REPO / "schemas").ok
    assert counted.calls == 0
    bad = write_schemas(tmp_path / "s", {"g.toml": SIMPLE.replace('"float"', '"flaot"', 1)})
    errors = generate(bad).errors
    assert [(e.line, e.message) for e in errors] == [
        (8, "unknown type 'flaot' (did you mean 'float'?)")
    ]
    assert counted.calls == 1  # built once, for the file that needed a position


def test_warnings_still_have_positions(tmp_path: Path) -> None:
    loop = (
        '[messages.M]\n[daemons.a]\ninputs.i = "M"\noutputs.o = "M"\n'
        '[daemons.b]\ninputs.i = "M"\noutputs.o = "M"\n'
        '[[edges]]\nfrom = "a.o"\nto = "b.i"\nmaxsize = 0\n'
        '[[edges]]\nfrom = "b.o"\nto = "a.i"\nmaxsize = 0\n'
    )
    result = generate(write_schemas(tmp_path / "s", {"loop.toml": loop}))
    assert result.ok
    assert [(e.severity, e.line, e.col) for e in result.errors] == [("warning", 10, 1)]


@pytest.mark.parametrize("path", VALID_SCHEMAS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_the_one_pass_decode_equals_the_entry_by_entry_decode(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = path.read_text("utf-8")
    data = tomllib.loads(text)
    index = positions.LazyPositionIndex(text)
    fast = decode.decode_schema(data, path.name, index)
    real_convert = msgspec.convert

    def no_fast_path(value: Any, tp: Any, **kwargs: Any) -> Any:
        if tp is RawSchema:
            raise msgspec.ValidationError("force the entry-by-entry decoding")
        return real_convert(value, tp, **kwargs)

    monkeypatch.setattr(msgspec, "convert", no_fast_path)
    slow = decode.decode_schema(data, path.name, index)
    assert slow == fast
    assert fast[2] == []


def _modules_after(*argv: str, cwd: Path) -> set[str]:
    script = (
        "import sys\n"
        "from codegen.cli import main\n"
        f"sys.argv = ['chrono', *{list(argv)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    return set(run_python("-c", script, cwd=cwd).stderr.split())


@pytest.mark.parametrize("heavy", ["jinja2", "codegen.pipeline", "codegen.resolve"])
def test_help_and_the_no_op_fast_path_do_not_import_the_pipeline(
    tmp_path: Path, heavy: str
) -> None:
    directory = write_schemas(tmp_path / "s", {"g.toml": SIMPLE})
    out = str(tmp_path / "out")
    assert heavy in _modules_after("gen", str(directory), "-o", out, cwd=tmp_path)  # cold
    assert heavy not in _modules_after("gen", str(directory), "-o", out, cwd=tmp_path)  # no-op
    assert heavy not in _modules_after("--help", cwd=tmp_path)


@pytest.mark.parametrize("command", ["gen", "check"])
def test_the_collector_is_paused_for_the_pipeline_and_resumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    directory = write_schemas(tmp_path / "s", {"g.toml": SIMPLE})
    seen: list[bool] = []
    name = "generate_to" if command == "gen" else "check"
    real = getattr(codegen.pipeline, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(codegen.pipeline, name, spy)
    assert gc.isenabled()
    extra = ["-o", str(tmp_path / "out")] if command == "gen" else []
    code, _, stderr = run_cli(command, str(directory), *extra)
    assert code == 0, stderr
    assert seen == [False]
    assert gc.isenabled()
