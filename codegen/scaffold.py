"""Implementation skeletons for the generated stubs (``chrono scaffold``, SPEC §4.2).

One module per graph, ``IMPL/<stem>.py``: a subclass of every daemon stub with each hook the user
must write (``run``, ``step`` or ``on_<input>``) present and raising ``NotImplementedError``,
the daemon's ports and params listed in comments, and a ``build_graph()`` that passes these
classes to the generated ``<Camel>Graph``. It imports the generated package by an absolute path
(``--package``) and passes ``mypy --strict`` as written.

User code is never overwritten: a file is created with ``O_CREAT | O_EXCL | O_NOFOLLOW``, so an
existing file, or a symlink (even a dangling one) at the target path, is skipped and reported.
Rendering is pure (``render_scaffold``); only ``write_scaffold`` touches disk; only the CLI prints.
"""

from __future__ import annotations

import ast
import errno
import keyword
import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import jinja2

from .model import named_refs
from .naming import camel
from .render.filters import LINE_LIMIT, comment_text, docstring, ident, pystr, pyvalue, sort_names
from .render.source import annotation, uses_datetime

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from .model import DaemonDef, Field, GraphDef, Module, Package, Port

__all__ = (
    "BUILD_FUNCTION",
    "ScaffoldClass",
    "ScaffoldPlan",
    "ScaffoldReport",
    "ScaffoldView",
    "check_package_path",
    "implemented_stubs",
    "plan_scaffold",
    "render_scaffold",
    "scaffold_view",
    "write_scaffold",
)

BUILD_FUNCTION = "build_graph"
"""The function each scaffold module defines to build its graph from the implementations."""

_TEMPLATES = Path(__file__).with_name("templates")
_INDENT = 4


def check_package_path(path: str) -> str | None:
    """Return why ``path`` cannot be imported as the generated package, or None when it can."""
    parts = path.split(".")
    for part in parts:
        if not part.isidentifier() or not part.isascii() or keyword.iskeyword(part):
            return (
                f"--package {path!r} is not a dotted Python module path (each part must be an "
                "ASCII identifier and not a keyword), e.g. 'generated' or 'myrobot.graphs'"
            )
    return None


@dataclass(frozen=True, slots=True)
class ScaffoldClass:
    """One implementation class: ``class <name>(<base>)`` for daemon ``daemon`` (empty for
    the harness, which the graph class does not take).

    ``doc`` is a rendered docstring statement; ``comments`` are comment lines (without ``#``);
    ``hooks`` are the ``async def`` headers, each followed by ``raise NotImplementedError``.
    """

    daemon: str
    name: str
    base: str
    doc: str
    comments: tuple[str, ...]
    hooks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScaffoldView:
    """Everything ``scaffold.py.jinja`` formats for one graph; all text is already safe."""

    header: tuple[str, ...]
    module_doc: str
    imports: str
    classes: tuple[ScaffoldClass, ...]
    build_name: str
    build_head: str
    graph_class: str
    params_class: str


def _def_head(
    name: str, params: list[str], returns: str, indent: int, keyword: str = "async def"
) -> str:
    """``async def name(params) -> returns:`` wrapped like ruff format when too long."""
    one = f"{keyword} {name}({', '.join(params)}) -> {returns}:"
    if indent + len(one) <= LINE_LIMIT:
        return one
    pad = " " * (indent + _INDENT)
    body = "".join(_param_lines(pad, p) for p in params)
    return f"{keyword} {name}(\n{body}{' ' * indent}) -> {returns}:"


def _param_lines(pad: str, param: str) -> str:
    """One parameter line; a long union annotation breaks before each top-level ``|``."""
    if len(pad) + len(param) + 1 <= LINE_LIMIT:
        return f"{pad}{param},\n"
    parts: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(param):
        depth += (ch == "[") - (ch == "]")
        if depth == 0 and param.startswith(" | ", i):
            parts.append(param[start:i])
            start = i + 3
    parts.append(param[start:])
    lines = [parts[0], *(f"| {p}" for p in parts[1:])]
    return "".join(f"{pad}{line}\n" for line in lines[:-1]) + f"{pad}{lines[-1]},\n"


