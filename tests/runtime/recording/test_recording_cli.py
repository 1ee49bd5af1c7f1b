"""``chrono info`` and ``chrono merge``: what they print, exit codes, and never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from recording_helpers import Reading, record_pipeline
from typer.testing import CliRunner

from chrono_daemon.wire import type_hash
from codegen.cli import app

if TYPE_CHECKING:
    from pathlib import Path


def chrono(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "run.mcap"
    record_pipeline(path, 100, "asyncio", chunk_size=512)
    return path


def test_info_shows_duration_topics_rates_types_and_metadata(recording: Path) -> None:
    code, out, err = chrono("info", str(recording))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"file:      {recording}"
    assert re.fullmatch(r"written by chrono-daemon/0\.1\.0 mcap-python/\S+", lines[1])
    assert lines[2] == "graph:     g (chrono 0.1.0, format 2)"
    assert lines[3] == "duration:  0.994000000 s (from t=0.010000000 to t=1.004000000)"
    assert lines[4] == (
        "closed:    at t=2.000000000; 3 of 3 edges were closed by their producers before"
    )
    assert lines[5] == "messages:  300 on 3 topics"
    short = type_hash(Reading)[:18]
    assert lines[6:] == [
        f"  g/in.readings        100      100.000 Hz  recording_helpers.Reading {short}",
        f"  g/relay1.out         100      100.000 Hz  recording_helpers.Reading {short}",
        f"  g/relay2.out         100      100.000 Hz  recording_helpers.Reading {short}",
    ]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"hello, not a recording at all", r"not an MCAP recording \(it does not start"),
        (b"", r"the file is empty"),
    ],
)
def test_info_on_a_file_that_is_not_a_recording(tmp_path: Path, content: bytes, error: str) -> None:
    path = tmp_path / "x.mcap"
    path.write_bytes(content)
    code, out, err = chrono("info", str(path))
    assert (code, out) == (1, "")
    assert re.fullmatch(rf"chrono: error: {re.escape(str(path))}: {error}.*\n", err)


def test_info_on_a_truncated_file_shows_what_it_holds(recording: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mcap"
    cut.write_bytes(recording.read_bytes()[: recording.stat().st_size // 2])
    code, out, err = chrono("info", str(cut))
    assert code == 1
    assert "messages:  " in out
    assert re.fullmatch(
        rf"chrono: error: {re.escape(str(cut))}: truncated at byte \d+ \(the recording was "
        r"interrupted\): \d+ messages of the complete chunks before the cut were read; the rest "
        r"is lost\n",
        err,
    )


def test_merge_writes_one_file_and_refuses_what_it_cannot_merge(
    recording: Path, tmp_path: Path
) -> None:
    out = tmp_path / "merged.mcap"
    code, stdout, err = chrono("merge", str(recording), "-o", str(out))
    assert (code, err) == (0, "")
    assert stdout == f"chrono: {out}: 300 messages from 1 recordings\n"
    code, stdout, err = chrono("merge", str(recording), str(out), "-o", str(tmp_path / "x.mcap"))
    assert (code, stdout) == (1, "")
    assert re.fullmatch(r"chrono: error: topic 'g/in.readings' is recorded in both .*\n", err)
    cut = tmp_path / "cut.mcap"
    cut.write_bytes(recording.read_bytes()[:-100])
    code, _, err = chrono("merge", str(cut), "-o", str(tmp_path / "y.mcap"))
    assert code == 1
    assert err.endswith("; --salvage keeps what it holds\n")
    code, stdout, _ = chrono("merge", str(cut), "--salvage", "-o", str(tmp_path / "y.mcap"))
    assert code == 0
    assert chrono("info", str(tmp_path / "y.mcap"))[0] == 0


@pytest.mark.parametrize("module", ["chrono_daemon.recording", "codegen.cli:info"])
def test_without_the_extra_the_error_says_how_to_install(tmp_path: Path, module: str) -> None:
    if module == "codegen.cli:info":
        code = (
            "import sys\nsys.modules['mcap'] = None\n"
            "from codegen.cli import main\n"
            f"sys.argv = ['chrono', 'info', {str(tmp_path / 'x.mcap')!r}]\nmain()\n"
        )
    else:
        code = (
            "import sys\nsys.modules['mcap'] = None\nimport chrono_daemon\n"
            "try:\n    import chrono_daemon.recording\n"
            "except ImportError as exc:\n    print(exc, file=sys.stderr)\n"
        )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert 'pip install "chrono-daemon[record]"' in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_the_package_exports_exactly_its_all() -> None:
    import types

    import chrono_daemon.recording as recording

    public = {
        n
        for n in dir(recording)
        if not n.startswith("_") and not isinstance(getattr(recording, n), types.ModuleType)
    }
    assert isinstance(recording.__all__, tuple)
    assert set(recording.__all__) == public
