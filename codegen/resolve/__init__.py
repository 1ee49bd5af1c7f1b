"""Stage 2 of the pipeline: raw files -> the resolved ``Package`` (SPEC §3.5, §4.1).

``resolve(files)`` runs every rule on every file and returns all errors at once, sorted by
(file, line, column); the package is None when any error (not warning) was found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import SchemaError, sort_errors
from ..model import (
    DaemonDef,
    EnumDef,
    GraphDef,
    GraphPort,
    MessageDef,
    Module,
    Package,
    ProcessDef,
    TypeExpr,
    UnionOf,
    Wire,
    named_refs,
)
from ..naming import (
    IMPORTED_NAMES,
    channel_aliases,
    check_identifier,
    daemon_class,
    daemon_params,
    graph_names,
)
from .context import FileContext
from .declarations import (
    Env,
    resolve_daemon,
    resolve_enum,
    resolve_graph_port,
    resolve_message,
)
from .graph import resolve_edges
from .names import Namespace
from .processes import resolve_processes
from .types import Scope

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from ..load import RawFile
    from ..load.positions import KeyPath

__all__ = ("ResolveResult", "resolve")


@dataclass(frozen=True)
class ResolveResult:
    """The package (None on any error) and every error and warning, sorted."""

    package: Package | None
    errors: list[SchemaError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem has severity ``"error"``."""
        return not any(e.severity == "error" for e in self.errors)


def resolve(files: Sequence[RawFile]) -> ResolveResult:
    """Resolve every file against the others; see the module docstring."""
    errors: list[SchemaError] = []
    files = sorted(files, key=lambda f: f.stem)
    errors += _check_stems(files)
    modules_scope: dict[str, dict[str, str]] = {}
    enum_values: dict[tuple[str, str], tuple[str, ...]] = {}
    for f in files:
        names: dict[str, str] = {n: k for k, n in f.declared if k in ("enum", "message")}
        for name, raw_enum in f.schema.enums.items():
            enum_values[(f.stem, name)] = tuple(raw_enum.values)
        modules_scope[f.stem] = names
    resolved: list[Module] = []
    deps: dict[str, dict[str, tuple[FileContext, KeyPath]]] = {}
    for f in files:
        ctx = FileContext(f)
        env = Env(
            scope=Scope(f.stem, modules_scope),
            enum_values=enum_values,
            # A field may be called `type`: no class body of generated code uses the builtin.
            reserved=(IMPORTED_NAMES - {"type"}) | frozenset(modules_scope[f.stem]),
            stems={},
        )
        module = _resolve_file(ctx, env)
        deps[f.stem] = {stem: (ctx, key) for stem, key in env.stems.items()}
        errors += ctx.errors
        if module is not None:
            resolved.append(module)
    errors += _check_import_cycles(deps)
    errors = sort_errors(errors)
    ok = not any(e.severity == "error" for e in errors)
    return ResolveResult(Package(tuple(resolved)) if ok else None, errors)


def _check_stems(files: Sequence[RawFile]) -> list[SchemaError]:
    errors: list[SchemaError] = []
    seen: dict[str, str] = {}
    for f in files:
        problem = check_identifier(f.stem)
        if problem is not None:
            errors.append(
                SchemaError(
                    f.path,
                    0,
                    0,
                    f"file name {f.name!r} does not give a valid module name: {f.stem!r} "
                    f"{problem}; rename the file",
                )
            )
        elif f.stem in IMPORTED_NAMES:
            errors.append(
                SchemaError(
                    f.path,
                    0,
                    0,
                    f"file name {f.name!r} would make a module {f.stem!r} that shadows a name "
                    "generated code imports; rename the file",
                )
            )
        folded = f.stem.casefold()
        if folded in seen:
            errors.append(
                SchemaError(
                    f.path,
                    0,
                    0,
                    f"{f.name!r} and {seen[folded]!r} differ only in letter case, which "
                    "collides on case-insensitive file systems; rename one of them",
                )
            )
        else:
            seen[folded] = f.name
    return errors


