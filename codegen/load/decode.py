"""Decode parsed TOML into the ``raw`` Structs, one table entry at a time.

msgspec stops at the first error and reports dict values as ``$[...]`` (RELIABILITY "What msgspec
gives us"), so each entry of ``messages``, ``fields``, ``inputs``... is converted separately
with its own key path: all structural errors are collected and each names its full key path
and line.

An entry with a mistake is salvaged rather than dropped, so that its other mistakes, and those
the resolver would find in it, are reported in the same run (issue 15.6): every unknown key is
reported (msgspec names only the first) and left out, every optional key with a bad value is
reported and left out, and the rest is decoded again. Only a bad required key (a field's
``type``, an edge's ``to``) loses the entry, and its container records it in ``lost`` so that
the resolver does not report what follows from the loss (an edge to a port that failed to
decode, a graph input that "is not declared"). A key the user meant but that is missing from a
salvaged entry (the likely target of an unknown key, such as ``daemons`` for ``daemon``, or an
optional key whose bad value was left out) is recorded in ``lost`` too: a process that lost its
``daemons`` list does not also "host nothing".
"""

from __future__ import annotations

import re
import typing
from typing import Any, TypeVar

import msgspec

from ..errors import SchemaError
from ..suggest import did_you_mean, suggestions
from .raw import (
    FieldSpec,
    InputSpec,
    OutputSpec,
    RawDaemon,
    RawEdge,
    RawEnum,
    RawGraph,
    RawGraphPort,
    RawMessage,
    RawProcess,
    RawSchema,
)

if typing.TYPE_CHECKING:
    from collections.abc import Callable

    from .positions import KeyPath, Positions

__all__ = ("TOP_KEYS", "decode_schema", "dotted")

S = TypeVar("S", bound=msgspec.Struct)

_AT = re.compile(r" - at `(\$[^`]*)`$")
_SEGMENT = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
TOP_KEYS = ("graph", "messages", "enums", "daemons", "edges", "processes")
"""The top-level keys of a schema file."""
_KINDS = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "a boolean",
    "int | float": "a number",
    "int | float | null": "a number",
    "str | null": "a string",
    "object": "a table",
    "array": "an array",
    "str | object": "a type string or a table",
    "str | array": "a string or an array of strings",
    "datetime": "a date-time",
    "date": "a date",
    "time": "a time",
}


