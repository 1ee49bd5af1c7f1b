"""``plan_replay``: everything ``chrono replay`` checks before anything runs.

The recording is read and checked (complete, readable, chrono's encodings), the graph is
planned with ``chrono run``'s own ``plan_run`` (schemas, MODULE, params, generated package),
with the harness and every ``--replace``d daemon swapped for a ``Playback``. Then the file is
held against today's graph:

- every recorded topic must still be a producer port of the graph, with a type that reads the
  recorded data: ``chrono_daemon.wire``'s rules, any ``WIRE`` break refuses the file naming
  the topic, message and field; compatible changes are kept as notes;
- every topic the replay feeds (the graph inputs, the outputs of replaced daemons) must be
  recorded.

The params are the recorded ones (decoded into today's params type), unless ``--params``
gives a file.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from chrono_daemon.recording import IncompatibleRecording
from chrono_daemon.recording.compat import check_types
from chrono_daemon.run.errors import RunError
from chrono_daemon.run.plan import load_graph, plan_run
from chrono_daemon.tap import graph_input_topic, graph_output_topic, port_topic
from codegen.suggest import did_you_mean

from .source import RecordedRun, read_run
from .stand_ins import replaced_daemon, replay_harness

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence
    from pathlib import Path
    from types import ModuleType

    from chrono_daemon.run.plan import RunPlan
    from codegen.model import GraphDef, Module

__all__ = ("ReplayPlan", "plan_replay")


@dataclass(frozen=True)
class ReplayPlan:
    """A replay ready to run: nothing has started yet.

    Attributes:
        recording: the recording, as read.
        run: the graph's plan, stand-ins in place (``run.build(tap=...)`` constructs it).
        replaced: the daemons whose recorded outputs are played back instead of running them.
        fed: the topics played back (graph inputs, replaced daemons' outputs).
        notes: compatible differences between the recorded types and today's, one line each.
    """

    recording: RecordedRun
    run: RunPlan
    replaced: tuple[str, ...] = ()
    fed: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def topics(self) -> list[str]:
        """The recorded topics: what a ``--check`` compares."""
        return list(self.recording.channels)


def plan_replay(
    recording: str | os.PathLike[str],
    schemas: Path,
    graph: str,
    impl: str,
    *,
    replace: Sequence[str] = (),
    params: Path | None = None,
) -> ReplayPlan:
    """Check everything needed to replay ``recording`` into ``graph`` with MODULE ``impl``.

    Raises:
        RunError: bad schemas, MODULE, params or ``replace`` names (every problem at once).
        IncompatibleRecording: the recording does not fit today's graph or types (one line
            per problem, naming topic, message and field).
        RecordingError: the file cannot be read (not MCAP, truncated, corrupt...).
    """
    recorded = read_run(recording)
    module, _ = load_graph(schemas, graph)
    model = module.graph
    assert model is not None
    replaced = _replaced(model, replace, graph)
    stand_ins = {d.name: replaced_daemon(d, module.stem, recorded) for d in replaced}
    harness = replay_harness(model, module.stem, recorded) if model.has_boundary else None
    plan = plan_run(
        schemas, graph, impl, params=params, stand_ins=stand_ins, stand_in_harness=harness
    )
    recorded.types.update(port_types(plan.generated, model, module.stem))
    fed = [graph_input_topic(module.stem, p.name) for p in model.inputs]
    fed += [port_topic(module.stem, d.name, p.name) for d in replaced for p in d.outputs]
    notes = [f"{note} (compatible: replayed)" for note in _check_topics(recorded, module, fed)]
    if recorded.clock == "wall":
        notes.append(
            f"{recorded.path} was recorded under the wall clock: a replay keeps what was sent "
            "and when, but cannot reproduce real-time jitter, so --check reports the first "
            "difference in time"
        )
    if params is None:
        plan = dataclasses.replace(plan, params=_recorded_params(recorded, plan.params))
    return ReplayPlan(
        recording=recorded,
        run=plan,
        replaced=tuple(d.name for d in replaced),
        fed=tuple(fed),
        notes=tuple(notes),
    )


def port_types(generated: ModuleType, graph: GraphDef, stem: str) -> dict[str, Any]:
    """Topic -> message type of every topic the graph can record, read from the generated
    code's annotations (``SendStream[Obs]`` of ``<Graph>Inputs.obs``, of each stub's outputs,
    ``ReceiveStream[Action]`` of ``<Graph>Outputs.actions``)."""
    out: dict[str, Any] = {}
    inputs = typing.get_type_hints(getattr(generated, graph.inputs_name)) if graph.inputs else {}
    for boundary in graph.inputs:
        (out[graph_input_topic(stem, boundary.name)],) = typing.get_args(inputs[boundary.name])
    outputs = typing.get_type_hints(getattr(generated, graph.outputs_name)) if graph.outputs else {}
    for boundary in graph.outputs:
        (out[graph_output_topic(stem, boundary.name)],) = typing.get_args(outputs[boundary.name])
    for d in graph.daemons:
        hints = typing.get_type_hints(getattr(generated, d.class_name).__init__)
        for port in d.outputs:
            (out[port_topic(stem, d.name, port.name)],) = typing.get_args(hints[port.name])
    return out


def _replaced(model: GraphDef, replace: Sequence[str], graph: str) -> list[Any]:
    names = [d.name for d in model.daemons]
    errors = [
        f"chrono: --replace {name}: graph {graph!r} has no such daemon"
        f"{did_you_mean(name, names)}; its daemons: {', '.join(names)}"
        for name in dict.fromkeys(replace)
        if name not in names
    ]
    if errors:
        raise RunError(errors)
    return [d for d in model.daemons if d.name in replace]


def _check_topics(recorded: RecordedRun, module: Module, fed: list[str]) -> list[str]:
    """Recorded topics against today's graph; the compatible type changes."""
    path, channels = recorded.path, recorded.channels
    ports = list(recorded.types)
    problems = [
        f"  {topic}: recorded, but graph {module.stem!r} has no such producer port"
        f"{did_you_mean(topic, ports)} (a daemon, port or graph input removed or renamed?)"
        for topic in channels
        if topic not in ports
    ]
    processes = sorted({r.get("process", "") for r in recorded.info.runs} - {""})
    recorded_by = f" (it holds the edges of process {', '.join(processes)})" if processes else ""
    problems += [
        f"  {topic}: not recorded, but the replay feeds it{recorded_by}"
        for topic in fed
        if topic not in channels
    ]
    if problems:
        raise IncompatibleRecording(
            f"{path}: does not fit graph {module.stem!r}:\n" + "\n".join(problems)
        )
    types = {t: recorded.types[t] for t in channels}
    return check_types(path, types, channels=channels)


def _recorded_params(recorded: RecordedRun, default: Any) -> Any:
    try:
        return msgspec.json.decode(recorded.params, type=type(default))
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise RunError(
            [
                f"chrono: {recorded.path}: the recorded params do not fit today's "
                f"{type(default).__name__}: {exc}; pass --params FILE"
            ]
        ) from None
