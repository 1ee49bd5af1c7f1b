"""An in-process ``transport = "zmq"`` edge with a wildcard port (issue 10): ``chrono check``
accepts it, and it works at run time, twice at once (each bind gets its own port, and the
sending end connects to the port its bind resolved)."""

from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING

import anyio
import pytest

from chrono_daemon.run import execute, plan_run
from codegen import check, generate_to

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.anyio

SCHEMA = """\
[graph]
outputs.res = "Num"

[messages.Num]
fields.n = "int"

[daemons.source]
kind = "run"
outputs.out = "Num"

[[edges]]
from = "source.out"
to = "out.res"
transport = "zmq"
address = "tcp://127.0.0.1:*"
maxsize = 4
"""

IMPL = """\
from chrono_daemon import Context
from {package}.wild import Num, SourceBase, WildHarnessBase

RESULTS: list[list[int]] = []


class Source(SourceBase):
    async def run(self, ctx: Context) -> None:
        for n in range(5):
            await self.out.send(Num(n=n))


class Harness(WildHarnessBase):
    async def run(self, ctx: Context) -> None:
        RESULTS.append([m.n async for m in self.outputs.res])
"""


async def test_a_wildcard_zmq_edge_in_one_process_runs_twice_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "wild.toml").write_text(SCHEMA)
    assert check(schemas) == []
    package = f"wild_{tmp_path.name}"
    _, report = generate_to(schemas, tmp_path / package)
    assert report is not None
    (tmp_path / f"impl_{package}.py").write_text(IMPL.format(package=package))
    monkeypatch.syspath_prepend(str(tmp_path))
    plan = plan_run(schemas, "wild", str(tmp_path / f"impl_{package}.py"))
    first, second = plan.build(), plan.build()
    async with anyio.create_task_group() as tg:
        for built in (first, second):
            tg.start_soon(functools.partial(execute, built, handle_signals=False))
    assert sys.modules[f"impl_{package}"].RESULTS == [[0, 1, 2, 3, 4], [0, 1, 2, 3, 4]]
