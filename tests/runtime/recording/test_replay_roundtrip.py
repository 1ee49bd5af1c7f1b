"""Every field type through record -> read -> replay, from Python (``chrono_daemon.run`` and
``chrono_daemon.replay``, no CLI); and a recording judged against changed schemas.

The graph ``pipe`` carries ``Sample`` (every field type of the schema language) from its input
through a ``relay`` daemon to its output. It is run and recorded, read back, replayed with
``check``, and then replayed into versions of the schema that changed ``Sample``: a change
that breaks ``WIRE`` refuses the file naming the message and the field (never a decode
traceback), a compatible one is reported and accepted.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import jsonschema
import msgspec
import pytest
from recording_helpers import ALL_TYPES, generate_package, samples
from typer.testing import CliRunner

from chrono_daemon.recording import IncompatibleRecording, read_messages
from chrono_daemon.recording.info import inspect_recording
from chrono_daemon.replay import plan_replay, replay
from chrono_daemon.run import close_recorder, execute, new_clock, open_recorder, plan_run
from codegen.cli import app

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

PIPE = """
[graph]
inputs.sample = "Sample"
outputs.out = "Sample"

[daemons.relay]
kind = "reactive"
inputs.sample = "Sample"
outputs.out = "Sample"

[[edges]]
from = "in.sample"
to = "relay.sample"

[[edges]]
from = "relay.out"
to = "out.out"
"""

IMPL = """
from recording_helpers import samples
import {package} as pkg
from {package} import PipeHarnessBase, RelayBase


class Relay(RelayBase):
    async def on_sample(self, ctx, msg):
        await ctx.clock.sleep(0.001)
        await self.out.send(msg)


class Harness(PipeHarnessBase):
    async def run(self, ctx):
        for sample in samples(pkg):
            await self.inputs.sample.send(sample)
            await ctx.clock.sleep(0.01)
        await self.inputs.sample.aclose()
        async for _ in self.outputs.out:
            pass
