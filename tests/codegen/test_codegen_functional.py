"""Functional tests: inline TOML -> generate into a temp dir -> import -> use (the behaviour of
the generated code, beyond its text)."""

from __future__ import annotations

import datetime
import importlib
import itertools
import sys
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
from codegen_helpers import write_schemas

from chrono_daemon import Context, SimClock, Supervisor
from codegen import generate, write
from generated.system_stack import Mode, SystemStackParams

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

_COUNTER = itertools.count()

SCHEMA = """
[enums.Color]
values = ["red", "green"]

[messages.Ping]
fields.seq = "int"
fields.match = { type = "str", default = "m" }     # soft keywords are ordinary names
fields.case = { type = "Color", default = "green" }

[messages.Pong]
fields.seq = "int"
fields.note = "str | None"
fields.at = { type = "datetime", default = 2024-01-01T01:00:00+01:00 }
fields.opt = "optional[int]"
fields.nested = { type = "dict[str, list[int]]", default = { a = [1, 2], b = [] } }
fields.pairs = { type = "list[tuple[float, ...]]", default = [[1, 2.5], []] }

[graph]
inputs.a = "Ping | Pong"
inputs.b = "Ping"
outputs.out = "int"

[daemons.hub]
kind = "reactive"
inputs.a = "Ping | Pong"
inputs.b = "Ping"
outputs.out = "int"

[[edges]]
from = "in.a"
to = "hub.a"
[[edges]]
from = "in.b"
to = "hub.b"
[[edges]]
from = "hub.out"
to = "out.out"
maxsize = 8
"""


@pytest.fixture
def pkg(tmp_path: Path) -> Iterator[Any]:
    directory = write_schemas(tmp_path / "schemas", {"func.toml": SCHEMA})
    result = generate(directory)
    assert result.files is not None, result.errors
    name = f"funcpkg{next(_COUNTER)}"
    assert write(result.files, tmp_path / name).errors == ()
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(f"{name}.func")
    finally:
        sys.path.remove(str(tmp_path))
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]


def test_union_members_are_tagged_and_round_trip(pkg: Any) -> None:
    union = pkg.Ping | pkg.Pong
    for msg in (pkg.Ping(seq=1), pkg.Pong(seq=2, note="x")):
        data = msgspec.msgpack.encode(msg)
        assert msgspec.msgpack.decode(data, type=union) == msg
    assert msgspec.json.encode(pkg.Ping(seq=1))[:14] == b'{"type":"Ping"'


def test_defaults_soft_keywords_and_datetimes(pkg: Any) -> None:
    ping, pong = pkg.Ping(seq=1), pkg.Pong(seq=1)
    assert (ping.match, ping.case) == ("m", pkg.Color.green)
    assert pkg.Color("red") is pkg.Color.red
    assert pong.note is None
    assert pong.opt is None
    assert pong.nested == {"a": [1, 2], "b": []}
    assert pong.nested is not pkg.Pong(seq=2).nested  # mutable defaults are not shared
    assert pong.pairs == [(1.0, 2.5), ()]
    assert pong.at == datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    with pytest.raises(AttributeError):
        ping.seq = 2  # frozen
    with pytest.raises(TypeError):
        pkg.Ping(1)  # keyword-only


@pytest.mark.anyio
async def test_reactive_daemon_serves_every_input(anyio_backend: object, pkg: Any) -> None:
    class Hub(pkg.HubBase):  # type: ignore[misc]
        async def on_a(self, ctx: Context, msg: Any) -> None:
            await self.out.send(100 + msg.seq)

        async def on_b(self, ctx: Context, msg: Any) -> None:
            await self.out.send(200 + msg.seq)

    clock = SimClock()
    graph = pkg.FuncGraph(hub=Hub)
    async with Supervisor(clock=clock) as sup:
        graph.add_to(sup)
        await graph.inputs.a.send(pkg.Pong(seq=1))
        await graph.inputs.b.send(pkg.Ping(seq=2))
        await graph.inputs.a.send(pkg.Ping(seq=3))
        await graph.inputs.a.aclose()
        await graph.inputs.b.aclose()
        got = [item async for item in graph.outputs.out]  # ends: the stub closed its output
    assert sorted(got) == [101, 103, 202]
    assert sup.snapshot()["hub"].state == "stopped"


def test_params_load_from_toml_and_refuse_typos() -> None:
    params = msgspec.toml.decode(b"[s1_policy]\nchunk_size = 4\n", type=SystemStackParams)
    assert params.s1_policy.chunk_size == 4
    assert params.s2_planner.latency == 0.05
    with pytest.raises(msgspec.ValidationError, match="unknown field `chunk_sise`"):
        msgspec.toml.decode(b"[s1_policy]\nchunk_sise = 4\n", type=SystemStackParams)
    with pytest.raises(msgspec.ValidationError, match=r"Expected `int` >= 1"):
        msgspec.toml.decode(b"[s1_policy]\nchunk_size = 0\n", type=SystemStackParams)
    assert Mode("idle") is Mode.idle
