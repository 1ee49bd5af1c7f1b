"""The key -> line index against the TOML shapes that break text heuristics (RELIABILITY 47)."""

from __future__ import annotations

import tomllib

import pytest

from codegen.load.positions import index_positions

DOC = '''\
[graph]
doc = """multi
line [not a table]
"""
inputs.obs = "Obs"

[messages.In]
fields = { a = "int", b = "Nope" }
[messages.Obs]
fields.t.type = "Nope"
"fields.t" = "quoted"
[[edges]]
from = "a.x"
to = "b.y"
[[edges]]
from = "c.x"
to = [
  "a.x",
  "b.y" ]
[[edges]]
from = 'd.x'  # third block
to = "e.y"

[daemons]
d.inputs.i = "M"
[daemons.e.inputs]
j = { type = "M" }
'''


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (("graph", "inputs", "obs"), 5),  # after a multi-line string that contains "[...]"
        (("messages", "In", "fields", "b"), 8),  # inline table
        (("messages", "Obs", "fields", "t", "type"), 10),  # dotted key
        (("messages", "Obs", "fields.t"), 11),  # quoted key next to a nested one
        (("edges", 2, "from"), 21),  # the third [[edges]] block
        (("edges", 1, "to", 1), 19),  # an element of a multi-line array
        (("daemons", "d", "inputs", "i"), 25),  # table defined through a dotted key
        (("daemons", "e", "inputs", "j", "type"), 27),
        (("edges", 0), 12),
        (("messages", "In", "fields", "nope", "deeper"), 8),  # falls back to the closest key
    ],
)
def test_lines(path: tuple[str | int, ...], line: int) -> None:
    tomllib.loads(DOC)  # the index is only built for valid TOML
    assert index_positions(DOC).line_of(path) == line


def test_columns_point_at_the_key() -> None:
    index = index_positions(DOC)
    assert index.locate(("messages", "In", "fields", "b")) == (8, 23)
    assert index.locate(("edges", 1, "to", 0)) == (18, 3)
