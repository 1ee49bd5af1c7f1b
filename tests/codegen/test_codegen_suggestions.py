# ruff: noqa: E501  (the corpus pins whole error lines)
"""Did-you-mean hints (ADR 0011) do not depend on other errors, and a lost key causes nothing else.

The cases come from a newcomer's three-file rover project: a hint that appeared when the typo
was alone vanished in a file with other errors (the candidates were the daemons that resolved,
not those declared); a bare ``Pose`` did not find ``geometry.Pose``; ``gte`` suggested ``gt``;
a misspelt ``inputs`` or ``[daemons]`` table made edges and rules report what it lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from codegen_helpers import SIMPLE, errors_of, write_schemas

from codegen.suggest import closest, did_you_mean, suggestions

if TYPE_CHECKING:
    from pathlib import Path

GEOMETRY = """\
[messages.Vec2]
fields.x = "float"
fields.y = "float"

[messages.Pose]
fields.pos = "Vec2"
fields.yaw = "float"
"""

COMMON = """\
[enums.Level]
values = ["info", "warn", "error"]

[messages.Twist]
fields.v = "float"
"""

ROVER = """\
[graph]
inputs.goal = "geometry.Pose"

[daemons.planner]
kind = "reactive"
inputs.goal = "geometry.Pose"
outputs.cmd = "common.Twist"

[daemons.motor]
kind = "reactive"
inputs.cmd = "common.Twist"

[[edges]]
from = "in.goal"
to = "planner.goal"

