"""Resolve declarations: enums, messages and their fields, daemons with ports and params."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import msgspec

from ..load.raw import RawDaemon, RawEnum, RawField, RawInput, RawMessage, RawOutput
from ..model import DaemonDef, EnumDef, Field, GraphPort, Lit, MessageDef, OptionalOf, Port
from ..naming import GRAPH_MEMBERS, STUB_MEMBERS, daemon_class, daemon_params, handler
from .defaults import check_constraints, check_default, check_value_constraints
from .names import ENUM_RESERVED, check_name
from .types import Scope, TypeProblem, parse_type

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..load.positions import KeyPath
    from ..load.raw import FieldSpec, RawGraphPort
    from ..model import TypeExpr
    from .context import FileContext

__all__ = (
    "Env",
    "resolve_daemon",
    "resolve_enum",
    "resolve_field",
    "resolve_graph_port",
    "resolve_message",
    "resolve_type",
)

_CONSTRAINTS = ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern")


@dataclass(frozen=True)
class Env:
    """What rules need beyond the file: the type scope, every enum's values, reserved names.

    ``stems`` collects the other files this file refers to (stem -> key of first use);
    ``types`` caches each type string that bound (a file repeats a few strings many times).
    """

    scope: Scope
    enum_values: Mapping[tuple[str, str], tuple[str, ...]]
    reserved: frozenset[str]
    stems: dict[str, KeyPath]
    types: dict[str, tuple[TypeExpr, frozenset[str]]] = field(default_factory=dict)


def resolve_type(ctx: FileContext, env: Env, text: str, key: KeyPath) -> TypeExpr | None:
    """Parse and bind a type string, reporting problems at ``key``."""
    bound = env.types.get(text)
    if bound is None:
        try:
            bound = parse_type(text, env.scope)
        except TypeProblem as exc:
            ctx.error(key, str(exc))
            return None
        env.types[text] = bound
    t, stems = bound
    for stem in sorted(stems):
        env.stems.setdefault(stem, key)
    return t


def resolve_enum(ctx: FileContext, name: str, raw: RawEnum) -> EnumDef | None:
    """An enum: every value must be usable as a member name (all problems reported)."""
    key: KeyPath = ("enums", name)
    ok = check_name(ctx, key, "enum", name)
    seen: set[str] = set()
    for n, value in enumerate(raw.values):
        vkey: KeyPath = (*key, "values", n)
        if value in seen:
            ctx.error(vkey, f"duplicate value {value!r} in enum {name!r}")
            ok = False
            continue
        seen.add(value)
        if not check_name(ctx, vkey, f"value of enum {name!r}:", value):
            ok = False
        elif value in ENUM_RESERVED:
            ctx.error(vkey, f"enum value {value!r} is reserved by enum.Enum; rename it")
            ok = False
    if not raw.values:
        ctx.error(key, f"enum {name!r} needs at least one value")
        ok = False
    return EnumDef(name, raw.doc, tuple(raw.values), ctx.loc(key)) if ok else None


def resolve_field(
    ctx: FileContext, env: Env, key: KeyPath, what: str, name: str, spec: FieldSpec
) -> Field | None:
    """A message field or daemon param: name, type, default and constraints."""
    ok = check_name(ctx, key, what, name)
    if ok and name in env.reserved:
        ctx.error(
            key,
            f"{what} {name!r} shadows the name {name!r} that generated code uses in this "
            "module; rename it",
        )
        ok = False
    raw = spec if isinstance(spec, RawField) else RawField(type=spec)
    type_key = (*key, "type") if isinstance(spec, RawField) else key
    t = resolve_type(ctx, env, raw.type, type_key)
    if t is None:
        return None
    constraints = {k: getattr(raw, k) for k in _CONSTRAINTS}
    problems = check_constraints(t, constraints)
    for ckey, message in problems:
        ctx.error((*key, ckey), f"{what} {name!r}: {message}")
    default = None
    if raw.default is not msgspec.UNSET:
        try:
            default = check_default(raw.default, t, env.enum_values)
        except TypeProblem as exc:
            ctx.error((*key, "default"), f"bad default for {what} {name!r}: {exc}")
            return None
        if not problems:
            broken = check_value_constraints(default, constraints)
            if broken is not None:
                ctx.error((*key, "default"), f"bad default for {what} {name!r}: {broken}")
                return None
    elif isinstance(t, OptionalOf):
        default = Lit(None)
    if not ok or problems:
        return None
    return Field(name=name, type=t, doc=raw.doc, default=default, loc=ctx.loc(key), **constraints)


def resolve_message(ctx: FileContext, env: Env, name: str, raw: RawMessage) -> MessageDef | None:
    """A message: its name and every field (tagging is decided later, from the unions)."""
    key: KeyPath = ("messages", name)
    ok = check_name(ctx, key, "message", name)
    fields: list[Field] = []
    for fname, spec in raw.fields.items():
        f = resolve_field(ctx, env, (*key, "fields", fname), "field", fname, spec)
        if f is None:
            ok = False
        else:
            fields.append(f)
    if not ok:
        return None
    return MessageDef(name, raw.doc, tuple(fields), tagged=False, loc=ctx.loc(key))


def resolve_graph_port(
    ctx: FileContext, env: Env, side: str, name: str, spec: str | RawGraphPort
) -> GraphPort | None:
    """A graph boundary port (``[graph] inputs.obs = "Obs"``)."""
    key: KeyPath = ("graph", side, name)
    ok = check_name(ctx, key, f"graph {side[:-1]}", name)
    text, doc = (spec, None) if isinstance(spec, str) else (spec.type, spec.doc)
    t = resolve_type(ctx, env, text, key if isinstance(spec, str) else (*key, "type"))
    if t is None or not ok:
        return None
    return GraphPort(name, t, doc, ctx.loc(key))


def _port(
    ctx: FileContext,
    env: Env,
    daemon: str,
    direction: str,
    name: str,
    spec: str | RawInput | RawOutput,
) -> Port | None:
    side = "inputs" if direction == "input" else "outputs"
    key: KeyPath = ("daemons", daemon, side, name)
    ok = check_name(ctx, key, direction, name)
    if ok and name in STUB_MEMBERS:
        ctx.error(
            key,
            f"{direction} {name!r} of daemon {daemon!r} would shadow the stub member "
            f"{name!r}; rename the port",
        )
        ok = False
    text = spec if isinstance(spec, str) else spec.type
    t = resolve_type(ctx, env, text, key if isinstance(spec, str) else (*key, "type"))
    if t is None or not ok:
        return None
    doc = None if isinstance(spec, str) else spec.doc
    latest = isinstance(spec, RawInput) and spec.read == "latest"
    allow = not isinstance(spec, str) and spec.unconnected == "allow"
    return Port(name, t, doc, direction, latest, allow, ctx.loc(key))  # type: ignore[arg-type]


def resolve_daemon(ctx: FileContext, env: Env, name: str, raw: RawDaemon) -> DaemonDef | None:
    """A daemon: kind and rate, ports (no shadowing of stub members), params."""
    key: KeyPath = ("daemons", name)
    ok = check_name(ctx, key, "daemon", name)
    if ok and name == "out":
        ctx.error(key, "daemon name 'out' is reserved: 'out.NAME' names graph outputs")
        ok = False
    elif ok and name in GRAPH_MEMBERS:
        ctx.error(
            key,
            f"daemon name {name!r} collides with the graph's own {name!r} (a constructor "
            "argument or attribute of the generated graph); rename the daemon",
        )
        ok = False
    rate = raw.rate_hz
    if raw.kind == "periodic":
        if rate is None:
            ctx.error(key, f"periodic daemon {name!r} needs rate_hz (calls per second)")
        elif not (math.isfinite(rate) and rate > 0):
            ctx.error((*key, "rate_hz"), f"rate_hz must be a positive finite number, got {rate}")
    elif rate is not None:
        ctx.error(
            (*key, "rate_hz"),
            f"rate_hz only applies to periodic daemons; daemon {name!r} is kind {raw.kind!r}",
        )
    inputs = [_port(ctx, env, name, "input", p, s) for p, s in raw.inputs.items()]
    outputs = [_port(ctx, env, name, "output", p, s) for p, s in raw.outputs.items()]
    for out in raw.outputs:
        if out in raw.inputs:
            ctx.error(
                (*key, "outputs", out),
                f"daemon {name!r} has an input and an output named {out!r}",
            )
            ok = False
    for par in raw.params:
        if par in raw.inputs or par in raw.outputs:
            ctx.error(
                (*key, "params", par),
                f"param {par!r} of daemon {name!r} collides with its port {par!r}",
            )
            ok = False
    if raw.kind == "reactive":
        streams = [p for p in inputs if p is not None and not p.latest]
        lost = ctx.raw.lost_in((*key, "inputs"))  # a lost input may have been the stream
        if not streams and not lost and all(p is not None for p in inputs):
            ctx.error(key, f"reactive daemon {name!r} needs at least one input read as a stream")
            ok = False
        ports = set(raw.inputs) | set(raw.outputs)
        for stream in streams:
            hook = handler(stream.name)
            if hook in STUB_MEMBERS or hook in ports:
                ctx.error(
                    ("daemons", name, "inputs", stream.name),
                    f"reactive input {stream.name!r} would get the handler {hook!r}, which "
                    f"{'is a Daemon member' if hook in STUB_MEMBERS else 'is also a port'}; "
                    "rename the input",
                )
                ok = False
    params = [
        resolve_field(ctx, env, (*key, "params", p), "param", p, s) for p, s in raw.params.items()
    ]
    # A bad param or rate is reported already and does not touch the ports: the daemon stays in
    # the model so edges to it are still checked (no error hides an unrelated one).
    if not ok or None in inputs or None in outputs:
        return None
    return DaemonDef(
        name=name,
        class_name=daemon_class(name),
        params_name=daemon_params(name),
        kind=raw.kind,
        rate_hz=None if rate is None else float(rate),
        doc=raw.doc,
        inputs=tuple(p for p in inputs if p is not None),
        outputs=tuple(p for p in outputs if p is not None),
        params=tuple(p for p in params if p is not None),
        loc=ctx.loc(key),
    )