"""

TOPICS = ["pipe/in.sample", "pipe/relay.out", "pipe/out.out"]


def write_version(tmp_path: Path, name: str, schema: str) -> Iterator[tuple[Path, Path]]:
    """Generate ``schema`` as graph ``pipe`` into ``tmp_path/name``; yield (schemas, impl)."""
    root = tmp_path / name
    root.mkdir()
    for pkg in generate_package(root, {"pipe.toml": schema}):
        impl = root / f"impl_{name}.py"
        impl.write_text(IMPL.format(package=pkg.__name__))
        yield root / "schemas", impl


@pytest.fixture
def v1(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    yield from write_version(tmp_path, "v1", ALL_TYPES + PIPE)


async def record_v1(schemas: Path, impl: Path, path: Path) -> None:
    plan = plan_run(schemas, "pipe", str(impl))
    clock = new_clock("sim")
    recorder = open_recorder(plan, path, clock)
    outcome = await execute(plan.build(tap=recorder), clock=clock, handle_signals=False)
    await close_recorder(recorder)
    assert outcome.exit_code == 0, outcome.details


@pytest.mark.anyio
async def test_every_field_type_survives_record_read_and_replay(
    anyio_backend: object, v1: tuple[Path, Path], tmp_path: Path
) -> None:
    schemas, impl = v1
    path, again = tmp_path / "v1.mcap", tmp_path / "again.mcap"
    await record_v1(schemas, impl, path)
    plan = plan_replay(path, schemas, "pipe", str(impl))
    assert plan.notes == ()
    pkg = plan.run.generated
    sent = samples(pkg)
    types = dict.fromkeys(TOPICS, pkg.Sample)
    for topic in TOPICS:  # read back as the typed messages that were sent
        assert [m.message for m in read_messages(path, types, topics=[topic])] == sent
    outcome = await replay(plan, check=True, record=again, handle_signals=False)
    assert outcome.divergence is None, str(outcome.divergence)
    assert outcome.exit_code == 0
    for topic in TOPICS:  # and replayed: the new run carried the very same messages
        assert [m.message for m in read_messages(again, types, topics=[topic])] == sent
    for recording in (path, again):  # each message validates against its stored schema
        info = inspect_recording(recording, validate=False)
        for message in read_messages(recording):
            schema = info.channels[message.topic].schema
            jsonschema.validate(msgspec.json.decode(message.data), schema)


def changed(old: str, new: str) -> str:
    assert old in ALL_TYPES
    return ALL_TYPES.replace(old, new) + PIPE


COUNT = 'fields.count = { type = "int", ge = 0 }'


@pytest.mark.parametrize(
    ("schema", "lines"),
    [
        pytest.param(
            changed(COUNT, 'fields.count = "str"'),
            ["  pipe/in.sample (Sample): field 'count' changed type from int to str"],
            id="field-type",
        ),
        pytest.param(
            changed('fields.mode = { type = "Mode", default = "tracking" }', ""),
            ["  pipe/in.sample (Sample): field 'mode' was removed"],
            id="field-removed",
        ),
        pytest.param(
            changed('values = ["idle", "tracking", "fault"]', 'values = ["idle", "tracking"]'),
            [
                "  pipe/in.sample (Sample): field 'mode': enum value 'fault' was removed: "
                "payloads holding it are refused"
            ],
            id="enum-value-removed",
        ),
        pytest.param(
            changed('fields.event = "Ping | Pong"', 'fields.event = "Ping"'),
            [
                "  pipe/in.sample (Sample): field 'event' changed type from Ping | Pong to Ping",
            ],
            id="union-narrowed",
        ),
    ],
)
def test_a_recording_of_an_incompatible_schema_is_refused_by_message_and_field(
    v1: tuple[Path, Path], tmp_path: Path, schema: str, lines: list[str]
) -> None:
    import anyio

    path = tmp_path / "v1.mcap"
    anyio.run(record_v1, *v1, path)
    for schemas, impl in write_version(tmp_path, "v2", schema):
        with pytest.raises(IncompatibleRecording) as caught:
            plan_replay(path, schemas, "pipe", str(impl))
        message = str(caught.value).splitlines()
        assert message[0] == f"{path}: recorded with incompatible message types:"
        # Every topic carries Sample: each is named, in the order of the file.
        assert message[1:] == [
            line.replace("pipe/in.sample", topic) for topic in TOPICS for line in lines
        ]
        result = CliRunner().invoke(
            app, ["replay", str(path), str(schemas), "-g", "pipe", "--impl", str(impl)]
        )
        assert result.exit_code == 1
        assert result.stderr == f"chrono: error: {caught.value}\n"


def test_a_removed_message_or_daemon_is_named(v1: tuple[Path, Path], tmp_path: Path) -> None:
    import anyio

    path = tmp_path / "v1.mcap"
    anyio.run(record_v1, *v1, path)
    renamed = (
        (ALL_TYPES + PIPE).replace("daemons.relay", "daemons.relay2").replace('"relay.', '"relay2.')
    )
    for schemas, impl in write_version(tmp_path, "v2", renamed):
        impl.write_text(impl.read_text().replace("RelayBase", "Relay2Base"))
        with pytest.raises(IncompatibleRecording) as caught:
            plan_replay(path, schemas, "pipe", str(impl))
        assert str(caught.value).splitlines() == [
            f"{path}: does not fit graph 'pipe':",
            "  pipe/relay.out: recorded, but graph 'pipe' has no such producer port (did you "
            "mean 'pipe/relay2.out'?) (a daemon, port or graph input removed or renamed?)",
        ]


def test_a_compatible_change_is_reported_and_accepted(
    v1: tuple[Path, Path], tmp_path: Path
) -> None:
    import anyio

    path = tmp_path / "v1.mcap"
    anyio.run(record_v1, *v1, path)
    added = changed(COUNT, COUNT + '\nfields.extra = { type = "int", default = 7 }')
    for schemas, impl in write_version(tmp_path, "v2", added):
        plan = plan_replay(path, schemas, "pipe", str(impl))
        assert plan.notes == tuple(
            f"{topic} (Sample): field 'extra' was added with a default (compatible: replayed)"
            for topic in TOPICS
        )
        outcome = anyio.run(functools.partial(replay, plan, check=True, handle_signals=False))
        # It ran; the new field shows in the new run's messages, which --check points at.
        assert outcome.run.exit_code == 0
        assert outcome.divergence is not None
        assert (outcome.divergence.topic, outcome.divergence.sequence) == ("pipe/in.sample", 0)
        assert [str(d) for d in outcome.divergence.diffs] == ["$.extra: expected <absent>, got 7"]