[[edges]]
from = "planner.cmd"
to = "motor.cmd"
"""


def _replace(old: str, new: str, base: str) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


def _rover(**files: str) -> dict[str, str | bytes]:
    out: dict[str, str | bytes] = {
        "geometry.toml": GEOMETRY,
        "common.toml": COMMON,
        "rover.toml": ROVER,
    }
    out.update({f"{stem}.toml": text for stem, text in files.items()})
    return out


CASES: list[tuple[str, dict[str, str | bytes], list[str]]] = [
    (
        "daemon-hint-alone",
        _rover(rover=_replace('to = "motor.cmd"', 'to = "motr.cmd"', ROVER)),
        [
            "rover.toml:19:1: error: unknown daemon 'motr' in 'motr.cmd' (did you mean 'motor'?)",
        ],
    ),
    (
        # motor itself fails to resolve: its name is still the hint
        "daemon-hint-when-the-daemon-has-an-error-too",
        _rover(
            rover=_replace('to = "motor.cmd"', 'to = "motr.cmd"', ROVER).replace(
                'inputs.cmd = "common.Twist"', 'inputs.cmd = "common.Twst"'
            )
        ),
        [
            "rover.toml:11:8: error: unknown type 'common.Twst' (did you mean 'common.Twist'?)",
            "rover.toml:19:1: error: unknown daemon 'motr' in 'motr.cmd' (did you mean 'motor'?)",
        ],
    ),
    (
        "bare-name-of-another-files-type",
        _rover(rover=_replace('inputs.goal = "geometry.Pose"', 'inputs.goal = "Pose"', ROVER)),
        [
            "rover.toml:2:8: error: unknown type 'Pose' (did you mean 'geometry.Pose'?)",
        ],
    ),
    (
        "wrong-stem",
        _rover(
            rover=_replace('outputs.cmd = "common.Twist"', 'outputs.cmd = "geometry.Twist"', ROVER)
        ),
        [
            "rover.toml:7:9: error: unknown type 'geometry.Twist' (did you mean 'common.Twist'?)",
        ],
    ),
    (
        # a file spells its own types bare
        "own-stem-qualified",
        _rover(geometry=_replace('fields.pos = "Vec2"', 'fields.pos = "geometry.Vec3"', GEOMETRY)),
        [
            "geometry.toml:6:8: error: unknown type 'geometry.Vec3' (did you mean 'Vec2'?)",
        ],
    ),
    (
        "own-type-misspelt",
        _rover(geometry=_replace('fields.pos = "Vec2"', 'fields.pos = "Vec3"', GEOMETRY)),
        [
            "geometry.toml:6:8: error: unknown type 'Vec3' (did you mean 'Vec2'?)",
        ],
    ),
    (
        "constraint-aliases",
        {
            "a.toml": "[messages.T]\n"
            'fields.a = { type = "float", gte = 0.0, lte = 1.0 }\n'
            'fields.b = { type = "str", maxlen = 8, minLength = 1, regex = "x" }\n'
            'fields.c = { type = "list[int]", min = 1 }\n'
        },
        [
            "a.toml:2:30: error: unknown key 'gte' in messages.T.fields.a (did you mean 'ge'?)",
            "a.toml:2:41: error: unknown key 'lte' in messages.T.fields.a (did you mean 'le'?)",
            "a.toml:3:28: error: unknown key 'maxlen' in messages.T.fields.b (did you mean 'max_length'?)",
            "a.toml:3:40: error: unknown key 'minLength' in messages.T.fields.b (did you mean 'min_length'?)",
            "a.toml:3:55: error: unknown key 'regex' in messages.T.fields.b (did you mean 'pattern'?)",
            "a.toml:4:34: error: unknown key 'min' in messages.T.fields.c (did you mean 'ge' or 'min_length'?)",
        ],
    ),
    (
        "bad-enum-defaults-list-the-values",
        {
            "a.toml": '[enums.Level]\nvalues = ["info", "warn", "error"]\n[messages.T]\n'
            'fields.a = { type = "Level", default = "debug" }\n'
            'fields.b = { type = "Level", default = 1 }\n'
        },
        [
            "a.toml:4:30: error: bad default for field 'a': 'debug' is not a value of enum 'Level'; expected one of 'info', 'warn', 'error'",
            "a.toml:5:30: error: bad default for field 'b': an enum default is one of its value strings; 'Level' has 'info', 'warn', 'error'",
        ],
    ),
    (
        # the enum failed to decode: its defaults are not "not a value" of it as well
        "default-of-an-enum-that-failed",
        {
            "a.toml": "[enums.Level]\nvalues = 3\n[messages.T]\n"
            'fields.a = { type = "Level", default = "debug" }\n'
        },
        [
            "a.toml:2:1: error: enums.Level.values must be an array, not an integer",
        ],
    ),
    (
        "misspelt-inputs-of-a-daemon-and-the-graph",
        {"g.toml": SIMPLE.replace('inputs.obs = "Obs"\n', 'input.obs = "Obs"\n')},
        [
            "g.toml:3:1: error: unknown key 'input' in graph (did you mean 'inputs'?)",
            "g.toml:20:1: error: unknown key 'input' in daemons.policy (did you mean 'inputs'?)",
        ],
    ),
    (
        # [daemon.motor]: the misspelt table is the one error; edges to motor follow from it
        "misspelt-daemons-table",
        _rover(rover=_replace("[daemons.motor]", "[daemon.motor]", ROVER)),
        [
            "rover.toml:9:2: error: unknown top-level key 'daemon' (did you mean 'daemons'?); expected graph, messages, enums, daemons, edges, processes",
        ],
    ),
]


@pytest.mark.parametrize(("files", "expected"), [pytest.param(f, e, id=i) for i, f, e in CASES])
def test_hints_and_no_cascades(
    tmp_path: Path, files: dict[str, str | bytes], expected: list[str]
) -> None:
    assert errors_of(write_schemas(tmp_path / "s", files)) == expected


def test_aliases_apply_only_to_candidates() -> None:
    assert did_you_mean("min", ["ge", "gt"]) == " (did you mean 'ge'?)"
    assert did_you_mean("gte", ["type", "doc"]) == ""  # no 'ge' here: difflib, and nothing close
    assert suggestions("rate_hzz", ["rate_hz", "kind"]) == ("rate_hz",)


def test_closest_prefers_the_earlier_pair_on_a_tie() -> None:
    assert closest("Pose", [("Pose", "a.Pose"), ("Pose", "b.Pose")]) == "a.Pose"
    assert closest("Pose", [("Posse", "a.Posse"), ("Pose", "b.Pose")]) == "b.Pose"
    assert closest("xyz", [("Pose", "Pose")]) is None
