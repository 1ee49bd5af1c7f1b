"""Random valid schemas: each generated message's ``__chrono_type_hash__`` is the hash the
runtime computes from the class, and the hash ``codegen`` computes from the model (ADR 0022)."""

from __future__ import annotations

import importlib
import itertools
import sys
from typing import TYPE_CHECKING, Any

from codegen_strategies import schema_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chrono_daemon.wire import type_hash
from codegen import generate, write
from codegen.wire_shapes import PackageShapes

if TYPE_CHECKING:
    from pathlib import Path

_COUNTER = itertools.count()


# Longer than any generated daemon name (8 characters at most), so a file's params class
# (<Stem>Params) never meets a daemon's: the generator rightly refuses that clash.
STEM = "schemafile"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(files=st.lists(schema_file().map(lambda pair: pair[0]), min_size=1, max_size=3))
def test_random_schemas_hash_the_same_from_model_and_class(
    tmp_path_factory: Any, files: list[str]
) -> None:
    root: Path = tmp_path_factory.mktemp("hash")
    schemas = root / "schemas"
    schemas.mkdir()
    for n, text in enumerate(files):
        (schemas / f"{STEM}{n}.toml").write_text(text, "utf-8")
    result = generate(schemas)
    assert result.files is not None, [str(e) for e in result.errors]
    assert result.package is not None
    package = f"hashpkg{next(_COUNTER)}"
    assert write(result.files, root / package).errors == ()
    shapes = PackageShapes(result.package)
    sys.path.insert(0, str(root))
    try:
        for module in result.package.modules:
            generated = importlib.import_module(f"{package}.{module.stem}.messages")
            for message in module.messages:
                cls = getattr(generated, message.name)
                assert cls.__chrono_type_hash__ == type_hash(cls)
                assert cls.__chrono_type_hash__ == shapes.hash_of(module.stem, message.name)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]
