"""Property (issue 15.6, ADR 0011): two independent mistakes in a valid schema are both reported.

A field ``{ type = "flaot", gte = 0.0 }`` once reported only ``unknown key 'gte'``; ``unknown
type 'flaot'`` came on the next run. Here hypothesis draws a valid schema
(``codegen_strategies.schema_file``), two mistakes from a catalogue and two places for them,
and ``generate`` must report each mistake on its own line in the same run, and nothing else
(no cascade). Two mistakes may share a line or a table; they are independent when neither
removes or renames what the other is about (an edge is only pointed at an unknown *daemon*: a
port of a daemon that has another error is not checked, as ADR 0011 decides).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codegen_strategies import schema_file
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from codegen import generate

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

_HEADER = re.compile(r"\[(messages\.\w+|daemons\.\w+|enums\.\w+|graph)\]|\[\[edges\]\]")
_TYPED = re.compile(
    r'^(fields|inputs|outputs|params)\.\w+ = (\{ type = )?"(int|float|str|bool|Kind|M0)"'
)
_INLINE = re.compile(r"^(fields|inputs|params)\.\w+ = \{.*\}$")
_KIND = re.compile(r'^kind = "(run|periodic|reactive)"$')
_TO_DAEMON = re.compile(r'^to = "([a-z][a-z0-9]*)\.i"$')


@dataclass(frozen=True)
class Mistake:
    """Where a mistake can go (lines matching ``site``), the edit, and the error it must cause.

    ``edit`` returns the new text of the line, or ``insert`` the line to add after it.
    """

    name: str
    site: Callable[[str], bool]
    expect: Callable[[str], str]
    edit: Callable[[str], str] | None = None
    insert: str | None = None


def _no_doc_after(lines: list[str], n: int) -> bool:
    """The table that starts at line ``n`` has no ``doc`` yet (a second one is a TOML error)."""
    for line in lines[n + 1 :]:
        if _HEADER.fullmatch(line):
            return True
        if line.startswith("doc = "):
            return False
    return True


MISTAKES = (
    Mistake(
        "unknown type",
        site=lambda line: _TYPED.match(line) is not None,
        edit=lambda line: _TYPED.sub(lambda m: m.group(0)[: -len(m.group(3)) - 1] + 'Nope"', line),
        expect=lambda line: "unknown type 'Nope'",
    ),
    Mistake(
        "unknown key in an inline table",
        site=lambda line: _INLINE.match(line) is not None,
        edit=lambda line: line.removesuffix(" }") + ", gte = 0.0 }",
        expect=lambda line: "unknown key 'gte' in ",
    ),
    Mistake(
        "unknown key in a table",
        site=lambda line: _HEADER.fullmatch(line) is not None,
        insert="colour = 1",
        expect=lambda line: "unknown key 'colour' in ",
    ),
    Mistake(
        "doc that is not a string",
        site=lambda line: _HEADER.fullmatch(line) is not None and "enums" not in line,
        insert="doc = 5",
        expect=lambda line: ".doc must be a string, not an integer",
    ),
    Mistake(
        "invalid daemon kind",
        site=lambda line: _KIND.match(line) is not None,
        edit=lambda line: line.replace('= "', '= "x'),
        expect=lambda line: "invalid value 'x",
    ),
    Mistake(
        "edge to an unknown daemon",
        site=lambda line: _TO_DAEMON.match(line) is not None,
        edit=lambda line: line.replace('to = "', 'to = "zz'),
        expect=lambda line: "unknown daemon 'zz",
    ),
    Mistake(
        "keyword field",
        site=lambda line: line.startswith("[messages."),
        insert='fields.class = "int"',
        expect=lambda line: "field 'class' is a Python keyword",
    ),
)


def _apply(
    text: str, picks: list[tuple[Mistake, int]]
) -> tuple[str, list[tuple[str, int, str]]] | None:
    """Make each mistake at its pick-th site; None when the pair cannot be made independently.

    Returns the new text and, per mistake, (name, 1-based line, expected message part).
    """
    lines = text.split("\n")
    edited = list(lines)
    inserts: dict[int, list[tuple[Mistake, str]]] = {}
    done: set[tuple[str, int]] = set()
    placed: list[tuple[Mistake, int]] = []
    for mistake, pick in picks:
        spots = [
            n
            for n, line in enumerate(lines)
            if mistake.site(line)
            and (mistake.name != "doc that is not a string" or _no_doc_after(lines, n))
        ]
        if not spots:
            return None
        n = spots[pick % len(spots)]
        if (mistake.name, n) in done:
            return None  # the same edit twice, or a key given twice (a TOML error)
        done.add((mistake.name, n))
        if mistake.edit is not None:
            edited[n] = mistake.edit(edited[n])
        else:
            assert mistake.insert is not None
            inserts.setdefault(n, []).append((mistake, mistake.insert))
        placed.append((mistake, n))
    final: list[str] = []
    where: dict[tuple[str, int], int] = {}
    for n, line in enumerate(edited):
        final.append(line)
        where[("", n)] = len(final)
        for mistake, new in inserts.get(n, []):
            final.append(new)
            where[(mistake.name, n)] = len(final)
    expected = []
    for mistake, n in placed:
        at = where.get((mistake.name, n), where[("", n)])
        expected.append((mistake.name, at, mistake.expect(lines[n])))
    return "\n".join(final), expected


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    file=schema_file(),
    first=st.sampled_from(MISTAKES),
    second=st.sampled_from(MISTAKES),
    picks=st.tuples(st.integers(0, 50), st.integers(0, 50)),
)
def test_two_independent_mistakes_are_both_reported(
    tmp_path_factory: Any, file: tuple[str, Any], first: Mistake, second: Mistake, picks: Any
) -> None:
    made = _apply(file[0], [(first, picks[0]), (second, picks[1])])
    assume(made is not None)
    assert made is not None
    text, expected = made
    root: Path = tmp_path_factory.mktemp("pair")
    schema = root / "two_mistakes.toml"  # a stem no daemon name of the strategy can clash with
    schema.write_text(file[0], "utf-8")
    assert generate(root).ok
    schema.write_text(text, "utf-8")
    errors = [e for e in generate(root).errors if e.severity == "error"]
    found = [f"{e.line}: {e.message}" for e in errors]
    # nothing else: an error away from both mistakes would be a cascade (ADR 0011)
    assert {e.line for e in errors} <= {line for _, line, _ in expected}, (found, text)
    for name, line, part in expected:
        assert any(e.line == line and part in e.message for e in errors), (
            name,
            line,
            part,
            found,
            text,
        )


def test_the_example_of_the_issue(tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text(
        '[messages.M]\nfields.x = { type = "flaot", doc = "speed", gte = 0.0 }\n', "utf-8"
    )
    assert [e.message for e in generate(tmp_path).errors] == [
        "unknown type 'flaot' (did you mean 'float'?)",
        "unknown key 'gte' in messages.M.fields.x (did you mean 'ge'?)",
    ]
