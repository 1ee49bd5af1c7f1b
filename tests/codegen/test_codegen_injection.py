"""Hostile schema text never becomes code (RELIABILITY A, the canary oracle).

Every hostile string carries the canary ``PWNED = 1``. The oracle: every generated file parses;
no ``ast.Name`` called ``PWNED`` exists; no f-string (``JoinedStr``) exists; each hostile
string appears only as a string constant equal to the original; importing the package (with
``-W error``) defines no ``PWNED`` and round-trips every doc, default and pattern exactly.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

from codegen_helpers import REPO, run_mypy, write_schemas

from codegen import generate, write

if TYPE_CHECKING:
    from pathlib import Path

HOSTILE_DOCS = [
    'x"""\nPWNED = 1\n"""',
    'say "hi" PWNED = 1 \'',
    "C:\\dir\\ PWNED = 1\\",
    "regex \\d+ \\N{BULLET} \\x41 \\u00e9 PWNED = 1",
    "a\u0000b\u001bc\u007f PWNED = 1",
    "line\rPWNED = 1",
    "line\u000bPWNED = 1\u000cPWNED = 1",
    "line\u2028PWNED = 1\u2029",
    "crlf\r\nPWNED = 1",
    "bidi \u202e PWNED = 1 \u2066\u2069\u200f",
    "{__import__('os').getpid()} %s {0} PWNED = 1",
    "long " + "PWNED = 1 " * 30,
]
HOSTILE_DEFAULTS = [
    "x' + str(__import__('os').getpid()) + ' PWNED = 1",
    'a"b\\ PWNED = 1',
    '"""PWNED = 1"""',
    "\n# PWNED = 1\n",
]
HOSTILE_PATTERN = '\\d+"""\\ {0} %s PWNED = 1'


def _toml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def _schema() -> tuple[str, list[str]]:
    lines = [
        "[graph]",
        f"doc = {_toml_str(HOSTILE_DOCS[0])}",
        'inputs.i = "Msg"',
        'outputs.o = "Msg"',
    ]
    texts: list[str] = [*HOSTILE_DOCS, *HOSTILE_DEFAULTS, HOSTILE_PATTERN, '1""" %s PWNED = 1']
    lines += ["[enums.Mode]", f"doc = {_toml_str(HOSTILE_DOCS[1])}", 'values = ["a", "b"]']
    lines += ["[messages.Msg]", f"doc = {_toml_str(HOSTILE_DOCS[2])}"]
    for n, doc in enumerate(HOSTILE_DOCS):
        lines.append(f'fields.d{n} = {{ type = "int", default = {n}, doc = {_toml_str(doc)} }}')
    for n, default in enumerate(HOSTILE_DEFAULTS):
        lines.append(f'fields.s{n} = {{ type = "str", default = {_toml_str(default)} }}')
    lines.append(
        f'fields.p = {{ type = "str", pattern = {_toml_str(HOSTILE_PATTERN)}, '
        'default = \'1""" %s PWNED = 1\' }'
    )
    lines += [
        "[daemons.worker]",
        f"doc = {_toml_str(HOSTILE_DOCS[3])}",
        'kind = "reactive"',
        'inputs.i = "Msg"',
        'outputs.o = "Msg"',
        f'params.label = {{ type = "str", default = {_toml_str(HOSTILE_DEFAULTS[0])} }}',
        "[[edges]]",
        'from = "in.i"',
        'to = "worker.i"',
        "[[edges]]",
        'from = "worker.o"',
        'to = "out.o"',
    ]
    return "\n".join(lines) + "\n", texts


