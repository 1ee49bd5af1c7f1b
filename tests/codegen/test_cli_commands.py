"""``chrono check/graph/scaffold/schema/--version``: exit codes, output formats, never overwriting.

Every command runs through Typer's ``CliRunner`` (stdout and stderr captured separately);
mypy and ruff run as subprocesses on what ``chrono gen`` + ``chrono scaffold`` wrote.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest
from codegen_helpers import ROVER
from typer.testing import CliRunner, Result

from chrono_daemon import __version__
from codegen.cli import app
from codegen.cmd._common import github_annotation
from codegen.errors import SchemaError
from codegen.jsonschema import file_format_schema
from codegen.load import raw

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
ERROR_LINE = re.compile(r"^[^:]+:\d+(:\d+)?: error: ")

BAD_SCHEMA = """\
[messages.Obs]
fields.t = "flot"

[daemons.planner]
kind = "periodic"
rate_hzz = 1.0

[daemons.actuator]
kind = "run"
rate_hz = 5.0
"""

runner = CliRunner()


def chrono(*args: str | Path) -> Result:
    """Run ``chrono ARGS`` in-process; never lets an exception escape as a pass."""
    result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    return result


@pytest.fixture(autouse=True)
def private_manifest_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep ``chrono gen``'s no-op manifests (codegen/fastpath.py) out of the real ~/.cache."""
    monkeypatch.setenv("CHRONO_CACHE_DIR", str(tmp_path / "chrono-cache"))


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    """A private copy of the example schemas (tests may add or break files)."""
    target = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, target)
    return target


@pytest.fixture
def bad_schemas(tmp_path: Path) -> Path:
    """A schema directory with three errors: an unknown type, an unknown key, a stray rate."""
    target = tmp_path / "bad"
    target.mkdir()
    (target / "stack.toml").write_text(BAD_SCHEMA)
    return target


# -- --version and --help -----------------------------------------------------------------------


def test_version_prints_the_package_version() -> None:
    result = chrono("--version")
    assert result.exit_code == 0
    assert result.stdout == f"chrono {__version__}\n"