def _safe(text: str) -> str:
    """Schema text fit for a one-line comment: as written when printable, else escaped."""
    return text if all(ch.isprintable() for ch in text) else pystr(text)


def _wrap(head: str, doc: str | None, width: int = LINE_LIMIT - _INDENT - 2) -> list[str]:
    """Comment lines (without ``#``) for ``head`` and an optional doc, within the line limit."""
    text = head if doc is None else f"{head} -- {_safe(doc)}"
    indent = " " * (len(text) - len(text.lstrip(" ")) + 4)
    return textwrap.wrap(text, width, subsequent_indent=indent, break_on_hyphens=False)


class _Names:
    """Module-level names of one scaffold module, kept unique (``S1Policy``, ``S1PolicyImpl``)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def reserve(self, name: str) -> str:
        self.taken.add(name)
        return name

    def fresh(self, base: str) -> str:
        name = base
        while name in self.taken:
            name += "Impl"
        return self.reserve(name)


class _ImportSet:
    """The scaffold's imports in ruff/isort order: stdlib, chrono_daemon, the generated package."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.plain: set[str] = set()
        self.runtime: list[str] = []
        self.names: dict[str, set[str]] = {}

    def add(self, module: str, name: str) -> None:
        self.names.setdefault(module, set()).add(name)

    def render(self) -> str:
        stdlib = [f"import {m}" for m in sorted(self.plain)]
        runtime = ["from chrono_daemon import Context", *self.runtime]
        ours: list[str] = []
        for module in sorted(self.names):
            names = sort_names(self.names[module])
            line = f"from {module} import {', '.join(names)}"
            if len(line) > LINE_LIMIT:
                body = "".join(f"    {n},\n" for n in names)
                line = f"from {module} import (\n{body})"
            ours.append(line)
        return "\n\n".join("\n".join(block) for block in (stdlib, runtime, ours) if block)


def _port_comment(p: Port, stem: str, handler: bool, *, selected: bool = False) -> list[str]:
    t = annotation(p.type, stem)
    if p.direction == "output":
        how = f"self.{p.name}: {t} (await self.{p.name}.send(msg); closed when the daemon ends)"
    elif p.latest:
        how = f'self.{p.name}: {t}, read = "latest" (self.{p.name}.get() -> {t} | None)'
    elif handler:
        how = f"self.{p.name}: {t} (each message is passed to on_{p.name})"
    elif selected:
        how = f"self.{p.name}: {t} (a stream: read it with select, above)"
    else:
        how = f"self.{p.name}: {t} (async for msg in self.{p.name}: ...)"
    return _wrap(f"  {how}", p.doc)


def _param_comment(f: Field, stem: str) -> list[str]:
    default = "" if f.default is None else f" = {pyvalue(f.default)}"
    return _wrap(f"  {f.name}: {annotation(f.type, stem)}{default}", f.doc)


def _kind_comment(d: DaemonDef) -> list[str]:
    if d.kind == "periodic":
        return [
            *_wrap(
                f'kind = "periodic" at {d.rate_hz:g} Hz: step(ctx, t) runs once per tick of '
                "the supervisor clock; the ticks end at the stop. A step that waits does it "
                "under the stop, or the stop waits for it:",
                None,
            ),
            "  with ctx.cancel_on_stop(): await ctx.clock.sleep(dt)",
        ]
    if d.kind == "reactive":
        return ['kind = "reactive": on_<input>(ctx, msg) runs for each message of a stream input.']
    return [
        'kind = "run": run(ctx) is the whole body; return when the work is done.',
        *_stop_aware("the stop"),
    ]


def _stop_aware(stop: str) -> list[str]:
    """How a loop of one's own ends at the stop; one that ignores it holds the stop (and so
    ``chrono run --until``) for the whole grace period."""
    return [
        f"Stay stop-aware, or {stop} waits the whole grace period:",
        "  async for t in cooperative_every(ctx, period): ...  # chrono_daemon.recipes",
        "  with ctx.cancel_on_stop(): await ctx.clock.sleep(dt)",
        "  if ctx.stopping: return",
    ]


