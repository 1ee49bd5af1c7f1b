"""Hypothesis strategies for random *valid* schema files (for test_codegen_properties)."""

from __future__ import annotations

import keyword
from dataclasses import dataclass, field

from hypothesis import strategies as st

from codegen.naming import GRAPH_MEMBERS, IMPORTED_NAMES, STUB_MEMBERS

_RESERVED = (
    IMPORTED_NAMES | GRAPH_MEMBERS | STUB_MEMBERS | {"type", "out", "mro", "name", "value", "l"}
)


def toml_str(text: str) -> str:
    """A TOML basic string equal to ``text``."""
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _ok(name: str) -> bool:
    return not keyword.iskeyword(name) and name not in _RESERVED


lower = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True).filter(_ok)
texts = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60)


@dataclass
class Expect:
    """What a generated module must contain after import."""

    docs: dict[str, str] = field(default_factory=dict)  # class name -> __doc__
    defaults: dict[tuple[str, str], object] = field(default_factory=dict)  # (class, field) -> value
    enum_defaults: dict[tuple[str, str], str] = field(default_factory=dict)


@st.composite
def schema_file(draw: st.DrawFn) -> tuple[str, Expect]:
    """One valid schema file (messages, an enum, maybe a graph) and what to check after import."""
    expect = Expect()
    lines: list[str] = []
    enum_values = draw(st.lists(lower, min_size=1, max_size=4, unique=True))
    lines += ["[enums.Kind]", f"values = [{', '.join(toml_str(v) for v in enum_values)}]"]
    n_messages = draw(st.integers(1, 4))
    messages = [f"M{i}" for i in range(n_messages)]
    for i, msg in enumerate(messages):
        lines.append(f"[messages.{msg}]")
        if draw(st.booleans()):
            doc = draw(texts)
            lines.append(f"doc = {toml_str(doc)}")
            expect.docs[msg] = doc
        names = draw(st.lists(lower, max_size=5, unique=True))
        for fname in names:
            choice = draw(st.integers(0, 9))
            fdoc = draw(st.one_of(st.none(), texts))
            extra = "" if fdoc is None else f", doc = {toml_str(fdoc)}"
            if choice == 0:
                number = draw(st.integers(-(2**40), 2**40))
                lines.append(f'fields.{fname} = {{ type = "int", default = {number}{extra} }}')
                expect.defaults[(msg, fname)] = number
            elif choice == 1:
                real = draw(st.floats(allow_nan=False, allow_infinity=False, width=64))
                lines.append(f'fields.{fname} = {{ type = "float", default = {real!r}{extra} }}')
                expect.defaults[(msg, fname)] = real
            elif choice == 2:
                value = draw(texts)
                lines.append(
                    f'fields.{fname} = {{ type = "str", default = {toml_str(value)}{extra} }}'
                )
                expect.defaults[(msg, fname)] = value
            elif choice == 3:
                value = draw(st.sampled_from(enum_values))
                lines.append(f'fields.{fname} = {{ type = "Kind", default = {toml_str(value)} }}')
                expect.enum_defaults[(msg, fname)] = value
            elif choice == 4 and i > 0:
                other = draw(st.sampled_from(messages[:i]))
                wrap = draw(st.sampled_from(["{}", "list[{}]", "{} | None", "dict[str, {}]"]))
                lines.append(f'fields.{fname} = "{wrap.format(other)}"')
            elif choice == 5:
                lines.append(
                    f'fields.{fname} = {{ type = "list[int]", default = [], max_length = 9 }}'
                )
            elif choice == 6:
                lines.append(f'fields.{fname} = {{ type = "float | None", ge = -1.5{extra} }}')
            elif choice == 7:
                lines.append(f'fields.{fname} = "tuple[bytes, ...]"')
            elif choice == 8:
                lines.append(f'fields.{fname} = "datetime | None"')
            else:
                lines.append(f'fields.{fname} = {{ type = "bool", default = true{extra} }}')
    if draw(st.booleans()):
        lines += _graph(draw, expect)
    return "\n".join(lines) + "\n", expect


def _graph(draw: st.DrawFn, expect: Expect) -> list[str]:
    lines = ["[graph]"]
    doc = draw(st.one_of(st.none(), texts))
    if doc is not None:
        lines.append(f"doc = {toml_str(doc)}")
    lines += ['inputs.src = "M0"', 'outputs.dst = "M0"']
    daemons = draw(st.lists(lower, min_size=0, max_size=4, unique=True))
    for d in daemons:
        kind = draw(st.sampled_from(["run", "periodic", "reactive"]))
        lines += [f"[daemons.{d}]", f'kind = "{kind}"']
        if kind == "periodic":
            lines.append(f"rate_hz = {draw(st.sampled_from([0.5, 1.0, 3.0, 10.0, 100.0]))}")
        latest = kind != "reactive" and draw(st.booleans())
        read = ', read = "latest"' if latest else ""
        lines += [f'inputs.i = {{ type = "M0"{read} }}', 'outputs.o = "M0"']
        if draw(st.booleans()):
            lines.append('params.gain = { type = "float", default = 0.5, ge = 0.0 }')
    policies = ["block", "drop_newest", "drop_oldest", "coalesce"]
    chain = ["in.src", *[f"{d}.o" for d in daemons]]
    targets = [*[f"{d}.i" for d in daemons], "out.dst"]
    for src, dst in zip(chain, targets, strict=True):
        policy = draw(st.sampled_from(policies))
        size = draw(st.integers(0 if policy == "block" else 1, 8))
        lines += [
            "[[edges]]",
            f'from = "{src}"',
            f'to = "{dst}"',
            f"maxsize = {size}",
            f'policy = "{policy}"',
        ]
    if len(daemons) > 1 and draw(st.booleans()):  # a tee from the input and merges downstream
        extra = ", ".join(f'"{d}.i"' for d in daemons[1:])
        lines += ["[[edges]]", 'from = "in.src"', f"to = [{extra}]"]
    del expect
    return lines
