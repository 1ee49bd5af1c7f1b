"""``chrono run --record`` then ``chrono replay``: the golden-output check a user puts in CI.

The system_stack example is recorded under ``--clock sim`` and replayed on both backends:
``--check`` passes on the same implementation and fails at the first message a deliberate
change alters (topic, virtual time, sequence number, field-level diff); ``--replace`` plays
a daemon in the middle of the pipeline back instead of running it. Bad input and hostile
files (RELIABILITY 81, 82) are one named error and exit 1, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from impls import BROKEN_POLICY, LOUD_DISPENSER, PLANNER_OFF_BY_ONE, write_impl
from typer.testing import CliRunner

from chrono_daemon import Channel, SimClock, open_channel
from chrono_daemon.recording import Recorder, compare_recordings, read_messages, seconds
from chrono_daemon.recording.info import inspect_recording
from codegen.cli import app
from generated.system_stack import Obs

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = str(REPO / "schemas")
EXAMPLE = str(REPO / "examples" / "system_stack_impl.py")
GRAPH = ["--graph", "system_stack"]
BACKENDS = ["asyncio", "trio"]
TOPICS = [
    "system_stack/in.obs",
    "system_stack/s2_planner.subgoal",
    "system_stack/s1_policy.chunk",
    "system_stack/s0_dispenser.action",
    "system_stack/out.actions",  # what the harness took from the graph output, and when
]


def chrono(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def replay(recording: Path, impl: str = EXAMPLE, *extra: str) -> tuple[int, str, str]:
    return chrono("replay", str(recording), SCHEMAS, *GRAPH, "--impl", impl, *extra)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example, run whole under virtual time with every edge recorded."""
    path = tmp_path_factory.mktemp("rec") / "run.mcap"
    code, out, err = chrono(
        "run", SCHEMAS, *GRAPH, "--impl", EXAMPLE, "--clock", "sim", "--record", str(path)
    )
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "actuator: 24 actions"
    return path


def test_the_recording_holds_every_edge_and_describes_the_run(recorded: Path) -> None:
    info = inspect_recording(recorded)  # every payload checked against its JSON Schema too
    assert list(info.topics) == TOPICS
    assert [t.count for t in info.topics.values()] == [3, 3, 3, 24, 24]
    run = info.run
    assert (run["graph"], run["process"], run["clock"], run["until"]) == (
        "system_stack",
        "",
        "sim",
        "",
    )
    assert msgspec.json.decode(run["params"]) == {
        "s1_policy": {"chunk_size": 8},
        "s2_planner": {"latency": 0.05},
    }
    digest = msgspec.json.decode(run["schema_files"])["system_stack.toml"]
    assert len(digest) == 64
    assert set(info.edge_ends) == set(TOPICS[:4])  # every producer closed its edge


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_same_run_records_the_same_bytes(recorded: Path, tmp_path: Path, backend: str) -> None:
    again = tmp_path / "again.mcap"
    code, _, _ = chrono(
        "run", SCHEMAS, *GRAPH, "--impl", EXAMPLE, "--clock", "sim", "--record", str(again),
        "--backend", backend,
    )  # fmt: skip
    assert code == 0
    assert again.read_bytes() == recorded.read_bytes()


@pytest.mark.parametrize("backend", BACKENDS)
def test_check_passes_on_the_unchanged_implementation(
    recorded: Path, tmp_path: Path, backend: str
) -> None:
    new = tmp_path / "new.mcap"
    code, out, err = replay(
        recorded, EXAMPLE, "--check", "--record", str(new), "--backend", backend
    )
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == (
        f"chrono replay: system_stack: identical to {recorded} (57 messages on 5 topics)"
    )
    assert compare_recordings(recorded, new) is None
    assert inspect_recording(new).run["clock"] == "sim"


