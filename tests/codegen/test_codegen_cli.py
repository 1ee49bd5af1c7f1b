"""The ``chrono`` command: exit codes, output format, --version/--help, internal errors."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from codegen_helpers import ERROR_LINE, SIMPLE, run_cli, run_cli_subprocess, write_schemas

import codegen.cli
import codegen.pipeline

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def test_version_and_help() -> None:
    code, out, _ = run_cli("--version")
    assert code == 0
    assert re.fullmatch(r"chrono \S+\n", out)
    for args in (["--help"], ["gen", "--help"], ["check", "--help"]):
        code, out, _ = run_cli(*args)
        assert code == 0
        assert "Usage" in out


def test_gen_reports_what_it_did(tmp_path: Path) -> None:
    directory = write_schemas(tmp_path / "s", {"robot.toml": SIMPLE})
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("gen", str(directory), "-o", str(out))
    assert (code, stderr) == (0, "")
    assert stdout == f"chrono: {out.as_posix()}: 8 written, 0 removed, 0 unchanged\n"
    code, stdout, _ = run_cli("gen", str(directory), "-o", str(out), "--check")
    assert code == 0
    assert stdout == f"chrono: {out.as_posix()} is up to date (8 files)\n"
    code, stdout, _ = run_cli("check", str(directory))
    assert code == 0
    assert stdout == f"chrono: {directory.as_posix()}: no errors\n"


def test_bad_schema_in_a_fresh_process(tmp_path: Path) -> None:
    """Real exit code and stderr of the installed entry point: no traceback, one line each."""
    directory = write_schemas(
        tmp_path / "s",
        {
            "robot.toml": SIMPLE.replace('kind = "reactive"', 'kind = "reactive"\nrate_hzz = 1'),
            "broken.toml": "[messages\n",
        },
    )
    proc = run_cli_subprocess("gen", str(directory), "-o", str(tmp_path / "out"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    *errors, summary = proc.stderr.splitlines()
    assert all(ERROR_LINE.match(e) for e in errors)
    assert len(errors) == 2
    assert summary == "chrono: 2 errors; nothing was written"
    assert not (tmp_path / "out").exists()


def test_internal_error_has_its_own_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr(codegen.pipeline, "generate_to", boom)
    code, _, stderr = run_cli("gen", str(tmp_path))
    assert code == codegen.cli.EXIT_INTERNAL == 3
    assert stderr == "chrono: internal error, please report: KeyError('bug')\n"


def test_warnings_do_not_fail(tmp_path: Path) -> None:
    directory = write_schemas(
        tmp_path / "s",
        {
            "loop.toml": '[messages.M]\n[daemons.a]\ninputs.i = "M"\noutputs.o = "M"\n'
            '[daemons.b]\ninputs.i = "M"\noutputs.o = "M"\n'
            '[[edges]]\nfrom = "a.o"\nto = "b.i"\nmaxsize = 0\n'
            '[[edges]]\nfrom = "b.o"\nto = "a.i"\nmaxsize = 0\n'
        },
    )
    code, _, stderr = run_cli("gen", str(directory), "-o", str(tmp_path / "out"))
    assert code == 0
    assert " warning: cycle of unbuffered blocking edges a -> b -> a may deadlock" in stderr
    assert (tmp_path / "out" / "loop" / "wiring.py").is_file()