def _resolve_file(ctx: FileContext, env: Env) -> Module | None:
    raw = ctx.raw
    schema = raw.schema
    ns = Namespace()
    enums: list[EnumDef] = []
    for name, raw_enum in schema.enums.items():
        ns.add(ctx, name, f"enum {name!r}", ("enums", name))
        e = resolve_enum(ctx, name, raw_enum)
        if e is not None:
            enums.append(e)
    messages: list[MessageDef] = []
    for name, raw_message in schema.messages.items():
        key: KeyPath = ("messages", name)
        ns.add(ctx, name, f"message {name!r}", key)
        for alias in channel_aliases(name):
            ns.add(ctx, alias, f"channel alias {alias!r} of message {name!r}", key)
        m = resolve_message(ctx, env, name, raw_message)
        if m is not None and not raw.lost_in(key):  # checked, but incomplete: keep it out
            messages.append(m)
    daemons: list[DaemonDef] = []
    for name, raw_daemon in schema.daemons.items():
        key = ("daemons", name)
        d = resolve_daemon(ctx, env, name, raw_daemon)
        if d is not None and not raw.lost_in(key):  # edges to it are then skipped (broken)
            daemons.append(d)
        if check_identifier(name) is None:
            cls, params = daemon_class(name), daemon_params(name)
            ns.add(ctx, cls, f"stub class {cls!r} of daemon {name!r}", key)
            ns.add(ctx, params, f"params Struct {params!r} of daemon {name!r}", key)
    graph: GraphDef | None = None
    has_graph = schema.graph is not None or bool(schema.daemons)
    if has_graph:
        graph = _resolve_graph(ctx, env, ns, daemons)
    elif schema.processes:
        ctx.error(
            ("processes",),
            "[processes] places the daemons of a graph, but this file declares none; add "
            "[daemons] or remove [processes]",
        )
    for stem, key in env.stems.items():
        ns.add(ctx, stem, f"module {stem!r} (imported for its types)", key)
    ns.report(ctx)
    _check_field_shadowing(ctx, env, messages, daemons)
    _check_code_shadowing(ctx, ns, daemons)
    messages = _order_messages(ctx, messages)
    messages = _tag_unions(ctx, messages, daemons, graph)
    if any(e.severity == "error" for e in ctx.errors):
        return None
    return Module(
        stem=raw.stem,
        source_name=raw.name,
        source_sha256=raw.sha256,
        doc=None if graph is None else graph.doc,
        enums=tuple(enums),
        messages=tuple(messages),
        graph=graph,
        imports=tuple(sorted(env.stems)),
    )


def _resolve_graph(ctx: FileContext, env: Env, ns: Namespace, daemons: list[DaemonDef]) -> GraphDef:
    raw = ctx.raw
    schema = raw.schema
    names = graph_names(raw.stem)
    gkey: KeyPath = ("graph",) if schema.graph is not None else ("daemons",)
    for name in names.values():
        ns.add(ctx, name, f"generated graph class {name!r}", gkey)
    inputs: list[GraphPort] = []
    outputs: list[GraphPort] = []
    if schema.graph is not None:
        for pname, spec in schema.graph.inputs.items():
            p = resolve_graph_port(ctx, env, "inputs", pname, spec)
            if p is not None:
                inputs.append(p)
        for pname, spec in schema.graph.outputs.items():
            p = resolve_graph_port(ctx, env, "outputs", pname, spec)
            if p is not None:
                outputs.append(p)
    seen_classes: dict[str, DaemonDef] = {}
    for d in daemons:
        other = seen_classes.get(d.class_name)
        if other is not None:
            ctx.error(
                ("daemons", d.name),
                f"daemons {other.name!r} (line {other.loc.line}) and {d.name!r} both generate "
                f"the class {d.class_name!r}; rename one of them",
            )
        seen_classes[d.class_name] = d
    edges = list(zip(raw.edge_index, schema.edges, strict=True))
    declared = {name for kind, name in raw.declared if kind == "daemon"}
    broken = declared - {d.name for d in daemons}
    if schema.graph is not None:
        broken |= {f"in.{n}" for n in schema.graph.inputs} - {f"in.{p.name}" for p in inputs}
        broken |= {f"out.{n}" for n in schema.graph.outputs} - {f"out.{p.name}" for p in outputs}
    for path in raw.lost:  # graph ports that failed to decode, or all of them ("in", "out")
        if path[:1] == ("graph",):
            for side, head in (("inputs", "in"), ("outputs", "out")):
                if path[1:2] in ((), (side,)):
                    broken.add(f"{head}.{path[2]}" if len(path) > 2 else head)
    links, tees, merges = resolve_edges(
        ctx,
        raw.stem,
        edges,
        daemons,
        inputs,
        outputs,
        broken=frozenset(broken),
        declared=frozenset(declared),
        check_connected=raw.clean and not broken,
    )
    processes: tuple[ProcessDef, ...] = ()
    wires: tuple[Wire, ...] = ()
    if schema.processes:
        processes, wires = resolve_processes(
            ctx,
            raw.stem,
            schema.processes,
            daemons,
            declared,
            links,
            has_boundary=bool(inputs or outputs)
            or bool(schema.graph and (schema.graph.inputs or schema.graph.outputs)),
            ns=ns,
        )
    return GraphDef(
        class_name=names["graph"],
        params_name=names["params"],
        inputs_name=names["inputs"],
        outputs_name=names["outputs"],
        daemons_name=names["daemons"],
        doc=schema.graph.doc if schema.graph is not None else None,
        inputs=tuple(inputs),
        outputs=tuple(outputs),
        daemons=tuple(daemons),
        links=links,
        tees=tees,
        merges=merges,
        harness_name=names["harness"],
        processes=processes,
        wires=wires,
    )


