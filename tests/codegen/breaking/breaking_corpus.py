"""The corpus of ``chrono breaking``: old/new schema pairs, one or more per rule, each checked
in both directions with the exact lines expected (RELIABILITY 79; issue 13).

A case is one schema file ``s.toml`` in an ``old/`` and a ``new/`` directory. ``forward`` is what
``chrono breaking new --against old`` prints, ``backward`` what ``chrono breaking old --against
new`` prints: every rule that breaks one way is tested the other way too (often compatible).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ("CASES", "GRAPH_CASES", "PROCESS_CASES", "Case")


@dataclass(frozen=True)
class Case:
    """An old/new pair of ``s.toml`` and the error lines each direction prints."""

    name: str
    old: str
    new: str
    forward: tuple[str, ...]
    backward: tuple[str, ...]


def _m(*fields: str, name: str = "M", extra: str = "") -> str:
    lines = [f"[messages.{name}]", *fields]
    return "\n".join(lines) + "\n" + extra


_MODE = '[enums.Mode]\nvalues = ["idle", "run"]\n'

CASES: tuple[Case, ...] = (
    Case(
        "field-removed",
        _m('fields.a = "int"', 'fields.b = "int"'),
        _m('fields.a = "int"'),
        ("old/s.toml:3:8: error: message 'M': field 'b' was removed [WIRE, CODE]",),
        (
            "old/s.toml:3:8: error: message 'M': field 'b' was added without a default: "
            "payloads written by the old schema lack it [WIRE, CODE]",
        ),
    ),
    Case(
        "field-added-with-default",
        _m('fields.a = "int"'),
        _m('fields.a = "int"', 'fields.b = { type = "int", default = 0 }'),
        (),
        ("new/s.toml:3:8: error: message 'M': field 'b' was removed [WIRE, CODE]",),
    ),
    Case(
        "field-type-changed",
        _m('fields.a = "int"'),
        _m('fields.a = "str"'),
        (
            "new/s.toml:2:8: error: message 'M': field 'a' changed type from int to str "
            "[WIRE, CODE]",
        ),
        (
            "old/s.toml:2:8: error: message 'M': field 'a' changed type from str to int "
            "[WIRE, CODE]",
        ),
    ),
    Case(
        "nested-type-changed",
        _m('fields.a = "list[dict[str, int]]"'),
        _m('fields.a = "list[dict[str, float]]"'),
        (
            "new/s.toml:2:8: error: message 'M': field 'a[]{}' changed type from int to float "
            "[WIRE, CODE]",
        ),
        (
            "old/s.toml:2:8: error: message 'M': field 'a[]{}' changed type from float to int "
            "[WIRE, CODE]",
        ),
    ),
    Case(
        "list-to-tuple",
        _m('fields.a = "list[int]"'),
        _m('fields.a = "tuple[int, ...]"'),
        (
            "new/s.toml:2:8: error: message 'M': field 'a' changed type from list[int] to "
            "tuple[int, ...] (the same array on the wire) [CODE]",
        ),
        (
            "old/s.toml:2:8: error: message 'M': field 'a' changed type from tuple[int, ...] to "
            "list[int] (the same array on the wire) [CODE]",
        ),
    ),
    Case(
        "le-lowered",
        _m('fields.a = { type = "float", le = 10.0 }'),
        _m('fields.a = { type = "float", le = 5.0 }'),
        (
            "new/s.toml:2:8: error: message 'M': field 'a': upper bound narrowed from <= 10 to "
            "<= 5: payloads valid before may be refused [WIRE]",
        ),
        (),  # widened
    ),
    Case(
        "ge-to-gt",
        _m('fields.a = { type = "float", ge = 0.0 }'),
        _m('fields.a = { type = "float", gt = 0.0 }'),
        (
            "new/s.toml:2:8: error: message 'M': field 'a': lower bound narrowed from >= 0 to "
            "> 0: payloads valid before may be refused [WIRE]",
        ),
        (),
    ),
    Case(
        "int-gt-is-ge-plus-one",  # the same constraint spelt twice: no change at all
        _m('fields.a = { type = "int", gt = 0 }'),
        _m('fields.a = { type = "int", ge = 1 }'),
        (),
        (),
    ),
    Case(
        "min-length-raised",
        _m('fields.a = { type = "list[int]", min_length = 1 }'),
        _m('fields.a = { type = "list[int]", min_length = 2 }'),
        (
            "new/s.toml:2:8: error: message 'M': field 'a': min_length narrowed from 1 to 2: "
            "payloads valid before may be refused [WIRE]",
        ),
        (),
    ),
    Case(
        "pattern-added",
        _m('fields.a = "str"'),
        _m('fields.a = { type = "str", pattern = "^[a-z]+$" }'),
        (
            "new/s.toml:2:8: error: message 'M': field 'a': pattern narrowed from none to "
            "'^[a-z]+$': payloads valid before may be refused [WIRE]",
        ),
        (),
    ),
    Case(
        "optional-to-required",
        _m('fields.a = "float | None"'),
        _m('fields.a = "float"'),
        (
            "new/s.toml:2:8: error: message 'M': field 'a' changed type from float | None to "
            "float: None is no longer accepted [WIRE, CODE]",
        ),
        (
            "old/s.toml:2:8: error: message 'M': field 'a' changed type from float to "
            "float | None: code reading it must now handle None [CODE]",
        ),
    ),
    Case(
        "default-removed",
        _m('fields.a = { type = "int", default = 0 }'),
        _m('fields.a = "int"'),
        (
            "new/s.toml:2:8: error: message 'M': field 'a' lost its default: it is now "
            "required, and payloads without it are refused [WIRE, CODE]",
        ),
        (),  # gained a default
    ),
    Case(
        "default-value-changed",  # defaults are not part of the wire shape
        _m('fields.a = { type = "int", default = 0 }'),
        _m('fields.a = { type = "int", default = 7 }'),
        (),
        (),
    ),
    Case(
        "field-renamed",
        _m('fields.a = "int"'),
        _m('fields.b = "int"'),
        (
            "new/s.toml:2:8: error: message 'M': field 'b' was added without a default: "
            "payloads written by the old schema lack it [WIRE, CODE]",
            "old/s.toml:2:8: error: message 'M': field 'a' was removed (renamed to 'b'?) "
            "[WIRE, CODE]",
        ),
        (
            "new/s.toml:2:8: error: message 'M': field 'b' was removed (renamed to 'a'?) "
            "[WIRE, CODE]",
            "old/s.toml:2:8: error: message 'M': field 'a' was added without a default: "
            "payloads written by the old schema lack it [WIRE, CODE]",
        ),
    ),
    Case(
        "docs-changed",
        _m('doc = "Old words."', 'fields.a = { type = "int", doc = "old" }'),
        _m('doc = "New words."', 'fields.a = { type = "int", doc = "new" }'),
        (),
        (),
    ),
    Case(
        "message-added",
        _m('fields.a = "int"'),
        _m('fields.a = "int"', extra=_m('fields.x = "str"', name="N")),
        (),
        (
            "new/s.toml:3:11: error: message 'N' was removed: peers and recordings that carry "
            "it cannot be read [WIRE, CODE]",
        ),
    ),
    Case(
        "message-renamed",  # untagged: the wire does not know message names
        _m('fields.a = "int"'),
        _m('fields.a = "int"', name="N"),
        (
            "old/s.toml:1:11: error: message 'M' was removed (renamed to 'N'? the wire shape is "
            "the same) [CODE]",
        ),
        (
            "new/s.toml:1:11: error: message 'N' was removed (renamed to 'M'? the wire shape is "
            "the same) [CODE]",
        ),
    ),
    Case(
        "nested-message-retyped",
        _m(
            'fields.p = "P"',
            extra=_m('fields.x = "int"', name="P") + _m('fields.x = "int"', name="Q"),
        ),
        _m(
            'fields.p = "Q"',
            extra=_m('fields.x = "int"', name="P") + _m('fields.x = "int"', name="Q"),
        ),
        ("new/s.toml:2:8: error: message 'M': field 'p' changed type from s.P to s.Q [CODE]",),
        ("old/s.toml:2:8: error: message 'M': field 'p' changed type from s.Q to s.P [CODE]",),
    ),
    Case(
        "enum-value-removed",
        _m('fields.m = "Mode"', extra='[enums.Mode]\nvalues = ["idle", "run", "fault"]\n'),
        _m('fields.m = "Mode"', extra=_MODE),
        (
            "old/s.toml:3:8: error: enum 'Mode': enum value 'fault' was removed: payloads "
            "holding it are refused [WIRE, CODE]",
        ),
        (),  # added: a consumer-side risk, not a break (docs/cli.md)
    ),
    Case(
        "enum-value-renamed",
        _m('fields.m = "Mode"', extra=_MODE),
        _m('fields.m = "Mode"', extra='[enums.Mode]\nvalues = ["idle", "running"]\n'),
        (
            "old/s.toml:3:8: error: enum 'Mode': enum value 'run' was removed (renamed to "
            "'running'?): payloads holding it are refused [WIRE, CODE]",
        ),
        (
            "new/s.toml:3:8: error: enum 'Mode': enum value 'running' was removed (renamed to "
            "'run'?): payloads holding it are refused [WIRE, CODE]",
        ),
    ),
    Case(
        "enum-removed",
        _m('fields.a = "int"', extra=_MODE),
        _m('fields.a = "int"'),
        (
            "old/s.toml:3:8: error: enum 'Mode' was removed: peers and recordings that carry "
            "it cannot be read [WIRE, CODE]",
        ),
        (),
    ),
    Case(
        "union-member-removed",
        _m(
            'fields.c = "A | B | C"',
            extra=_m('fields.x = "int"', name="A")
            + _m('fields.y = "int"', name="B")
            + _m('fields.z = "int"', name="C"),
        ),
        _m(
            'fields.c = "A | B"',
            extra=_m('fields.x = "int"', name="A")
            + _m('fields.y = "int"', name="B")
            + _m('fields.z = "int"', name="C"),
        ),
        (
            "new/s.toml:2:8: error: message 'M': field 'c': union member 'C' was removed: "
            "payloads of it are refused [WIRE, CODE]",
        ),
        (),  # a member added: consumers of the old schema refuse it, a consumer-side risk
    ),
    Case(
        "union-tag-changed",  # a union member renamed: its tag (the message name) changes
        _m(
            'fields.c = "A | B"',
            extra=_m('fields.x = "int"', name="A") + _m('fields.y = "int"', name="B"),
        ),
        _m(
            'fields.c = "A | Bee"',
            extra=_m('fields.x = "int"', name="A") + _m('fields.y = "int"', name="Bee"),
        ),
        (
            "new/s.toml:2:8: error: message 'M': field 'c': union member tag changed from 'B' "
            "to 'Bee': payloads with the old tag are refused [WIRE, CODE]",
            "old/s.toml:5:11: error: message 'B' was removed: peers and recordings that carry "
            "it cannot be read [WIRE, CODE]",
        ),
        (
            "new/s.toml:5:11: error: message 'Bee' was removed: peers and recordings that carry "
            "it cannot be read [WIRE, CODE]",
            "old/s.toml:2:8: error: message 'M': field 'c': union member tag changed from 'Bee' "
            "to 'B': payloads with the old tag are refused [WIRE, CODE]",
        ),
    ),
)


def _graph(
    *,
    obs: str = "Obs",
    outputs: str = 'outputs.cmds = "Cmd"',
    policy: str = 'kind = "reactive"\ninputs.obs = "Obs"',
    cmd_fields: str = 'fields.v = "float"',
    daemons: str = "",
    edges: str = '[[edges]]\nfrom = "in.obs"\nto = "policy.obs"',
    out_edge: str = '[[edges]]\nfrom = "policy.cmd"\nto = "out.cmds"',
) -> str:
    """A small graph: in.obs -> policy -> out.cmds, with the pieces a case changes."""
    return f"""[graph]
