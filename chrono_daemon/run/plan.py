"""``plan_run``: everything ``chrono run`` checks before anything starts.

The schemas are loaded and resolved (the model says which daemons a process hosts and where
its wires go), MODULE is imported and its one subclass of each stub base picked, the generated
package MODULE imports is checked against the schemas' hashes, the params file is decoded and
the wire addresses are settled. Every problem is reported at once, as a ``RunError``; no socket
is opened and no daemon constructed until ``RunPlan.build``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codegen.errors import format_error
from codegen.load import load
from codegen.resolve import resolve
from codegen.suggest import did_you_mean

from .addresses import wire_addresses
from .endpoints import MemoryEndpoints, ZmqEndpoints
from .errors import RunError
from .harness import HarnessHost
from .impl import find_generated_package, import_impl, pick_class
from .params import load_params
from .record import taken_outputs

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import ModuleType

    from chrono_daemon import Daemon, Supervisor
    from chrono_daemon.tap import EdgeTap
    from chrono_daemon.transports.boundary import BoundaryEndpoints
    from codegen.model import GraphDef, Module, Package, ProcessDef

__all__ = ("Built", "RunPlan", "load_graph", "plan_run")

_HASH_LINE = "# Source sha256: "


@dataclass
class Built:
    """Constructed graph parts (the graph, one process of it, or every process of it) and the
    harness, ready for ``add_to(sup)``."""

    parts: list[Any]
    harness: Daemon | None

    def add_to(self, sup: Supervisor) -> None:
        """Host every part's daemons and the harness."""
        for part in self.parts:
            part.add_to(sup)
        if self.harness is not None:
            sup.add(HarnessHost(self.harness), name=self.harness.name)

    async def aclose(self) -> None:
        """Release the parts' sockets (after the supervisor exited)."""
        for part in self.parts:
            await part.aclose()

    def dropped(self) -> dict[str, int]:
        """Items dropped by each lossy edge of every part."""
        return {k: v for part in self.parts for k, v in part.dropped().items()}

    def buffered(self) -> dict[str, int]:
        """Items waiting now in each in-process edge of every part."""
        return {k: v for part in self.parts for k, v in part.buffered().items()}


@dataclass(frozen=True)
class RunPlan:
    """A graph (or one process of it) ready to build: nothing has started yet.

    Attributes:
        module: the resolved schema module of the graph.
        process: the process to run, or None for the whole graph in this process.
        generated: the generated subpackage (``generated.system_stack``).
        classes: daemon name -> MODULE's implementation class, for the daemons run here.
        harness: MODULE's harness class when the boundary runs here, else None.
        params: the graph's params (the generated ``<Graph>Params``).
        addresses: wire label -> address, for the wires of ``process``.
        schema_files: name -> sha256 of the schema files the graph was built from (its own
            and those it imports), as a recording's metadata names them.
    """

    module: Module
    process: ProcessDef | None
    generated: ModuleType
    classes: dict[str, type]
    harness: type | None
    params: Any
    addresses: dict[str, str] = field(default_factory=dict)
    schema_files: dict[str, str] = field(default_factory=dict)

    @property
    def graph(self) -> GraphDef:
        """The graph's model."""
        assert self.module.graph is not None
        return self.module.graph

    @property
    def name(self) -> str:
        """``system_stack`` or ``system_stack/policy``: how messages name this run."""
        stem = self.module.stem
        return stem if self.process is None else f"{stem}/{self.process.name}"

    def build(
        self,
        *,
        tap: EdgeTap | None = None,
        endpoints: BoundaryEndpoints | None = None,
        split: bool = False,
    ) -> Built:
        """Construct the graph and the harness.

        For a process, its part, its wires from ``endpoints`` (default
        ``ZmqEndpoints(self.addresses)``). For the whole graph, the one-process graph class;
        with ``split``, every per-process class instead, wired by ``endpoints`` (default
        ``MemoryEndpoints()``): the split graph in this event loop, as ``launch`` runs it.
        """
        if self.process is None and not split:
            cls = getattr(self.generated, self.graph.class_name)
            parts = [cls(**self.classes, params=self.params, tap=tap)]
        else:
            wires = endpoints
            if wires is None:
                wires = ZmqEndpoints(self.addresses) if self.process else MemoryEndpoints()
            parts = [
                getattr(self.generated, p.class_name)(
                    **{d: self.classes[d] for d in p.daemons},
                    endpoints=wires,
                    params=self.params,
                    tap=tap,
                )
                for p in ([self.process] if self.process else self.graph.processes)
            ]
        harness = None
        if self.harness is not None:
            (boundary,) = [p for p in parts if hasattr(p, "inputs")]
            outputs = taken_outputs(boundary.outputs, tap, self.module.stem)
            harness = self.harness(inputs=boundary.inputs, outputs=outputs)
        return Built(parts, harness)


