"""Hand-written types whose type hashes are pinned in wire_golden_hashes.json.

They cover what generated messages never use (recursion, dataclasses, TypedDicts, NamedTuples,
literals, int enums, aware datetimes, non-str dict keys), so a change to the canonical form of
any of them shows up as a golden-file diff.
"""

from __future__ import annotations

import dataclasses
import datetime  # noqa: TC003 - msgspec resolves these annotations at run time
import enum
from typing import Annotated, Literal, NamedTuple, TypedDict

import msgspec

__all__ = ("HAND_WRITTEN",)


class Level(enum.IntEnum):
    low = 1
    high = 2


class Node(msgspec.Struct, frozen=True):
    value: int
    children: list[Node] = []


class Ping(msgspec.Struct, tag=True):
    seq: Annotated[int, msgspec.Meta(gt=0)]


class Pong(msgspec.Struct, tag="pong"):
    seq: int
    level: Level = Level.low


class Row(msgspec.Struct, array_like=True, forbid_unknown_fields=True, rename="camel"):
    row_id: int
    cell_text: Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern="^[^\n]*$")]


@dataclasses.dataclass
class Stamp:
    at: Annotated[datetime.datetime, msgspec.Meta(tz=True)]
    note: str | None = None


class Header(TypedDict):
    frame: str
    seq: int


class Point(NamedTuple):
    x: float
    y: float


HAND_WRITTEN: dict[str, object] = {
    "Node": Node,
    "Ping | Pong": Ping | Pong,
    "Row": Row,
    "Stamp": Stamp,
    "Header": Header,
    "Point": Point,
    "dict[int, Literal]": dict[int, Literal["a", "b"]],
    "list[float | None]": list[Annotated[float, msgspec.Meta(ge=0.5, multiple_of=0.25)] | None],
    "frozenset[bytes]": frozenset[Annotated[bytes, msgspec.Meta(max_length=4)]],
    "int": int,
    "Level": Level,
}
