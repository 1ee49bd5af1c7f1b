"""``--record FILE.mcap``: a ``Recorder`` for a planned run, with the run described in the file.

The recorder taps every producer port of what the plan builds (``plan.build(tap=recorder)``),
and what the harness takes from each graph output (``<graph>/out.<name>``: when it asked and
when it got each item, so a replay reads them at the same pace), or the topics
``--record-topics`` selects, and stores in the file's metadata what a replay
needs to run the graph the same way: the graph, the process, the params, the schema files
with their sha256, and the run's ``clock``, ``until`` and ``grace`` (docs/recording.md).
``chrono_daemon.recording`` (the ``record`` extra) is imported only when a run records.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import typing
from typing import TYPE_CHECKING, Any

import msgspec

from chrono_daemon.tap import graph_input_topic, graph_output_topic, port_topic
from codegen.suggest import did_you_mean

from .errors import RunError

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence

    from chrono_daemon import Clock
    from chrono_daemon.recording import Recorder
    from codegen.model import Module

    from .plan import RunPlan

__all__ = (
    "close_recorder",
    "graph_topics",
    "open_recorder",
    "record_patterns",
    "run_description",
    "taken_outputs",
)


def graph_topics(module: Module) -> list[str]:
    """Every topic graph ``module`` can record: its inputs, each daemon's outputs, then what
    the harness takes from its outputs."""
    graph = module.graph
    assert graph is not None
    topics = [graph_input_topic(module.stem, p.name) for p in graph.inputs]
    topics += [port_topic(module.stem, d.name, p.name) for d in graph.daemons for p in d.outputs]
    topics += [graph_output_topic(module.stem, p.name) for p in graph.outputs]
    return topics


def taken_outputs(outputs: Any, tap: object, graph: str) -> Any:
    """``outputs`` (a generated ``<Graph>Outputs``) with each stream passed through the
    tap's ``tap_receive`` as ``<graph>/out.<name>``; as it is for a tap without one."""
    tap_receive = getattr(tap, "tap_receive", None)
    if tap_receive is None:
        return outputs
    hints = typing.get_type_hints(type(outputs))
    return dataclasses.replace(
        outputs,
        **{
            f.name: tap_receive(
                graph_output_topic(graph, f.name),
                typing.get_args(hints[f.name])[0],
                getattr(outputs, f.name),
            )
            for f in dataclasses.fields(outputs)
        },
    )


def record_patterns(module: Module, patterns: Sequence[str]) -> tuple[str, ...] | None:
    """``--record-topics`` as full-topic fnmatch patterns; None (every topic) when empty.

    A pattern without ``/`` is relative to the graph: ``s1_policy.*`` is
    ``system_stack/s1_policy.*``, ``in.*`` every graph input.

    Raises:
        RunError: a pattern matches no topic of the graph (naming its topics).
    """
    if not patterns:
        return None
    topics = graph_topics(module)
    full = tuple(p if "/" in p else f"{module.stem}/{p}" for p in patterns)
    errors = [
        f"chrono: --record-topics {given!r} matches no topic of graph {module.stem!r}"
        f"{did_you_mean(pattern, topics)}; its topics: {', '.join(topics) or 'none'}"
        for given, pattern in zip(patterns, full, strict=True)
        if not any(fnmatch.fnmatchcase(t, pattern) for t in topics)
    ]
    if errors:
        raise RunError(errors)
    return full


def run_description(clock: str, until: float | None, grace: float) -> dict[str, str]:
    """How a run is made, as the recording's metadata keeps it (``clock``, ``until``,
    ``grace``; ``until`` empty when the run ends by itself)."""
    return {"clock": clock, "until": "" if until is None else repr(until), "grace": repr(grace)}


def open_recorder(
    plan: RunPlan,
    path: str | os.PathLike[str],
    clock: Clock,
    *,
    topics: tuple[str, ...] | None = None,
    run: dict[str, str] | None = None,
) -> Recorder:
    """A ``Recorder`` writing ``path`` for ``plan``'s run on ``clock`` (pass it to
    ``plan.build(tap=...)``, close it after the run).

    Raises:
        RunError: the ``record`` extra is not installed, or ``path`` cannot be written.
    """
    try:
        from chrono_daemon.recording import Recorder, RecordingError
    except ImportError as exc:
        raise RunError([f"chrono: --record: {exc}"]) from None
    try:
        return Recorder(
            path,
            clock=clock,
            graph=plan.module.stem,
            process="" if plan.process is None else plan.process.name,
            params=msgspec.to_builtins(plan.params),
            schema_files=plan.schema_files,
            topics=topics,
            run=run,
        )
    except RecordingError as exc:
        raise RunError([f"chrono: --record: {exc}"]) from None


async def close_recorder(recorder: Recorder) -> None:
    """Complete the recording (after the run).

    Raises:
        RunError: writing the file failed (disk full, I/O error).
    """
    from chrono_daemon.recording import RecordingError

    try:
        await recorder.aclose()
    except RecordingError as exc:
        raise RunError([f"chrono: --record: {exc}"]) from None