inputs.obs = "{obs}"
{outputs}

[messages.Obs]
fields.t = "float"

[messages.Obs2]
fields.t = "float"
fields.seq = "int"

[messages.Cmd]
{cmd_fields}

[daemons.policy]
{policy}
outputs.cmd = "Cmd"
{daemons}
{edges}

{out_edge}
"""


_ZMQ_PAIR = """
[daemons.actuator]
kind = "reactive"
inputs.cmd = "Cmd"
"""

GRAPH_CASES: tuple[Case, ...] = (
    Case(
        "graph-output-renamed",
        _graph(),
        _graph(
            outputs='outputs.commands = "Cmd"',
            out_edge='[[edges]]\nfrom = "policy.cmd"\nto = "out.commands"',
        ),
        ("old/s.toml:3:9: error: graph output 'cmds' was removed [CODE]",),
        ("new/s.toml:3:9: error: graph output 'commands' was removed [CODE]",),
    ),
    Case(
        "graph-input-retyped",
        _graph(),
        _graph(obs="Obs2", policy='kind = "reactive"\ninputs.obs = "Obs2"'),
        (
            "new/s.toml:2:8: error: graph input 'obs' changed type from Obs to Obs2 [CODE]",
            "new/s.toml:17:8: error: daemon 'policy': input 'obs' changed type from Obs to Obs2 "
            "[CODE]",
        ),
        (
            "old/s.toml:2:8: error: graph input 'obs' changed type from Obs2 to Obs [CODE]",
            "old/s.toml:17:8: error: daemon 'policy': input 'obs' changed type from Obs2 to Obs "
            "[CODE]",
        ),
    ),
    Case(
        "daemon-added",
        _graph(),
        _graph(
            daemons='\n[daemons.logger]\nkind = "reactive"\ninputs.obs = "Obs"\n',
            edges='[[edges]]\nfrom = "in.obs"\nto = ["policy.obs", "logger.obs"]',
        ),
        (
            "new/s.toml:20:10: error: daemon 'logger' was added: SGraph(...) now needs an "
            "implementation of LoggerBase [CODE]",
        ),
        ("new/s.toml:20:10: error: daemon 'logger' was removed [CODE]",),
    ),
    Case(
        "reactive-input-added",
        _graph(),
        _graph(
            policy='kind = "reactive"\ninputs.obs = "Obs"\ninputs.tick = "Obs"',
            edges='[[edges]]\nfrom = "in.obs"\nto = ["policy.obs", "policy.tick"]',
        ),
        (
            "new/s.toml:18:8: error: daemon 'policy': new input 'tick': implementations must "
            "add on_tick(ctx, msg) [CODE]",
        ),
        ("new/s.toml:18:8: error: daemon 'policy': input 'tick' was removed [CODE]",),
    ),
    Case(
        "daemon-kind-changed",
        _graph(),
        _graph(policy='kind = "run"\ninputs.obs = "Obs"'),
        (
            "new/s.toml:15:10: error: daemon 'policy' changed kind from 'reactive' to 'run': "
            "implementations must implement other hooks [CODE]",
        ),
        (
            "old/s.toml:15:10: error: daemon 'policy' changed kind from 'run' to 'reactive': "
            "implementations must implement other hooks [CODE]",
        ),
    ),
    Case(
        "input-read-latest",
        _graph(policy='kind = "run"\ninputs.obs = "Obs"'),
        _graph(policy='kind = "run"\ninputs.obs = { type = "Obs", read = "latest" }'),
        (
            "new/s.toml:17:8: error: daemon 'policy': input 'obs' is now a latest-value reader "
            "[CODE]",
        ),
        ("old/s.toml:17:8: error: daemon 'policy': input 'obs' is now a stream [CODE]",),
    ),
    Case(
        "edge-moved-to-zmq",
        _graph(
            outputs="",
            daemons=_ZMQ_PAIR,
            out_edge='[[edges]]\nfrom = "policy.cmd"\nto = "actuator.cmd"',
        ),
        _graph(
            outputs="",
            daemons=_ZMQ_PAIR,
            out_edge='[[edges]]\nfrom = "policy.cmd"\nto = "actuator.cmd"\ntransport = "zmq"\n'
            'address = "tcp://127.0.0.1:5555"',
        ),
        (
            "new/s.toml:30:1: error: edge policy.cmd -> actuator.cmd moved from in-process to "
            "zmq tcp://127.0.0.1:5555: a process built from the old schema does not meet it "
            "[WIRE]",
        ),
        (
            "old/s.toml:30:1: error: edge policy.cmd -> actuator.cmd moved from zmq "
            "tcp://127.0.0.1:5555 to in-process: a process built from the old schema does not "
            "meet it [WIRE]",
        ),
    ),
)


def _split(processes: str, *, obs: str = "Obs", address: str = "") -> str:
    """sensor -> policy -> actuator, placed in OS processes by ``processes``."""
    return f"""[messages.Obs]
