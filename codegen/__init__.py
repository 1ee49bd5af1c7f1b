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
