"""Hostile and damaged recordings (RELIABILITY 81, 82): named errors that say where, and a
truncated file read up to its last complete chunk."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import msgspec
import pytest
from mcap.reader import make_reader
from mcap.writer import Writer
from recording_helpers import Reading, record_pipeline

from chrono_daemon.recording import (
    CorruptRecording,
    IncompatibleRecording,
    NotARecording,
    TruncatedRecording,
    UnsupportedRecording,
    read_messages,
)
from chrono_daemon.recording.info import inspect_recording

HERE = Path(__file__).parent
TYPES = dict.fromkeys(("g/in.readings", "g/relay1.out", "g/relay2.out"), Reading)


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("good") / "good.mcap"
    record_pipeline(path, 200, "asyncio", chunk_size=512)
    return path


def test_a_truncated_file_is_read_up_to_its_last_complete_chunk(good: Path, tmp_path: Path) -> None:
    full = list(read_messages(good, TYPES))
    data = good.read_bytes()
    seen_counts = set()
    for cut in range(100, len(data) - 1, max(1, len(data) // 25)):
        path = tmp_path / "cut.mcap"
        path.write_bytes(data[:cut])
        recovered: list[object] = []
        with pytest.raises(
            TruncatedRecording, match=rf"truncated at byte {cut} \(the recording was interrupted\)"
        ) as caught:
            recovered.extend(read_messages(path, TYPES))
        assert recovered == full[: len(recovered)]  # a prefix: nothing reordered, nothing invented
        assert caught.value.messages == len(recovered)
        seen_counts.add(len(recovered))
        info = inspect_recording(path)
        assert info.truncated is not None
        assert info.message_count == len(recovered)
    assert len(seen_counts) > 5  # the cuts fell in many different chunks


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", r"the file is empty, not an MCAP recording$"),
        (b"\x89MCA", r"not an MCAP recording \(too short\)$"),
        (b"PK\x03\x04 a zip file, not a recording", r"not an MCAP recording \(it does not start"),
        (b"{}\n" * 100, r"not an MCAP recording \(it does not start"),
    ],
)
def test_a_file_that_is_not_mcap_is_named_so(tmp_path: Path, content: bytes, error: str) -> None:
    path = tmp_path / "x.mcap"
    path.write_bytes(content)
    with pytest.raises(NotARecording, match=rf"^{path}: {error}"):
        list(read_messages(path))
    with pytest.raises(NotARecording):
        inspect_recording(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(NotARecording, match=r"^.*/nope.mcap: cannot open: No such file"):
        list(read_messages(tmp_path / "nope.mcap"))


def test_a_damaged_chunk_fails_its_crc(good: Path, tmp_path: Path) -> None:
    with good.open("rb") as file:
        summary = make_reader(file).get_summary()
    assert summary is not None
    chunk = summary.chunk_indexes[len(summary.chunk_indexes) // 2]
    data = bytearray(good.read_bytes())
    data[chunk.chunk_start_offset + chunk.chunk_length - 3] ^= 0xFF  # inside the compressed data
    path = tmp_path / "flipped.mcap"
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptRecording, match=rf"^{path}: corrupt near byte \d+: "):
        list(read_messages(path))


def write_foreign(
    path: Path,
    *,
    schema_encoding: str = "jsonschema",
    message_encoding: str = "json",
    schema: bytes = b'{"type":"object","properties":{"t":{"type":"number"}},"required":["t"]}',
    payload: bytes = b'{"t": 1.5}',
) -> None:
    with path.open("wb") as file:
        writer = Writer(file)
        writer.start()
        schema_id = writer.register_schema("Obs", schema_encoding, schema)
        channel = writer.register_channel("g/in.obs", message_encoding, schema_id)
        writer.add_message(channel, 5, payload, 5, 0)
        writer.finish()  # type: ignore[no-untyped-call]


class Obs(msgspec.Struct, frozen=True):
    t: float


def test_json_that_does_not_match_its_schema(tmp_path: Path) -> None:
    path = tmp_path / "bad.mcap"
    write_foreign(path, payload=b'{"t": "soon"}')
    with pytest.raises(
        CorruptRecording,
        match=rf"^{path}: message #0 on 'g/in.obs' \(t=5e-09 s\) does not match its schema Obs: "
        r"'soon' is not of type 'number' - at `\$.t`$",
    ):
        inspect_recording(path)
    with pytest.raises(
        IncompatibleRecording,
        match=rf"^{path}: message #0 on 'g/in.obs' \(t=5e-09 s\) does not match "
        rf"{__name__}.Obs \(recorded as Obs\): Expected `float`, got `str` - at `\$.t`$",
    ):
        list(read_messages(path, {"g/in.obs": Obs}))


def test_a_payload_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "bin.mcap"
    write_foreign(path, payload=b"\x93\x01\x02")
    with pytest.raises(CorruptRecording, match=r"message #0 on 'g/in.obs' .* is not valid JSON"):
        list(read_messages(path))
    with pytest.raises(CorruptRecording, match=r"is not valid JSON"):
        inspect_recording(path)


def test_a_schema_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "schema.mcap"
    write_foreign(path, schema=b"not json")
    with pytest.raises(CorruptRecording, match=r"the JSON Schema of 'Obs' is not valid JSON"):
        list(read_messages(path))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        (
            {"schema_encoding": "protobuf"},
            r"schema 'Obs' has encoding 'protobuf'; chrono recordings use 'jsonschema' schemas$",
        ),
        (
            {"message_encoding": "cdr"},
            r"topic 'g/in.obs' has message encoding 'cdr'; chrono recordings use 'json' messages$",
        ),
    ],
)
def test_encodings_chrono_does_not_write(
    tmp_path: Path, kwargs: dict[str, str], error: str
) -> None:
    path = tmp_path / "foreign.mcap"
    write_foreign(path, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(UnsupportedRecording, match=rf"^{path}: {error}"):
        inspect_recording(path)


KILLED = textwrap.dedent(
    """
    import os, sys
    import anyio
    sys.path.insert(0, {here!r})
    from recording_helpers import Reading
    from chrono_daemon import SimClock, open_channel
    from chrono_daemon.recording import Recorder

    async def main() -> None:
        clock = SimClock()
        recorder = Recorder(sys.argv[1], clock=clock, chunk_size=1024)
        edge = open_channel(1)
        send = recorder.tap("g/in.readings", Reading, edge.send)
        for k in range(2000):
            send.send_nowait(Reading(t=clock.now(), value=k))
            edge.recv.receive_nowait()
            await clock.advance(0.001)
            if k == 1500:
                print("ready", flush=True)
                await anyio.sleep_forever()  # killed here, the recorder never closed

    anyio.run(main)
    """
)


def test_a_killed_recording_keeps_every_complete_chunk(tmp_path: Path) -> None:
    path = tmp_path / "killed.mcap"
    script = tmp_path / "killed.py"
    script.write_text(KILLED.format(here=str(HERE)))
    proc = subprocess.Popen(
        [sys.executable, str(script), str(path)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "ready\n"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
    recovered = []
    with pytest.raises(TruncatedRecording) as caught:
        for message in read_messages(path, {"g/in.readings": Reading}):
            recovered.append(message.message.value)
    assert recovered == list(range(len(recovered)))
    assert 1000 < len(recovered) <= 1501  # all but the open chunk and the blocks in flight
    assert caught.value.messages == len(recovered)
