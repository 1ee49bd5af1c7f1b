# ruff: noqa: E501  (the corpus pins whole error lines)
"""``[processes]`` (SPEC §6.1): placement rules, wires, and every error with file:line:col.

Each bad case is a schema and the exact error lines expected (all at once), like the corpus
of test_codegen_invalid; the good cases check the wires resolve plans: one per producer and
target process, so a message crosses a boundary once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from codegen_helpers import errors_of, run_cli, write_schemas

from codegen import generate

if TYPE_CHECKING:
    from pathlib import Path

    from codegen.model import GraphDef

SPLIT = """\
[graph]
inputs.obs = "Obs"
outputs.cmds = "Cmd"

[messages.Obs]
fields.seq = "int"

[messages.Cmd]
fields.value = "float"

[daemons.policy]
kind = "reactive"
inputs.obs = "Obs"
outputs.cmd = "Cmd"

[daemons.monitor]
kind = "reactive"
inputs.obs = "Obs"

[daemons.critic]
kind = "reactive"
inputs.cmd = "Cmd"

[[edges]]
from = "in.obs"
to = ["policy.obs", "monitor.obs"]

[[edges]]
from = "policy.cmd"
to = ["out.cmds", "critic.cmd"]

[processes.io]
boundary = true
daemons = ["monitor", "critic"]

