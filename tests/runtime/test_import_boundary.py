"""The core imports only anyio and the standard library (ADR 0005).

Checked statically over every module of ``chrono_daemon`` except the optional extras (the ZMQ
transport, the wire shapes and type hashes, the MCAP recording subpackage), so an import hidden
in a function or behind TYPE_CHECKING is caught too.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import chrono_daemon

ROOT = Path(chrono_daemon.__file__).parent
ALLOWED = {"anyio", "chrono_daemon"}  # chrono_daemon: recipes use the public API
# The ZMQ transport (extra `zmq`): its public module and its private `_zmq_*` helpers.
ZMQ = {ROOT / "transports" / "zmq.py", *(ROOT / "transports").glob("_zmq_*.py")}
# Wire shapes and type hashes (ADR 0022): built on msgspec.inspect, used by the ZMQ transport,
# codegen and recordings; nothing in the core imports them (checked below).
WIRE = set((ROOT / "wire").glob("*.py"))
# The recording subpackage (extra `record`: mcap, msgspec, jsonschema), exactly its own modules.
RECORDING = set((ROOT / "recording").glob("*.py"))
OPTIONAL = ZMQ | WIRE | RECORDING


def imported_top_levels(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_imports_only_anyio_and_stdlib() -> None:
    modules = [p for p in ROOT.rglob("*.py") if p not in OPTIONAL]
    assert len(modules) >= 8
    offenders = {
        str(p.relative_to(ROOT)): sorted(bad)
        for p in modules
        if (bad := imported_top_levels(p) - sys.stdlib_module_names - ALLOWED)
    }
    assert offenders == {}


def test_only_the_zmq_module_pulls_in_its_helpers() -> None:
    """The `_zmq_*` helpers may import pyzmq/msgspec only because nothing but `zmq.py` (and
    the helpers themselves) imports them."""
    importers = {
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*.py")
        if p not in ZMQ and "_zmq_" in p.read_text()
    }
    assert importers == set()


def test_nothing_outside_the_recording_subpackage_imports_it() -> None:
    """The core stays importable without mcap: only ``recording/`` itself names it."""
    assert len(RECORDING) >= 5
    importers = {
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*.py")
        if p not in RECORDING and "recording" in imported_modules(p)
    }
    assert importers == set()


def test_only_optional_modules_import_the_wire_package() -> None:
    """`chrono_daemon.wire` needs msgspec: only the optional modules may import it."""
    assert WIRE, "the wire package moved: update this test"
    importers = {
        str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py") if "wire" in imported_modules(p)
    }
    assert importers <= {str(p.relative_to(ROOT)) for p in OPTIONAL}
    assert "transports/_zmq_handshake.py" in importers  # the checker sees real imports


def imported_modules(path: Path) -> set[str]:
    """Every module path component named by an import of ``path`` (absolute or relative)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(part for alias in node.names for part in alias.name.split("."))
        elif isinstance(node, ast.ImportFrom):
            names.update((node.module or "").split("."))
            names.update(alias.name for alias in node.names)
    return names


def test_the_checker_catches_a_third_party_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import msgspec\n    from zmq import Socket\n")
    assert imported_top_levels(module) - sys.stdlib_module_names == {"msgspec", "zmq"}
