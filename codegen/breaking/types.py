"""Breaking changes of messages and enums: the wire rules, per named type (ADR 0022).

Every message and enum of OLD is compared with the one of the same schema file and name in
NEW by ``chrono_wire.compare`` in ``by_name`` mode: each named type is compared once,
on its own, and a field whose type became another named type is a ``CODE`` change plus
whatever the structures say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chrono_wire import compare

from ..model import Loc
from .breaks import Break

if TYPE_CHECKING:
    from collections.abc import Iterator

    from chrono_wire import Category, Change

    from ..model import EnumDef, MessageDef, Package
    from ..wire_shapes import PackageShapes

__all__ = ("type_breaks",)

_BOTH: frozenset[Category] = frozenset({"WIRE", "CODE"})
_CODE: frozenset[Category] = frozenset({"CODE"})


@dataclass(frozen=True, slots=True)
class _Decl:
    stem: str
    kind: str  # "message" or "enum"
    decl: MessageDef | EnumDef

    @property
    def label(self) -> str:
        return f"{self.kind} {self.decl.name!r}"


def _declarations(package: Package) -> dict[tuple[str, str], _Decl]:
    out: dict[tuple[str, str], _Decl] = {}
    for module in package.modules:
        for e in module.enums:
            out[(module.stem, e.name)] = _Decl(module.stem, "enum", e)
        for m in module.messages:
            out[(module.stem, m.name)] = _Decl(module.stem, "message", m)
    return out


def type_breaks(
    old: Package, new: Package, old_shapes: PackageShapes, new_shapes: PackageShapes
) -> Iterator[Break]:
    """Every breaking change of a message or enum from ``old`` to ``new``."""
    old_decls, new_decls = _declarations(old), _declarations(new)
    files = {d.stem: d.decl.loc for d in new_decls.values()}
    added = {key: d for key, d in new_decls.items() if key not in old_decls}
    for key, o in old_decls.items():
        n = new_decls.get(key)
        if n is None:
            yield _removed(o, old_shapes.hash_of(*key), added, new_shapes, files.get(o.stem))
        elif o.kind != n.kind:
            yield Break(
                n.decl.loc,
                None,
                "KIND_CHANGED",
                _BOTH,
                f"{o.label} is now {n.kind} {n.decl.name!r}",
            )
        else:
            changes = compare(old_shapes.named(*key), new_shapes.named(*key), by_name=True)
            for change in changes:
                if change.breaking:
                    loc, anchor = _locate(change, o, n)
                    yield Break(loc, anchor, change.rule, change.breaks, f"{n.label}: {change}")


def _removed(
    o: _Decl,
    old_hash: str,
    added: dict[tuple[str, str], _Decl],
    new_shapes: PackageShapes,
    new_file: Loc | None,
) -> Break:
    twins = [
        d for key, d in added.items() if d.kind == o.kind and new_shapes.hash_of(*key) == old_hash
    ]
    anchor = None if new_file is None else Loc(new_file.path, 0, 0)
    rule = "MESSAGE_REMOVED" if o.kind == "message" else "ENUM_REMOVED"
    if twins:  # the same wire shape under a new name: only code that names it breaks
        twin = twins[0]
        where = twin.decl.name if twin.stem == o.stem else f"{twin.stem}.{twin.decl.name}"
        return Break(
            o.decl.loc,
            twin.decl.loc,
            rule,
            _CODE,
            f"{o.label} was removed (renamed to {where!r}? the wire shape is the same)",
        )
    return Break(
        o.decl.loc,
        anchor,
        rule,
        _BOTH,
        f"{o.label} was removed: peers and recordings that carry it cannot be read",
    )


def _field_loc(decl: MessageDef | EnumDef, name: str) -> Loc | None:
    fields = getattr(decl, "fields", ())
    return next((f.loc for f in fields if f.name == name), None)


def _locate(change: Change, o: _Decl, n: _Decl) -> tuple[Loc, Loc | None]:
    """In NEW at the field (or the type), in OLD for what NEW no longer has."""
    if not change.path:
        if change.rule.endswith("_REMOVED"):  # an enum value
            return o.decl.loc, n.decl.loc
        return n.decl.loc, None
    new_field = _field_loc(n.decl, change.path[0])
    if new_field is not None:
        return new_field, None
    return _field_loc(o.decl, change.path[0]) or o.decl.loc, n.decl.loc