def load_graph(schemas: Path, graph: str) -> tuple[Module, Package]:
    """Load and resolve ``schemas``; return the module of graph ``graph`` and the package.

    Raises:
        RunError: schema errors (every one, ``path:line:col: error:``), or no such graph.
    """
    loaded = load(schemas)
    resolved = resolve(loaded.files)
    errors = [e for e in loaded.errors + resolved.errors if e.severity == "error"]
    if errors or resolved.package is None:
        lines = [format_error(e) for e in errors]
        raise RunError([*lines, f"chrono: {len(lines)} error(s) in {schemas.as_posix()}"])
    graphs = {m.stem: m for m in resolved.package.modules if m.graph is not None}
    if graph not in graphs:
        raise RunError(
            [
                f"chrono: no graph named {graph!r} in {schemas.as_posix()}"
                f"{did_you_mean(graph, graphs)}; graphs: {', '.join(graphs) or 'none'}"
            ]
        )
    return graphs[graph], resolved.package


def plan_run(
    schemas: Path,
    graph: str,
    impl: str,
    *,
    process: str | None = None,
    params: Path | None = None,
    addresses: Mapping[str, str] | None = None,
    stand_ins: Mapping[str, type] | None = None,
    stand_in_harness: type | None = None,
) -> RunPlan:
    """Check everything needed to run ``graph`` (or its ``process``) with MODULE ``impl``.

    ``stand_ins`` (daemon name -> class) and ``stand_in_harness`` are used instead of MODULE's
    classes for those daemons and the harness, which MODULE then need not have (``chrono
    replay`` feeds recorded messages through them).

    Raises:
        RunError: every problem found, each on its own line.
    """
    module, package_model = load_graph(schemas, graph)
    model = module.graph
    assert model is not None
    proc = _process(model, process, graph)
    wires = wire_addresses(model, proc, addresses or {})
    user = import_impl(impl)
    package = find_generated_package(user, module.stem)
    if package is None:
        raise RunError(
            [
                f"chrono: --impl {impl}: no class in it subclasses a generated stub of graph "
                f"{graph!r} (generated.{module.stem}.daemons); chrono scaffold writes a "
                "starting module"
            ]
        )
    generated = importlib.import_module(f"{package}.{module.stem}")
    _check_fresh(schemas, generated, module, package_model)
    hosted = model.daemons if proc is None else [d for d in model.daemons if d.name in proc.daemons]
    errors: list[str] = []
    classes: dict[str, type] = {}
    given = stand_ins or {}
    for d in hosted:
        if d.name in given:
            classes[d.name] = given[d.name]
            continue
        found = pick_class(user, getattr(generated, d.class_name), f"daemon {d.name!r}")
        if isinstance(found, str):
            errors.append(found)
        else:
            classes[d.name] = found
    harness = stand_in_harness
    if harness is None and model.has_boundary and (proc is None or proc.boundary):
        what = f"the harness of graph {graph!r} (it drives the graph inputs and outputs)"
        found = pick_class(user, getattr(generated, model.harness_name), what)
        if isinstance(found, str):
            errors.append(found)
        else:
            harness = found
    params_type = getattr(generated, model.params_name)
    value: Any = params_type()
    if params is not None:
        try:
            value = load_params(params, params_type)
        except RunError as exc:
            errors += exc.lines
    if errors:
        raise RunError(errors)
    files = _schema_files(module, package_model)
    return RunPlan(module, proc, generated, classes, harness, value, wires, files)


def _process(model: GraphDef, process: str | None, graph: str) -> ProcessDef | None:
    if process is None:
        return None
    names = [p.name for p in model.processes]
    for p in model.processes:
        if p.name == process:
            return p
    if not names:
        raise RunError(
            [
                f"chrono: --process {process}: graph {graph!r} declares no [processes]; run "
                "it whole without --process"
            ]
        )
    raise RunError(
        [
            f"chrono: --process {process}: graph {graph!r} has no such process"
            f"{did_you_mean(process, names)}; its processes: {', '.join(names)}"
        ]
    )


def _schema_files(module: Module, package: Package) -> dict[str, str]:
    """The source files of ``module`` and of every module it imports, directly or not."""
    by_stem = {m.stem: m for m in package.modules}
    seen: dict[str, Module] = {}
    todo = [module.stem]
    while todo:
        stem = todo.pop()
        if stem not in seen:
            seen[stem] = by_stem[stem]
            todo += seen[stem].imports
    return {m.source_name: m.source_sha256 for m in sorted(seen.values(), key=lambda m: m.stem)}


def _check_fresh(schemas: Path, generated: ModuleType, module: Module, package: Package) -> None:
    """The generated files MODULE imports were generated from these schema files."""
    root = Path(generated.__file__ or "").parent.parent
    hashes = {m.stem: m.source_sha256 for m in package.modules}
    stale = [
        stem
        for stem in (module.stem, *module.imports)
        if _source_hash(root / stem / "messages.py") != hashes[stem]
    ]
    if stale:
        out = root.as_posix()
        listed = ", ".join(f"{out}/{stem}/" for stem in stale)
        raise RunError(
            [
                f"chrono: {listed} is out of date with {schemas.as_posix()}: run "
                f"'chrono gen {schemas.as_posix()} -o {out}'"
            ]
        )


def _source_hash(path: Path) -> str | None:
    try:
        with path.open(encoding="utf-8") as f:
            for line in (f.readline(), f.readline()):
                if line.startswith(_HASH_LINE):
                    return line[len(_HASH_LINE) :].strip()
    except OSError:
        return None
    return None
