"""``codegen.diagram``: routing shapes, transports, empty graphs and label escaping.

The structural parsers live in ``test_cli_commands``; here the model comes from inline schemas.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

import pytest
from test_cli_commands import dot_structure, mermaid_structure

from codegen.diagram import _dot_text, _mermaid_text, render_diagram
from codegen.load import load
from codegen.resolve import resolve

if TYPE_CHECKING:
    from pathlib import Path

    from codegen.model import Package

ROUTING = """\
[graph]
inputs.a = "int"
inputs.b = "int"
outputs.x = "int"

[daemons.left]
kind = "reactive"
inputs.v = "int"
outputs.w = "int"

[daemons.right]
kind = "periodic"
rate_hz = 2.5
inputs.v = { type = "int", read = "latest" }
outputs.w = { type = "int", unconnected = "allow" }

[[edges]]
from = "in.a"
to = ["left.v", "right.v"]
[[edges]]
from = "in.b"
to = "right.v"
maxsize = 3
policy = "coalesce"
[[edges]]
from = "left.w"
to = "out.x"
transport = "zmq"
address = "tcp://127.0.0.1:5555"
maxsize = 2
"""


def package_of(tmp_path: Path, **files: str) -> Package:
    for stem, text in files.items():
        (tmp_path / f"{stem}.toml").write_text(text)
    loaded = load(tmp_path)
    resolved = resolve(loaded.files)
    assert not loaded.errors
    assert resolved.package is not None, resolved.errors
    return resolved.package


def dot_accepts(text: str, tmp_path: Path) -> None:
    exe = shutil.which("dot")
    if exe is None:  # Graphviz is optional: the strict subset parser already ran
        return
    source = tmp_path / "g.dot"
    source.write_text(text)
    done = subprocess.run([exe, "-Tsvg", str(source)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_a_link_through_both_a_tee_and_a_merge(tmp_path: Path) -> None:
    package = package_of(tmp_path, routing=ROUTING)
    text, missing = render_diagram(package, "mermaid")
    assert missing == []
    nodes, edges = mermaid_structure(text)
    assert {"g0_tee0", "g0_merge0"} <= nodes
    # in.a -> tee -> (left, merge); in.b -> merge; merge -> right; left -> out.x
    assert ("g0_in_a", "g0_tee0") in edges
    assert ("g0_tee0", "g0_merge0") in edges
    assert ("g0_tee0", "g0_d_left") in edges
    assert ("g0_in_b", "g0_merge0") in edges
    assert ("g0_merge0", "g0_d_right") in edges
    assert len(edges) == 6
    assert "a → v (latest)<br/>int · maxsize 1 · block" in text
    assert "b → v (latest)<br/>int · maxsize 3 · coalesce" in text
    assert "→ v (latest): int" in text
    assert 'g0_d_right["right<br/>periodic @ 2.5 Hz"]' in text


def test_a_zmq_link_shows_its_address(tmp_path: Path) -> None:
    package = package_of(tmp_path, routing=ROUTING)
    text, _ = render_diagram(package, "dot")
    dot_structure(text)
    dot_accepts(text, tmp_path)
    assert 'label="w → x\\nint · maxsize 2 · block · zmq tcp://127.0.0.1:5555"' in text


def test_types_only_and_empty_graphs_still_give_valid_diagrams(tmp_path: Path) -> None:
    package = package_of(
        tmp_path,
        shapes='[messages.P]\nfields.x = "float"\n',
        empty='[graph]\ndoc = "Nothing yet."\n',
    )
    mermaid, _ = render_diagram(package, "mermaid")
    assert mermaid == 'flowchart LR\n  subgraph g0["empty"]\n  end\n'
    assert mermaid_structure(mermaid) == (set(), [])
    dot, _ = render_diagram(package, "dot")
    dot_structure(dot)
    dot_accepts(dot, tmp_path)
    none, missing = render_diagram(package, "dot", only=["shapes"])
    assert missing == ["shapes"]
    assert "cluster" not in none
    dot_accepts(none, tmp_path)


HOSTILE = ['a"b', "c\\d", "e\nf", "g]h", "i#j;", "<b>k</b>", "`l`", "m\u2028n", "o&amp;p", "q\\nr"]


@pytest.mark.parametrize("text", HOSTILE)
def test_dot_labels_cannot_break_out(text: str, tmp_path: Path) -> None:
    label = _dot_text([text, "second"])
    graph = f"digraph t {{\n  n0 [label={label}];\n}}\n"
    assert graph.count("\n") == 3  # one statement per line: no line break leaked
    inner = label[1:-1]
    # Every quote inside is escaped, every backslash is doubled or starts our \n separator.
    assert '"' not in inner.replace('\\"', "")
    assert inner.replace("\\\\", "").replace('\\"', "").replace("\\n", "").count("\\") == 0
    dot_accepts(graph, tmp_path)


@pytest.mark.parametrize("text", HOSTILE)
def test_mermaid_labels_cannot_break_out(text: str) -> None:
    label = _mermaid_text([text])
    for ch in '"<>`\n\r\u2028':
        assert ch not in label
    assert "#" not in label.replace("#quot;", "").replace("#35;", "").replace("#lt;", "").replace(
        "#gt;", ""
    ).replace("#96;", "").replace("#amp;", "")
    mermaid_structure(f'flowchart LR\n  subgraph g0["t"]\n    g0_n["{label}"]\n  end\n')


SPLIT = """\
[graph]
outputs.poses = "int"

