"""Property (RELIABILITY J.72): one mutation of a valid schema gives positioned errors.

Mutations: a reference renamed to an unknown type, a keyword name inserted, an edge pointed
at a port that does not exist. Expect: errors (never an exception), every reported line inside
the file, and the mutated line among them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from codegen_helpers import ERROR_LINE
from codegen_strategies import schema_file
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from codegen import format_error, generate

if TYPE_CHECKING:
    from pathlib import Path

_MUTATIONS = ("unknown_type", "keyword_field", "bad_port")


def _mutate(text: str, how: str, pick: int) -> tuple[str, int] | None:
    """Return the mutated text and the 1-based line that was changed (None: not applicable)."""
    lines = text.split("\n")
    if how == "unknown_type":
        spots = [
            n for n, line in enumerate(lines) if re.search(r'type = "(int|float|M0|Kind)"', line)
        ]
        if not spots:
            return None
        n = spots[pick % len(spots)]
        lines[n] = re.sub(r'type = "(int|float|M0|Kind)"', 'type = "Nope"', lines[n], count=1)
    elif how == "keyword_field":
        spots = [n for n, line in enumerate(lines) if line.startswith("[messages.")]
        n = spots[pick % len(spots)] + 1
        lines.insert(n, 'fields.class = "int"')
    else:
        spots = [n for n, line in enumerate(lines) if re.fullmatch(r'to = "[a-z0-9]+\.i"', line)]
        if not spots:
            return None
        n = spots[pick % len(spots)]
        lines[n] = lines[n].replace('.i"', '.zz"')
    return "\n".join(lines), n + 1


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(file=schema_file(), how=st.sampled_from(_MUTATIONS), pick=st.integers(0, 50))
def test_one_mutation_is_reported_on_its_line(
    tmp_path_factory: Any, file: tuple[str, Any], how: str, pick: int
) -> None:
    mutated = _mutate(file[0], how, pick)
    assume(mutated is not None)
    assert mutated is not None
    text, line = mutated
    root: Path = tmp_path_factory.mktemp("mut")
    (root / "m.toml").write_text(text, "utf-8")
    result = generate(root)
    assert result.files is None
    errors = [e for e in result.errors if e.severity == "error"]
    assert errors
    total = text.count("\n") + 1
    assert all(0 < e.line <= total for e in errors)
    assert line in {e.line for e in errors}, (how, line, [str(e) for e in errors])


_TOML_BITS = st.sampled_from(
    [
        "[messages.A]\n", "[daemons.d]\n", "[graph]\n", "[[edges]]\n", "[enums.E]\n",
        'fields.x = "int"\n', "fields = 3\n", 'values = ["a", 1]\n', 'kind = "periodic"\n',
        "rate_hz = -1\n", 'inputs.i = { type = "A", read = "latest" }\n', 'outputs.o = "A"\n',
        'from = "d.o"\n', 'to = ["d.i", 5]\n', "maxsize = -3\n", 'policy = "x"\n',
        'doc = """a\n"""\n', "default = 1979-05-27\n", "x = [[[1]]]\n", "\x00", "\ufeff",
        '"quoted.key" = 1\n', "a.b.c = 1\n", 'transport = "zmq"\n', "[messages]\n",
    ]
)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.binary(max_size=400),
        st.lists(_TOML_BITS, max_size=25).map(lambda b: "".join(b).encode()),
    )
)
def test_any_bytes_give_errors_not_exceptions(tmp_path_factory: Any, data: bytes) -> None:
    """RELIABILITY J.73/74 (light): only SchemaError values come out, whatever the bytes."""
    root: Path = tmp_path_factory.mktemp("fuzz")
    (root / "f.toml").write_bytes(data)
    result = generate(root)  # must not raise
    for error in result.errors:
        assert error.path.endswith("f.toml")
        assert ERROR_LINE.match(format_error(error)), format_error(error)