@pytest.mark.parametrize("backend", BACKENDS)
def test_check_fails_at_the_first_message_a_change_alters(
    recorded: Path, tmp_path: Path, backend: str
) -> None:
    impl = write_impl(tmp_path, "planner_off_by_one", PLANNER_OFF_BY_ONE)
    code, _, err = replay(recorded, str(impl), "--check", "--backend", backend)
    # The second subgoal is the first message the change alters; everything before matches.
    original = [m for m in read_messages(recorded) if m.topic == TOPICS[1]][1]
    at = f"{seconds(original.log_time):.9g}"
    target = original.message["target"]
    assert code == 1
    assert err.splitlines() == [
        f"chrono replay: system_stack: diverged from {recorded}:",
        f"  system_stack/s2_planner.subgoal #1 at t={at} s: the message differs",
        f"    $.target: expected {target!r}, got {target + 1.0!r}",
    ]
    assert at == "2.05"


@pytest.mark.parametrize("backend", BACKENDS)
def test_replace_plays_a_daemon_in_the_middle_back_instead_of_running_it(
    recorded: Path, tmp_path: Path, backend: str
) -> None:
    # This policy fails at its first tick: the replay passes only because it never runs.
    broken = write_impl(tmp_path, "broken_policy", BROKEN_POLICY)
    code, out, err = replay(
        recorded, str(broken), "--replace", "s1_policy", "--check", "--backend", backend
    )
    assert (code, err) == (0, "")
    assert "identical to" in out
    code, _, err = replay(recorded, str(broken), "--check", "--backend", backend)
    assert code == 1
    assert (
        "chrono replay: system_stack: daemon 's1_policy' failed: daemon 's1_policy' failed in "
        "run: RuntimeError('this policy must not run')"
    ) in err.splitlines()


def test_replace_keeps_running_the_daemons_downstream(recorded: Path, tmp_path: Path) -> None:
    loud = write_impl(tmp_path, "loud_dispenser", LOUD_DISPENSER, BROKEN_POLICY)
    code, _, err = replay(recorded, str(loud), "--replace", "s1_policy", "--check")
    first = next(m for m in read_messages(recorded) if m.topic == TOPICS[4])
    assert code == 1
    # The harness took the first doubled action at the very time it took the original one.
    assert err.splitlines()[1] == (
        f"  system_stack/out.actions #0 at t={seconds(first.log_time):.9g} s: the message differs"
    )
    assert err.splitlines()[2] == (
        f"    $.cmd: expected {first.message['cmd']!r}, got {2 * first.message['cmd']!r}"
    )


def test_replace_does_not_need_the_replaced_class_or_the_harness(
    recorded: Path, tmp_path: Path
) -> None:
    impl = tmp_path / "two_daemons.py"
    impl.write_text(
        f"import sys\nsys.path.insert(0, {str(REPO / 'examples')!r})\n"
        "import system_stack_impl as stack\n\n"
        "class Planner(stack.Planner):\n    pass\n\n"
        "class Dispenser(stack.Dispenser):\n    pass\n\n"
        "class Actuator(stack.Actuator):\n    pass\n"
    )
    code, _, err = replay(recorded, str(impl), "--replace", "s1_policy", "--check")
    assert (code, err) == (0, "")
    code, _, err = replay(recorded, str(impl), "--check")
    assert code == 1
    assert "no class implements daemon 's1_policy'" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--replace", "s1_polcy"],
            "chrono: --replace s1_polcy: graph 'system_stack' has no such daemon (did you mean "
            "'s1_policy'?); its daemons: s2_planner, s1_policy, s0_dispenser, actuator",
        ),
        (
            ["--graph", "system_stak"],
            "chrono: no graph named 'system_stak' in",
        ),
    ],
)
def test_bad_options_are_named(recorded: Path, args: list[str], message: str) -> None:
    code, _, err = chrono("replay", str(recorded), SCHEMAS, *GRAPH, "--impl", EXAMPLE, *args)
    assert code == 1
    assert err.startswith(message)
    assert "Traceback" not in err


def test_a_recording_without_the_graph_inputs_cannot_be_replayed(tmp_path: Path) -> None:
    partial = tmp_path / "policy_only.mcap"
    code, _, _ = chrono(
        "run", SCHEMAS, *GRAPH, "--impl", EXAMPLE, "--clock", "sim", "--record", str(partial),
        "--record-topics", "s1_policy.*",
    )  # fmt: skip
    assert code == 0
    assert list(inspect_recording(partial).topics) == ["system_stack/s1_policy.chunk"]
    code, _, err = replay(partial)
    assert code == 1
    assert err.splitlines() == [
        f"chrono: error: {partial}: does not fit graph 'system_stack':",
        "  system_stack/in.obs: not recorded, but the replay feeds it",
    ]


