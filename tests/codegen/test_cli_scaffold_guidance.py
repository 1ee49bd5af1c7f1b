"""What a scaffold module tells and lets its user do beyond the stubs (newcomer findings).

``build_graph`` takes the ``tap`` of the generated graph (a recorder), so recording needs no
hand-written graph construction; the comments of ``run`` daemons, periodic daemons and the
harness say how a loop stays stop-aware; a ``run`` daemon with several stream inputs is pointed
at ``select`` rather than one ``async for`` per input. The scaffold stays mypy --strict and ruff
clean (test_cli_commands.py::test_scaffold_passes_mypy_strict_and_ruff_as_written, which uses
this schema too).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

from codegen_helpers import CACHE_ENV, ROVER, write_schemas
from typer.testing import CliRunner

from codegen.cli import app

if TYPE_CHECKING:
    from pathlib import Path


def _chrono(*args: object) -> None:
    result = CliRunner().invoke(app, [str(a) for a in args], env=CACHE_ENV)
    assert result.exit_code == 0, result.output


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    schemas = write_schemas(tmp_path / "schemas", {"rover.toml": ROVER})
    _chrono("gen", schemas, "-o", project / "generated")
    _chrono("scaffold", schemas, "-o", project / "impl", "--package", "generated")
    (project / "impl" / "__init__.py").write_text("")
    return project


def _classes(text: str) -> dict[str, str]:
    """The source of each top-level class or function of a scaffold module, by name."""
    out: dict[str, str] = {}
    name = ""
    for line in text.splitlines(keepends=True):
        if line.startswith(("class ", "def ")):
            name = line.split()[1].split("(")[0]
        if name:
            out[name] = out.get(name, "") + line
    return out


def _prose(source: str) -> str:
    """The comment text of ``source`` with its line wrapping undone."""
    lines = [ln.strip().removeprefix("#").strip() for ln in source.splitlines()]
    return " ".join(ln for ln in lines if ln)


def test_build_graph_passes_the_tap_to_every_producer_port(tmp_path: Path) -> None:
    project = _project(tmp_path)
    script = (
        "from impl.rover import build_graph\n"
        "class Tap:\n"
        "    def __init__(self): self.topics = []\n"
        "    def tap(self, topic, message_type, send):\n"
        "        self.topics.append(topic)\n"
        "        return send\n"
        "tap = Tap()\n"
        "build_graph(tap=tap)\n"
        "print(sorted(tap.topics))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(project)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(["rover/in.goal", "rover/lidar.scan", "rover/odom.pose"])


def test_stubs_say_how_to_stay_stop_aware_and_to_select(tmp_path: Path) -> None:
    text = (_project(tmp_path) / "impl" / "rover.py").read_text()
    parts = _classes(text)
    loop = "#   async for t in cooperative_every(ctx, period): ...  # chrono_daemon.recipes\n"
    wait = "#   with ctx.cancel_on_stop(): await ctx.clock.sleep(dt)\n"
    for name in ("Safety", "Logger", "Harness"):
        assert loop in parts[name], name
        assert wait in parts[name], name
        assert "#   if ctx.stopping: return\n" in parts[name], name
    assert "or the stop (and chrono run --until) waits the whole grace period" in parts["Harness"]
    for name in ("Odom", "Lidar"):
        assert wait in parts[name], name
        assert "the ticks end at the stop" in _prose(parts[name]), name
    select = "#   i, msg = await select(self.goal, self.scan)  # chrono_daemon.recipes\n"
    assert select in parts["Safety"]
    assert "#   self.goal: Pose (a stream: read it with select, above)\n" in parts["Safety"]
    assert "async for msg in self.goal" not in parts["Safety"]
    assert "select" not in parts["Logger"]  # one stream input: async for is right
    assert "#   self.pose: Pose (async for msg in self.pose: ...)\n" in parts["Logger"]
    build = parts["build_graph"]
    assert (
        "def build_graph(params: RoverParams | None = None, *, tap: EdgeTap | None = None)" in build
    )
    assert "        tap=tap,\n" in build
