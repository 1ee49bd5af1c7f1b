"""Python source fragments computed from the model: annotations, struct fields, defaults."""

from __future__ import annotations

import datetime

from ..model import (
    DictLit,
    DictOf,
    EnumLit,
    Field,
    ListOf,
    Lit,
    Named,
    OptionalOf,
    Prim,
    SeqLit,
    TupleOf,
    TypeExpr,
    Value,
)
from .filters import LINE_LIMIT, ident, pystr, pystr_chunks, pyvalue

__all__ = ("annotation", "default_source", "field_source", "uses_datetime")


def annotation(t: TypeExpr, stem: str) -> str:
    """The type as written in module ``stem`` (foreign types are ``other.Name``)."""
    if isinstance(t, Prim):
        return "datetime.datetime" if t.name == "datetime" else t.name
    if isinstance(t, Named):
        return ident(t.name) if t.module == stem else f"{ident(t.module)}.{ident(t.name)}"
    if isinstance(t, ListOf):
        return f"list[{annotation(t.item, stem)}]"
    if isinstance(t, TupleOf):
        return f"tuple[{annotation(t.item, stem)}, ...]"
    if isinstance(t, DictOf):
        return f"dict[str, {annotation(t.value, stem)}]"
    if isinstance(t, OptionalOf):
        return f"{annotation(t.inner, stem)} | None"
    return " | ".join(annotation(m, stem) for m in t.members)


def uses_datetime(t: TypeExpr) -> bool:
    """True when ``t`` mentions ``datetime``."""
    if isinstance(t, Prim):
        return t.name == "datetime"
    if isinstance(t, ListOf | TupleOf):
        return uses_datetime(t.item)
    if isinstance(t, DictOf):
        return uses_datetime(t.value)
    if isinstance(t, OptionalOf):
        return uses_datetime(t.inner)
    return False


def _value(value: Value, stem: str) -> str:
    if isinstance(value, EnumLit) and value.enum.module != stem:
        return f"{ident(value.enum.module)}.{pyvalue(value)}"
    if isinstance(value, SeqLit):
        items = ", ".join(_value(v, stem) for v in value.items)
        if value.kind == "list":
            return f"[{items}]"
        return f"({items},)" if len(value.items) == 1 else f"({items})"
    if isinstance(value, DictLit):
        items = ", ".join(f"{pystr(k)}: {_value(v, stem)}" for k, v in value.items)
        return f"{{{items}}}"
    return pyvalue(value)


def default_source(value: Value | None, stem: str) -> str:
    """`` = <default>`` for a struct field (empty when required)."""
    if value is None:
        return ""
    if isinstance(value, SeqLit) and value.kind == "list":
        if not value.items:
            return " = msgspec.field(default_factory=list)"
        return f" = msgspec.field(default_factory=lambda: {_value(value, stem)})"
    if isinstance(value, DictLit):
        if not value.items:
            return " = msgspec.field(default_factory=dict)"
        return f" = msgspec.field(default_factory=lambda: {_value(value, stem)})"
    return f" = {_value(value, stem)}"


def _meta_args(f: Field) -> list[tuple[str, str]]:
    args: list[tuple[str, str]] = []
    for key in ("ge", "gt", "le", "lt", "min_length", "max_length"):
        v = getattr(f, key)
        if v is not None:
            args.append((key, pyvalue(Lit(v))))
    if f.pattern is not None:
        args.append(("pattern", pystr(f.pattern)))
    if f.doc is not None:
        args.append(("description", pystr(f.doc)))
    return args


def field_source(f: Field, stem: str) -> str:
    """One struct field, indented by 4, wrapped when longer than the line limit."""
    name = ident(f.name)
    optional = isinstance(f.type, OptionalOf)
    core = f.type.inner if isinstance(f.type, OptionalOf) else f.type
    default = default_source(f.default, stem)
    meta = _meta_args(f)
    suffix = " | None" if optional else ""
    if not meta:
        line = f"    {name}: {annotation(f.type, stem)}{default}"
        if len(line) <= LINE_LIMIT or not isinstance(f.default, Lit):
            return line
        return _long_default(f"    {name}: {annotation(f.type, stem)} = ", f.default)
    inline = ", ".join(f"{k}={v}" for k, v in meta)
    line = (
        f"    {name}: Annotated[{annotation(core, stem)}, msgspec.Meta({inline})]{suffix}{default}"
    )
    if len(line) <= LINE_LIMIT:
        return line
    lines = [
        f"    {name}: Annotated[",
        f"        {annotation(core, stem)},",
        "        msgspec.Meta(",
    ]
    for key, value in meta:
        one = f"            {key}={value},"
        if len(one) <= LINE_LIMIT:
            lines.append(one)
        else:
            raw = f.doc if key == "description" else f.pattern
            assert raw is not None
            lines.append(f"            {key}=(")
            lines += [f"                {c}" for c in pystr_chunks(raw, LINE_LIMIT - 24)]
            lines.append("            ),")
    lines.append("        ),")
    lines.append("    ]")
    if optional:  # ruff format's shape for a long ``X | None`` annotation
        lines = ["    " + line for line in lines]
        lines[0] = f"    {name}: (\n        Annotated["
        lines += ["        | None", "    )"]
    tail = lines.pop() + default
    if len(tail) > LINE_LIMIT and isinstance(f.default, Lit):
        return "\n".join(lines) + "\n" + _long_default(tail[: -len(default)] + " = ", f.default)
    lines.append(tail)
    return "\n".join(lines)


def _long_default(head: str, value: Lit) -> str:
    v = value.value
    if isinstance(v, datetime.datetime):
        parts = [str(p) for p in (v.year, v.month, v.day, v.hour, v.minute, v.second)]
        args = ", ".join([*parts, str(v.microsecond), "tzinfo=datetime.UTC"])
        return f"{head}datetime.datetime(\n        {args}\n    )"
    if not isinstance(v, str):
        return head + pyvalue(value)
    chunks = pystr_chunks(v, LINE_LIMIT - 16)
    body = "\n".join(f"        {c}" for c in chunks)
    return f"{head}(\n{body}\n    )"
