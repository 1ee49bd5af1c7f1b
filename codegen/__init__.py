"""The chrono code generator: schema files -> a typed Python package (SPEC §3, §4).

The pipeline is four pure stages plus the CLI, each usable on its own::

    loaded = load_schemas(Path("schemas"))        # files -> raw Structs + errors
    resolved = resolve(loaded.files)               # -> frozen model (package) + errors
    files = render(resolved.package)               # -> {relative path: source}
    report = write(files, Path("generated"))       # -> atomic swap; check=True compares

``generate(dir)`` runs the first three, ``check(dir)`` returns every error and warning, and
``generate_to(dir, out)`` also writes. Nothing here prints or exits; only the CLI
(``codegen.cli`` and ``codegen.cmd``) does.
"""

import importlib
import sys
import types
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .errors import SchemaError as SchemaError
    from .errors import format_error as format_error
    from .load import LoadResult as LoadResult
    from .load import RawFile as RawFile
    from .load import load as load_schemas
    from .pipeline import GenerateResult as GenerateResult
    from .pipeline import check as check
    from .pipeline import generate as generate
    from .pipeline import generate_to as generate_to
    from .render import render as render
    from .resolve import ResolveResult as ResolveResult
    from .resolve import resolve as resolve
    from .write import WriteReport as WriteReport
    from .write import write as write

# Imported on first use (PEP 562): every ``chrono`` command imports this package, and neither
# ``chrono --help`` nor the no-op fast path of ``chrono gen`` should pay for Jinja and the
# pipeline (issue 15.8).
_LAZY = {
    "GenerateResult": ("pipeline", "GenerateResult"),
    "LoadResult": ("load", "LoadResult"),
    "RawFile": ("load", "RawFile"),
    "ResolveResult": ("resolve", "ResolveResult"),
    "SchemaError": ("errors", "SchemaError"),
    "WriteReport": ("write", "WriteReport"),
    "check": ("pipeline", "check"),
    "format_error": ("errors", "format_error"),
    "generate": ("pipeline", "generate"),
    "generate_to": ("pipeline", "generate_to"),
    "load_schemas": ("load", "load"),
    "render": ("render", "render"),
    "resolve": ("resolve", "resolve"),
    "write": ("write", "write"),
}


def __getattr__(name: str) -> object:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


class _Package(types.ModuleType):
    """``codegen.render``, ``.resolve`` and ``.write`` name functions, as they always have.

    Importing a submodule sets it as an attribute of its package, which would hide the
    function of the same name behind the module; this keeps the name for the function
    (``import codegen.write`` still works: the module is in ``sys.modules``).
    """

    def __setattr__(self, name: str, value: object) -> None:
        if not (name in _LAZY and _LAZY[name][0] == name and isinstance(value, types.ModuleType)):
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = (
    "GenerateResult",
    "LoadResult",
    "RawFile",
    "ResolveResult",
    "SchemaError",
    "WriteReport",
    "check",
    "format_error",
    "generate",
    "generate_to",
    "load_schemas",
    "render",
    "resolve",
    "write",
)
