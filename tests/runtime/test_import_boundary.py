"""The core imports only anyio and the standard library (ADR 0005).

Checked statically over every module of ``chrono_daemon`` except the ZMQ transport, so an import
hidden in a function or behind TYPE_CHECKING is caught too.
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
OPTIONAL = ZMQ | WIRE


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
        if p not in OPTIONAL and "_zmq_" in p.read_text()
    }
    assert importers == set()


def _imports_wire(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module == "chrono_daemon.wire" or module.startswith("chrono_daemon.wire."):
                return True
            if node.level > 0 and (module == "wire" or module.startswith("wire.")):
                return True
            if node.level > 0 and not module and any(a.name == "wire" for a in node.names):
                return True
        elif isinstance(node, ast.Import) and any(
            a.name.startswith("chrono_daemon.wire") for a in node.names
        ):
            return True
    return False


def test_only_optional_modules_import_the_wire_package() -> None:
    """`chrono_daemon.wire` needs msgspec: only the optional modules may import it."""
    assert WIRE, "the wire package moved: update this test"
    importers = {str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py") if _imports_wire(p)}
    assert importers <= {str(p.relative_to(ROOT)) for p in OPTIONAL}
    assert "transports/_zmq_handshake.py" in importers  # the checker sees real imports


def test_the_checker_catches_a_third_party_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import msgspec\n    from zmq import Socket\n")
    assert imported_top_levels(module) - sys.stdlib_module_names == {"msgspec", "zmq"}
