"""How chrono-daemon installs for users: only its three packages, and mypy follows them.

An editable install (``pip install -e REPO``, setuptools' default mode) puts ``src/`` on
``sys.path`` with a plain ``.pth`` file: ``src/`` holds only symlinks to ``chrono_daemon``,
``chrono_wire`` and ``codegen``, so the repository's own ``generated``, ``examples``, ``bench``
and ``tests`` never shadow a user's packages, and mypy (which cannot follow setuptools' import
hooks) finds the packages. A regular install builds a wheel of the same three packages. See
README.md "Installing for your project".
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("chrono_daemon", "chrono_wire", "codegen")
REPO_ONLY = ("generated", "examples", "bench", "tests")


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_src_holds_exactly_the_three_packages() -> None:
    src = ROOT / "src"
    linked = sorted(p.name for p in src.iterdir() if not p.name.endswith(".egg-info"))
    assert linked == list(PACKAGES)
    for name in PACKAGES:
        assert (src / name).is_symlink()
        assert (src / name).resolve() == ROOT / name


@pytest.mark.slow
def test_installs_expose_only_the_packages_and_mypy_follows_them(tmp_path: Path) -> None:
    # One test, not two: both builds write src/chrono_daemon.egg-info, so they must not race.
    venv = tmp_path / "venv"
    made = _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    pip = (sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps")
    installed = _run(*pip, "-e", ROOT, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    probe = "import importlib.util as u, sys; print(*(bool(u.find_spec(m)) for m in sys.argv[1:]))"
    found = _run(python, "-c", probe, *PACKAGES, *REPO_ONLY, cwd=tmp_path)
    assert found.stdout.split() == ["True"] * len(PACKAGES) + ["False"] * len(REPO_ONLY)
    user = tmp_path / "user.py"
    user.write_text("from chrono_daemon import Context, NotAThing\n\nctx: Context | None = None\n")
    mypy = (sys.executable, "-m", "mypy", "--strict", "--no-incremental")
    checked = _run(*mypy, "--python-executable", python, user, cwd=tmp_path)
    # The one error proves mypy read chrono_daemon: a package it cannot find would be an
    # import-not-found error instead (and Context would be Any).
    assert checked.stdout.splitlines()[0] == (
        'user.py:1: error: Module "chrono_daemon" has no attribute "NotAThing"  [attr-defined]'
    ), checked.stdout

    # A regular install: the wheel holds the same three packages, typed.
    built = _run(
        sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path, ROOT, cwd=tmp_path
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == set(PACKAGES)
    for name in PACKAGES:
        assert f"{name}/py.typed" in names
    assert "codegen/templates/wiring.py.jinja" in names