@pytest.mark.parametrize("command", ["gen", "check", "graph", "scaffold", "schema"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = chrono(command, "--help")
    assert result.exit_code == 0
    assert re.search(rf"Example: chrono {command}\b", result.stdout), result.stdout


def test_shell_completion_is_offered() -> None:
    result = chrono("--help")
    assert "--install-completion" in result.stdout
    assert "--show-completion" in result.stdout
    script = chrono("--show-completion", "bash")
    assert script.exit_code == 0
    assert "_CHRONO_COMPLETE=complete_bash" in script.stdout


@pytest.mark.parametrize(
    ("words", "expected"),
    [("chrono sc", ["scaffold", "schema"]), ("chrono graph schemas --format ", ["mermaid", "dot"])],
)
def test_shell_completion_completes_commands_and_choices(words: str, expected: list[str]) -> None:
    env = {
        "_CHRONO_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split(" ")) - 1),
    }
    result = runner.invoke(app, [], env=env, prog_name="chrono", catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.split() == expected


# -- check --------------------------------------------------------------------------------------


def test_check_passes_on_the_example_schemas() -> None:
    result = chrono("check", SCHEMAS)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


def test_check_reports_every_error_as_path_line_and_exits_1(bad_schemas: Path) -> None:
    result = chrono("check", bad_schemas)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    errors = [line for line in lines if not line.startswith("chrono: ")]
    assert len(errors) == 3, result.stderr
    for line in errors:
        assert ERROR_LINE.match(line), line
        assert line.startswith(f"{bad_schemas.as_posix()}/stack.toml:")
    assert any(":2:" in line and "'flot'" in line for line in errors)
    assert any(":6:" in line and "rate_hzz" in line for line in errors)
    assert any(":10:" in line and "rate_hz" in line for line in errors)
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_check_github_format_adds_one_annotation_per_error(bad_schemas: Path) -> None:
    plain = chrono("check", bad_schemas)
    result = chrono("check", bad_schemas, "--format", "github")
    assert result.exit_code == 1
    assert result.stderr == plain.stderr  # the file:line lines are still there
    annotations = result.stdout.splitlines()
    assert len(annotations) == 3
    path = f"{bad_schemas.as_posix()}/stack.toml".replace(":", "%3A").replace(",", "%2C")
    for line in annotations:
        assert re.match(rf"^::error file={re.escape(path)},line=\d+(,col=\d+)?::\S", line), line


def test_check_github_format_is_quiet_when_clean() -> None:
    result = chrono("check", SCHEMAS, "--format", "github")
    assert result.exit_code == 0
    assert "::" not in result.stdout


def test_check_rejects_an_unknown_format(bad_schemas: Path) -> None:
    result = chrono("check", bad_schemas, "--format", "junit")
    assert result.exit_code == 2


def test_github_annotation_escapes_what_would_break_the_command() -> None:
    error = SchemaError("a,b:c.toml", 3, 7, "50% of\nthe line\r", "error")
    assert (
        github_annotation(error)
        == "::error file=a%2Cb%3Ac.toml,line=3,col=7::50%25 of%0Athe line%0D"
    )
    whole_file = SchemaError("x.toml", 0, 0, "is a directory", "warning")
    assert github_annotation(whole_file) == "::warning file=x.toml::is a directory"


# -- graph --------------------------------------------------------------------------------------

MERMAID_NODE = re.compile(  # a node of a graph, or of one of its process subgraphs
    r'^    (?:  )?(g\d+_[A-Za-z0-9_]+)(\["|\(\["|\{\{")[^"]*("\]|"\]\)|"\}\})$'
)
MERMAID_EDGE = re.compile(r'^    (g\d+_[A-Za-z0-9_]+) -->\|"[^"]*"\| (g\d+_[A-Za-z0-9_]+)$')
DOT_NODE = re.compile(
    r'^    (?:  )?([A-Za-z0-9_]+) \[[^\]"]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^\]"]*)*\];$'
)
DOT_EDGE = re.compile(r'^    ([A-Za-z0-9_]+) -> ([A-Za-z0-9_]+) \[label="(?:[^"\\]|\\.)*"\];$')


def mermaid_structure(text: str) -> tuple[set[str], list[tuple[str, str]]]:
    """Parse our Mermaid subset strictly; return node ids and edges (fails on anything else)."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes: set[str] = set()
    edges: list[tuple[str, str]] = []
    depth = 0
    for line in lines[1:]:
        if re.fullmatch(r'  subgraph g\d+\["[^"]*"\]', line) or re.fullmatch(
            r'    subgraph g\d+_p_\w+\["[^"]*"\]', line  # a process of a split graph
        ):
            depth += 1
        elif line in ("  end", "    end"):
            depth -= 1
        elif m := MERMAID_NODE.match(line):
            nodes.add(m.group(1))
        elif m := MERMAID_EDGE.match(line):
            edges.append((m.group(1), m.group(2)))
        else:
            pytest.fail(f"unexpected Mermaid line: {line!r}")
        assert depth in (0, 1, 2)
    assert depth == 0
    for src, dst in edges:
        assert src in nodes, src
        assert dst in nodes, dst
    return nodes, edges


def dot_structure(text: str) -> tuple[set[str], list[tuple[str, str]]]:
    """Parse our dot subset strictly (the fallback when Graphviz is not installed)."""
    lines = text.splitlines()
    assert lines[0] == "digraph chrono {"
    assert lines[-1] == "}"
    nodes: set[str] = set()
    edges: list[tuple[str, str]] = []
    for line in lines[1:-1]:
        if m := DOT_EDGE.match(line):
            edges.append((m.group(1), m.group(2)))
        elif m := DOT_NODE.match(line):
            nodes.add(m.group(1))
        elif not re.fullmatch(
            r"  (rankdir=LR;|(graph|node|edge) \[.*\];|subgraph cluster_g\d+ \{|\})"
            r'|    label="[^"\\]*";'
            r'|    subgraph cluster_g\d+_p_\w+ \{|    \}|      label="[^"\\]*";',
            line,
        ):
            pytest.fail(f"unexpected dot line: {line!r}")
    for src, dst in edges:
        assert src in nodes, src
        assert dst in nodes, dst
    return nodes, edges


def assert_dot_parses(text: str, tmp_path: Path) -> None:
    """``dot -Tsvg`` accepts it when Graphviz is installed; the strict subset parser always."""
    dot_structure(text)
    exe = shutil.which("dot")
    if exe is not None:
        source = tmp_path / "graph.dot"
        source.write_text(text)
        done = subprocess.run(
            [exe, "-Tsvg", str(source)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert "<svg" in done.stdout


def test_graph_mermaid_shows_daemons_ports_buffers_and_tees() -> None:
    result = chrono("graph", SCHEMAS, "--graph", "system_stack")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    nodes, edges = mermaid_structure(text)
    # 4 daemons, 1 input, 1 output, 2 tees; 6 links + 2 tee feeds
    assert len(nodes) == 8
    assert len(edges) == 8
    assert 'g0_d_s2_planner["s2_planner<br/>periodic @ 1 Hz"]' in text
    assert 'g0_d_actuator["actuator<br/>reactive"]' in text
    assert 'g0_in_obs(["in.obs<br/>Obs"])' in text
    assert sum(line.endswith('{{"tee"}}') for line in text.splitlines()) == 2
    assert "chunk → chunk<br/>Chunk · maxsize 4 · block" in text
    assert "obs → obs (latest)" in text


def test_graph_dot_shows_merges_and_lossy_policies(tmp_path: Path) -> None:
    result = chrono("graph", SCHEMAS, "--format", "dot", "--graph", "odometry")
    assert result.exit_code == 0, result.stderr
    assert_dot_parses(result.stdout, tmp_path)
    assert 'g0_merge0 [shape=hexagon, label="merge"];' in result.stdout
    assert "geometry.Pose · maxsize 8 · drop_oldest" in result.stdout


def test_graph_draws_every_graph_of_a_directory(tmp_path: Path) -> None:
    result = chrono("graph", SCHEMAS, "-f", "dot")
    assert result.exit_code == 0, result.stderr
    assert_dot_parses(result.stdout, tmp_path)
    # geometry.toml is types only; system_stack's three processes are clusters of its own
    assert len(re.findall(r"^  subgraph cluster_g\d+ \{$", result.stdout, re.MULTILINE)) == 2
    assert result.stdout.count("subgraph cluster_g1_p_") == 3
    mermaid_structure(chrono("graph", SCHEMAS).stdout)


def test_graph_names_an_unknown_graph() -> None:
    result = chrono("graph", SCHEMAS, "--graph", "system_stak")
    assert result.exit_code == 1
    assert "no graph named 'system_stak'" in result.stderr
    assert "graphs: odometry, system_stack" in result.stderr


def test_graph_of_a_bad_schema_exits_1_with_errors(bad_schemas: Path) -> None:
    result = chrono("graph", bad_schemas)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert ERROR_LINE.match(result.stderr.splitlines()[0])


def test_graph_output_file_is_written_and_left_alone_when_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "g.mmd"
    assert chrono("graph", SCHEMAS, "-o", out).exit_code == 0
    first = out.stat().st_mtime_ns
    os.utime(out, ns=(1, 1))
    assert chrono("graph", SCHEMAS, "-o", out).exit_code == 0
    assert out.stat().st_mtime_ns == 1 != first
    assert out.read_text() == chrono("graph", SCHEMAS).stdout


@pytest.mark.parametrize(("fmt", "suffix"), [("mermaid", "mmd"), ("dot", "dot")])
def test_docs_hold_the_current_diagram_of_the_example(fmt: str, suffix: str) -> None:
    committed = ROOT / "docs" / "diagrams" / f"system_stack.{suffix}"
    fresh = chrono("graph", SCHEMAS, "--graph", "system_stack", "--format", fmt).stdout
    shown = committed.relative_to(ROOT).as_posix()
    command = f"chrono graph schemas/ --graph system_stack --format {fmt} -o {shown}"
    assert committed.read_text() == fresh, f"{shown} is stale: run '{command}'"


# -- scaffold -----------------------------------------------------------------------------------


def generate(schemas: Path, project: Path) -> None:
    project.mkdir(exist_ok=True)
    result = chrono("gen", schemas, "-o", project / "generated")
    assert result.exit_code == 0, result.stderr


def test_scaffold_writes_one_module_per_graph(schemas: Path, tmp_path: Path) -> None:
    impl = tmp_path / "impl"
    result = chrono("scaffold", schemas, "-o", impl)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in impl.iterdir()) == ["odometry.py", "system_stack.py"]
    assert result.stdout.splitlines() == [
        f"created {(impl / 'odometry.py').as_posix()}",
        f"created {(impl / 'system_stack.py').as_posix()}",
    ]
    text = (impl / "system_stack.py").read_text()
    for cls, base in [
        ("S2Planner", "S2PlannerBase"),
        ("S1Policy", "S1PolicyBase"),
        ("S0Dispenser", "S0DispenserBase"),
        ("Actuator", "ActuatorBase"),
    ]:
        assert f"class {cls}({base}):" in text
    assert text.count("raise NotImplementedError") == 5  # four daemons and the harness
    assert "async def step(self, ctx: Context, t: float) -> None:" in text
    assert "async def run(self, ctx: Context) -> None:" in text
    assert "async def on_action(self, ctx: Context, msg: Action) -> None:" in text
    assert '#   self.obs: Obs, read = "latest" (self.obs.get() -> Obs | None)' in text
    assert "#   chunk_size: int = 8" in text
    assert "from generated.system_stack import (" in text
    # Types the comments mention but no signature imports: where to get them (not imported,
    # or ruff would flag them unused).
    assert "#   from generated.system_stack import Chunk, Obs, Subgoal\n" in text


def test_scaffold_never_overwrites_and_says_what_it_skipped(schemas: Path, tmp_path: Path) -> None:
    impl = tmp_path / "impl"
    assert chrono("scaffold", schemas, "-o", impl).exit_code == 0
    edited = impl / "system_stack.py"
    edited.write_text("# my implementation\n")
    os.utime(edited, ns=(5, 5))
    (impl / "odometry.py").unlink()

    result = chrono("scaffold", schemas, "-o", impl)
    assert result.exit_code == 0, result.stderr
    assert edited.read_bytes() == b"# my implementation\n"
    assert edited.stat().st_mtime_ns == 5
    assert f"created {(impl / 'odometry.py').as_posix()}" in result.stdout
    assert f"skipped {edited.as_posix()}: exists; left unchanged" in result.stdout


def test_scaffold_adds_only_the_new_graph(schemas: Path, tmp_path: Path) -> None:
    impl = tmp_path / "impl"
    assert chrono("scaffold", schemas, "-o", impl).exit_code == 0
    before = {p.name: p.read_bytes() for p in impl.iterdir()}
    (schemas / "relay.toml").write_text(
        '[graph]\ninputs.x = "int"\noutputs.y = "int"\n'
        '[daemons.copier]\nkind = "reactive"\ninputs.x = "int"\noutputs.y = "int"\n'
        '[[edges]]\nfrom = "in.x"\nto = "copier.x"\n'
        '[[edges]]\nfrom = "copier.y"\nto = "out.y"\n'
    )
    result = chrono("scaffold", schemas, "-o", impl)
    assert result.exit_code == 0, result.stderr
    assert f"created {(impl / 'relay.py').as_posix()}" in result.stdout
    assert result.stdout.count("skipped ") == 2
    assert {p.name: p.read_bytes() for p in impl.iterdir() if p.name != "relay.py"} == before


NEW_DAEMON = """
[daemons.logger]
kind = "reactive"
inputs.action = "Action"

[[edges]]
from = "s0_dispenser.action"
to = "logger.action"

[processes.logging]
daemons = ["logger"]
"""


def mypy_strict(project: Path, tmp_path: Path, target: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MYPYPATH": os.pathsep.join([str(project), str(ROOT)])}
    argv = [sys.executable, "-m", "mypy", "--strict", "--no-error-summary"]
    argv += ["--cache-dir", str(tmp_path / ".mypy_cache"), target]
    return subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, check=False)


def test_scaffold_gives_a_daemon_added_later_its_own_module(schemas: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    impl = project / "impl"
    generate(schemas, project)
    assert chrono("scaffold", schemas, "-o", impl).exit_code == 0
    edited = impl / "system_stack.py"
    edited.write_text(edited.read_text().replace("raise NotImplementedError", "return None"))
    before = edited.read_bytes()
    with (schemas / "system_stack.toml").open("a") as f:
        f.write(NEW_DAEMON)
    generate(schemas, project)

    result = chrono("scaffold", schemas, "-o", impl)
    assert result.exit_code == 0, result.stderr
    added = impl / "system_stack_logger.py"
    assert result.stdout.splitlines() == [
        f"created {added.as_posix()} (daemons not implemented in system_stack.py: logger; "
        "move the classes there and pass them to SystemStackGraph in build_graph())",
        f"skipped {(impl / 'odometry.py').as_posix()}: exists; left unchanged",
        f"skipped {edited.as_posix()}: exists; left unchanged",
    ]
    assert edited.read_bytes() == before
    text = added.read_text()
    assert "class Logger(LoggerBase):" in text
    assert "async def on_action(self, ctx: Context, msg: Action) -> None:" in text
    assert "def build_graph" not in text
    assert "pass logger=Logger to SystemStackGraph" in " ".join(text.split())
    assert "S1PolicyBase" not in text  # only the new daemon
    checked = mypy_strict(project, tmp_path, "impl/system_stack_logger.py")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # ...and mypy points at the one thing left to do: wire the new daemon.
    whole = mypy_strict(project, tmp_path, "impl")
    assert re.fullmatch(
        r'impl/system_stack\.py:\d+: error: Missing named argument "logger" for '
        r'"SystemStackGraph"  \[call-arg\]',
        whole.stdout.splitlines()[0],
    ), whole.stdout
    # Once the class lives in system_stack.py, nothing more is created.
    added.unlink()
    edited.write_text(edited.read_text() + "\n\nclass Logger(generated.LoggerBase):\n    pass\n")
    again = chrono("scaffold", schemas, "-o", impl)
    assert "created" not in again.stdout
    assert not added.exists()


def test_scaffold_says_when_it_cannot_read_an_existing_module(
    schemas: Path, tmp_path: Path
) -> None:
    impl = tmp_path / "impl"
    impl.mkdir()
    (impl / "system_stack.py").write_text("def broken(:\n")
    result = chrono("scaffold", schemas, "-o", impl)
    assert result.exit_code == 0, result.stderr
    assert (
        f"skipped {(impl / 'system_stack.py').as_posix()}: exists; left unchanged (does not "
        "parse, so chrono cannot tell which daemons it implements)"
    ) in result.stdout
    assert sorted(p.name for p in impl.iterdir()) == ["odometry.py", "system_stack.py"]


@pytest.mark.parametrize("dangling", [False, True], ids=["to-a-file", "dangling"])
def test_scaffold_does_not_follow_a_symlink(schemas: Path, tmp_path: Path, dangling: bool) -> None:
    impl = tmp_path / "impl"
    impl.mkdir()
    outside = tmp_path / "outside.py"
    if not dangling:
        outside.write_text("precious\n")
    link = impl / "system_stack.py"
    link.symlink_to(outside)
    result = chrono("scaffold", schemas, "-o", impl)
    assert result.exit_code == 0, result.stderr
    assert f"skipped {link.as_posix()}: is a symlink; not followed" in result.stdout
    assert link.is_symlink()
    if dangling:
        assert not outside.exists()
    else:
        assert outside.read_text() == "precious\n"


def test_scaffold_of_a_bad_schema_writes_nothing(bad_schemas: Path, tmp_path: Path) -> None:
    impl = tmp_path / "impl"
    result = chrono("scaffold", bad_schemas, "-o", impl)
    assert result.exit_code == 1
    assert not impl.exists()
    assert all(
        ERROR_LINE.match(line)
        for line in result.stderr.splitlines()
        if not line.startswith("chrono: ")
    )


def test_scaffold_refuses_a_bad_package_path(schemas: Path, tmp_path: Path) -> None:
    result = chrono("scaffold", schemas, "-o", tmp_path / "impl", "--package", "my-pkg.gen")
    assert result.exit_code == 2
    assert "--package 'my-pkg.gen' is not a dotted Python module path" in result.stderr
    assert not (tmp_path / "impl").exists()


def test_scaffold_reports_an_unwritable_target(schemas: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "impl"
    blocker.write_text("a file, not a directory\n")
    result = chrono("scaffold", schemas, "-o", blocker)
    assert result.exit_code == 1
    assert f"chrono: {blocker.as_posix()}: cannot create directory" in result.stderr
    assert blocker.read_text() == "a file, not a directory\n"


CLASH_SCHEMA = """\
[graph]
inputs.stamp = "datetime"
inputs.sample = "Relay"

[messages.Relay]
fields.x = "int"

[daemons.relay]
kind = "reactive"
inputs.when = "datetime"
inputs.item = "Relay"

[[edges]]
from = "in.stamp"
to = "relay.when"
[[edges]]
from = "in.sample"
to = "relay.item"
"""


_ONE = "AnExtremelyLongMessageNameForWrappingTestsNumberOne"
_TWO = "AnExtremelyLongMessageNameForWrappingTestsNumberTwo"
_LONG_DAEMON = "a_daemon_with_a_rather_long_name_too"
_LONG_PORT = "an_input_port_with_a_long_name"
LONG_NAMES_SCHEMA = f"""\
[graph]
inputs.a = "{_ONE} | {_TWO}"
inputs.b = "list[dict[str, {_ONE}]]"

[messages.{_ONE}]
fields.x = "int"
[messages.{_TWO}]
fields.y = "int"

[daemons.{_LONG_DAEMON}]
kind = "reactive"
doc = "Short doc."
inputs.{_LONG_PORT}.type = "{_ONE} | {_TWO}"
inputs.{_LONG_PORT}.doc = "line one\\nline two\\u2028PWNED = 1"
inputs.b = "list[dict[str, {_ONE}]]"
params.p.type = "str"
params.p.default = "x\\ny\\"z"
params.p.doc = "tab\\there"

[[edges]]
from = "in.a"
to = "{_LONG_DAEMON}.{_LONG_PORT}"
[[edges]]
from = "in.b"
to = "{_LONG_DAEMON}.b"
"""


def test_scaffold_renames_a_class_that_would_shadow_an_import(
    schemas: Path, tmp_path: Path
) -> None:
    (schemas / "clash.toml").write_text(CLASH_SCHEMA)
    impl = tmp_path / "impl"
    assert chrono("scaffold", schemas, "-o", impl).exit_code == 0
    text = (impl / "clash.py").read_text()
    assert "class RelayImpl(RelayBase):" in text
    assert "async def on_item(self, ctx: Context, msg: Relay) -> None:" in text
    assert "async def on_when(self, ctx: Context, msg: datetime.datetime) -> None:" in text
    assert "        relay=RelayImpl,\n" in text


def test_scaffold_passes_mypy_strict_and_ruff_as_written(schemas: Path, tmp_path: Path) -> None:
    # odometry.toml has a foreign type (geometry.Pose) in a handler signature; clash.toml adds a
    # datetime handler and a daemon whose class name clashes with an imported message;
    # long.toml needs wrapped signatures and comments, and escapes control characters in docs.
    (schemas / "clash.toml").write_text(CLASH_SCHEMA)
    (schemas / "long.toml").write_text(LONG_NAMES_SCHEMA)
    (schemas / "rover.toml").write_text(ROVER)  # select and stop-aware comments; build_graph(tap)
    project = tmp_path / "project"
    generate(schemas, project)
    assert (
        chrono("scaffold", schemas, "-o", project / "impl", "--package", "generated").exit_code == 0
    )
    env = {**os.environ, "MYPYPATH": os.pathsep.join([str(project), str(ROOT)])}
    mypy = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            "impl",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    # As a user project sees it: chrono_daemon third-party, the generated package first-party.
    ruff = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--line-length",
            "100",
            "--select",
            "E,F,W,I,UP,B,C4,RUF,SIM,TC,PERF",
            "impl",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    fmt = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "format",
            "--isolated",
            "--line-length",
            "100",
            "--diff",
            "impl",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    text = (project / "impl" / "long.py").read_text()
    assert '-- "line one\\nline two\\u2028PWNED = 1"' in text  # escaped: stays inside the comment
    assert "        | AnExtremelyLongMessageNameForWrappingTestsNumberTwo,\n" in text


# -- schema -------------------------------------------------------------------------------------


def test_schema_prints_the_json_schema_of_the_loader_structs() -> None:
    result = chrono("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == file_format_schema()
    assert "null" not in result.stdout  # TOML has no null


def _struct_types() -> list[type[msgspec.Struct]]:
    return [
        obj
        for name in raw.__all__
        if isinstance(obj := getattr(raw, name), type) and issubclass(obj, msgspec.Struct)
    ]


def test_schema_mirrors_every_loader_struct_key_for_key() -> None:
    schema = file_format_schema()
    defs = schema["$defs"]
    assert schema["$ref"] == "#/$defs/RawSchema"
    structs = _struct_types()
    assert {s.__name__ for s in structs} == set(defs)
    for struct in structs:
        info = msgspec.structs.fields(struct)
        definition = defs[struct.__name__]
        assert set(definition["properties"]) == {f.encode_name for f in info}
        assert set(definition["required"]) == {f.encode_name for f in info if f.required}
        assert (
            definition["additionalProperties"] is False
        )  # unknown keys: editor agrees with loader

    def refs(node: object) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if "$ref" in node else []
            return own + [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    for ref in refs(schema):
        assert ref.removeprefix("#/$defs/") in defs, ref
    assert defs["RawEdge"]["properties"]["from"] == {"type": "string"}


def test_schema_checks_files_in_taplo(tmp_path: Path) -> None:
    """With Taplo installed: the examples pass and a typo fails; otherwise the JSON is valid."""
    target = tmp_path / "chrono.schema.json"
    assert chrono("schema", "-o", target).exit_code == 0
    loaded = json.loads(target.read_text())
    assert loaded["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    taplo = shutil.which("taplo") or shutil.which("taplo", path=str(Path(sys.executable).parent))
    if taplo is None:
        return
    url = target.as_uri()
    good = subprocess.run(
        [taplo, "lint", "--schema", url, *sorted(str(p) for p in SCHEMAS.glob("*.toml"))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('#:schema ./chrono.schema.json\n[daemons.x]\nrate_hzz = 1.0\nkind = "periodc"\n')
    done = subprocess.run([taplo, "lint", str(bad)], capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert "rate_hzz" in done.stdout + done.stderr
    assert "periodc" in done.stdout + done.stderr