def _select_comment(d: DaemonDef) -> list[str]:
    """How a ``run`` daemon reads several stream inputs: one ``async for`` starves the rest."""
    names = ", ".join(f"self.{p.name}" for p in d.stream_inputs)
    return [
        "Several stream inputs: an async for on one starves the others; take the first ready",
        "(msg is their union: branch on i; EndOfStream once every input is closed):",
        *_wrap(f"  i, msg = await select({names})  # chrono_daemon.recipes", None),
    ]


def _hooks(d: DaemonDef, stem: str) -> tuple[str, ...]:
    ctx = ["self", "ctx: Context"]
    if d.kind == "periodic":
        return (_def_head("step", [*ctx, "t: float"], "None", _INDENT),)
    if d.kind == "reactive":
        return tuple(
            _def_head(f"on_{p.name}", [*ctx, f"msg: {annotation(p.type, stem)}"], "None", _INDENT)
            for p in d.stream_inputs
        )
    return (_def_head("run", ctx, "None", _INDENT),)


def _class(d: DaemonDef, stem: str, name: str) -> ScaffoldClass:
    comments = _kind_comment(d)
    selected = d.kind == "run" and len(d.stream_inputs) > 1
    if selected:
        comments += _select_comment(d)
    if d.inputs:
        comments.append("Inputs:")
        for p in d.inputs:
            comments += _port_comment(p, stem, handler=d.kind == "reactive", selected=selected)
    if d.outputs:
        comments.append("Outputs:")
        for p in d.outputs:
            comments += _port_comment(p, stem, handler=False)
    if d.params:
        comments += _wrap(f"Params (self.params: {d.params_name}):", None)
        for f in d.params:
            comments += _param_comment(f, stem)
    doc = d.doc if d.doc is not None else f"Implementation of daemon {d.name}."
    return ScaffoldClass(
        daemon=d.name,
        name=name,
        base=d.class_name,
        doc=docstring(doc, _INDENT),
        comments=tuple(comment_text(c) for c in comments),
        hooks=_hooks(d, stem),
    )


def _harness_class(graph: GraphDef, stem: str, name: str) -> ScaffoldClass:
    comments = _wrap(
        "The harness drives the graph from outside: chrono run hosts it next to the graph "
        "(in the boundary process when split). Return, or let an output's EndOfStream "
        "escape, when done; the graph inputs are then closed.",
        None,
    )
    comments += _stop_aware("the stop (and chrono run --until)")
    if graph.inputs:
        comments.append("Graph inputs (send on them):")
        for g in graph.inputs:
            t = annotation(g.type, stem)
            comments += _wrap(f"  self.inputs.{g.name}: SendStream[{t}]", g.doc)
    if graph.outputs:
        comments.append("Graph outputs (receive from them):")
        for g in graph.outputs:
            t = annotation(g.type, stem)
            comments += _wrap(f"  self.outputs.{g.name}: ReceiveStream[{t}]", g.doc)
    return ScaffoldClass(
        daemon="",
        name=name,
        base=graph.harness_name,
        doc=docstring(f"The harness of graph {stem}.", _INDENT),
        comments=tuple(comment_text(c) for c in comments),
        hooks=(_def_head("run", ["self", "ctx: Context"], "None", _INDENT),),
    )


def _types_used(d: DaemonDef) -> list[Port]:
    # Only reactive handlers spell message types in their signatures.
    return list(d.stream_inputs) if d.kind == "reactive" else []