def test_record_topics_must_match_a_topic(tmp_path: Path) -> None:
    code, _, err = chrono(
        "run", SCHEMAS, *GRAPH, "--impl", EXAMPLE, "--clock", "sim",
        "--record", str(tmp_path / "x.mcap"), "--record-topics", "s1_polcy.*",
    )  # fmt: skip
    assert code == 1
    assert err.startswith(
        "chrono: --record-topics 's1_polcy.*' matches no topic of graph 'system_stack' (did "
        "you mean 'system_stack/s1_policy.chunk'?); its topics: system_stack/in.obs, "
    )
    assert not (tmp_path / "x.mcap").exists()


def test_a_recording_that_cannot_be_written_is_refused_before_the_run(tmp_path: Path) -> None:
    code, out, err = chrono(
        "run", SCHEMAS, *GRAPH, "--impl", EXAMPLE, "--clock", "sim",
        "--record", str(tmp_path / "no" / "such" / "dir.mcap"),
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert err.startswith(f"chrono: --record: cannot write recording {tmp_path}/no/such/dir.mcap")


# RELIABILITY 81, 82: hostile files are refused by name, never with a traceback.


def test_a_truncated_recording_is_refused_with_the_way_to_salvage_it(
    recorded: Path, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.mcap"
    cut.write_bytes(recorded.read_bytes()[: recorded.stat().st_size // 2])
    code, _, err = replay(cut)
    assert code == 1
    assert err.startswith(f"chrono: error: {cut}: truncated at byte ")
    assert err.rstrip().endswith(
        f"a replay needs a complete file: chrono merge {cut} --salvage -o FIXED.mcap keeps what "
        "it holds"
    )


def test_a_damaged_chunk_is_refused_before_anything_runs(recorded: Path, tmp_path: Path) -> None:
    from mcap.reader import make_reader

    with recorded.open("rb") as file:
        summary = make_reader(file).get_summary()
    assert summary is not None
    chunk = summary.chunk_indexes[0]
    data = bytearray(recorded.read_bytes())
    data[chunk.chunk_start_offset + chunk.chunk_length - 3] ^= 0xFF  # inside the compressed data
    damaged = tmp_path / "damaged.mcap"
    damaged.write_bytes(bytes(data))
    code, out, err = replay(damaged)
    assert (code, out) == (1, "")  # not even the actuator ran
    assert err.startswith(f"chrono: error: {damaged}: corrupt near byte ")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "error"), [(b"not mcap at all", "not an MCAP"), (b"", "empty")]
)
def test_a_file_that_is_not_a_recording(tmp_path: Path, content: bytes, error: str) -> None:
    path = tmp_path / "x.mcap"
    path.write_bytes(content)
    code, _, err = replay(path)
    assert code == 1
    assert err.startswith(f"chrono: error: {path}: ")
    assert error in err
    assert "Traceback" not in err


def test_a_payload_that_does_not_fit_its_type_ends_the_replay_by_name(tmp_path: Path) -> None:
    path = tmp_path / "bad.mcap"
    edge: Channel[Any] = open_channel(8)
    with Recorder(path, clock=SimClock(), graph="system_stack") as recorder:
        send = recorder.tap("system_stack/in.obs", Obs, edge.send)
        send.send_nowait(Obs(t=0.0, seq=0))
        send.send_nowait({"t": "soon", "seq": 1})  # what a buggy hand-written producer sent
    code, _, err = replay(path)
    assert code == 1
    assert "Traceback" not in err
    assert err.splitlines()[-2:] == [
        "chrono replay: system_stack: playing the recording back failed",
        f"chrono: error: {path}: message #1 on 'system_stack/in.obs' (t=0 s) does not match "
        "generated.system_stack.messages.Obs (recorded as generated.system_stack.messages.Obs)"
        ": Expected `float`, got `str` - at `$.t`",
    ]
