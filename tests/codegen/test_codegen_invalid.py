# ruff: noqa: E501, RUF001  (the corpus pins whole error lines and holds lookalike characters)
"""Bad schemas (SPEC §3.5, RELIABILITY A-F): every rule refuses with file:line and a message.

Each case is a schema directory and the exact error lines expected, so a message cannot decay
without a test noticing. The bad-schema contract (exit 1, no traceback,
nothing written) is checked through the CLI for every case.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

import pytest
from codegen_helpers import (
    ERROR_LINE,
    SIMPLE,
    errors_of,
    run_cli,
    run_cli_subprocess,
    snapshot,
    write_schemas,
)

if TYPE_CHECKING:
    from pathlib import Path


def _replace(old: str, new: str, base: str = SIMPLE) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


# (id, files, expected error lines exactly as printed; paths relative to the schema dir)
CASES: list[tuple[str, dict[str, str | bytes], list[str]]] = [
    (
        "unknown-type-with-suggestion",
        {"g.toml": _replace('inputs.obs = "Obs"\noutputs.cmd', 'inputs.obs = "Ob"\noutputs.cmd')},
        [
            "g.toml:3:8: error: unknown type 'Ob' (did you mean 'Obs'?)",
        ],
    ),
    (
        "bad-param-does-not-hide-an-edge-error",
        {
            "g.toml": _replace(
                "params.gain = { type = \"float\", default = 0.5 }",
                "params.gain = { type = \"float\", default = -0.5, ge = 0.0 }",
            ).replace('to = "policy.obs"', 'to = "policy.ob"')
        },
        [
            "g.toml:22:33: error: bad default for param 'gain': default -0.5 breaks its own constraint ge = 0.0",
            "g.toml:26:1: error: daemon 'policy' has no input 'ob' (did you mean 'obs'?)",
        ],
    ),
    (
        # issue 15.6: a salvaged entry is still checked, and what it lost causes nothing else
        "unknown-key-does-not-hide-an-unknown-type",
        {
            "g.toml": _replace(
                'fields.value = { type = "float", ge = -1.0, le = 1.0 }',
                'fields.value = { type = "flaot", gte = -1.0, lte = 1.0 }',
            )
        },
        [
            "g.toml:12:18: error: unknown type 'flaot' (did you mean 'float'?)",
            "g.toml:12:34: error: unknown key 'gte' in messages.Cmd.fields.value (did you mean 'ge'?)",
            "g.toml:12:46: error: unknown key 'lte' in messages.Cmd.fields.value (did you mean 'le'?)",
        ],
    ),
    (
        "a-lost-graph-port-breaks-no-edge",
        {"g.toml": _replace('inputs.obs = "Obs"\noutputs.cmds = "Cmd"', 'inputs.obs = 5\noutputs.cmds = "Cmd"\ndocc = ""')},
        [
            "g.toml:3:8: error: graph.inputs.obs must be a type string or a table, not an integer",
            "g.toml:5:1: error: unknown key 'docc' in graph (did you mean 'doc'?)",
        ],
    ),
    (
        "a-lost-input-is-not-a-missing-stream",
        {
            "g.toml": _replace('kind = "reactive"\ninputs.obs = "Obs"', 'kind = "reactive"\ninputs.obs = 5')
            .replace('params.gain = { type = "float", default = 0.5 }', 'params.gain = { type = "flot" }')
        },
        [
            "g.toml:20:8: error: daemons.policy.inputs.obs must be a type string or a table, not an integer",
            "g.toml:22:17: error: unknown type 'flot' (did you mean 'float'?)",
        ],
    ),
    (
        "a-typo-of-rate-hz-is-not-a-missing-rate",
        {"g.toml": _replace('kind = "reactive"', 'kind = "periodic"\nrate_hzz = 10.0\ndoc = 1')},
        [
            "g.toml:20:1: error: unknown key 'rate_hzz' in daemons.policy (did you mean 'rate_hz'?)",
            "g.toml:21:1: error: daemons.policy.doc must be a string, not an integer",
        ],
    ),
    (
        "a-typo-of-the-address-is-not-a-missing-address",
        {"g.toml": _replace('to = "policy.obs"', 'to = "polcy.obs"\ntransport = "zmq"\nadress = "tcp://127.0.0.1:5555"')},
        [
            "g.toml:26:1: error: unknown daemon 'polcy' in 'polcy.obs' (did you mean 'policy'?)",
            "g.toml:28:1: error: unknown key 'adress' in edges[0] (did you mean 'address'?)",
        ],
    ),
    (
        "unknown-type-no-suggestion",
        {"g.toml": _replace('fields.seq = "int"', 'fields.seq = "Zebra"')},
        [
            "g.toml:9:8: error: unknown type 'Zebra'",
        ],
    ),
    (
        "type-mismatch-on-edge",
        {
            "g.toml": _replace(
                'to = "out.cmds"', 'to = "out.cmds"\n[[edges]]\nfrom = "in.obs"\nto = "out.cmds"'
            ).replace('outputs.cmds = "Cmd"', 'outputs.cmds = "Cmd"')
        },
        [
            "g.toml:33:1: error: type mismatch on edge: 'in.obs' sends Obs but 'out.cmds' expects Cmd",
        ],
    ),
    (
        "edge-to-unknown-daemon-and-port",
        {
            "g.toml": _replace('to = "policy.obs"', 'to = "polcy.obs"').replace(
                'from = "policy.cmd"', 'from = "policy.cmds"'
            )
        },
        [
            "g.toml:26:1: error: unknown daemon 'polcy' in 'polcy.obs' (did you mean 'policy'?)",
            "g.toml:29:1: error: daemon 'policy' has no output 'cmds' (did you mean 'cmd'?)",
        ],
    ),
    (
        "edge-from-an-input",
        {"g.toml": _replace('from = "policy.cmd"', 'from = "policy.obs"')},
        [
            "g.toml:29:1: error: 'policy.obs' is an input; an edge goes from an output to an input",
        ],
    ),
    (
        "unconnected-ports",
        {"g.toml": SIMPLE + '\n[daemons.spare]\ninputs.x = "Obs"\noutputs.y = "Cmd"\n'},
        [
            "g.toml:33:8: error: input 'spare.x' has no producer: add an [[edges]] entry with to = 'spare.x', or set unconnected = 'allow'",
            "g.toml:34:9: error: output 'spare.y' has no consumer: add an [[edges]] entry with from = 'spare.y', or set unconnected = 'allow'",
        ],
    ),
    (
        "graph-boundary-unconnected",
        {"g.toml": _replace('inputs.obs = "Obs"\n', 'inputs.obs = "Obs"\ninputs.extra = "Obs"\n')},
        [
            "g.toml:4:8: error: graph input 'extra' is not connected: add an [[edges]] entry with from = 'in.extra'",
        ],
    ),
    (
        "reserved-prefixes",
        {"g.toml": SIMPLE + '\n[daemons.out]\n[[edges]]\nfrom = "out.cmds"\nto = "in.obs"\n'},
        [
            "g.toml:32:10: error: daemon name 'out' is reserved: 'out.NAME' names graph outputs",
            "g.toml:34:1: error: 'out.cmds' cannot be used in 'from': 'out.NAME' names graph outputs (edge targets); expected 'daemon.output' or 'in.NAME'",
            "g.toml:35:1: error: 'in.obs' cannot be used in 'to': 'in.NAME' names graph inputs (edge sources); expected 'daemon.input' or 'out.NAME'",
        ],
    ),
    (
        "bad-identifiers",
        {
            "g.toml": '[messages.class]\n[messages._private]\n[messages."a-b"]\n[messages."1st"]\n'
            '[messages."Ｏbs"]\n[messages.Ok]\nfields.from = "int"\nfields.lambda_ = "int"\n'
        },
        [
            "g.toml:1:11: error: message 'class' is a Python keyword",
            "g.toml:2:11: error: message '_private' must not start with an underscore (reserved for generated private names)",
            "g.toml:3:11: error: message 'a-b' is not a valid Python identifier (use letters, digits and '_', start with a letter)",
            "g.toml:4:11: error: message '1st' is not a valid Python identifier (use letters, digits and '_', start with a letter)",
            "g.toml:5:11: error: message 'Ｏbs' must be ASCII (non-ASCII names can look identical to others)",
            "g.toml:7:8: error: field 'from' is a Python keyword",
        ],
    ),
    (
        "collisions-with-generated-names",
        {
            "g.toml": '[messages.Obs]\n[messages.ObsChannel]\n[messages.Struct]\n[enums.Obs]\nvalues = ["a"]\n'
            "[daemons.s1_policy]\n[messages.S1PolicyBase]\n[messages.GGraph]\n"
        },
        [
            "g.toml:2:11: error: message 'ObsChannel' collides with channel alias 'ObsChannel' of message 'Obs' (line 1): both generate the name 'ObsChannel'; rename one of them",
            "g.toml:3:11: error: message 'Struct' would shadow 'Struct', which generated code imports or uses; rename it",
            "g.toml:4:8: error: enum 'Obs' collides with message 'Obs' (line 1): both generate the name 'Obs'; rename one of them",
            "g.toml:7:11: error: message 'S1PolicyBase' collides with stub class 'S1PolicyBase' of daemon 's1_policy' (line 6): both generate the name 'S1PolicyBase'; rename one of them",
            "g.toml:8:11: error: message 'GGraph' collides with generated graph class 'GGraph' (line 6): both generate the name 'GGraph'; rename one of them",
        ],
    ),
    (
        "field-shadows-type",
        {
            "g.toml": '[enums.Mode]\nvalues = ["a"]\n[messages.M]\nfields.int = { type = "int", default = 0 }\n'
            'fields.Mode = { type = "Mode", default = "a" }\nfields.datetime = "datetime"\n'
        },
        [
            "g.toml:4:8: error: field 'int' shadows the name 'int' that generated code uses in this module; rename it",
            "g.toml:5:8: error: field 'Mode' shadows the name 'Mode' that generated code uses in this module; rename it",
            "g.toml:6:8: error: field 'datetime' shadows the name 'datetime' that generated code uses in this module; rename it",
        ],
    ),
    (
        "port-param-and-member-collisions",
        {
            "g.toml": '[messages.M]\n[daemons.d]\nkind = "reactive"\ninputs.x = { type = "M", unconnected = "allow" }\n'
            'inputs.start = { type = "M", unconnected = "allow" }\ninputs.run = { type = "M", unconnected = "allow" }\n'
            'params.x = "int"\n'
        },
        [
            "g.toml:5:8: error: reactive input 'start' would get the handler 'on_start', which is a Daemon member; rename the input",
            "g.toml:6:8: error: input 'run' of daemon 'd' would shadow the stub member 'run'; rename the port",
            "g.toml:7:8: error: param 'x' of daemon 'd' collides with its port 'x'",
        ],
    ),
    (
        "graph-member-daemon-names-and-class-collision",
        {"g.toml": "[daemons.params]\n[daemons.add_to]\n[daemons.foo_bar]\n[daemons.fooBar]\n"},
        [
            "g.toml:1:10: error: daemon name 'params' collides with the graph's own 'params' (a constructor argument or attribute of the generated graph); rename the daemon",
            "g.toml:2:10: error: daemon name 'add_to' collides with the graph's own 'add_to' (a constructor argument or attribute of the generated graph); rename the daemon",
            "g.toml:4:10: error: daemons 'foo_bar' (line 3) and 'fooBar' both generate the class 'FooBarBase'; rename one of them",
            "g.toml:4:10: error: params Struct 'FooBarParams' of daemon 'fooBar' collides with params Struct 'FooBarParams' of daemon 'foo_bar' (line 3): both generate the name 'FooBarParams'; rename one of them",
            "g.toml:4:10: error: stub class 'FooBarBase' of daemon 'fooBar' collides with stub class 'FooBarBase' of daemon 'foo_bar' (line 3): both generate the name 'FooBarBase'; rename one of them",
        ],
    ),
    (
        "bad-enum-values",
        {
            "g.toml": '[enums.E]\nvalues = ["ok", "a b", "class", "None", "mro", "", "_x", "ok", "１", "name"]\n'
        },
        [
            "g.toml:2:17: error: value of enum 'E': 'a b' is not a valid Python identifier (use letters, digits and '_', start with a letter)",
            "g.toml:2:24: error: value of enum 'E': 'class' is a Python keyword",
            "g.toml:2:33: error: value of enum 'E': 'None' is a Python keyword",
            "g.toml:2:41: error: enum value 'mro' is reserved by enum.Enum; rename it",
            "g.toml:2:48: error: value of enum 'E': '' is not a valid Python identifier (use letters, digits and '_', start with a letter)",
            "g.toml:2:52: error: value of enum 'E': '_x' must not start with an underscore (reserved for generated private names)",
            "g.toml:2:58: error: duplicate value 'ok' in enum 'E'",
            "g.toml:2:64: error: value of enum 'E': '１' must be ASCII (non-ASCII names can look identical to others)",
            "g.toml:2:69: error: enum value 'name' is reserved by enum.Enum; rename it",
        ],
    ),
    (
        "bad-file-stems",
        {"my-types.toml": "", "class.toml": "", "_x.toml": "", "Geo.toml": "", "geo.toml": ""},
        [
            "_x.toml: error: file name '_x.toml' does not give a valid module name: '_x' must not start with an underscore (reserved for generated private names); rename the file",
            "class.toml: error: file name 'class.toml' does not give a valid module name: 'class' is a Python keyword; rename the file",
            "geo.toml: error: 'geo.toml' and 'Geo.toml' differ only in letter case, which collides on case-insensitive file systems; rename one of them",
            "my-types.toml: error: file name 'my-types.toml' does not give a valid module name: 'my-types' is not a valid Python identifier (use letters, digits and '_', start with a letter); rename the file",
        ],
    ),
    (
        "import-cycle",
        {
            "a.toml": '[messages.T]\nfields.u = "b.U"\n',
            "b.toml": '[messages.U]\nfields.t = "a.T"\n',
        },
        [
            "a.toml:2:8: error: import cycle between schema files: a.toml -> b.toml -> a.toml; move the shared types into a file that neither imports",
            "b.toml:2:8: error: import cycle between schema files: a.toml -> b.toml -> a.toml; move the shared types into a file that neither imports",
        ],
    ),
    (
        "unknown-module-and-qualified-suggestion",
        {
            "a.toml": '[messages.T]\nfields.u = "geometry.Pos"\nfields.v = "os.system"\n',
            "geometry.toml": "[messages.Pose]\n",
        },
        [
            "a.toml:2:8: error: unknown type 'geometry.Pos' (did you mean 'geometry.Pose'?)",
            "a.toml:3:8: error: unknown module 'os' in type 'os.system': there is no schema file os.toml",
        ],
    ),
    (
        "code-in-type-strings",
        {
            "a.toml": '[messages.T]\nfields.a = "int); PWNED = (int"\nfields.b = "list[T]]"\n'
            'fields.c = "__import__(\'os\')"\nfields.d = "..geometry.Pose"\n'
            'fields.e = "' + "list[" * 500 + "int" + "]" * 500 + '"\n'
            'fields.f = "' + "list[" * 20 + "int" + "]" * 20 + '"\n'
        },
        [
            "a.toml:2:8: error: invalid type syntax in 'int); PWNED = (int' at character 4",
            "a.toml:3:8: error: invalid type syntax in 'list[T]]'; expected e.g. 'float', 'list[Obs]', 'dict[str, int]', 'Obs | None'",
            "a.toml:4:8: error: invalid type syntax in \"__import__('os')\" at character 11",
            "a.toml:5:8: error: invalid type syntax in '..geometry.Pose' at character 1",
            "a.toml:6:8: error: type string too long (3003 characters)",
            "a.toml:7:8: error: type nesting too deep (the limit is 16 levels)",
        ],
    ),
    (
        "bad-defaults",
        {
            "a.toml": '[enums.Mode]\nvalues = ["idle", "tracking"]\n[messages.T]\n'
            'fields.a = { type = "int", default = 20, le = 10 }\n'
            'fields.b = { type = "Mode", default = "trackin" }\n'
            'fields.c = { type = "list[int]", default = [], min_length = 1 }\n'
            'fields.d = { type = "int", default = true }\n'
            'fields.e = { type = "bool", default = 1 }\n'
            'fields.f = { type = "float", default = inf }\n'
            'fields.g = { type = "float", default = nan }\n'
            'fields.h = { type = "datetime", default = 2024-01-01T00:00:00 }\n'
            'fields.i = { type = "str", default = "abc", pattern = "^x" }\n'
            'fields.j = { type = "float", default = 1 }\n'
        },
        [
            "a.toml:4:28: error: bad default for field 'a': default 20 breaks its own constraint le = 10",
            "a.toml:5:29: error: bad default for field 'b': 'trackin' is not a value of enum 'Mode' (did you mean 'tracking'?); expected one of 'idle', 'tracking'",
            "a.toml:6:34: error: bad default for field 'c': default has length 0, below its own min_length = 1",
            "a.toml:7:28: error: bad default for field 'd': default must be an integer, got the boolean True",
            "a.toml:8:29: error: bad default for field 'e': default must be true or false, got the number 1",
            "a.toml:9:30: error: bad default for field 'f': non-finite default inf: use a finite number",
            "a.toml:10:30: error: bad default for field 'g': non-finite default nan: use a finite number",
            "a.toml:11:33: error: bad default for field 'h': a datetime default needs an offset, e.g. 2024-01-01T00:00:00Z (local date-times are ambiguous)",
            "a.toml:12:28: error: bad default for field 'i': default 'abc' does not match its own pattern '^x'",
        ],
    ),
    (
        "bad-constraints",
        {
            "a.toml": '[messages.T]\nfields.a = { type = "int", ge = 10, le = 1 }\n'
            'fields.b = { type = "str", min_length = 5, max_length = 1 }\n'
            'fields.c = { type = "str", ge = 1 }\nfields.d = { type = "int", pattern = "x" }\n'
            'fields.e = { type = "str", pattern = "(" }\nfields.f = { type = "float", le = nan }\n'
            'fields.g = { type = "int", ge = 1.5 }\n'
        },
        [
            "a.toml:2:28: error: field 'a': contradictory bounds: ge = 10 and le = 1",
            "a.toml:3:28: error: field 'b': contradictory lengths: min_length = 5 > 1",
            "a.toml:4:28: error: field 'c': 'ge' applies to int and float fields, not str",
            "a.toml:5:28: error: field 'd': 'pattern' applies to str fields, not int",
            "a.toml:6:28: error: field 'e': invalid regular expression in 'pattern': missing ), unterminated subpattern at position 0",
            "a.toml:7:30: error: field 'f': 'le' must be a finite number, got nan",
            "a.toml:8:28: error: field 'g': 'ge' of an int field must be an integer, got 1.5",
        ],
    ),
    (
        "unions-and-recursion",
        {
            "a.toml": '[messages.A]\n[messages.B]\n[messages.C]\nfields.x = "A | int"\nfields.y = "A | B"\n'
            '[messages.Node]\nfields.children = "list[Node]"\n[messages.P]\nfields.q = "Q"\n[messages.Q]\nfields.p = "P | None"\n'
        },
        [
            "a.toml:4:8: error: a union may only combine messages defined in this file, not int; wrap other values in a message",
            "a.toml:7:8: error: recursive message types are not supported: Node -> Node",
            "a.toml:11:8: error: recursive message types are not supported: P -> Q -> P",
        ],
    ),
    (
        "rate-rules",
        {
            "a.toml": '[daemons.x]\nkind = "periodic"\n[daemons.y]\nrate_hz = 5.0\n[daemons.z]\nkind = "periodic"\nrate_hz = -1\n'
        },
        [
            "a.toml:1:10: error: periodic daemon 'x' needs rate_hz (calls per second)",
            "a.toml:4:1: error: rate_hz only applies to periodic daemons; daemon 'y' is kind 'run'",
            "a.toml:7:1: error: rate_hz must be a positive finite number, got -1",
        ],
    ),
    (
        "zmq-rules",
        {
            "g.toml": _replace('to = "policy.obs"', 'to = "policy.obs"\ntransport = "zmq"').replace(
                'to = "out.cmds"',
                'to = "out.cmds"\ntransport = "zmq"\naddress = "tcp://127.0.0.1:5555\'; PWNED=1; \'"',
            )
        },
        [
            "g.toml:24:3: error: transport = 'zmq' needs an address, e.g. 'tcp://127.0.0.1:5555'",
            "g.toml:33:1: error: invalid endpoint \"tcp://127.0.0.1:5555'; PWNED=1; '\": expected tcp://host:port, ipc://path or inproc://name",
        ],
    ),
    (
        "deadlock-warning-only",
        {
            "g.toml": '[messages.M]\n[daemons.a]\ninputs.i = "M"\noutputs.o = "M"\n[daemons.b]\ninputs.i = "M"\noutputs.o = "M"\n'
            '[[edges]]\nfrom = "a.o"\nto = "b.i"\nmaxsize = 0\n[[edges]]\nfrom = "b.o"\nto = "a.i"\nmaxsize = 0\n'
        },
        [
            "g.toml:10:1: warning: cycle of unbuffered blocking edges a -> b -> a may deadlock; give one edge maxsize >= 1 or a lossy policy",
        ],
    ),
    (
        "typo-in-key",
        {"g.toml": _replace('kind = "reactive"', 'kind = "reactive"\nrate_hzz = 1.0')},
        [
            "g.toml:20:1: error: unknown key 'rate_hzz' in daemons.policy (did you mean 'rate_hz'?)",
        ],
    ),
    (
        "bad-literal-choice",
        {"g.toml": _replace('kind = "reactive"', 'kind = "reactiv"')},
        [
            "g.toml:19:1: error: invalid value 'reactiv' for daemons.policy.kind: expected one of 'run', 'periodic', 'reactive' (did you mean 'reactive'?)",
        ],
    ),
    (
        "wrong-shapes",
        {
            "a.toml": '[graph]\ndoc = 5\n[[messages]]\nx = 1\n[daemons.d]\ninputs = ["obs"]\n',
            "b.toml": 'edges = {}\n[messages.M]\nfields = "int"\n[messages.N]\nfields.t = { type = 5 }\n',
        },
        [
            "a.toml:2:1: error: graph.doc must be a string, not an integer",
            "a.toml:3:3: error: messages must be a table, not an array",
            "a.toml:6:1: error: daemons.d.inputs must be a table, not an array",
            "b.toml:1:1: error: edges must be an array of tables ([[edges]]), not a table",
            "b.toml:3:1: error: messages.M.fields must be a table, not a string",
            "b.toml:5:14: error: messages.N.fields.t.type must be a string, not an integer",
        ],
    ),
    (
        "toml-syntax-errors-other-files-still-checked",
        {
            "a.toml": "[m]\nx=1\nx=2\n",
            "b.toml": "[messages.M\n",
            "c.toml": 'x = "unclosed\n',
            "d.toml": '[messages.T]\nfields.a = "Nope"\n',
        },
        [
            "a.toml:3:4: error: TOML syntax error: Cannot overwrite a value",
            "b.toml:1:12: error: TOML syntax error: Expected ']' at the end of a table declaration",
            "c.toml:1:14: error: TOML syntax error: Illegal character '\\n'",
            "d.toml:2:8: error: unknown type 'Nope'",
        ],
    ),
    (
        "encodings",
        {"a.toml": b'[messages.M]\nfields.x = "\xff"\n', "b.toml": "\ufeff[messages.B]\n"},
        [
            "a.toml:2: error: file is not valid UTF-8 (byte 0xff at offset 25); save it as UTF-8",
        ],
    ),
    (
        "pathological-nesting",
        {"a.toml": "a = " + "[" * 5000 + "]" * 5000 + "\n", "b.toml": "a" + ".a" * 5000 + " = 1\n"},
        [
            "a.toml:1: error: nesting too deep",
            "b.toml:1:1: error: unknown top-level key 'a'; expected graph, messages, enums, "
            "daemons, edges, processes",
        ],
    ),
]


@pytest.mark.parametrize(("files", "expected"), [pytest.param(f, e, id=i) for i, f, e in CASES])
def test_bad_schema_errors(
    tmp_path: Path, files: dict[str, str | bytes], expected: list[str]
) -> None:
    directory = write_schemas(tmp_path / "schemas", files)
    found = errors_of(directory)
    assert len(found) == len(expected), "\n".join(found)
    assert found == expected


@pytest.mark.parametrize(("files", "expected"), [pytest.param(f, e, id=i) for i, f, e in CASES])
def test_bad_schema_contract(
    tmp_path: Path, files: dict[str, str | bytes], expected: list[str]
) -> None:
    """Exit 1 (0 for warnings only), one well-formed line per problem, OUT untouched."""
    directory = write_schemas(tmp_path / "schemas", files)
    out = tmp_path / "out"
    out.mkdir()
    marker = out / "keep.py"
    marker.write_text("# Generated by chrono from x.toml. Do not edit.\n")
    before = snapshot(tmp_path)
    code, _, stderr = run_cli("gen", str(directory), "-o", str(out))
    lines = stderr.splitlines()
    warnings_only = all(" warning: " in e for e in expected)
    if warnings_only:
        assert code == 0, stderr
        return
    assert code == 1, stderr
    assert "Traceback" not in stderr
    problems, summary = lines[:-1], lines[-1]
    assert len(problems) == len(expected)
    assert all(ERROR_LINE.match(line) for line in problems), stderr
    assert re.fullmatch(r"chrono: \d+ errors?(, \d+ warnings?)?; nothing was written", summary)
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "schemas"]


def test_all_errors_sorted_across_files(tmp_path: Path) -> None:
    """Five errors in two files: one run reports all, sorted by (file, line, column)."""
    directory = write_schemas(
        tmp_path / "s",
        {
            "b.toml": '[messages.B]\nfields.x = "Nope"\nfields.y = "Nah"\n',
            "a.toml": '[messages.A]\nfields.z = "Zip"\n[messages.class]\n[daemons.d]\nkind = "periodic"\n',
        },
    )
    found = errors_of(directory)
    assert [line.split(": error:")[0] for line in found] == [
        "a.toml:2:8",
        "a.toml:3:11",
        "a.toml:4:10",
        "b.toml:2:8",
        "b.toml:3:8",
    ]
    code, _, stderr = run_cli("check", str(directory))
    assert code == 1
    assert stderr.splitlines()[-1] == "chrono: 5 errors; nothing was written"


def test_odd_directory_entries(tmp_path: Path) -> None:
    """Directories, broken links and X.TOML are errors; backups and hidden files are ignored."""
    directory = write_schemas(
        tmp_path / "s",
        {"ok.toml": "[messages.M]\n", "x.toml~": "junk", ".#y.toml": "junk", "Z.TOML": ""},
    )
    (directory / "dir.toml").mkdir()
    (directory / "link.toml").symlink_to(directory / "missing.toml")
    assert errors_of(directory) == [
        "Z.TOML: error: schema files must end in '.toml': rename to 'Z.toml'",
        "dir.toml: error: not a regular file (a directory)",
        "link.toml: error: broken symlink: its target does not exist",
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifos_and_devices_are_not_read(tmp_path: Path) -> None:
    """RELIABILITY 84: a FIFO would block open(), /dev/zero would never end: both refused."""
    directory = write_schemas(tmp_path / "s", {"ok.toml": SIMPLE})
    os.mkfifo(directory / "pipe.toml")
    (directory / "zero.toml").symlink_to("/dev/zero")
    (directory / "dir.toml").mkdir()
    expected = [
        "dir.toml: error: not a regular file (a directory)",
        "pipe.toml: error: not a regular file (a named pipe)",
        "zero.toml: error: not a regular file (a symlink to a character device)",
    ]
    assert errors_of(directory) == expected
    for command in (["check"], ["gen", "-o", str(tmp_path / "out")]):
        proc = run_cli_subprocess(command[0], str(directory), *command[1:])
        assert proc.returncode == 1
        prefix = directory.as_posix() + "/"
        assert [line.removeprefix(prefix) for line in proc.stderr.splitlines()] == [
            *expected,
            "chrono: 3 errors; nothing was written",
        ]
    assert not (tmp_path / "out").exists()


def test_empty_and_missing_directories(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert errors_of(tmp_path / "empty") == [
        f"{(tmp_path / 'empty').as_posix()}: error: no schema files (*.toml) in this directory"
    ]
    code, _, stderr = run_cli("gen", str(tmp_path / "missing"), "-o", str(tmp_path / "out"))
    assert code == 1
    assert stderr.startswith(
        f"{(tmp_path / 'missing').as_posix()}: error: schema directory does not exist"
    )
    assert not (tmp_path / "out").exists()


def test_large_file_is_refused_quickly(tmp_path: Path) -> None:
    directory = write_schemas(tmp_path / "s", {"big.toml": "# " + "x" * (2 << 20) + "\n"})
    assert errors_of(directory) == [
        f"big.toml: error: file too large ({(2 << 20) + 3} bytes; the limit is 1048576 bytes)"
    ]


def test_unconnected_allow_is_accepted(tmp_path: Path) -> None:
    directory = write_schemas(
        tmp_path / "s",
        {
            "g.toml": SIMPLE
            + '\n[daemons.spare]\ninputs.x = { type = "Obs", unconnected = "allow" }\n'
            'outputs.y = { type = "Cmd", unconnected = "allow" }\n'
        },
    )
    assert errors_of(directory) == []


def test_ambiguous_names_are_refused(tmp_path: Path) -> None:
    directory = write_schemas(
        tmp_path / "s",
        {"g.toml": '[enums.E]\nvalues = ["l", "ok"]\n[messages.M]\nfields.O = "int"\n'},
    )
    assert errors_of(directory) == [
        "g.toml:2:11: error: value of enum 'E': 'l' is ambiguous (it looks like 1 or 0 in many fonts); use a longer name",
        "g.toml:4:8: error: field 'O' is ambiguous (it looks like 1 or 0 in many fonts); use a longer name",
    ]


def test_names_that_would_shadow_generated_code(tmp_path: Path) -> None:
    directory = write_schemas(
        tmp_path / "s",
        {
            "g.toml": "[messages.M]\n[daemons.open_channel]\n[daemons.d]\n"
            'outputs.Latest = { type = "M", unconnected = "allow" }\n'
            '[daemons.e]\ninputs.self = { type = "M", unconnected = "allow" }\n'
        },
    )
    assert errors_of(directory) == [
        "g.toml:2:10: error: daemon name 'open_channel' would shadow the name 'open_channel' inside the generated graph constructor; rename the daemon",
        "g.toml:4:9: error: output 'Latest' of daemon 'd' would shadow the name 'Latest' inside the generated stub constructor; rename the port",
        "g.toml:6:8: error: input 'self' of daemon 'e' would shadow the stub member 'self'; rename the port",
    ]


def test_tagged_union_member_cannot_have_a_type_field(tmp_path: Path) -> None:
    directory = write_schemas(
        tmp_path / "s",
        {
            "g.toml": '[messages.A]\nfields.type = "int"\n[messages.B]\n[messages.C]\nfields.x = "A | B"\n'
        },
    )
    assert errors_of(directory) == [
        "g.toml:2:8: error: message 'A' is used in a union, so its encoding carries a tag field 'type'; rename this field",
    ]
    ok = write_schemas(tmp_path / "ok", {"g.toml": '[messages.A]\nfields.type = "int"\n'})
    assert errors_of(ok) == []  # a soft keyword is an ordinary field name otherwise