[daemons.odom]
kind = "periodic"
rate_hz = 50.0
outputs.pose = "int"
outputs.scan = "int"

[daemons.planner]
kind = "reactive"
inputs.pose = "int"
inputs.scan = "int"

[daemons.motor]
kind = "reactive"
inputs.pose = "int"

[[edges]]
from = "odom.pose"
to = ["planner.pose", "motor.pose", "out.poses"]
maxsize = 8
[[edges]]
from = "odom.scan"
to = "planner.scan"
policy = "drop_newest"
transport = "zmq"
address = "tcp://127.0.0.1:5601"

[processes.sensors]
daemons = ["odom"]
[processes.brain]
daemons = ["planner"]
[processes.io]
boundary = true
daemons = ["motor"]
"""


def _process_of_nodes(mermaid: str) -> dict[str, str]:
    """Each node id of a Mermaid diagram -> the process subgraph it is drawn in."""
    where: dict[str, str] = {}
    process = ""
    for line in mermaid.splitlines():
        if line.startswith("    subgraph g0_p_"):
            process = line.split("_p_")[1].split("[")[0]
        elif line == "    end":
            process = ""
        elif line.startswith("      ") and process:
            where[line.split("[")[0].split("(")[0].split("{")[0].strip()] = process
    return where


def test_a_split_graph_draws_each_wire_once_and_tees_where_the_processes_do(
    tmp_path: Path,
) -> None:
    text, _ = render_diagram(package_of(tmp_path, rover=SPLIT), "mermaid")
    _, edges = mermaid_structure(text)
    where = _process_of_nodes(text)
    # odom.pose has two targets (a wire to brain, a wire to io): one tee, in sensors. The wire
    # to io carries motor.pose and out.poses: io tees it out, so the pose crosses once.
    assert where["g0_tee0"] == "sensors"
    assert where["g0_tee1"] == "io"
    assert sorted(edges) == sorted(
        [
            ("g0_d_odom", "g0_tee0"),
            ("g0_tee0", "g0_d_planner"),
            ("g0_tee0", "g0_tee1"),
            ("g0_tee1", "g0_d_motor"),
            ("g0_tee1", "g0_out_poses"),
            ("g0_d_odom", "g0_d_planner"),
        ]
    )
    assert '"pose → pose<br/>int · maxsize 8 · block<br/>zmq wire odom.pose-#gt;brain"' in text
    # A wire carrying several links buffers 1, as the tee channel it stands for (ADR 0027).
    assert '"pose: int · maxsize 1 · block<br/>zmq wire odom.pose-#gt;io"| g0_tee1' in text
    assert '"pose → poses<br/>int · maxsize 8 · block"| g0_out_poses' in text
    pinned = "zmq wire odom.scan-#gt;brain @ tcp://127.0.0.1:5601"
    assert f'"scan → scan<br/>int · maxsize 1 · drop_newest<br/>{pinned}"' in text
    dot, _ = render_diagram(package_of(tmp_path, rover=SPLIT), "dot")
    assert dot_structure(dot)[1] == edges
    assert '\\nzmq wire odom.pose->io"' in dot
    dot_accepts(dot, tmp_path)
