"""Property (RELIABILITY J.71): random valid schemas generate packages that import, round-trip
every doc and default, regenerate byte for byte, pass ``--check``, and type-check."""

from __future__ import annotations

import importlib
import itertools
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import msgspec
from codegen_helpers import REPO, run_mypy
from codegen_strategies import Expect, schema_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen import generate, write

if TYPE_CHECKING:
    from pathlib import Path

_COUNTER = itertools.count()


def _check_module(module: Any, expect: Expect) -> None:
    for cls, doc in expect.docs.items():
        assert getattr(module, cls).__doc__ == doc
    for (cls, fname), value in expect.defaults.items():
        f = {f.name: f for f in msgspec.structs.fields(getattr(module, cls))}[fname]
        assert f.default == value
        assert type(f.default) is type(value)
    for (cls, fname), value in expect.enum_defaults.items():
        f = {f.name: f for f in msgspec.structs.fields(getattr(module, cls))}[fname]
        assert f.default is module.Kind(value)


# Longer than any generated daemon name (8 characters at most), so a file's params class
# (<Stem>Params) never meets a daemon's: the generator rightly refuses that clash.
STEM = "schemafile"


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(files=st.lists(schema_file(), min_size=1, max_size=3))
def test_random_valid_schemas(tmp_path_factory: Any, files: list[tuple[str, Expect]]) -> None:
    root: Path = tmp_path_factory.mktemp("prop")
    schemas = root / "schemas"
    schemas.mkdir()
    for n, (text, _) in enumerate(files):
        (schemas / f"{STEM}{n}.toml").write_text(text, "utf-8")
    result = generate(schemas)
    assert result.files is not None, [str(e) for e in result.errors]
    again = generate(schemas)
    assert again.files == result.files
    package = f"prop{next(_COUNTER)}"
    out = root / package
    assert write(result.files, out).errors == ()
    assert write(result.files, out, check=True).stale == ()
    sys.path.insert(0, str(root))
    try:
        for n, (_, expect) in enumerate(files):
            _check_module(importlib.import_module(f"{package}.{STEM}{n}"), expect)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]
    stdout, status = run_mypy([out], root / ".mypy_cache", cwd=REPO)
    assert status == 0, stdout
    ruff = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--config",
            "pyproject.toml",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ruff.returncode == 0, ruff.stdout