def _constants(tree: ast.AST) -> list[str]:
    return [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def test_canary_oracle(tmp_path: Path) -> None:
    text, hostile = _schema()
    directory = write_schemas(tmp_path / "schemas", {"evil.toml": text})
    result = generate(directory)
    assert result.files is not None, result.errors
    all_constants: list[str] = []
    for path, source in result.files.items():
        if not str(path).endswith(".py"):
            assert "PWNED" not in source
            continue
        tree = ast.parse(source)
        compile(source, str(path), "exec")
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "PWNED"], path
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)], path
        constants = _constants(tree)
        all_constants += constants
        # every occurrence of the canary is inside a string constant that is one of our inputs
        for line in source.splitlines():
            assert not line.lstrip().startswith("PWNED"), (path, line)
        for c in constants:
            if "PWNED" in c:
                assert c in hostile or any(c in h for h in hostile), (path, c)
    for doc in HOSTILE_DOCS:
        assert doc in all_constants
    out = tmp_path / "pkg"
    assert write(result.files, out).errors == ()
    probe = (
        "import json, warnings, pkg.evil as m\n"
        "from pkg.evil import Msg, Mode, WorkerBase, WorkerParams, EvilGraph\n"
        "import msgspec\n"
        "fields = {f.name: f for f in msgspec.structs.fields(Msg)}\n"
        "msg = Msg()\n"
        "print(json.dumps({\n"
        "  'pwned': any(hasattr(x, 'PWNED') for x in (m, m.messages, m.daemons, m.wiring)),\n"
        "  'docs': [Msg.__doc__, Mode.__doc__, WorkerBase.__doc__, EvilGraph.__doc__],\n"
        "  'defaults': [getattr(msg, f's{i}') for i in range(4)],\n"
        "  'param': WorkerParams().label,\n"
        "  'p': msg.p,\n"
        "}))\n"
        "msgspec.json.decode(msgspec.json.encode(msg), type=Msg)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", probe],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["pwned"] is False
    assert data["docs"] == [HOSTILE_DOCS[2], HOSTILE_DOCS[1], HOSTILE_DOCS[3], HOSTILE_DOCS[0]]
    assert data["defaults"] == HOSTILE_DEFAULTS
    assert data["param"] == HOSTILE_DEFAULTS[0]
    assert data["p"] == '1""" %s PWNED = 1'


def test_field_docs_and_patterns_round_trip(tmp_path: Path) -> None:
    """Field docs become ``msgspec.Meta(description=...)``; patterns compile to the input."""
    text, _ = _schema()
    directory = write_schemas(tmp_path / "schemas", {"evil.toml": text})
    files = generate(directory).files
    assert files is not None
    write(files, tmp_path / "pkg")
    probe = (
        "import json, typing\n"
        "from pkg.evil import Msg\n"
        "hints = typing.get_type_hints(Msg, include_extras=True)\n"
        "out = {}\n"
        "for name, hint in hints.items():\n"
        "    meta = getattr(hint, '__metadata__', (None,))[0]\n"
        "    out[name] = [getattr(meta, 'description', None), getattr(meta, 'pattern', None)]\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", probe],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [data[f"d{n}"][0] for n in range(len(HOSTILE_DOCS))] == HOSTILE_DOCS
    assert data["p"][1] == HOSTILE_PATTERN


def test_bidi_and_separators_are_escaped_in_source(tmp_path: Path) -> None:
    text, _ = _schema()
    files = generate(write_schemas(tmp_path / "s", {"evil.toml": text})).files
    assert files is not None
    for source in files.values():
        for ch in "\u202e\u2066\u2069\u200f\u2028\u2029\u0000\u001b\u000b\u000c\r":
            assert ch not in source


def test_hostile_output_passes_the_quality_gates(tmp_path: Path) -> None:
    """RELIABILITY 43: ruff check, ruff format --check and mypy --strict on the hostile tree."""
    text, _ = _schema()
    files = generate(write_schemas(tmp_path / "s", {"evil.toml": text})).files
    assert files is not None
    out = tmp_path / "hostile"
    assert write(files, out).errors == ()
    for args in (["check"], ["format", "--check"]):
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "ruff",
                *args,
                "--no-cache",
                "--config",
                "pyproject.toml",
                str(out),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    stdout, status = run_mypy([out], tmp_path / ".mypy_cache", cwd=REPO)
    assert status == 0, stdout


def test_a_field_doc_at_the_line_limit_stays_within_it(tmp_path: Path) -> None:
    """Every doc length around the point where ``description=...`` moves to its own line
    (hypothesis found a line of 101 characters there: the fit check was one short)."""
    fields = "\n".join(
        f'fields.f{n} = {{ type = "float", ge = 0.0, doc = "{"x" * n}" }}' for n in range(60, 95)
    )
    text = f"[messages.Msg]\n{fields}\n"
    directory = write_schemas(tmp_path / "schemas", {"edge.toml": text})
    files = generate(directory).files
    assert files is not None
    for path, content in files.items():
        too_long = [line for line in content.splitlines() if len(line) > 100]
        assert too_long == [], path
