"""msgspec Structs that mirror the schema *file format* (SPEC §3), before any name is resolved.

Every Struct forbids unknown keys, so a typo such as ``rate_hzz`` is an error with a position.
The loader decodes each table entry separately (see ``codegen.load.decode``) so that errors name
the full key path; these Structs are also the source of the JSON Schema of the file format
(``chrono schema``). Names here are a stable API for other commands.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

__all__ = (
    "DaemonKind",
    "EdgePolicy",
    "EdgeTransport",
    "FieldSpec",
    "InputSpec",
    "OutputSpec",
    "RawDaemon",
    "RawEdge",
    "RawEnum",
    "RawField",
    "RawGraph",
    "RawGraphPort",
    "RawInput",
    "RawMessage",
    "RawOutput",
    "RawProcess",
    "RawSchema",
    "ReadMode",
    "Unconnected",
)

DaemonKind = Literal["run", "periodic", "reactive"]
ReadMode = Literal["stream", "latest"]
Unconnected = Literal["error", "allow"]
EdgePolicy = Literal["block", "drop_newest", "drop_oldest", "coalesce"]
EdgeTransport = Literal["inproc", "zmq"]

Number = int | float


class RawField(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A field or param given as a table: ``{ type = "float", doc = "...", ge = 0.0 }``.

    ``default`` is any TOML value (``msgspec.UNSET`` when absent); it is checked against ``type``
    and the constraints during resolution.
    """

    type: str
    doc: str | None = None
    default: Any = msgspec.UNSET
    ge: Number | None = None
    gt: Number | None = None
    le: Number | None = None
    lt: Number | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None


FieldSpec = str | RawField
"""A field or param: a bare type string (``"int"``) or a ``RawField`` table."""


class RawEnum(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``[enums.Name]``: string ``values``; each member's name and value are the string."""

    values: list[str]
    doc: str | None = None


class RawMessage(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``[messages.Name]``: an optional ``doc`` and a table of ``fields``."""

    doc: str | None = None
    fields: dict[str, FieldSpec] = {}


class RawInput(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A daemon input given as a table.

    ``read = "latest"`` makes the port a non-blocking reader of the newest value;
    ``unconnected = "allow"`` lets the port have no producer (it then never yields).
    """

    type: str
    doc: str | None = None
    read: ReadMode = "stream"
    unconnected: Unconnected = "error"


class RawOutput(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A daemon output given as a table; ``unconnected = "allow"`` discards what it sends."""

    type: str
    doc: str | None = None
    unconnected: Unconnected = "error"


InputSpec = str | RawInput
"""A daemon input: a bare type string or a ``RawInput`` table."""

OutputSpec = str | RawOutput
"""A daemon output: a bare type string or a ``RawOutput`` table."""


class RawDaemon(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``[daemons.name]``: kind, rate (periodic only), ports and params."""

    doc: str | None = None
    kind: DaemonKind = "run"
    rate_hz: Number | None = None
    inputs: dict[str, InputSpec] = {}
    outputs: dict[str, OutputSpec] = {}
    params: dict[str, FieldSpec] = {}


class RawGraphPort(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A graph boundary port given as a table: ``{ type = "Obs", doc = "..." }``."""

    type: str
    doc: str | None = None


class RawGraph(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``[graph]``: the graph's doc and its boundary (``inputs``/``outputs``)."""

    doc: str | None = None
    inputs: dict[str, str | RawGraphPort] = {}
    outputs: dict[str, str | RawGraphPort] = {}


class RawEdge(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """One ``[[edges]]`` entry: a producer, one or more consumers, and how the link behaves."""

    from_: str = msgspec.field(name="from")
    to: str | list[str]
    maxsize: int = 1
    policy: EdgePolicy = "block"
    transport: EdgeTransport = "inproc"
    address: str | None = None
    doc: str | None = None


class RawProcess(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``[processes.NAME]``: the OS process that hosts ``daemons`` (SPEC §6.1).

    ``boundary = true`` puts the graph inputs and outputs (and the harness that drives them)
    in this process. ``host`` is where the process runs and binds its inbound edges; ``port``,
    when given, pins those edges to ``tcp://host:port``, ``port + 1``... in edge order (for
    ``chrono run --process`` on several machines); without it ``chrono launch`` chooses.
    """

    daemons: list[str] = []
    boundary: bool = False
    host: str = "127.0.0.1"
    port: int | None = None
    doc: str | None = None


class RawSchema(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """One schema file: the top-level tables of SPEC §3 (and ``[processes]``, SPEC §6.1)."""

    graph: RawGraph | None = None
    messages: dict[str, RawMessage] = {}
    enums: dict[str, RawEnum] = {}
    daemons: dict[str, RawDaemon] = {}
    edges: list[RawEdge] = []
    processes: dict[str, RawProcess] = {}
