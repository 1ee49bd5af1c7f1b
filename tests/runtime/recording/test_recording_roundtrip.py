"""Record -> read round trips of every field type; the stored schemas and metadata."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import jsonschema
import msgspec
import pytest
from mcap.reader import make_reader
from recording_helpers import ALL_TYPES, generate_package, samples

from chrono_daemon import Channel, SimClock, open_channel
from chrono_daemon.recording import (
    Recorder,
    json_schema,
    read_messages,
    schema_file_hashes,
)
from chrono_daemon.recording.info import inspect_recording
from chrono_daemon.wire import shape_from_json, shape_of, type_hash

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def pkg(tmp_path: Path) -> Iterator[Any]:
    yield from generate_package(tmp_path, {"alltypes.toml": ALL_TYPES})


@pytest.mark.anyio
async def test_every_field_type_round_trips(
    anyio_backend: object, pkg: Any, tmp_path: Path
) -> None:
    m = pkg
    union = m.Ping | m.Pong
    clock = SimClock()
    sample_edge: Channel[Any] = open_channel(8)
    event_edge: Channel[Any] = open_channel(8)
    int_edge: Channel[int] = open_channel(8)
    path = tmp_path / "all.mcap"
    async with Recorder(path, clock=clock, graph="alltypes") as recorder:
        to_samples = recorder.tap("alltypes/in.samples", m.Sample, sample_edge.send)
        to_events = recorder.tap("alltypes/in.events", union, event_edge.send)
        to_ints = recorder.tap("alltypes/in.ints", int, int_edge.send)
        for sample in samples(pkg):
            await to_samples.send(sample)
            await clock.advance(0.5)
            await to_events.send(sample.event)
            to_ints.send_nowait(sample.count)
    types = {"alltypes/in.samples": m.Sample, "alltypes/in.events": union, "alltypes/in.ints": int}
    read = list(read_messages(path, types))
    assert [r.message for r in read if r.topic.endswith("samples")] == samples(pkg)
    assert [r.message for r in read if r.topic.endswith("events")] == [
        s.event for s in samples(pkg)
    ]
    assert [r.message for r in read if r.topic.endswith("ints")] == [3, 0]
    assert [(r.topic, r.log_time, r.sequence) for r in read] == [
        ("alltypes/in.samples", 0, 0),
        ("alltypes/in.events", 500_000_000, 0),
        ("alltypes/in.ints", 500_000_000, 0),
        ("alltypes/in.samples", 500_000_000, 1),
        ("alltypes/in.events", 1_000_000_000, 1),
        ("alltypes/in.ints", 1_000_000_000, 1),
    ]


@pytest.mark.anyio
async def test_each_message_validates_against_its_stored_schema(
    anyio_backend: object, pkg: Any, tmp_path: Path
) -> None:
    m = pkg
    clock = SimClock()
    edge: Channel[Any] = open_channel(8)
    path = tmp_path / "all.mcap"
    async with Recorder(path, clock=clock) as recorder:
        send = recorder.tap("alltypes/in.samples", m.Sample, edge.send)
        for sample in samples(pkg):
            await send.send(sample)
    with path.open("rb") as file:
        reader = make_reader(file)
        checked = 0
        for schema, channel, message in reader.iter_messages():
            assert schema is not None
            assert (schema.encoding, channel.message_encoding) == ("jsonschema", "json")
            stored = json.loads(schema.data)
            jsonschema.Draft202012Validator.check_schema(stored)
            jsonschema.validate(json.loads(message.data), stored)
            checked += 1
    assert checked == 2
    # A payload that breaks the schema is caught by the same validator: the check can fail.
    bad = msgspec.json.decode(msgspec.json.encode(samples(pkg)[0]))
    bad["count"] = -1
    with pytest.raises(jsonschema.ValidationError, match="minimum"):
        jsonschema.validate(bad, stored)


def test_stored_schemas_are_self_contained_for_viewers(pkg: Any) -> None:
    """Foxglove's own JSON schemas inline nested messages: no `$ref`, an object at the root,
    bytes as base64 strings, string enums typed (docs/recording.md)."""
    m = pkg
    schema = json_schema(m.Sample)
    text = json.dumps(schema)
    assert "$ref" not in text
    assert "$defs" not in text
    assert schema["type"] == "object"
    assert schema["title"] == "Sample"
    props = schema["properties"]
    assert props["blob"] == {"type": "string", "contentEncoding": "base64"}
    assert props["mode"]["type"] == "string"
    assert sorted(props["mode"]["enum"]) == ["fault", "idle", "tracking"]
    assert props["point"]["properties"]["y"] == {"type": "number", "minimum": -1e6, "maximum": 1e6}
    assert props["event"]["discriminator"] == {"propertyName": "type"}
    assert {s["title"] for s in props["event"]["anyOf"]} == {"Ping", "Pong"}


class Tree(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    children: list[Tree] = []


def test_a_recursive_type_keeps_only_its_own_definition() -> None:
    schema = json_schema(Tree)
    assert schema["type"] == "object"
    assert set(schema["$defs"]) == {"Tree"}
    value = msgspec.json.decode(msgspec.json.encode(Tree(label="a", children=[Tree(label="b")])))
    jsonschema.validate(value, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"label": "a", "children": [{"label": 1}]}, schema)


class Hashed(msgspec.Struct, frozen=True):
    x: int


@pytest.mark.anyio
async def test_the_file_names_the_run_and_each_types_hash(
    anyio_backend: object, tmp_path: Path
) -> None:
    path = tmp_path / "meta.mcap"
    schema_file = tmp_path / "system_stack.toml"
    schema_file.write_bytes(b"[graph]\n")
    digest = hashlib.sha256(b"[graph]\n").hexdigest()
    edge: Channel[Hashed] = open_channel(1)
    other: Channel[int] = open_channel(1)
    async with Recorder(
        path,
        clock=SimClock(),
        graph="system_stack",
        process="planner",
        params={"s1_policy": {"gain": 0.5}},
        schema_files=schema_file_hashes([schema_file]),
    ) as recorder:
        recorder.tap("system_stack/in.h", Hashed, edge.send)
        recorder.tap("system_stack/in.i", int, other.send)
    info = inspect_recording(path)
    assert info.run == {
        "chrono_version": "0.1.0",
        "format": "2",
        "graph": "system_stack",
        "params": '{"s1_policy":{"gain":0.5}}',
        "process": "planner",
        "schema_files": '{"system_stack.toml":"' + digest + '"}',
        "start": "0",  # the clock's time when the recorder opened, in ns
    }
    hashed, plain = (
        info.topics["system_stack/in.h"].channel,
        info.topics["system_stack/in.i"].channel,
    )
    # Each channel keeps its type's CTH01 hash and wire shape (chrono_daemon.wire).
    for channel, tp, name in ((hashed, Hashed, f"{__name__}.Hashed"), (plain, int, "int")):
        assert (channel.type_hash, channel.schema_name) == (type_hash(tp), name)
        assert shape_from_json(channel.wire_shape) == shape_of(tp)
    assert hashed.type_hash != plain.type_hash
    with path.open("rb") as file:
        header = make_reader(file).get_header()
    assert header.library.startswith("chrono-daemon/0.1.0 mcap-python/")
