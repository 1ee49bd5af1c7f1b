# ruff: noqa: E501  (the tests pin whole error lines)
"""``plan_run``: every check ``chrono run`` makes before anything starts, each a clear error.

MODULE's one subclass per stub (none, several, a misspelt hook named with a hint), the harness,
the params file (``path:line:col`` and did-you-mean), the generated package's freshness, the
graph/process names and the wire addresses.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path, PurePosixPath

import pytest

from chrono_daemon.run import RunError, parse_addresses, plan_run
from codegen import generate_to

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"
EXAMPLE = REPO / "examples" / "system_stack_impl.py"

HEADER = """\
from chrono_daemon import Context
from generated.system_stack import (
    Action, ActuatorBase, S0DispenserBase, S1PolicyBase, S2PlannerBase, SystemStackHarnessBase,
)
"""
POLICY = """
class Policy(S1PolicyBase):
    async def step(self, ctx: Context, t: float) -> None:
        return None
"""


def impl(tmp_path: Path, body: str) -> str:
    """Write an implementation module (unique name per test) and return its path."""
    path = tmp_path / f"impl_{tmp_path.name}.py"
    path.write_text(HEADER + textwrap.dedent(body))
    return str(path)


def errors(**kwargs: object) -> list[str]:
    with pytest.raises(RunError) as caught:
        plan_run(**kwargs)  # type: ignore[arg-type]
    return caught.value.lines


def test_the_example_plans_every_daemon_and_the_harness() -> None:
    plan = plan_run(SCHEMAS, "system_stack", str(EXAMPLE))
    assert {d: c.__name__ for d, c in plan.classes.items()} == {
        "s2_planner": "Planner",
        "s1_policy": "Policy",
        "s0_dispenser": "Dispenser",
        "actuator": "Actuator",
    }
    assert plan.harness is not None
    assert plan.harness.__name__ == "Harness"
    assert (plan.process, plan.addresses) == (None, {})


def test_a_process_needs_only_its_own_daemons(tmp_path: Path) -> None:
    module = impl(tmp_path, POLICY)
    overrides = {"in.obs->policy": "ipc://x/1", "s2_planner.subgoal->policy": "ipc://x/2"}
    overrides["s1_policy.chunk->env"] = "ipc://x/3"
    plan = plan_run(SCHEMAS, "system_stack", module, process="policy", addresses=overrides)
    assert list(plan.classes) == ["s1_policy"]
    assert plan.harness is None
    assert plan.addresses == overrides


def test_missing_and_doubled_implementations_are_named(tmp_path: Path) -> None:
    module = impl(tmp_path, POLICY + POLICY.replace("class Policy", "class OtherPolicy"))
    lines = errors(schemas=SCHEMAS, graph="system_stack", impl=module)
    name = Path(module).stem
    assert lines == [
        f"{name}: no class implements daemon 's2_planner': subclass generated.system_stack.daemons.S2PlannerBase (chrono scaffold writes a skeleton)",
        f"{name}: several classes implement daemon 's1_policy' (OtherPolicy, Policy): keep one subclass of S1PolicyBase in the module",
        f"{name}: no class implements daemon 's0_dispenser': subclass generated.system_stack.daemons.S0DispenserBase (chrono scaffold writes a skeleton)",
        f"{name}: no class implements daemon 'actuator': subclass generated.system_stack.daemons.ActuatorBase (chrono scaffold writes a skeleton)",
        f"{name}: no class implements the harness of graph 'system_stack' (it drives the graph inputs and outputs): subclass generated.system_stack.harness.SystemStackHarnessBase (chrono scaffold writes a skeleton)",
    ]


def test_a_skeleton_scaffolded_into_its_own_module_is_pointed_at(tmp_path: Path) -> None:
    """A daemon added after the first scaffold gets ``<stem>_<daemon>.py`` (ADR 0008)."""
    module = impl(tmp_path, POLICY)
    sibling = Path(module).with_name("system_stack_actuator.py")
    sibling.write_text("# scaffolded\n")
    lines = errors(schemas=SCHEMAS, graph="system_stack", impl=module)
    name = Path(module).stem
    assert (
        f"{name}: no class implements daemon 'actuator': subclass "
        "generated.system_stack.daemons.ActuatorBase (chrono scaffold wrote its skeleton to "
        f"{sibling.as_posix()}: move the class into {name}, or import it there)"
    ) in lines


def test_a_package_that_module_cannot_import_gets_the_import_root(tmp_path: Path) -> None:
    module = tmp_path / f"impl_{tmp_path.name}.py"
    module.write_text("from not_generated_here.system_stack import S1PolicyBase\n")
    lines = errors(schemas=SCHEMAS, graph="system_stack", impl=str(module))
    assert lines[-1].startswith("chrono: 'not_generated_here' is not importable from ")
    assert "run chrono from the directory that holds the generated package" in lines[-1]


def test_a_misspelt_reactive_handler_is_named_with_its_line(tmp_path: Path) -> None:
    """Issue 15 item 7: mypy only says "Only concrete class can be given"; chrono names it."""
    module = impl(
        tmp_path,
        """
        class Actuator(ActuatorBase):
            async def on_actions(self, ctx: Context, msg: Action) -> None:
                return None
        """,
    )
    wires = ("in.obs->planner", "in.obs->policy", "s1_policy.chunk->env")
    addresses = {w: f"ipc://nowhere/{n}" for n, w in enumerate(wires)}
    lines = errors(
        schemas=SCHEMAS, graph="system_stack", impl=module, process="env", addresses=addresses
    )
    assert (
        f"{module}:6: class Actuator (daemon 'actuator') does not implement 'on_action' (it "
        "defines 'on_actions': misspelt?)"
    ) in lines


def test_params_errors_point_at_the_key(tmp_path: Path) -> None:
    params = tmp_path / "params.toml"
    params.write_text('[s1_policy]\nchunk_sise = 4\n\n[s2_planner]\nlatency = "fast"\n')
    lines = errors(schemas=SCHEMAS, graph="system_stack", impl=str(EXAMPLE), params=params)
    shown = params.as_posix()
    assert lines == [  # every mistake at once
        f"{shown}:2:1: error: unknown key 'chunk_sise' in s1_policy (did you mean 'chunk_size'?); expected one of chunk_size",
        f"{shown}:5:1: error: s2_planner.latency: Expected `float`, got `str`",
    ]
    params.write_text('[s1_policy]\nchunk_size = 0\n')
    assert errors(schemas=SCHEMAS, graph="system_stack", impl=str(EXAMPLE), params=params) == [
        f"{shown}:2:1: error: s1_policy.chunk_size: Expected `int` >= 1"
    ]
    params.write_text("[s2_planner\n")
    (line,) = errors(schemas=SCHEMAS, graph="system_stack", impl=str(EXAMPLE), params=params)
    assert line.startswith(f"{shown}:1:")
    assert "TOML syntax error" in line
    params.write_text('[s2_planer]\nlatency = 1.0\n')
    assert errors(schemas=SCHEMAS, graph="system_stack", impl=str(EXAMPLE), params=params) == [
        f"{shown}:1:2: error: unknown key 's2_planer' in the top level (did you mean 's2_planner'?); expected one of s2_planner, s1_policy"
    ]


def test_good_params_reach_the_plan(tmp_path: Path) -> None:
    params = tmp_path / "params.toml"
    params.write_text("[s1_policy]\nchunk_size = 3\n")
    plan = plan_run(SCHEMAS, "system_stack", str(EXAMPLE), params=params)
    assert plan.params.s1_policy.chunk_size == 3
    assert plan.params.s2_planner.latency == 0.05


def test_names_of_graphs_and_processes_get_suggestions(tmp_path: Path) -> None:
    assert errors(schemas=SCHEMAS, graph="system_stak", impl=str(EXAMPLE)) == [
        "chrono: no graph named 'system_stak' in "
        f"{SCHEMAS.as_posix()} (did you mean 'system_stack'?); graphs: odometry, system_stack"
    ]
    assert errors(schemas=SCHEMAS, graph="system_stack", impl=str(EXAMPLE), process="polcy") == [
        "chrono: --process polcy: graph 'system_stack' has no such process (did you mean "
        "'policy'?); its processes: env, planner, policy"
    ]
    assert errors(schemas=SCHEMAS, graph="odometry", impl=str(EXAMPLE), process="x")[0].endswith(
        "graph 'odometry' declares no [processes]; run it whole without --process"
    )


def test_a_process_whose_wires_have_no_address_says_how_to_give_one() -> None:
    lines = errors(schemas=SCHEMAS, graph="system_stack", impl=str(EXAMPLE), process="planner")
    assert lines == [
        "chrono: wire 'in.obs->planner' (process 'env' -> 'planner') has no address: pin one in "
        "the schema (an edge 'address', or a 'port' on process 'planner'), pass --address "
        "'in.obs->planner=tcp://HOST:PORT', or start every process with chrono launch, which chooses",
        "chrono: wire 's2_planner.subgoal->policy' (process 'planner' -> 'policy') has no "
        "address: pin one in the schema (an edge 'address', or a 'port' on process 'policy'), "
        "pass --address 's2_planner.subgoal->policy=tcp://HOST:PORT', or start every process "
        "with chrono launch, which chooses",
    ]
    overrides = {"in.obs->planer": "tcp://127.0.0.1:7000"}
    (line,) = errors(
        schemas=SCHEMAS, graph="system_stack", impl=str(EXAMPLE), addresses=overrides
    )
    assert line.startswith(
        "chrono: address override 'in.obs->planer' names no wire of the graph (did you mean "
        "'in.obs->planner'?)"
    )


def test_addresses_two_processes_cannot_share_are_refused() -> None:
    with pytest.raises(RunError) as caught:
        parse_addresses(["a=tcp://127.0.0.1:*", "b=inproc://x", "c"], source="--address")
    assert caught.value.lines == [
        "chrono: --address: 'tcp://127.0.0.1:*' (for a) is not an address two processes can "
        "share: use tcp://HOST:PORT with a fixed port, or ipc://PATH",
        "chrono: --address: 'inproc://x' (for b) is not an address two processes can share: "
        "use tcp://HOST:PORT with a fixed port, or ipc://PATH",
        "chrono: --address: 'c' is not LABEL=ADDRESS",
    ]


def test_a_stale_generated_package_says_run_chrono_gen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, schemas)
    result, report = generate_to(schemas, tmp_path / "gen_stale")
    assert report is not None, result.errors
    assert not report.errors
    text = (schemas / "system_stack.toml").read_text()
    (schemas / "system_stack.toml").write_text(text.replace('fields.seq = "int"', 'fields.seq = "int"\nfields.note = { type = "str", default = "" }', 1))
    module = tmp_path / "impl_stale.py"
    module.write_text(EXAMPLE.read_text().replace("from generated.", "from gen_stale."))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    out = (tmp_path / "gen_stale").as_posix()
    assert errors(schemas=schemas, graph="system_stack", impl=str(module)) == [
        f"chrono: {out}/system_stack/ is out of date with {schemas.as_posix()}: run "
        f"'chrono gen {schemas.as_posix()} -o {out}'"
    ]


def test_bad_schemas_are_reported_as_schema_errors(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, schemas)
    text = (schemas / "system_stack.toml").read_text()
    (schemas / "system_stack.toml").write_text(text.replace('daemons = ["s2_planner"]', "daemons = []"))
    lines = errors(schemas=schemas, graph="system_stack", impl=str(EXAMPLE))
    assert lines[-1] == f"chrono: 2 error(s) in {schemas.as_posix()}"
    assert "daemon 's2_planner' is in no process" in lines[0]


def test_an_impl_that_cannot_be_imported_is_named(tmp_path: Path) -> None:
    assert errors(schemas=SCHEMAS, graph="system_stack", impl="no_such_impl_module")[0].startswith(
        "chrono: --impl no_such_impl_module: no module named 'no_such_impl_module' importable from"
    )
    broken = impl(tmp_path, "raise RuntimeError('boom')\n")
    traceback, summary = errors(schemas=SCHEMAS, graph="system_stack", impl=broken)
    assert summary == f"chrono: --impl {broken}: importing it raised RuntimeError('boom')"
    # The user's own frames only: chrono's import machinery is not their business.
    assert f'File "{broken}", line 5, in <module>' in traceback
    assert "chrono_daemon" not in traceback
    assert "importlib" not in traceback


def test_the_module_chrono_scaffold_writes_is_accepted_as_is(tmp_path: Path) -> None:
    from codegen.load import load
    from codegen.resolve import resolve
    from codegen.scaffold import render_scaffold

    package = resolve(load(SCHEMAS).files).package
    assert package is not None
    text = render_scaffold(package, "generated")[PurePosixPath("system_stack.py")]
    module = tmp_path / f"scaffold_{tmp_path.name}.py"
    module.write_text(text)
    plan = plan_run(SCHEMAS, "system_stack", str(module))
    assert sorted(c.__name__ for c in plan.classes.values()) == [
        "Actuator", "S0Dispenser", "S1Policy", "S2Planner",
    ]  # fmt: skip
    assert plan.harness is not None
    assert plan.harness.__name__ == "Harness"