def scaffold_view(
    module: Module, package: str, only: Sequence[str] | None = None, *, harness: bool = True
) -> ScaffoldView | None:
    """Plan the scaffold of ``module``'s graph (None for a types-only file).

    A graph with inputs or outputs also gets a subclass of its harness stub (unless
    ``harness`` is False: the module being completed has one already).

    ``package`` is the absolute import path of the generated package (``generated``). With
    ``only`` (daemon names), plan a module holding just those daemons' classes and no
    ``build_graph`` (for daemons added to a graph whose module already exists).
    """
    graph: GraphDef | None = module.graph
    if graph is None:
        return None
    stem = module.stem
    daemons = [d for d in graph.daemons if only is None or d.name in only]
    names = _Names()
    imports = _ImportSet(package)
    here = f"{package}.{stem}"
    names.reserve("Context")
    wiring = (graph.class_name, graph.params_name) if only is None else ()
    with_harness = harness and graph.has_boundary
    stubs = [*(d.class_name for d in daemons), *([graph.harness_name] if with_harness else [])]
    for cls in (*wiring, *stubs):
        imports.add(here, names.reserve(cls))
    for d in daemons:
        for p in _types_used(d):
            if uses_datetime(p.type):
                imports.plain.add(names.reserve("datetime"))
            for ref in named_refs(p.type):
                if ref.module == stem:
                    imports.add(here, names.reserve(ref.name))
                else:
                    imports.add(package, names.reserve(ref.module))
    # Message types the port comments mention but no signature needs (so they are not
    # imported, which ruff would flag as unused): say where to import them from.
    hint_here: set[str] = set()
    hint_modules: set[str] = set()
    for d in daemons:
        for p in (*d.inputs, *d.outputs):
            for ref in named_refs(p.type):
                if ref.module != stem:
                    hint_modules.add(ref.module)
                elif ref.name not in imports.names.get(here, set()):
                    hint_here.add(ref.name)
    hint_modules -= imports.names.get(package, set())
    hints = [f"from {here} import {', '.join(sort_names(hint_here))}"] if hint_here else []
    hints += [f"from {package} import {m}" for m in sorted(hint_modules)]
    build = names.fresh(BUILD_FUNCTION)
    classes = tuple(_class(d, stem, names.fresh(camel(d.name))) for d in daemons)
    if with_harness:
        classes += (_harness_class(graph, stem, names.fresh("Harness")),)
    if only is None:
        head = f"Started by `chrono scaffold` from {module.source_name}."
        doc = f"Implementations of the daemons of graph {stem} ({module.source_name})."
        imports.runtime.append(f"from chrono_daemon.tap import {names.reserve('EdgeTap')}")
        build_head = _def_head(
            build,
            [f"params: {graph.params_name} | None = None", "*", "tap: EdgeTap | None = None"],
            graph.class_name,
            0,
            keyword="def",
        )
    else:
        wired = ", ".join(f"{c.daemon}={c.name}" for c in classes if c.daemon)
        head = (
            f"Started by `chrono scaffold` from {module.source_name} for daemons added after "
            f"{stem}.py was written: move these classes there and pass {wired} to "
            f"{graph.class_name} in its {BUILD_FUNCTION}()."
        )
        doc = f"Implementations of daemons added to graph {stem} ({module.source_name})."
        build_head = ""
    header = textwrap.wrap(
        f"{head} This file is yours to edit: chrono never overwrites it. After a schema "
        f"change, compare with {here}.daemons.",
        LINE_LIMIT - 2,
        break_on_hyphens=False,
    )
    if hints:
        header.append("The message types below come from:")
        for hint in hints:
            header += textwrap.wrap(
                hint, LINE_LIMIT - 4, initial_indent="  ", subsequent_indent="    "
            )
    return ScaffoldView(
        header=tuple(header),
        module_doc=docstring(doc, 0),
        imports=imports.render(),
        classes=classes,
        build_name=build,
        build_head=build_head,
        graph_class=graph.class_name,
        params_class=graph.params_name,
    )