fields.t = "float"

[messages.Obs2]
fields.t = "float"
fields.seq = "int"

[messages.Cmd]
fields.v = "float"

[daemons.sensor]
kind = "periodic"
rate_hz = 10.0
outputs.obs = "{obs}"

[daemons.policy]
kind = "reactive"
inputs.obs = "{obs}"
outputs.cmd = "Cmd"

[daemons.actuator]
kind = "reactive"
inputs.cmd = "Cmd"

[[edges]]
from = "sensor.obs"
to = "policy.obs"
{address}
[[edges]]
from = "policy.cmd"
to = "actuator.cmd"

{processes}
"""


def _procs(**placement: str) -> str:
    return "".join(f"[processes.{p}]\ndaemons = [{d}]\n" for p, d in placement.items())


_TWO = _procs(env='"sensor", "actuator"', brain='"policy"')
_MOVED = _procs(env='"sensor"', brain='"policy", "actuator"')
_THREE = _procs(env='"sensor"', brain='"policy"', arm='"actuator"')

_PIN = 'transport = "zmq"\naddress = "tcp://127.0.0.1:6001"'
_H0 = "CTH01_3dd46571c888c4d6af3371334f1e887653948befdcb95cde1cbe596115497ae6"  # Obs
_H2 = "CTH01_34e90eb9f266a08694f05d35ea058a1a43b382d0e863ef28a8907518c3945289"  # Obs2
_LOGGER = '\n[daemons.logger]\nkind = "reactive"\ninputs.obs = "Obs"\n'
_TO_BOTH = '[[edges]]\nfrom = "in.obs"\nto = ["policy.obs", "logger.obs"]'


def _bounded(boundary: str) -> str:
    """``_graph`` with a logger, policy and logger in processes a and b, the boundary in one."""
    flag = {"a": "", "b": ""}
    flag[boundary] = "boundary = true\n"
    places = f'[processes.a]\ndaemons = ["policy"]\n{flag["a"]}'
    places += f'[processes.b]\ndaemons = ["logger"]\n{flag["b"]}'
    return _graph(daemons=_LOGGER + "\n" + places, edges=_TO_BOTH)


PROCESS_CASES: tuple[Case, ...] = (
    Case(
        "daemon-moved-to-another-process",
        _split(_TWO),
        _split(_MOVED),
        (
            "new/s.toml:35:12: error: daemon 'actuator' moved from process 'env' to 'brain': "
            "processes built from the old schema expect it elsewhere [WIRE, CODE]",
        ),
        (
            "old/s.toml:33:12: error: daemon 'actuator' moved from process 'brain' to 'env': "
            "processes built from the old schema expect it elsewhere [WIRE, CODE]",
        ),
    ),
    Case(
        "process-removed",
        _split(_THREE),
        _split(_TWO),
        (
            "old/s.toml:37:12: error: process 'arm' was removed: `chrono run --process arm` and "
            "SArmProcess are gone [WIRE, CODE]",
        ),
        (
            "old/s.toml:37:12: error: daemon 'actuator' moved from process 'env' to 'arm': "
            "processes built from the old schema expect it elsewhere [WIRE, CODE]",
        ),
    ),
    Case(
        "graph-no-longer-split",  # backward: split for the first time, which breaks nothing
        _split(_TWO),
        _split(""),
        (
            "old/s.toml:33:12: error: graph 's' is no longer split into processes: a deployment "
            "of the old processes does not meet it [WIRE, CODE]",
        ),
        (),
    ),
    Case(
        "boundary-moved",
        _bounded("a"),
        _bounded("b"),
        (
            "new/s.toml:26:12: error: the graph boundary (inputs, outputs, harness) moved from "
            "process 'a' to 'b' [WIRE, CODE]",
        ),
        (
            "old/s.toml:24:12: error: the graph boundary (inputs, outputs, harness) moved from "
            "process 'b' to 'a' [WIRE, CODE]",
        ),
    ),
    Case(
        "wire-retyped",
        _split(_TWO),
        _split(_TWO, obs="Obs2"),
        (
            "new/s.toml:14:9: error: daemon 'sensor': output 'obs' changed type from Obs to Obs2 "
            "[CODE]",
            "new/s.toml:18:8: error: daemon 'policy': input 'obs' changed type from Obs to Obs2 "
            "[CODE]",
            f"new/s.toml:27:1: error: wire sensor.obs->brain now carries Obs2 ({_H2}), was Obs "
            f"({_H0}): a process built from the old schema is refused at connect [WIRE]",
        ),
        (
            "old/s.toml:14:9: error: daemon 'sensor': output 'obs' changed type from Obs2 to Obs "
            "[CODE]",
            "old/s.toml:18:8: error: daemon 'policy': input 'obs' changed type from Obs2 to Obs "
            "[CODE]",
            f"old/s.toml:27:1: error: wire sensor.obs->brain now carries Obs ({_H0}), was Obs2 "
            f"({_H2}): a process built from the old schema is refused at connect [WIRE]",
        ),
    ),
    Case(
        "wire-address-pinned",
        _split(_TWO),
        _split(_TWO, address=_PIN),
        (
            "new/s.toml:27:1: error: wire sensor.obs->brain moved from a launcher-chosen address "
            "to tcp://127.0.0.1:6001: a process built from the old schema does not meet it "
            "[WIRE]",
        ),
        (
            "old/s.toml:27:1: error: wire sensor.obs->brain moved from tcp://127.0.0.1:6001 to a "
            "launcher-chosen address: a process built from the old schema does not meet it "
            "[WIRE]",
        ),
    ),
)
