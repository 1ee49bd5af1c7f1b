"""The README's examples run as written (the seed example and the codegen quick start)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def test_seed_example_is_the_quick_example_file_and_runs_silently() -> None:
    seed = blocks("python")[0]
    assert seed == (ROOT / "examples" / "quick_example.py").read_text()
    done = subprocess.run(
        [sys.executable, "-c", seed], capture_output=True, text=True, check=True, timeout=60
    )
    assert (done.stdout, done.stderr) == ("", "")


def test_codegen_quick_start_generates_and_runs(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "robot.toml").write_text(blocks("toml")[0])
    chrono = Path(sys.executable).with_name("chrono")
    subprocess.run(
        [chrono, "gen", "schemas/", "-o", "generated/"], cwd=tmp_path, check=True, timeout=60
    )
    program = blocks("python")[1]
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout == "Action(cmd=0.0)\n"
