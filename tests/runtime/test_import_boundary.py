"""The core imports only anyio and the standard library (ADR 0005).

Checked statically over every module of ``chrono_daemon`` except the optional extras, so an
import hidden in a function or behind TYPE_CHECKING is caught too. The extras: the ZMQ transport
(``transports/zmq.py`` and its ``_zmq_*`` helpers), and the optional subpackages, which nothing
in the core imports: ``wire`` (type hashes, msgspec), ``recording`` (MCAP), and the programs that
run graphs, ``run``, ``launch`` and ``replay`` (codegen, ZMQ, MCAP). One module may import
trio: the trio hot paths (ADR 0018), which nothing imports at module level.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import chrono_daemon

ROOT = Path(chrono_daemon.__file__).parent
ALLOWED = {"anyio", "chrono_daemon"}  # chrono_daemon: recipes use the public API
ZMQ = {ROOT / "transports" / "zmq.py", *(ROOT / "transports").glob("_zmq_*.py")}
SUBPACKAGES = ("wire", "recording", "run", "launch", "replay")
OPTIONAL = ZMQ | {p for sub in SUBPACKAGES for p in (ROOT / sub).rglob("*.py")}
# The trio hot paths (ADR 0018) import trio and outcome (a dependency of trio): they are
# imported lazily, only once the running backend is trio, so trio is installed.
TRIO_BACKEND = ROOT / "_trio_backend.py"
TRIO_ALLOWED = {"trio", "outcome"}


def imported_top_levels(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved (``chrono_daemon.run.plan``)."""
    package = ["chrono_daemon", *path.relative_to(ROOT).parent.parts]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def test_core_imports_only_anyio_and_stdlib() -> None:
    modules = [p for p in ROOT.rglob("*.py") if p not in OPTIONAL]
    assert len(modules) >= 8
    offenders = {
        str(p.relative_to(ROOT)): sorted(bad)
        for p in modules
        if (bad := imported_top_levels(p) - sys.stdlib_module_names - ALLOWED)
        and not (p == TRIO_BACKEND and bad <= TRIO_ALLOWED)
    }
    assert offenders == {}


def module_level_imports(path: Path) -> set[str]:
    """Names imported by ``path`` outside any function body (what importing it imports)."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(child, ast.ImportFrom):
                names.update(f"{child.module or ''}.{a.name}".lstrip(".") for a in child.names)
            elif isinstance(child, ast.Import):
                names.update(a.name for a in child.names)
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return names


def test_the_trio_backend_is_imported_only_lazily() -> None:
    """Importing the core must not import trio: ``_trio_backend`` is imported only inside a
    function (``_waiter.trio_backend``), never at module level."""
    eager = {
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*.py")
        if p != TRIO_BACKEND and any("_trio_backend" in n for n in module_level_imports(p))
    }
    assert eager == set()


def test_importing_the_core_does_not_import_trio() -> None:
    code = "import sys, chrono_daemon, chrono_daemon.simloop; print('trio' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"


def test_only_the_zmq_module_pulls_in_its_helpers() -> None:
    """The `_zmq_*` helpers may import pyzmq/msgspec only because nothing but `zmq.py` (and
    the helpers themselves) imports them."""
    importers = {
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*.py")
        if p not in OPTIONAL and "_zmq_" in p.read_text()
    }
    assert importers == set()


def test_the_core_never_imports_the_optional_subpackages() -> None:
    optional = tuple(f"chrono_daemon.{sub}" for sub in SUBPACKAGES)
    importers = {
        str(p.relative_to(ROOT)): sorted(n for n in imported_modules(p) if n.startswith(optional))
        for p in ROOT.rglob("*.py")
        if p not in OPTIONAL
    }
    assert {k: v for k, v in importers.items() if v} == {}
    # ...and the check sees relative imports of the subpackages, as they import each other.
    assert "chrono_daemon.run.errors" in imported_modules(ROOT / "run" / "plan.py")
    assert "chrono_daemon.launch.control" in imported_modules(ROOT / "launch" / "child.py")
    assert any(
        n.startswith("chrono_daemon.wire")
        for n in imported_modules(ROOT / "transports" / "_zmq_handshake.py")
    )


def test_the_checker_catches_a_third_party_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import msgspec\n    from zmq import Socket\n")
    assert imported_top_levels(module) - sys.stdlib_module_names == {"msgspec", "zmq"}


def test_the_wire_package_imports_only_msgspec_and_the_stdlib() -> None:
    """``chrono_wire`` is shared by the runtime and the generator: it must pull in neither."""
    wire = Path(chrono_daemon.__file__).parent.parent / "chrono_wire"
    modules = list(wire.rglob("*.py"))
    assert len(modules) >= 5
    offenders = {
        p.name: sorted(bad)
        for p in modules
        if (bad := imported_top_levels(p) - sys.stdlib_module_names - {"msgspec", "chrono_wire"})
    }
    assert offenders == {}


def test_chrono_gen_does_not_import_the_runtime() -> None:
    """Hashing message types must not cost ``chrono gen`` the runtime's import (asyncio)."""
    code = (
        "import sys, codegen.pipeline, codegen.render, codegen.wire_shapes; "
        "print(sorted(m for m in ('chrono_daemon', 'asyncio') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