def implemented_stubs(source: str) -> set[str] | None:
    """Base-class names of every class in ``source`` (``X`` and ``pkg.X`` both give ``X``).

    None when ``source`` does not parse: then nothing can be said about what it implements.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    bases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                if isinstance(base, ast.Name):
                    bases.add(base.id)
                elif isinstance(base, ast.Attribute):
                    bases.add(base.attr)
    return bases


@dataclass
class ScaffoldPlan:
    """The files to create under IMPL and, per file, a note for the user (may be empty)."""

    files: dict[PurePosixPath, str] = field(default_factory=dict)
    notes: dict[PurePosixPath, str] = field(default_factory=dict)


def plan_scaffold(pkg: Package, package: str, impl_dir: Path) -> ScaffoldPlan:
    """``render_scaffold``, plus a module per graph for daemons its existing module lacks.

    When ``IMPL/<stem>.py`` already exists (a regular file, not a symlink) and parses, every
    daemon whose stub class no class in it subclasses gets ``IMPL/<stem>_<daemon>.py`` (one
    module for all such daemons is named after the first). Reads IMPL; writes nothing.
    """
    template = _environment().get_template("scaffold.py.jinja")
    plan = ScaffoldPlan(render_scaffold(pkg, package))
    for module in pkg.modules:
        rel = PurePosixPath(f"{module.stem}.py")
        path = impl_dir / rel
        if module.graph is None or path.is_symlink() or not path.is_file():
            continue
        try:
            bases = implemented_stubs(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        if bases is None:
            plan.notes[rel] = "does not parse, so chrono cannot tell which daemons it implements"
            continue
        missing = [d.name for d in module.graph.daemons if d.class_name not in bases]
        harness = module.graph.has_boundary and module.graph.harness_name not in bases
        view = None
        if missing or harness:
            view = scaffold_view(module, package, only=missing, harness=harness)
        if view is not None:
            new = PurePosixPath(f"{module.stem}_{missing[0] if missing else 'harness'}.py")
            plan.files[new] = template.render(view=view)
            if missing:
                nor = ", nor the harness" if harness else ""
                note = (
                    f"daemons not implemented in {rel}: {', '.join(missing)}{nor}; move the "
                    f"classes there and pass them to {module.graph.class_name} in "
                    f"{BUILD_FUNCTION}()"
                )
            else:
                note = f"the harness is not implemented in {rel}; move the class there"
            plan.notes[new] = note
    return plan


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Python source, not HTML: every value goes through a filter instead
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["ident"] = ident
    env.filters["comment"] = comment_text
    return env


def render_scaffold(pkg: Package, package: str) -> dict[PurePosixPath, str]:
    """Render ``<stem>.py`` for every graph of ``pkg`` (pure: no I/O).

    Raises ``ValueError`` when ``package`` is not a dotted module path (see
    ``check_package_path``; the CLI checks first and reports it as a usage error).
    """
    problem = check_package_path(package)
    if problem is not None:
        raise ValueError(problem)
    template = _environment().get_template("scaffold.py.jinja")
    out: dict[PurePosixPath, str] = {}
    for module in pkg.modules:
        view = scaffold_view(module, package)
        if view is not None:
            out[PurePosixPath(f"{module.stem}.py")] = template.render(view=view)
    return out


@dataclass
class ScaffoldReport:
    """What ``write_scaffold`` did: files created, files skipped (with why), and failures."""

    created: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _create(path: Path, text: str) -> str | None:
    """Create ``path`` exclusively; return why it was skipped, or None when written."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        return "is a symlink; not followed" if path.is_symlink() else "exists; left unchanged"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symlink; not followed"
        raise
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return None


def write_scaffold(files: Mapping[PurePosixPath, str], impl_dir: Path) -> ScaffoldReport:
    """Create each file under ``impl_dir`` unless something already exists at its path.

    ``impl_dir`` is created when missing. An existing file, directory or symlink at a target
    path is never written through: it is reported in ``skipped``. I/O failures (no permission,
    ``impl_dir`` is a file) are reported in ``failed``; nothing raises for them.
    """
    report = ScaffoldReport()
    try:
        impl_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        report.failed.append((impl_dir, f"cannot create directory: {exc.strerror or exc}"))
        return report
    for rel in sorted(files):
        path = impl_dir / rel
        try:
            reason = _create(path, files[rel])
        except OSError as exc:
            report.failed.append((path, f"cannot write: {exc.strerror or exc}"))
            continue
        if reason is None:
            report.created.append(path)
        else:
            report.skipped.append((path, reason))
    return report