def _check_field_shadowing(
    ctx: FileContext, env: Env, messages: list[MessageDef], daemons: list[DaemonDef]
) -> None:
    """A field named like an imported module would shadow it inside the class body."""
    fields = [f for m in messages for f in m.fields] + [f for d in daemons for f in d.params]
    for f in fields:
        if f.name in env.stems:
            ctx.errors.append(
                SchemaError(
                    f.loc.path,
                    f.loc.line,
                    f.loc.col,
                    f"field {f.name!r} shadows the module {f.name!r} that this file imports "
                    "types from; rename the field",
                )
            )


def _check_code_shadowing(ctx: FileContext, ns: Namespace, daemons: list[DaemonDef]) -> None:
    """Daemon and port names become parameters of generated constructors: inside those
    bodies they would hide the classes and helpers the generated code calls."""
    taken = ns.names() | IMPORTED_NAMES
    for d in daemons:
        if d.name in taken:
            ctx.error(
                ("daemons", d.name),
                f"daemon name {d.name!r} would shadow the name {d.name!r} inside the generated "
                "graph constructor; rename the daemon",
            )
        for p in (*d.inputs, *d.outputs):
            if p.name in taken:
                side = "inputs" if p.direction == "input" else "outputs"
                ctx.error(
                    ("daemons", d.name, side, p.name),
                    f"{p.direction} {p.name!r} of daemon {d.name!r} would shadow the name "
                    f"{p.name!r} inside the generated stub constructor; rename the port",
                )


def _local_messages(t: TypeExpr, stem: str) -> Iterator[str]:
    for ref in named_refs(t):
        if ref.module == stem and ref.kind == "message":
            yield ref.name


def _order_messages(ctx: FileContext, messages: list[MessageDef]) -> list[MessageDef]:
    """Dependencies first (no forward references), schema order otherwise; refuse recursion."""
    by_name = {m.name: m for m in messages}
    stem = ctx.raw.stem
    order: list[MessageDef] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(m: MessageDef, chain: list[str]) -> None:
        state[m.name] = 1
        for f in m.fields:
            for dep in _local_messages(f.type, stem):
                if state.get(dep) == 1:
                    cycle = " -> ".join([*chain[chain.index(dep) :], dep])
                    ctx.error(
                        ("messages", m.name, "fields", f.name),
                        f"recursive message types are not supported: {cycle}",
                    )
                elif dep in by_name and dep not in state:
                    visit(by_name[dep], [*chain, dep])
        state[m.name] = 2
        order.append(m)

    for m in messages:
        if m.name not in state:
            visit(m, [m.name])
    return order


def _unions_in(t: TypeExpr) -> Iterator[UnionOf]:
    if isinstance(t, UnionOf):
        yield t
    for attr in ("item", "value", "inner"):
        sub = getattr(t, attr, None)
        if sub is not None:
            yield from _unions_in(sub)


def _tag_unions(
    ctx: FileContext, messages: list[MessageDef], daemons: list[DaemonDef], graph: GraphDef | None
) -> list[MessageDef]:
    """Tag every message used in a union (msgspec needs tags to tell members apart)."""
    types: list[TypeExpr] = [f.type for m in messages for f in m.fields]
    for d in daemons:
        types += [p.type for p in (*d.inputs, *d.outputs)] + [f.type for f in d.params]
    if graph is not None:
        types += [p.type for p in (*graph.inputs, *graph.outputs)]
    tagged: set[str] = set()
    for t in types:
        for u in _unions_in(t):
            tagged.update(m.name for m in u.members)
    out: list[MessageDef] = []
    for m in messages:
        if m.name in tagged:
            for f in m.fields:
                if f.name == "type":
                    ctx.error(
                        ("messages", m.name, "fields", f.name),
                        f"message {m.name!r} is used in a union, so its encoding carries a tag "
                        "field 'type'; rename this field",
                    )
            m = MessageDef(m.name, m.doc, m.fields, tagged=True, loc=m.loc)
        out.append(m)
    return out


def _check_import_cycles(
    deps: dict[str, dict[str, tuple[FileContext, KeyPath]]],
) -> list[SchemaError]:
    errors: list[SchemaError] = []
    reported: set[frozenset[str]] = set()
    for start in sorted(deps):
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        visited: set[str] = set()
        while stack:
            node, path = stack.pop()
            for nxt in sorted(deps.get(node, {})):
                if nxt == start:
                    members = frozenset(path)
                    if members in reported:
                        continue
                    reported.add(members)
                    chain = " -> ".join(f"{s}.toml" for s in [*path, start])
                    for a, b in zip(path, [*path[1:], start], strict=True):
                        ctx, key = deps[a][b]
                        line, col = ctx.raw.positions.locate(key)
                        errors.append(
                            SchemaError(
                                ctx.raw.path,
                                line,
                                col,
                                f"import cycle between schema files: {chain}; move the shared "
                                "types into a file that neither imports",
                            )
                        )
                elif nxt not in visited:
                    visited.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    return errors