def dotted(path: KeyPath) -> str:
    """Render a key path the way a user writes it: ``edges[2].to``, ``messages.Obs.fields.t``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else repr(part)
            out += f".{text}" if out else text
    return out or "the top level"


def _kind_of(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"


class _Decoder:
    def __init__(self, path: str, positions: Positions) -> None:
        self.path = path
        self.positions = positions
        self.errors: list[SchemaError] = []
        self.lost: set[KeyPath] = set()

    def error(self, key: KeyPath, message: str) -> None:
        line, col = self.positions.locate(key)
        self.errors.append(SchemaError(self.path, line, col, message))

    def convert(self, value: object, tp: Any, key: KeyPath) -> Any:
        """``msgspec.convert`` with the error rephrased to name ``key`` and its line."""
        try:
            return msgspec.convert(value, tp)
        except msgspec.ValidationError as exc:
            self._report(str(exc), tp, key)
            return None

    def _report(self, text: str, tp: Any, key: KeyPath) -> None:
        sub: KeyPath = ()
        at = _AT.search(text)
        if at is not None:
            text = text[: at.start()]
            for name, index in _SEGMENT.findall(at.group(1)[1:]):
                sub = (*sub, int(index)) if index else (*sub, name)
        where = (*key, *sub)
        struct = _struct_in(tp)
        if m := re.fullmatch(r"Object contains unknown field `(.*)`", text):
            known = _field_names(struct) if struct is not None and not sub else ()
            self.error(
                (*where, m.group(1)),
                f"unknown key {m.group(1)!r} in {dotted(where)}{did_you_mean(m.group(1), known)}",
            )
        elif m := re.fullmatch(r"Object missing required field `(.*)`", text):
            self.error(where, f"missing required key {m.group(1)!r} in {dotted(where)}")
        elif m := re.fullmatch(r"Invalid enum value (.*)", text):
            choices = _choices(struct, sub)
            bad = m.group(1).strip("'")
            listed = ", ".join(repr(c) for c in choices)
            self.error(
                where,
                f"invalid value {m.group(1)} for {dotted(where)}: expected one of {listed}"
                f"{did_you_mean(bad, choices)}",
            )
        elif m := re.fullmatch(r"Expected `(.*)`, got `(.*)`", text):
            want = _KINDS.get(m.group(1), m.group(1))
            got = _KINDS.get(m.group(2), m.group(2))
            self.error(where, f"{dotted(where)} must be {want}, not {got}")
        else:
            self.error(where, f"{dotted(where)}: {text}")

    def table(self, value: object, key: KeyPath) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.error(key, f"{dotted(key)} must be a table, not {_kind_of(value)}")
        return None

    def salvage(self, value: object, tp: Any, key: KeyPath) -> Any:
        """Decode ``value`` as ``tp``, reporting every problem; None only when it is lost.

        For a table decoded into a Struct, unknown keys and optional keys with bad values are
        reported and left out (see the module docstring); anything else is ``convert``.
        """
        struct = _struct_in(tp)
        if struct is None or not isinstance(value, dict):
            return self.convert(value, tp, key)
        names = _field_names(struct)
        table: dict[str, Any] = {}
        lost: set[str] = set()  # keys the user meant: left out, or the likely target of a typo
        for name, item in value.items():
            if name in names:
                table[name] = item
            else:
                self.error(
                    (*key, name),
                    f"unknown key {name!r} in {dotted(key)}{did_you_mean(name, names)}",
                )
                lost.update(suggestions(name, names))
        damaged = len(table) < len(value)
        required = _required(struct)
        while True:
            _keep_consistent(struct, table, lost)
            try:
                decoded = msgspec.convert(table, struct)
            except msgspec.ValidationError as exc:
                text = str(exc)
            else:
                # what the user meant is missing: rules must not report what follows from that
                self.lost.update((*key, meant) for meant in lost - _INERT)
                return decoded
            bad = _top_key(text)
            if bad is None or bad not in table or bad in required:
                if not (damaged and _MISSING.fullmatch(text)):  # else it was left out above
                    self._report(text, struct, key)
                return None
            self._report(text, struct, key)
            del table[bad]
            lost.add(bad)
            damaged = True

    def struct(
        self, value: object, cls: type[S], key: KeyPath, nested: dict[str, Any] | None = None
    ) -> S | None:
        """Decode a table into ``cls``; each entry of a ``nested`` sub-table separately.

        A nested entry that is lost (or a nested sub-table that is not a table) is left out
        and recorded in ``lost``; the rest of the table is still decoded and returned.
        """
        table = self.table(value, key)
        if table is None:
            return None
        nested = nested or {}
        base = {k: v for k, v in table.items() if k not in nested}
        result: S | None = self.salvage(base, cls, key)
        updates: dict[str, dict[str, Any]] = {}
        for name, entry_type in nested.items():
            if name not in table:
                continue
            sub = self.table(table[name], (*key, name))
            if sub is None:
                self.lost.add((*key, name))
                continue
            entries = {}
            for entry_name, entry in sub.items():
                decoded = self.salvage(entry, entry_type, (*key, name, entry_name))
                if decoded is None:
                    self.lost.add((*key, name, entry_name))
                else:
                    entries[entry_name] = decoded
            updates[name] = entries
        if result is None:
            return None
        return msgspec.structs.replace(result, **updates)

    def entries(
        self, data: dict[str, Any], name: str, decode: Callable[[object, KeyPath], S | None]
    ) -> dict[str, S]:
        if name not in data:
            return {}
        table = self.table(data[name], (name,))
        if table is None:
            return {}
        out: dict[str, S] = {}
        for entry_name, entry in table.items():
            decoded = decode(entry, (name, entry_name))
            if decoded is not None:
                out[entry_name] = decoded
        return out


def _struct_in(tp: Any) -> type[msgspec.Struct] | None:
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return tp
    for arg in typing.get_args(tp):
        if isinstance(arg, type) and issubclass(arg, msgspec.Struct):
            return arg
    return None


def _field_names(struct: type[msgspec.Struct]) -> tuple[str, ...]:
    return tuple(f.encode_name for f in msgspec.structs.fields(struct))


def _required(struct: type[msgspec.Struct]) -> frozenset[str]:
    return frozenset(f.encode_name for f in msgspec.structs.fields(struct) if f.required)


_INERT = frozenset({"doc"})
"""Keys no rule reads: losing one does not make the rest of its table misleading."""

_MISSING = re.compile(r"Object missing required field `.*`")


def _top_key(text: str) -> str | None:
    """The key of the table that a msgspec message is about (``$.kind`` -> ``kind``)."""
    at = _AT.search(text)
    if at is None:
        return None
    first = _SEGMENT.match(at.group(1)[1:])
    return None if first is None else first.group(1)


def _keep_consistent(struct: type[msgspec.Struct], table: dict[str, Any], lost: set[str]) -> None:
    """Leave out what a rule would misread once a key the user meant (``lost``) is gone.

    A periodic daemon that lost its ``rate_hz`` would "need rate_hz", and a ``rate_hz`` whose
    daemon lost its ``kind`` would "only apply to periodic daemons"; likewise an edge's
    ``address`` and ``transport``. The table is in error already: nothing is generated from it.
    """
    for key, partner, needs in _PAIRS.get(struct, ()):
        if key in lost and (needs is None or table.get(partner) == needs):
            table.pop(partner, None)


# (a lost key, its partner, the partner value that needs the key, or None for any value)
_PAIRS: dict[type[msgspec.Struct], tuple[tuple[str, str, str | None], ...]] = {
    RawDaemon: (("kind", "rate_hz", None), ("rate_hz", "kind", "periodic")),
    RawEdge: (("transport", "address", None), ("address", "transport", "zmq")),
}


def _choices(struct: type[msgspec.Struct] | None, sub: KeyPath) -> tuple[str, ...]:
    if struct is None or len(sub) != 1:
        return ()
    for f in msgspec.structs.fields(struct):
        if f.encode_name == sub[0]:
            args = typing.get_args(f.type)
            return tuple(a for a in args if isinstance(a, str))
    return ()


def decode_schema(
    data: dict[str, Any], path: str, positions: Positions
) -> tuple[RawSchema, tuple[int, ...], list[SchemaError], frozenset[KeyPath]]:
    """Decode one parsed schema file; entries that cannot be salvaged are left out.

    Returns the schema, the index in the file of each decoded edge, the errors, and the key
    paths of the nested entries (or whole sub-tables) that were lost (see ``_Decoder.struct``).
    """
    try:  # one C-speed pass; the entry-by-entry decoding below runs only to report errors
        whole = msgspec.convert(data, RawSchema)
    except msgspec.ValidationError:
        pass
    else:
        return whole, tuple(range(len(whole.edges))), [], frozenset()
    d = _Decoder(path, positions)
    for key in data:
        if key not in TOP_KEYS:
            d.error(
                (key,),
                f"unknown top-level key {key!r}{did_you_mean(key, TOP_KEYS)}; "
                f"expected {', '.join(TOP_KEYS)}",
            )
    graph = None
    if "graph" in data:
        graph = d.struct(
            data["graph"],
            RawGraph,
            ("graph",),
            {"inputs": str | RawGraphPort, "outputs": str | RawGraphPort},
        )
        if graph is None:
            d.lost.add(("graph",))
    messages = d.entries(
        data, "messages", lambda v, k: d.struct(v, RawMessage, k, {"fields": FieldSpec})
    )
    enums = d.entries(data, "enums", lambda v, k: d.struct(v, RawEnum, k))
    daemons = d.entries(
        data,
        "daemons",
        lambda v, k: d.struct(
            v,
            RawDaemon,
            k,
            {"inputs": InputSpec, "outputs": OutputSpec, "params": FieldSpec},
        ),
    )
    edges: list[RawEdge] = []
    edge_index: list[int] = []
    if "edges" in data:
        raw_edges = data["edges"]
        if not isinstance(raw_edges, list):
            d.error(
                ("edges",),
                f"edges must be an array of tables ([[edges]]), not {_kind_of(raw_edges)}",
            )
        else:
            for n, entry in enumerate(raw_edges):
                edge = d.struct(entry, RawEdge, ("edges", n))
                if edge is not None:
                    edges.append(edge)
                    edge_index.append(n)
    processes = d.entries(data, "processes", lambda v, k: d.struct(v, RawProcess, k))
    schema = RawSchema(
        graph=graph,
        messages=messages,
        enums=enums,
        daemons=daemons,
        edges=edges,
        processes=processes,
    )
    return schema, tuple(edge_index), d.errors, frozenset(d.lost)
