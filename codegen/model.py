"""The resolved, frozen model of a schema directory: what the templates render (SPEC §4.1).

Every name is bound, every type resolved, every edge typed, and every routing decision (tee,
merge, latest-value feeder, lossy wrapper) made. Templates only format this model. The names in
this module are a stable API for other commands (``chrono graph``, ``chrono scaffold``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import datetime
    from collections.abc import Callable

__all__ = (
    "DaemonDef",
    "DaemonKind",
    "DictLit",
    "DictOf",
    "EnumDef",
    "EnumLit",
    "Field",
    "GraphDef",
    "GraphPort",
    "Link",
    "ListOf",
    "Lit",
    "Loc",
    "Merge",
    "MessageDef",
    "Module",
    "Named",
    "OptionalOf",
    "Package",
    "Port",
    "PortRef",
    "Prim",
    "PrimName",
    "ProcessDef",
    "SeqLit",
    "Tee",
    "TupleOf",
    "TypeExpr",
    "UnionOf",
    "Value",
    "Wire",
    "named_refs",
)

PrimName = Literal["bool", "int", "float", "str", "bytes", "datetime"]
DaemonKind = Literal["run", "periodic", "reactive"]


class Loc:
    """Where something was declared: the file as named by the user and a 1-based line/col.

    ``Loc(path, line, col)``, or ``Loc.lazy(path, find)``: then ``find()`` gives the line and
    column the first time they are read. Only errors and warnings read them, so a valid schema
    never builds its key-position index (issue 15.8). Compared and hashed by value, like the
    frozen dataclass it replaces.
    """

    __slots__ = ("_col", "_find", "_line", "path")

    def __init__(self, path: str, line: int, col: int = 0) -> None:
        self.path = path
        self._line = line
        self._col = col
        self._find: Callable[[], tuple[int, int]] | None = None

    @classmethod
    def lazy(cls, path: str, find: Callable[[], tuple[int, int]]) -> Loc:
        """A position looked up by ``find`` when first read."""
        loc = cls(path, 0)
        loc._find = find
        return loc

    def _position(self) -> tuple[int, int]:
        if self._find is not None:
            self._line, self._col = self._find()
            self._find = None
        return self._line, self._col

    @property
    def line(self) -> int:
        """1-based line; 0 when the problem is the whole file."""
        return self._position()[0]

    @property
    def col(self) -> int:
        """1-based column, or 0 when unknown."""
        return self._position()[1]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Loc):
            return NotImplemented
        return (self.path, *self._position()) == (other.path, *other._position())

    def __hash__(self) -> int:
        return hash((self.path, *self._position()))

    def __repr__(self) -> str:
        line, col = self._position()
        return f"Loc(path={self.path!r}, line={line}, col={col})"


# -- types --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prim:
    """A primitive: ``bool int float str bytes datetime``."""

    name: PrimName


@dataclass(frozen=True, slots=True)
class Named:
    """A message or enum defined in schema file ``module`` (its stem)."""

    module: str
    name: str
    kind: Literal["message", "enum"]


@dataclass(frozen=True, slots=True)
class ListOf:
    """``list[T]``."""

    item: TypeExpr


@dataclass(frozen=True, slots=True)
class TupleOf:
    """``tuple[T, ...]`` (homogeneous, any length)."""

    item: TypeExpr


@dataclass(frozen=True, slots=True)
class DictOf:
    """``dict[str, T]``."""

    value: TypeExpr


@dataclass(frozen=True, slots=True)
class OptionalOf:
    """``T | None`` (also written ``optional[T]``); defaults to ``None`` when no default given."""

    inner: TypeExpr


@dataclass(frozen=True, slots=True)
class UnionOf:
    """A tagged union of two or more messages of the same file (each tagged with its name)."""

    members: tuple[Named, ...]


TypeExpr = Prim | Named | ListOf | TupleOf | DictOf | OptionalOf | UnionOf


def named_refs(t: TypeExpr) -> list[Named]:
    """Every message/enum a type mentions, in order of appearance."""
    if isinstance(t, Named):
        return [t]
    if isinstance(t, ListOf | TupleOf):
        return named_refs(t.item)
    if isinstance(t, DictOf):
        return named_refs(t.value)
    if isinstance(t, OptionalOf):
        return named_refs(t.inner)
    if isinstance(t, UnionOf):
        return list(t.members)
    return []


"""A resolved type; equality is structural, so edge type checks are ``==``."""


# -- default values -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lit:
    """A scalar literal (``None`` only for optional fields); datetimes are aware, in UTC."""

    value: bool | int | float | str | datetime.datetime | None


@dataclass(frozen=True, slots=True)
class EnumLit:
    """An enum member used as a default: ``Mode.tracking``."""

    enum: Named
    member: str


@dataclass(frozen=True, slots=True)
class SeqLit:
    """A list or tuple literal."""

    kind: Literal["list", "tuple"]
    items: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class DictLit:
    """A ``dict[str, T]`` literal, keys in schema order."""

    items: tuple[tuple[str, Value], ...]


Value = Lit | EnumLit | SeqLit | DictLit
"""A validated default value."""


# -- declarations -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    """A message field or a daemon param.

    ``default`` is ``None`` when the field is required. Constraints are ``None`` when absent;
    ``doc`` becomes ``msgspec.Meta(description=...)``.
    """

    name: str
    type: TypeExpr
    doc: str | None
    default: Value | None
    loc: Loc
    ge: int | float | None = None
    gt: int | float | None = None
    le: int | float | None = None
    lt: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None

    @property
    def has_meta(self) -> bool:
        """True when the field renders an ``Annotated[..., msgspec.Meta(...)]``."""
        return self.doc is not None or any(
            v is not None
            for v in (
                self.ge,
                self.gt,
                self.le,
                self.lt,
                self.min_length,
                self.max_length,
                self.pattern,
            )
        )


@dataclass(frozen=True, slots=True)
class EnumDef:
    """``class Name(enum.Enum)`` with one member per value (member name == value)."""

    name: str
    doc: str | None
    values: tuple[str, ...]
    loc: Loc


@dataclass(frozen=True, slots=True)
class MessageDef:
    """A frozen, keyword-only msgspec Struct; ``tagged`` when it is a member of a union."""

    name: str
    doc: str | None
    fields: tuple[Field, ...]
    tagged: bool
    loc: Loc


@dataclass(frozen=True, slots=True)
class Port:
    """A daemon input or output.

    Attributes:
        latest: an input read with ``read = "latest"`` (a ``Latest[T]`` reader in the stub).
        allow_unconnected: ``unconnected = "allow"``.
    """

    name: str
    type: TypeExpr
    doc: str | None
    direction: Literal["input", "output"]
    latest: bool
    allow_unconnected: bool
    loc: Loc


@dataclass(frozen=True, slots=True)
class DaemonDef:
    """A daemon: its stub class ``class_name`` and params Struct ``params_name`` (SPEC §4.2)."""

    name: str
    class_name: str
    params_name: str
    kind: DaemonKind
    rate_hz: float | None
    doc: str | None
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    params: tuple[Field, ...]
    loc: Loc

    @property
    def stream_inputs(self) -> tuple[Port, ...]:
        """Inputs read as streams (reactive daemons get one ``on_<input>`` handler each)."""
        return tuple(p for p in self.inputs if not p.latest)

    @property
    def period(self) -> float | None:
        """Seconds between ``step`` calls of a periodic daemon."""
        return None if self.rate_hz is None else 1.0 / self.rate_hz


@dataclass(frozen=True, slots=True)
class GraphPort:
    """A graph boundary port: ``graph.inputs.<name>`` or ``graph.outputs.<name>``."""

    name: str
    type: TypeExpr
    doc: str | None
    loc: Loc


@dataclass(frozen=True, slots=True)
class PortRef:
    """One end of a link: ``daemon.port``, or ``in.NAME`` / ``out.NAME`` (``daemon`` is None)."""

    daemon: str | None
    port: str

    @property
    def label(self) -> str:
        """The schema spelling: ``s1_policy.obs``, ``in.obs`` or ``out.actions``."""
        if self.daemon is not None:
            return f"{self.daemon}.{self.port}"
        return self.port


@dataclass(frozen=True, slots=True)
class Link:
    """One producer -> consumer connection (an ``[[edges]]`` entry with N targets gives N links).

    Attributes:
        index: position in declaration order; names the channel attribute ``_link<index>``.
        producer / consumer: the two ends (``PortRef`` with ``daemon=None`` for ``in.``/``out.``).
        policy: what the sender does when the buffer is full (lossy policies use the wrappers of
            ``chrono_daemon.recipes.lossy`` and count drops).
    """

    index: int
    producer: PortRef
    consumer: PortRef
    type: TypeExpr
    maxsize: int
    policy: Literal["block", "drop_newest", "drop_oldest", "coalesce"]
    transport: Literal["inproc", "zmq"]
    address: str | None
    loc: Loc


@dataclass(frozen=True, slots=True)
class Tee:
    """A producer with several links: it sends into ``feed`` and a ``tee`` copies to each link."""

    producer: PortRef
    type: TypeExpr
    links: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Merge:
    """A consumer with several links: a ``merge`` forwards them all into one channel."""

    consumer: PortRef
    type: TypeExpr
    links: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ProcessDef:
    """A ``[processes.NAME]`` entry: the OS process that hosts some daemons of the graph.

    Attributes:
        class_name: the generated per-process class, ``<Camel><Name>Process``.
        daemons_name: its daemons holder, ``<Camel><Name>Daemons``.
        daemons: the daemons it hosts, in the graph's daemon order.
        boundary: it hosts the graph inputs/outputs (and the harness that drives them).
        host / port: where it binds its inbound wires; ``port`` None lets the launcher choose.
    """

    name: str
    class_name: str
    daemons_name: str
    daemons: tuple[str, ...]
    boundary: bool
    host: str
    port: int | None
    doc: str | None
    loc: Loc


@dataclass(frozen=True, slots=True)
class Wire:
    """A ZeroMQ edge between two processes: every message of ``producer`` that the consumers in
    process ``target`` need crosses the boundary once, on this wire.

    Attributes:
        label: ``<producer>-><target process>`` (``s1_policy.chunk->env``): the key of the
            wire's address (pinned, overridden or chosen by the launcher).
        source / target: the producing and consuming process.
        links: the links it carries; with several, the target process tees them out.
        maxsize / policy: of the link when it carries one; else 1 and "block", as the tee
            channel it stands for in the one-process graph (the target process tees it out).
        address: pinned by the schema (an edge ``address``, or the target's ``host``/``port``).
    """

    index: int
    label: str
    producer: PortRef
    source: str
    target: str
    type: TypeExpr
    links: tuple[int, ...]
    maxsize: int
    policy: Literal["block", "drop_newest"]
    address: str | None
    loc: Loc


@dataclass(frozen=True, slots=True)
class GraphDef:
    """The graph of one schema file: daemons, boundary ports and every routing decision.

    ``class_name`` is ``<Camel>Graph``; the params Struct, inputs/outputs/daemons holders are
    ``<Camel>Params``, ``<Camel>Inputs``, ``<Camel>Outputs`` and ``<Camel>Daemons``;
    ``harness_name`` is the harness stub ``<Camel>HarnessBase`` (graphs with a boundary).
    ``processes`` is empty for a one-process graph; ``wires`` are the edges between them.
    """

    class_name: str
    params_name: str
    inputs_name: str
    outputs_name: str
    daemons_name: str
    doc: str | None
    inputs: tuple[GraphPort, ...]
    outputs: tuple[GraphPort, ...]
    daemons: tuple[DaemonDef, ...]
    links: tuple[Link, ...]
    tees: tuple[Tee, ...]
    merges: tuple[Merge, ...]
    harness_name: str = ""
    processes: tuple[ProcessDef, ...] = ()
    wires: tuple[Wire, ...] = ()

    @property
    def has_boundary(self) -> bool:
        """True when the graph has inputs or outputs (a harness drives them)."""
        return bool(self.inputs or self.outputs)

    def process_of(self, ref: PortRef) -> str | None:
        """The process hosting ``ref`` (``in.X``/``out.X``: the boundary process); None when
        the graph declares no processes."""
        for p in self.processes:
            if ref.daemon in p.daemons or (ref.daemon is None and p.boundary):
                return p.name
        return None


@dataclass(frozen=True, slots=True)
class Module:
    """One schema file -> one generated subpackage named ``stem``.

    ``source_sha256`` hashes the normalized source (UTF-8, LF line endings, no BOM);
    ``imports`` lists the stems whose types this file uses, sorted.
    """

    stem: str
    source_name: str
    source_sha256: str
    doc: str | None
    enums: tuple[EnumDef, ...]
    messages: tuple[MessageDef, ...]
    graph: GraphDef | None
    imports: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Package:
    """Every module of a schema directory, sorted by stem."""

    modules: tuple[Module, ...]
