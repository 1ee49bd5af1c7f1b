"""A producer whose consumer has gone ends quietly, the same way in one process and split.

A periodic source (no inputs, so "inputs end" never ends it) feeds a run-kind counter that
returns after five messages. The counter's stub closes its input when it ends by itself, so the
source's next send raises ``ChannelClosed`` — in process, or over ZeroMQ once the consumer's
process has exited — and the generated periodic loop takes that as "the consumer is gone" and
returns: every run exits 0, like a Unix pipeline whose reader quit. Before, the split run failed
the source's process (exit 1) and the one-process run held the source until the grace ran out.
"""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from launch_helpers import BOUND

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.slow

SCHEMA = """
[messages.Scan]
fields.n = "int"

[daemons.lidar]
kind = "periodic"
rate_hz = 200.0
outputs.scan = "Scan"

[daemons.counter]
kind = "run"
inputs.scan = "Scan"

[[edges]]
from = "lidar.scan"
to = "counter.scan"

[processes.sensors]
daemons = ["lidar"]

[processes.brain]
daemons = ["counter"]
"""

IMPL = """
from chrono_daemon import Context
from gen.scan import CounterBase, LidarBase, Scan


class Lidar(LidarBase):
    n = 0

    async def step(self, ctx: Context, t: float) -> None:
        self.n += 1
        await self.scan.send(Scan(n=self.n))


class Counter(CounterBase):
    async def run(self, ctx: Context) -> None:
        seen = [(await self.scan.receive()).n for _ in range(5)]
        print("counted", seen)
"""


def chrono(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "codegen", *args]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=BOUND)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("consumer_gone")
    (root / "schemas").mkdir()
    (root / "schemas" / "scan.toml").write_text(SCHEMA)
    (root / "impl.py").write_text(IMPL)
    done = chrono(root, "gen", "schemas", "-o", "gen")
    assert done.returncode == 0, done.stderr
    return root


@pytest.mark.parametrize(
    "mode",
    [("run", "--clock", "sim"), ("run", "--backend", "trio"), ("launch",)],
    ids=["run-sim", "run-wall-trio", "launch"],
)
def test_the_source_ends_when_its_consumer_is_gone(project: Path, mode: tuple[str, ...]) -> None:
    done = chrono(project, *mode, "schemas", "--graph", "scan", "--impl", "impl.py")
    assert done.returncode == 0, done.stderr
    assert "counted [1, 2, 3, 4, 5]" in done.stdout
    assert "failed" not in done.stderr
    assert "cancelled" not in done.stderr  # nobody waited out a grace
