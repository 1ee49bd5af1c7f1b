"""The programmatic API (``codegen``) and the stable model names other commands rely on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codegen_helpers import SIMPLE, write_schemas

import codegen
import codegen.load.raw
import codegen.model

if TYPE_CHECKING:
    from pathlib import Path


def test_public_api_is_complete() -> None:
    for module in (codegen, codegen.model, codegen.load.raw):
        assert isinstance(module.__all__, tuple)
        assert len(set(module.__all__)) == len(module.__all__)
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_pipeline_stages_compose(tmp_path: Path) -> None:
    directory = write_schemas(tmp_path / "s", {"robot.toml": SIMPLE})
    loaded = codegen.load_schemas(directory)
    assert loaded.errors == []
    resolved = codegen.resolve(loaded.files)
    assert resolved.ok
    assert resolved.package is not None
    (module,) = resolved.package.modules
    assert module.graph is not None
    assert [d.class_name for d in module.graph.daemons] == ["PolicyBase"]
    files = codegen.render(resolved.package)
    assert codegen.generate(directory).files == files
    assert codegen.check(directory) == []
    report = codegen.write(files, tmp_path / "out")
    assert len(report.written) == len(files)
