"""``chrono breaking``: categories, GitHub annotations, ZMQ edges, files, errors (issue 13)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from breaking_corpus import _ZMQ_PAIR, _graph
from breaking_helpers import breaking, write_pair
from typer.testing import CliRunner

from codegen import load_schemas, resolve
from codegen.breaking import compare_packages
from codegen.cli import app

if TYPE_CHECKING:
    from pathlib import Path

_ZMQ_EDGE = (
    '[[edges]]\nfrom = "policy.cmd"\nto = "actuator.cmd"\ntransport = "zmq"\n'
    'address = "tcp://127.0.0.1:5555"'
)


def _zmq_graph(cmd_fields: str) -> str:
    return _graph(outputs="", daemons=_ZMQ_PAIR, out_edge=_ZMQ_EDGE, cmd_fields=cmd_fields)


def test_a_zmq_edge_whose_type_changed_is_a_wire_break(tmp_path: Path) -> None:
    old, new = write_pair(
        tmp_path,
        {"s.toml": _zmq_graph('fields.v = "float"')},
        {"s.toml": _zmq_graph('fields.v = "str"')},
    )
    status, lines, _ = breaking(tmp_path, str(new), "--against", str(old))
    assert status == 1
    assert lines[0] == (
        "new/s.toml:13:8: error: message 'Cmd': field 'v' changed type from float to str "
        "[WIRE, CODE]"
    )
    assert lines[1].startswith(
        "new/s.toml:30:1: error: ZMQ edge policy.cmd -> actuator.cmd now carries Cmd (CTH01_"
    )
    assert lines[1].endswith("a peer built from the old schema is refused at connect [WIRE]")
    assert len(lines) == 2


def test_category_chooses_what_is_reported(tmp_path: Path) -> None:
    head = "[messages.M]\n"
    old, new = write_pair(
        tmp_path,
        {"s.toml": head + 'fields.a = "list[int]"\nfields.b = { type = "int", le = 9 }\n'},
        {"s.toml": head + 'fields.a = "tuple[int, ...]"\nfields.b = { type = "int", le = 5 }\n'},
    )
    _, every, _ = breaking(tmp_path, str(new), "--against", str(old))
    assert [line.rsplit(" [", 1)[1] for line in every] == ["CODE]", "WIRE]"]
    status, wire, _ = breaking(tmp_path, str(new), "--against", str(old), "--category", "WIRE")
    assert status == 1
    assert wire == [every[1]]
    status, code, _ = breaking(tmp_path, str(new), "--against", str(old), "--category", "code")
    assert status == 1
    assert code == [every[0]]


def test_compatible_changes_exit_zero_with_a_summary(tmp_path: Path) -> None:
    old, new = write_pair(
        tmp_path,
        {"s.toml": '[messages.M]\nfields.a = "int"\n'},
        {"s.toml": '[messages.M]\nfields.a = "int"\nfields.b = { type = "str", default = "" }\n'},
    )
    status, lines, stdout = breaking(tmp_path, str(new), "--against", str(old))
    assert (status, lines) == (0, [])
    assert stdout == "chrono breaking: new: no breaking change (WIRE or CODE) against " + (
        f"{old}\n".replace(tmp_path.as_posix() + "/", "")
    )


def test_github_annotations_point_into_new(tmp_path: Path) -> None:
    """Removals are reported in OLD, but annotated on what NEW still has (the message)."""
    old, new = write_pair(
        tmp_path,
        {"s.toml": '[messages.M]\nfields.a = "int"\nfields.b = "int"\n'},
        {"s.toml": '[messages.M]\nfields.a = "str"\n'},
    )
    status, lines, stdout = breaking(
        tmp_path, str(new), "--against", str(old), "--format", "github"
    )
    assert status == 1
    assert lines == [
        "new/s.toml:2:8: error: message 'M': field 'a' changed type from int to str [WIRE, CODE]",
        "old/s.toml:3:8: error: message 'M': field 'b' was removed [WIRE, CODE]",
    ]
    assert stdout.splitlines() == [
        "::error file=new/s.toml,line=2,col=8::message 'M': field 'a' changed type from int to "
        "str [WIRE, CODE]",
        "::error file=new/s.toml,line=1,col=11::message 'M': field 'b' was removed [WIRE, CODE]",
    ]


def test_a_message_moved_to_another_file_breaks_only_code(tmp_path: Path) -> None:
    old, new = write_pair(
        tmp_path,
        {"a.toml": '[messages.P]\nfields.x = "float"\n'},
        {
            "a.toml": '[messages.Q]\nfields.y = "int"\n',
            "b.toml": '[messages.P]\nfields.x = "float"\n',
        },
    )
    _, lines, _ = breaking(tmp_path, str(new), "--against", str(old))
    assert lines == [
        "old/a.toml:1:11: error: message 'P' was removed (renamed to 'b.P'? the wire shape is "
        "the same) [CODE]"
    ]


def test_a_removed_graph_is_a_code_break(tmp_path: Path) -> None:
    old, new = write_pair(
        tmp_path,
        {"s.toml": _graph()},
        {
            "s.toml": '[messages.Obs]\nfields.t = "float"\n[messages.Obs2]\nfields.t = "float"\n'
            'fields.seq = "int"\n[messages.Cmd]\nfields.v = "float"\n'
        },
    )
    _, lines, _ = breaking(tmp_path, str(new), "--against", str(old))
    assert lines == ["old/s.toml: error: graph SGraph was removed [CODE]"]


def test_schema_errors_on_either_side_are_reported_not_compared(tmp_path: Path) -> None:
    old, new = write_pair(
        tmp_path,
        {"s.toml": '[messages.M]\nfields.a = "Nope"\n'},
        {"s.toml": '[messages.M]\nfields.a = "int"\n'},
    )
    status, lines, _ = breaking(tmp_path, str(new), "--against", str(old))
    assert status == 1
    assert lines == [
        "old/s.toml:2:8: error: unknown type 'Nope'",
        "chrono breaking: 1 schema error(s); fix them to compare",
    ]


def test_an_unreadable_against_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "s.toml").write_text('[messages.M]\nfields.a = "int"\n')
    status, lines, _ = breaking(tmp_path, str(tmp_path / "new"), "--against", "no-such-thing")
    assert status == 2
    assert lines == [
        "chrono breaking: --against: 'no-such-thing' is not a directory, and 'new' is not "
        "inside a git repository, so it cannot be a git revision either"
    ]


@pytest.mark.parametrize("new", ["no-such-dir", "new/s.toml"])
def test_a_new_that_is_not_a_directory_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, new: str
) -> None:
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "s.toml").write_text('[messages.M]\nfields.a = "int"\n')
    monkeypatch.chdir(tmp_path)  # a short path: the usage box does not wrap it
    result = CliRunner().invoke(app, ["breaking", new, "--against", "main"])
    assert result.exit_code == 2
    assert "Invalid value for 'NEW'" in result.output
    assert f"'{new}' " in result.output


def test_the_library_compares_resolved_packages(tmp_path: Path) -> None:
    old, new = write_pair(
        tmp_path,
        {"s.toml": '[messages.M]\nfields.a = "int"\n'},
        {"s.toml": '[messages.M]\nfields.a = "float"\n'},
    )
    old_pkg = resolve(load_schemas(old).files).package
    new_pkg = resolve(load_schemas(new).files).package
    assert old_pkg is not None
    assert new_pkg is not None
    (found,) = compare_packages(old_pkg, new_pkg)
    assert found.rule == "TYPE_CHANGED"
    assert found.breaks == {"WIRE", "CODE"}
    assert (found.loc.line, found.loc.col) == (2, 8)
    assert compare_packages(old_pkg, new_pkg, categories=["CODE"]) == [found]
    assert compare_packages(old_pkg, old_pkg) == []
