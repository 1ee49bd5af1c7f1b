"""Wire shapes and type hashes of a resolved package's messages (ADR 0022).

The same shapes ``chrono_wire.shape_of`` reads from the generated classes at run time
(tests hold every generated message to one hash both ways), derived here from the model so
that ``render`` can write each message's ``__chrono_type_hash__`` and ``chrono breaking`` can
compare two schema versions. All named types of a package share one table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chrono_wire import (
    DictShape,
    EnumShape,
    FieldShape,
    OptionalShape,
    Ref,
    Scalar,
    SeqShape,
    StructShape,
    UnionShape,
    WireShape,
    int_scalar,
    named_hashes,
    shape_hash,
)

from .model import DictOf, ListOf, Named, OptionalOf, Prim, TupleOf, UnionOf

if TYPE_CHECKING:
    from chrono_wire import Container, NamedShape, TypeShape

    from .model import Field, MessageDef, Module, Package, TypeExpr

__all__ = ("PackageShapes",)


class PackageShapes:
    """The wire shape of every message and enum of ``package``, and of any type expression.

    Named types are keyed ``(stem, name)``; their shapes are named ``stem.Name`` (names are
    not hashed, they only make messages readable).
    """

    def __init__(self, package: Package) -> None:
        self._index: dict[tuple[str, str], int] = {}
        for module in package.modules:
            names = [e.name for e in module.enums] + [m.name for m in module.messages]
            for name in names:
                self._index[(module.stem, name)] = len(self._index)
        types: list[NamedShape] = []
        for module in package.modules:
            types += [
                EnumShape(name=f"{module.stem}.{e.name}", values=e.values) for e in module.enums
            ]
            types += [self._struct(module, m) for m in module.messages]
        self.types: tuple[NamedShape, ...] = tuple(types)
        self._hashes: tuple[str, ...] | None = None

    def _struct(self, module: Module, message: MessageDef) -> StructShape:
        fields = tuple(
            FieldShape(name=f.name, type=self.field_type(f), required=f.default is None)
            for f in message.fields
        )
        if not message.tagged:
            return StructShape(name=f"{module.stem}.{message.name}", fields=fields)
        return StructShape(
            name=f"{module.stem}.{message.name}",
            fields=fields,
            tag_field="type",  # msgspec's tag=True: field "type", value the class name
            tag=message.name,
        )

    def field_type(self, f: Field) -> TypeShape:
        """A field's type with its constraints, on the core type as ``msgspec.Meta`` puts
        them (``Annotated[float, Meta(ge=0)] | None``)."""
        if isinstance(f.type, OptionalOf):
            return OptionalShape(item=self._constrained(f.type.inner, f))
        return self._constrained(f.type, f)

    def _constrained(self, t: TypeExpr, f: Field) -> TypeShape:
        shape = self.type(t)
        constraints = (f.ge, f.gt, f.le, f.lt, f.min_length, f.max_length, f.pattern)
        if all(c is None for c in constraints):
            return shape
        if isinstance(shape, Scalar):
            if shape.name == "int":  # the resolver refused non-integer bounds on ints
                return int_scalar(ge=f.ge, gt=f.gt, le=f.le, lt=f.lt)  # type: ignore[arg-type]
            return Scalar(
                name=shape.name,
                ge=f.ge,
                gt=f.gt,
                le=f.le,
                lt=f.lt,
                min_length=f.min_length,
                max_length=f.max_length,
                pattern=f.pattern,
            )
        if isinstance(shape, SeqShape):
            return SeqShape(
                container=shape.container,
                item=shape.item,
                min_length=f.min_length,
                max_length=f.max_length,
            )
        if isinstance(shape, DictShape):
            return DictShape(
                key=shape.key, value=shape.value, min_length=f.min_length, max_length=f.max_length
            )
        return shape

    def type(self, t: TypeExpr) -> TypeShape:
        """The shape of an unconstrained type expression (a port or edge type)."""
        if isinstance(t, Prim):
            return Scalar(name=t.name)
        if isinstance(t, Named):
            return Ref(index=self._index[(t.module, t.name)])
        if isinstance(t, ListOf | TupleOf):
            container: Container = "list" if isinstance(t, ListOf) else "tuple"
            return SeqShape(container=container, item=self.type(t.item))
        if isinstance(t, DictOf):
            return DictShape(key=Scalar(name="str"), value=self.type(t.value))
        if isinstance(t, OptionalOf):
            return OptionalShape(item=self.type(t.inner))
        assert isinstance(t, UnionOf)
        return UnionShape(members=tuple(self.type(m) for m in t.members))

    def named(self, stem: str, name: str) -> WireShape:
        """The shape of message or enum ``name`` of schema file ``stem``."""
        return WireShape(root=Ref(index=self._index[(stem, name)]), types=self.types)

    def of(self, t: TypeExpr) -> WireShape:
        """The shape of a type expression (what a port or edge of that type carries)."""
        return WireShape(root=self.type(t), types=self.types)

    def type_hash(self, t: TypeExpr) -> str:
        """The type hash of a type expression; ``type_hash(Named(...))`` is the message's."""
        if isinstance(t, Named):
            return self.hash_of(t.module, t.name)
        return shape_hash(self.of(t))

    def hash_of(self, stem: str, name: str) -> str:
        """The type hash of message or enum ``name`` of ``stem`` (all computed at once)."""
        if self._hashes is None:
            self._hashes = named_hashes(self.types)
        return self._hashes[self._index[(stem, name)]]