[processes.brain]
daemons = ["policy"]
"""


def _with(old: str, new: str, base: str = SPLIT) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


def _graph(tmp_path: Path, text: str) -> GraphDef:
    result = generate(write_schemas(tmp_path / "s", {"g.toml": text}))
    assert result.package is not None, result.errors
    graph = result.package.modules[0].graph
    assert graph is not None
    return graph


CASES: list[tuple[str, str, list[str]]] = [
    (
        "daemon-in-no-process",
        _with('daemons = ["monitor", "critic"]', 'daemons = ["critic"]'),
        [
            "g.toml:16:10: error: daemon 'monitor' is in no process: add it to the daemons of one [processes] entry (io, brain)",
        ],
    ),
    (
        "daemon-in-two-processes",
        _with('daemons = ["policy"]', 'daemons = ["policy", "monitor"]'),
        [
            "g.toml:37:22: error: daemon 'monitor' is listed also in 'io': every daemon runs in exactly one process",
        ],
    ),
    (
        "daemon-twice-in-one-process",
        _with('daemons = ["policy"]', 'daemons = ["policy", "policy"]'),
        [
            "g.toml:37:22: error: daemon 'policy' is listed twice in this process: every daemon runs in exactly one process",
        ],
    ),
    (
        "unknown-daemon-with-suggestion",
        _with('daemons = ["policy"]', 'daemons = ["polcy"]'),
        [
            "g.toml:37:12: error: unknown daemon 'polcy' in process 'brain' (did you mean 'policy'?)",
        ],
    ),
    (
        "bad-process-name",
        _with("[processes.brain]", "[processes.Brain-1]"),
        [
            "g.toml:36:12: error: process 'Brain-1' is not a valid Python identifier (use letters, digits and '_', start with a letter)",
        ],
    ),
    (
        "no-boundary-process",
        _with("boundary = true\n", ""),
        [
            "g.toml:32:12: error: the graph has inputs or outputs, so one process must host them (and the harness that drives them): set boundary = true on one [processes] entry, e.g. 'io'",
        ],
    ),
    (
        "two-boundary-processes",
        _with("[processes.brain]\n", "[processes.brain]\nboundary = true\n"),
        [
            "g.toml:37:1: error: processes 'io' and 'brain' both say boundary = true: the graph inputs and outputs live in one process",
        ],
    ),
    (
        "process-that-hosts-nothing",
        SPLIT + "\n[processes.spare]\ndaemons = []\n",
        [
            "g.toml:40:1: error: process 'spare' hosts nothing: list its daemons, or remove it",
        ],
    ),
    (
        "bad-host-and-port",
        _with("[processes.brain]\n", '[processes.brain]\nhost = "*"\nport = 70000\n'),
        [
            "g.toml:37:1: error: invalid host '*': give an address the other processes can connect to, e.g. '127.0.0.1', '10.0.0.2', 'robot.local' or '[::1]'",
            "g.toml:38:1: error: port must be between 1 and 65535, got 70000",
        ],
    ),
    (
        "lossy-policy-across-processes",
        _with('to = ["policy.obs", "monitor.obs"]', 'to = ["policy.obs", "monitor.obs"]\npolicy = "drop_oldest"\nmaxsize = 4'),
        [
            "g.toml:26:7: error: edge 'in.obs' -> 'policy.obs' crosses from process 'io' to 'brain', but policy 'drop_oldest' needs both ends in one process: use 'block' or 'drop_newest', or put both daemons in one process",
        ],
    ),
    (
        "wildcard-address-across-processes",
        _with(
            'to = ["out.cmds", "critic.cmd"]',
            'to = "out.cmds"\ntransport = "zmq"\naddress = "tcp://127.0.0.1:*"\n\n[[edges]]\nfrom = "policy.cmd"\nto = "critic.cmd"\ntransport = "zmq"\naddress = "inproc://cmds"',
        ),
        [
            "g.toml:30:1: error: edge 'policy.cmd' -> 'out.cmds' crosses from process 'brain' to 'io': the wildcard port in 'tcp://127.0.0.1:*' is chosen when the receiver binds, and the sender in the other process cannot learn it; pin a port (e.g. 'tcp://127.0.0.1:5555'), or remove 'address' and let chrono launch choose one",
            "g.toml:36:1: error: edge 'policy.cmd' -> 'critic.cmd' crosses from process 'brain' to 'io': an inproc:// address only works inside one process; pin a port (e.g. 'tcp://127.0.0.1:5555'), or remove 'address' and let chrono launch choose one",
        ],
    ),
    (
        "one-wire-two-pinned-addresses",
        _with(
            'to = ["out.cmds", "critic.cmd"]',
            'to = "out.cmds"\ntransport = "zmq"\naddress = "tcp://127.0.0.1:5601"\n\n[[edges]]\nfrom = "policy.cmd"\nto = "critic.cmd"\ntransport = "zmq"\naddress = "tcp://127.0.0.1:5602"',
        ),
        [
            "g.toml:36:1: error: the links of 'policy.cmd' into process 'io' share one wire (policy.cmd->io) but pin different addresses (tcp://127.0.0.1:5601, tcp://127.0.0.1:5602): pin one address",
        ],
    ),
    (
        "overlapping-port-ranges",
        _with("[processes.brain]\n", "[processes.brain]\nport = 6100\n").replace(
            "boundary = true\n", "boundary = true\nport = 6100\n"
        ),
        [
            "g.toml:30:7: error: wires 'in.obs->brain' and 'policy.cmd->io' both use 'tcp://127.0.0.1:6100'; give the processes port ranges that do not overlap (each inbound wire of a process takes the next port)",
        ],
    ),
    (
        "processes-in-a-types-only-file",
        '[messages.Obs]\nfields.seq = "int"\n\n[processes.io]\ndaemons = []\n',
        [
            "g.toml:4:2: error: [processes] places the daemons of a graph, but this file declares none; add [daemons] or remove [processes]",
        ],
    ),
    # a misspelt or bad key is the one error: what the entry then "lacks" follows from it
    (
        "misspelt-daemons-key",
        _with('daemons = ["policy"]', 'daemon = ["policy"]'),
        [
            "g.toml:37:1: error: unknown key 'daemon' in processes.brain (did you mean 'daemons'?)",
        ],
    ),
    (
        "misspelt-boundary-key",
        _with("boundary = true", "boundry = true"),
        [
            "g.toml:33:1: error: unknown key 'boundry' in processes.io (did you mean 'boundary'?)",
        ],
    ),
    (
        "boundary-that-is-not-a-boolean",
        _with("boundary = true", 'boundary = "yes"'),
        [
            "g.toml:33:1: error: processes.io.boundary must be a boolean, not a string",
        ],
    ),
    (
        "misspelt-keys-of-a-boundary-process-that-hosts-only-the-boundary",
        _with('boundary = true\ndaemons = ["monitor", "critic"]', "boundry = true").replace(
            'daemons = ["policy"]', 'daemons = ["policy", "monitor", "critic"]'
        ),
        [
            "g.toml:33:1: error: unknown key 'boundry' in processes.io (did you mean 'boundary'?)",
        ],
    ),
    (
        "every-error-at-once",
        _with('daemons = ["policy"]', 'daemons = ["polcy", "monitor"]').replace(
            "[processes.io]", "[processes._io]"
        ),
        [
            "g.toml:32:12: error: process '_io' must not start with an underscore (reserved for generated private names)",
            "g.toml:37:12: error: unknown daemon 'polcy' in process 'brain' (did you mean 'policy'?)",
            "g.toml:37:21: error: daemon 'monitor' is listed also in '_io': every daemon runs in exactly one process",
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in CASES])
def test_bad_processes_are_reported_with_positions(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    assert errors_of(write_schemas(tmp_path / "s", {"g.toml": text})) == expected


def test_chrono_check_refuses_them_with_exit_1(tmp_path: Path) -> None:
    directory = write_schemas(tmp_path / "s", {"g.toml": CASES[0][1]})
    code, _, stderr = run_cli("check", str(directory))
    assert code == 1
    assert "daemon 'monitor' is in no process" in stderr
    assert "Traceback" not in stderr


def test_each_message_crosses_a_boundary_once(tmp_path: Path) -> None:
    graph = _graph(tmp_path, SPLIT)
    wires = {w.label: (w.source, w.target, [graph.links[i].consumer.label for i in w.links]) for w in graph.wires}
    # in.obs feeds policy (brain) and monitor (io): one wire into brain; policy.cmd feeds
    # out.cmds and critic, both in io: ONE wire carries both links, io tees it out.
    assert wires == {
        "in.obs->brain": ("io", "brain", ["policy.obs"]),
        "policy.cmd->io": ("brain", "io", ["out.cmds", "critic.cmd"]),
    }


def test_ports_pin_each_inbound_wire_in_order(tmp_path: Path) -> None:
    text = _with("[processes.brain]\n", '[processes.brain]\nhost = "10.0.0.2"\nport = 7100\n')
    text += '\n[daemons.logger]\nkind = "reactive"\ninputs.obs = "Obs"\n'
    text += '\n[[edges]]\nfrom = "monitor.seen"\nto = "logger.obs"\n'
    text = text.replace('inputs.obs = "Obs"\n\n[daemons.critic]', 'inputs.obs = "Obs"\noutputs.seen = "Obs"\n\n[daemons.critic]')
    text = text.replace('daemons = ["policy"]', 'daemons = ["policy", "logger"]')
    graph = _graph(tmp_path, text)
    assert {w.label: w.address for w in graph.wires} == {
        "in.obs->brain": "tcp://10.0.0.2:7100",
        "policy.cmd->io": None,
        "monitor.seen->brain": "tcp://10.0.0.2:7101",
    }


def test_a_wire_keeps_its_one_links_buffer_and_drop_newest(tmp_path: Path) -> None:
    text = _with('to = ["policy.obs", "monitor.obs"]', 'to = ["policy.obs", "monitor.obs"]\npolicy = "drop_newest"\nmaxsize = 3')
    (wire,) = [w for w in _graph(tmp_path, text).wires if w.label == "in.obs->brain"]
    assert (wire.maxsize, wire.policy) == (3, "drop_newest")


def test_a_graph_without_processes_has_no_wires(tmp_path: Path) -> None:
    text = SPLIT[: SPLIT.index("[processes.io]")]
    graph = _graph(tmp_path, text)
    assert (graph.processes, graph.wires) == ((), ())


def test_chrono_graph_draws_each_process_as_a_cluster(tmp_path: Path) -> None:
    from codegen.diagram import render_diagram

    text = _with("[processes.brain]\n", '[processes.brain]\nhost = "10.0.0.2"\nport = 7100\n')
    result = generate(write_schemas(tmp_path / "s", {"g.toml": text}))
    assert result.package is not None
    mermaid, _ = render_diagram(result.package, "mermaid")
    lines = [line.strip() for line in mermaid.splitlines()]
    io = lines.index('subgraph g0_p_io["process io"]')
    assert lines[io + 1 : lines.index("end", io)] == [
        'g0_in_obs(["in.obs<br/>Obs"])',
        'g0_d_monitor["monitor<br/>reactive"]',
        'g0_d_critic["critic<br/>reactive"]',
        'g0_out_cmds(["out.cmds<br/>Cmd"])',
        'g0_tee0{{"tee"}}',
        'g0_tee1{{"tee"}}',  # policy.cmd crosses once, on one wire; io tees it out
    ]
    brain = lines.index('subgraph g0_p_brain["process brain @ 10.0.0.2"]')
    assert lines[brain + 1 : lines.index("end", brain)] == ['g0_d_policy["policy<br/>reactive"]']
    # A link between two processes is a wire: drawn once, with its key and pinned address.
    pinned = "zmq wire in.obs-#gt;brain @ tcp://10.0.0.2:7100"
    assert f'g0_tee0 -->|"obs → obs<br/>Obs · maxsize 1 · block<br/>{pinned}"| g0_d_policy' in lines
    assert 'g0_d_policy -->|"cmd: Cmd · maxsize 1 · block<br/>zmq wire policy.cmd-#gt;io"| g0_tee1' in lines
    assert 'g0_tee1 -->|"cmd → cmds<br/>Cmd · maxsize 1 · block"| g0_out_cmds' in lines
    assert 'g0_tee0 -->|"obs → obs<br/>Obs · maxsize 1 · block"| g0_d_monitor' in lines
    dot, _ = render_diagram(result.package, "dot")
    assert "subgraph cluster_g0_p_io {" in dot
    assert 'label="process brain @ 10.0.0.2";' in dot
