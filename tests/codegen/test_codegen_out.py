"""The output directory (issue 15, RELIABILITY 83): one writer at a time, OUT rules, parents.

Two ``chrono gen`` at once on one OUT run as real processes, many rounds; the OUT rules
(never ``/``, home or the current directory) refuse before anything is read; missing parents
are created; a previous tree that cannot be removed is reported by name, when it happens.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from codegen_helpers import REPO, SIMPLE, run_cli, run_python, snapshot, write_schemas

from codegen import fastpath, generate, outlock, write
from codegen.outdir import siblings, unsuitable

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import PurePosixPath

HERE = Path(__file__).resolve().parent
GEOMETRY = '[messages.Pose]\ndoc = "A pose."\nfields.x = "float"\n'


def _files(directory: Path) -> dict[PurePosixPath, str]:
    files = generate(directory).files
    assert files is not None
    return files


def _expected(directory: Path) -> dict[str, bytes]:
    return {p.as_posix(): text.encode() for p, text in _files(directory).items()}


def _tree(out: Path) -> dict[str, bytes]:
    return {p: v[2] for p, v in snapshot(out).items() if "__pycache__" not in p}


# -- two writers at once -------------------------------------------------------------------------


def _variant(root: Path, name: str, doc: str, extra: str) -> Path:
    """A schema dir; the two variants differ in every file, and in the set of files."""
    files: dict[str, str | bytes] = {"robot.toml": SIMPLE.replace("An observation.", doc)}
    if extra:
        files[f"{extra}.toml"] = GEOMETRY
    return write_schemas(root / name, files)


@contextlib.contextmanager
def _processes(
    argvs: list[list[str]], env: dict[str, str]
) -> Iterator[list[subprocess.Popen[str]]]:
    """Start every argv at once, each in its own process group; kill what is left at the end."""
    procs: list[subprocess.Popen[str]] = []
    try:
        for argv in argvs:
            procs.append(
                subprocess.Popen(
                    argv,
                    cwd=REPO,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    start_new_session=True,
                )
            )
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


# ``chrono gen`` with two hooks that make the race certain instead of rare: both processes start
# the pipeline together (a file barrier before the fast-path probe) and every fsync of the writer
# takes 20 ms, so the write phases of the two processes overlap in every round.
_RACING_GEN = """
import os, sys, time
from pathlib import Path
import codegen.cmd.gen as command
barrier, me, argv = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
real_probe, real_fsync = command.probe, os.fsync
def probe(directory, out):
    (barrier / me).touch()
    deadline = time.monotonic() + 10
    while len(list(barrier.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.001)
    return real_probe(directory, out)
def fsync(fd):
    time.sleep(0.02)
    real_fsync(fd)
command.probe, os.fsync = probe, fsync
from codegen.cli import app
app(argv, prog_name="chrono")
"""


@pytest.mark.timeout(240)  # 40 interpreters on a shared 2-core machine; usually ~25 s
def test_two_gens_at_once_are_serialised_and_never_leave_a_partial_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RELIABILITY 83: 20 rounds of two ``chrono gen`` (different inputs) into one OUT at once.

    Both exit 0, OUT is exactly one of the two complete trees, nothing is left next to it, and
    the fast-path manifest never claims a tree the run did not write itself: whenever it says
    OUT is up to date for an input, OUT is exactly that input's tree.
    """
    a = _variant(tmp_path, "a", "Variant A.", "")
    b = _variant(tmp_path, "b", "Variant B.", "geometry")
    trees = {a: _expected(a), b: _expected(b)}
    out = tmp_path / "gen" / "pkg"
    monkeypatch.setenv("CHRONO_CACHE_DIR", str(tmp_path / "cache"))  # for probe() below
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for round_ in range(20):
        barrier = tmp_path / f"barrier{round_}"
        barrier.mkdir()
        pair = (a, b) if round_ % 2 else (b, a)
        runs = [
            [sys.executable, "-c", _RACING_GEN, str(barrier), d.name, "gen", str(d), "-o", str(out)]
            for d in pair
        ]
        with _processes(runs, env) as procs:
            results = [p.communicate(timeout=60) for p in procs]
        for proc, (stdout, stderr) in zip(procs, results, strict=True):
            assert proc.returncode == 0, (round_, stdout, stderr)
            assert stderr == "", round_
        final = _tree(out)
        assert final in trees.values(), round_
        assert sorted(p.name for p in out.parent.iterdir()) == ["pkg"], round_
        for directory, tree in trees.items():
            if fastpath.probe(directory, out).unchanged is not None:
                assert final == tree, (round_, directory.name)


def test_a_writer_waits_for_the_lock_and_gives_up_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = write_schemas(tmp_path / "s", {"robot.toml": SIMPLE})
    out = tmp_path / "out"
    monkeypatch.setattr(outlock, "LOCK_TIMEOUT", 0.2)
    waits: list[int] = []
    with outlock.locked(out):  # another descriptor: flock makes it a second holder
        report = write(_files(directory), out, on_wait=lambda: waits.append(1))
    lock = siblings(out).lock
    assert [(e.path, e.message) for e in report.errors] == [
        (
            lock.as_posix(),
            f"another process (pid {os.getpid()}) has been writing {out.as_posix()} for 0.2 s; "
            "wait for it to finish (or stop it), then run chrono gen again",
        )
    ]
    assert waits == [1]
    assert not out.exists()
    assert not lock.exists()  # the holder removed it when it let go
    assert write(_files(directory), out).errors == ()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s"]


def test_a_lock_file_left_by_a_killed_writer_holds_nothing(tmp_path: Path) -> None:
    directory = write_schemas(tmp_path / "s", {"robot.toml": SIMPLE})
    out = tmp_path / "out"
    siblings(out).lock.write_text("999999\n")  # kill -9 releases the flock, not the file
    assert write(_files(directory), out).errors == ()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s"]


def test_without_a_lock_file_a_no_op_still_succeeds_and_a_write_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only parent of OUT (simulated: root ignores permission bits)."""
    directory = write_schemas(tmp_path / "s", {"robot.toml": SIMPLE})
    out = tmp_path / "out"
    assert write(_files(directory), out).errors == ()
    before = snapshot(out)
    real_open = os.open

    def read_only(path: str | os.PathLike[str], flags: int, *args: int) -> int:
        if Path(path) == siblings(out).lock:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", read_only)
    report = write(_files(directory), out)
    assert (report.errors, report.written, report.removed) == ((), (), ())
    assert report.snapshot is not None
    (directory / "robot.toml").write_text(SIMPLE.replace("An observation.", "Changed."))
    report = write(_files(directory), out)
    assert [(e.path, e.message) for e in report.errors] == [
        (
            out.as_posix(),
            f"cannot write: Permission denied: {siblings(out).lock}",
        )
    ]
    assert snapshot(out) == before


def test_check_takes_no_lock_and_creates_nothing(tmp_path: Path) -> None:
    directory = write_schemas(tmp_path / "s", {"robot.toml": SIMPLE})
    out = tmp_path / "missing" / "out"
    with outlock.locked(tmp_path / "s"):  # a lock elsewhere must not matter either
        code, _, _ = run_cli("gen", str(directory), "-o", str(out), "--check")
    assert code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]


# -- a previous tree that cannot be removed ------------------------------------------------------


def test_an_old_tree_that_cannot_be_removed_is_reported_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15.2, simulated (root may delete anything): the removal of the parked tree fails."""
    directory = write_schemas(tmp_path / "s", {"robot.toml": SIMPLE, "geometry.toml": GEOMETRY})
    out = tmp_path / "out"
    assert write(_files(directory), out).errors == ()
    old = siblings(out).old
    real_rmtree = shutil.rmtree

    def refuse(path: str | os.PathLike[str], *args: object, **kwargs: object) -> None:
        if Path(path) == old:
            raise PermissionError(13, "Permission denied", str(old / "robot" / "messages.py"))
        real_rmtree(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(shutil, "rmtree", refuse)
    (directory / "geometry.toml").write_text(GEOMETRY.replace("A pose.", "Changed."))
    code, stdout, stderr = run_cli("gen", str(directory), "-o", str(out))
    assert code == 1
    assert stdout == ""
    error, summary = stderr.splitlines()
    shown = old.as_posix()
    assert error == (
        f"{shown}: error: the previous tree of {out.as_posix()}, parked here while the new one "
        f"was put in place, cannot be removed (Permission denied: {shown}/robot/messages.py); "
        f"remove it by hand: chmod -R u+w {shown} && rm -rf {shown}"
    )
    assert summary == (
        f"chrono: {out.as_posix()}: 3 written, 0 removed, 9 unchanged; see the error above"
    )
    assert b"Changed." in (out / "geometry" / "messages.py").read_bytes()  # the new tree is in
    # Every later run names the leftover (not a bare "Permission denied: 'messages.py'").
    (directory / "geometry.toml").write_text(GEOMETRY.replace("A pose.", "Again."))
    code, _, stderr = run_cli("gen", str(directory), "-o", str(out))
    assert code == 1
    assert stderr.splitlines() == [
        f"{shown}: error: left by an earlier chrono gen and cannot be removed (Permission "
        f"denied: {shown}/robot/messages.py); remove it by hand: chmod -R u+w {shown} && "
        f"rm -rf {shown}",
        "chrono: refused to write; nothing was changed",
    ]
    monkeypatch.setattr(shutil, "rmtree", real_rmtree)
    code, _, stderr = run_cli("gen", str(directory), "-o", str(out))
    assert code == 0, stderr
    assert b"Again." in (out / "geometry" / "messages.py").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s"]


def read_only_subdirectory_scenario(root: Path) -> None:
    """Issue 15.2 for real: a read-only subdirectory of OUT (run by a user that is not root)."""
    directory = write_schemas(root / "s", {"robot.toml": SIMPLE, "geometry.toml": GEOMETRY})
    out = root / "out"
    assert write(_files(directory), out).errors == ()
    (out / "robot").chmod(0o555)
    (directory / "geometry.toml").write_text(GEOMETRY.replace("A pose.", "Changed."))
    report = write(_files(directory), out)
    old = siblings(out).old
    assert report.swapped
    assert [e.path for e in report.errors] == [old.as_posix()]
    assert "Permission denied" in report.errors[0].message
    assert f"chmod -R u+w {old.as_posix()}" in report.errors[0].message
    assert b"Changed." in (out / "geometry" / "messages.py").read_bytes()
    again = write(_files(directory), out)
    assert [e.path for e in again.errors] == [old.as_posix()]
    assert "left by an earlier chrono gen" in again.errors[0].message
    (old / "robot").chmod(0o755)  # what the message says to do
    assert write(_files(directory), out).errors == ()
    assert sorted(p.name for p in root.iterdir()) == ["out", "s"]


_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_CAPBSET_READ, _PR_CAPBSET_DROP = 23, 24


def _without_capabilities() -> None:
    """In the child before exec: empty the capability bounding set, so that root, after exec,
    has no CAP_DAC_OVERRIDE and meets permission bits like any file owner.

    Only calls into the already loaded libc: nothing that could wait on a lock held by
    another thread of the parent at fork time.
    """
    for cap in range(64):
        _LIBC.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)  # fails (EINVAL) past the last capability
    if _LIBC.prctl(_PR_CAPBSET_READ, 1, 0, 0, 0) != 0:  # CAP_DAC_OVERRIDE still there
        raise OSError(ctypes.get_errno(), "cannot drop capabilities")


def test_a_read_only_subdirectory_for_real(tmp_path: Path) -> None:
    """The scenario above with real permissions; as root, in a child without capabilities."""
    if os.geteuid() != 0:
        read_only_subdirectory_scenario(tmp_path)
        return
    script = (
        "import sys; from pathlib import Path; "
        "from test_codegen_out import read_only_subdirectory_scenario as s; "
        "s(Path(sys.argv[1]))"
    )
    pythonpath = os.pathsep.join([str(HERE), str(REPO)])
    try:
        proc = run_python(
            "-c",
            script,
            str(tmp_path),
            cwd=tmp_path,
            env={"PYTHONPATH": pythonpath},
            preexec_fn=_without_capabilities,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
    finally:
        for path in tmp_path.rglob("*"):  # let pytest clean up tmp_path later
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)


# -- OUT rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("/", "is the root of the file system"),
        ("~", "is your home directory"),
        ("~/..", "contains your home directory"),
        (".", "is the current directory"),
        ("..", "contains the current directory"),
    ],
)
def test_unsuitable_outputs_are_refused_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str, problem: str
) -> None:
    directory = write_schemas(tmp_path / "s", {"robot.toml": SIMPLE})
    home = tmp_path / "home" / "me"
    work = tmp_path / "work" / "here"
    home.mkdir(parents=True)
    work.mkdir(parents=True)
    (work / "user.py").write_text("mine = 1\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    out = Path(target).expanduser()
    assert unsuitable(out) == problem
    code, stdout, stderr = run_cli("gen", str(directory), "-o", str(out))
    assert code == 1
    assert stdout == ""
    assert stderr.splitlines() == [
        f"{out.as_posix()}: error: the output directory {problem}; chrono replaces it as a "
        "whole: pass -o a directory of its own (e.g. -o generated)",
        "chrono: refused to write; nothing was changed",
    ]
    code, _, _ = run_cli("gen", str(directory), "-o", str(out), "--check")
    assert code == 1
    assert sorted(p.name for p in work.iterdir()) == ["user.py"]


def test_an_empty_output_option_is_a_usage_error(tmp_path: Path) -> None:
    directory = write_schemas(tmp_path / "s", {"robot.toml": SIMPLE})
    code, _, stderr = run_cli("gen", str(directory), "-o", "")
    assert code == 2
    assert "is empty; give the output package" in stderr


def test_a_directory_inside_the_current_one_is_fine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = write_schemas(tmp_path / "s", {"robot.toml": SIMPLE})
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = run_cli("gen", "s", "-o", "build/gen/pkg")
    assert code == 0, stderr
    assert stdout == "chrono: build/gen/pkg: 8 written, 0 removed, 0 unchanged\n"
    assert _tree(tmp_path / "build" / "gen" / "pkg") == _expected(directory)


def test_missing_parents_of_out_are_created_only_when_writing(tmp_path: Path) -> None:
    """Issue 15.5: ``-o build/gen/pkg`` in a fresh clone works like ``mkdir -p``."""
    directory = write_schemas(tmp_path / "s", {"robot.toml": SIMPLE})
    out = tmp_path / "build" / "gen" / "pkg"
    code, _, _ = run_cli("gen", str(directory), "-o", str(out), "--check")
    assert code == 1
    assert not (tmp_path / "build").exists()  # --check creates nothing
    bad = write_schemas(tmp_path / "bad", {"robot.toml": "[messages.M]\nfields.x = 'flaot'\n"})
    code, _, _ = run_cli("gen", str(bad), "-o", str(out))
    assert code == 1
    assert not (tmp_path / "build").exists()  # a bad schema creates nothing
    assert write(_files(directory), out).errors == ()
    assert _tree(out) == _expected(directory)
    assert sorted(p.name for p in (tmp_path / "build" / "gen").iterdir()) == ["pkg"]


def test_a_parent_that_cannot_be_created_is_named(tmp_path: Path) -> None:
    directory = write_schemas(tmp_path / "s", {"robot.toml": SIMPLE})
    (tmp_path / "build").write_text("a file where a directory should be\n")
    out = tmp_path / "build" / "gen" / "pkg"
    report = write(_files(directory), out)
    assert [(e.path, e.message) for e in report.errors] == [
        (
            out.as_posix(),
            "cannot create the parent directory: Not a directory: "
            + (tmp_path / "build" / "gen").as_posix(),
        )
    ]


def test_a_crowded_out_lists_ten_paths_and_counts_the_rest(tmp_path: Path) -> None:
    directory = write_schemas(tmp_path / "s", {"robot.toml": SIMPLE})
    out = tmp_path / "src"
    for n in range(25):
        (out / f"pkg{n % 3}").mkdir(parents=True, exist_ok=True)
        (out / f"pkg{n % 3}" / f"m{n:02d}.py").write_text("x = 1\n")
    code, _, stderr = run_cli("gen", str(directory), "-o", str(out))
    assert code == 1
    lines = stderr.splitlines()
    assert len(lines) == 12
    assert all("was not generated by chrono" in line for line in lines[:10])
    assert lines[10] == (
        f"{out.as_posix()}: error: ... and 15 more path(s) inside it that chrono did not "
        "generate; is this the right output directory?"
    )
    assert lines[11] == "chrono: refused to write; nothing was changed"
