"""The implementation module of ``chrono run --impl MODULE``: importing it, and finding in it
the one subclass of each generated stub base (daemons and the harness).

A class is MODULE's implementation of daemon ``s1_policy`` when it subclasses the generated
``S1PolicyBase``; exactly one such class must be in MODULE's namespace (defined there or
imported into it). A class that leaves a hook abstract (``on_proposal`` misspelt
``on_proposals``) is reported by name with a did-you-mean from the methods it does define: mypy
only says "Only concrete class can be given" there.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from codegen.suggest import suggest

from .errors import RunError

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ("find_generated_package", "import_impl", "missing_hooks", "pick_class")

_RUN_DIR = os.path.dirname(__file__)


def import_impl(spec: str) -> ModuleType:
    """Import MODULE: a dotted name importable from the current directory, or a ``.py`` path.

    Raises:
        RunError: it cannot be found, or raised while importing (with its traceback).
    """
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        if spec.endswith(".py") or os.sep in spec:
            path = Path(spec)
            if not path.is_file():
                raise RunError([f"chrono: --impl {spec}: no such file"])
            known = sys.modules.get(path.stem)
            if known is not None and Path(getattr(known, "__file__", "") or "") == path.resolve():
                return known  # imported already (each process of a launch is checked)
            module_spec = importlib.util.spec_from_file_location(path.stem, path.resolve())
            assert module_spec is not None
            assert module_spec.loader is not None
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[path.stem] = module
            module_spec.loader.exec_module(module)
            return module
        return importlib.import_module(spec)
    except RunError:
        raise
    except ModuleNotFoundError as exc:
        if exc.name is not None and spec.startswith(exc.name):
            raise RunError(
                [
                    f"chrono: --impl {spec}: no module named {exc.name!r} importable from "
                    f"{cwd} (run from the directory that holds it, or pass a path to a .py file)"
                ]
            ) from None
        lines = _raised(spec, exc)
        if exc.name is not None:  # e.g. the generated package, imported by MODULE
            lines.append(
                f"chrono: {exc.name!r} is not importable from {cwd}: imports in MODULE resolve "
                "from the current directory (and PYTHONPATH); run chrono from the directory "
                "that holds the generated package, or add that directory to PYTHONPATH"
            )
        raise RunError(lines) from None
    except Exception as exc:
        raise RunError(_raised(spec, exc)) from None


def _raised(spec: str, exc: BaseException) -> list[str]:
    """The user's traceback (from the first frame of their code on) and a summary line."""
    tb = exc.__traceback__
    while tb is not None and _ours(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    lines = traceback.format_exception(type(exc), exc, tb)
    return ["".join(lines).rstrip(), f"chrono: --impl {spec}: importing it raised {exc!r}"]


def _ours(filename: str) -> bool:
    """A frame of chrono or of the import machinery, not of the user's module."""
    return filename.startswith("<frozen") or filename.startswith(_RUN_DIR)


def find_generated_package(module: ModuleType, stem: str) -> str | None:
    """The dotted name of the generated package whose ``<stem>`` stubs MODULE subclasses
    (``generated`` for ``generated.system_stack.daemons.S1PolicyBase``); None if none."""
    suffixes = (f".{stem}.daemons", f".{stem}.harness")
    for value in vars(module).values():
        if not isinstance(value, type):
            continue
        for base in value.__mro__:
            name = base.__module__
            for suffix in suffixes:
                if name.endswith(suffix):
                    return name.removesuffix(suffix)
    return None


def _scaffolded(module: ModuleType, base: type) -> str | None:
    """Where ``chrono scaffold`` put the skeleton of a daemon added after MODULE was written
    (``<stem>_<daemon>.py`` next to it, ADR 0008), when that file exists."""
    stem = base.__module__.rsplit(".", 2)[-2] if base.__module__.count(".") >= 2 else None
    daemon = getattr(base, "name", "")
    path = getattr(module, "__file__", None)
    if not (stem and daemon and path):
        return None
    sibling = Path(path).with_name(f"{stem}_{daemon}.py")
    if not sibling.is_file():
        return None
    return (
        f"chrono scaffold wrote its skeleton to {sibling.as_posix()}: move the class into "
        f"{module.__name__}, or import it there"
    )


def pick_class(module: ModuleType, base: type, what: str) -> type | str:
    """The one class in MODULE that subclasses ``base``, or why there is not exactly one.

    ``what`` names the stub for messages (``daemon 's1_policy'``).
    """
    found = sorted(
        {
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, base) and v is not base
        },
        key=lambda c: c.__qualname__,
    )
    where = module.__name__
    if not found:
        return (
            f"{where}: no class implements {what}: subclass {base.__module__}.{base.__name__} "
            f"({_scaffolded(module, base) or 'chrono scaffold writes a skeleton'})"
        )
    if len(found) > 1:
        names = ", ".join(c.__qualname__ for c in found)
        return (
            f"{where}: several classes implement {what} ({names}): keep one subclass of "
            f"{base.__name__} in the module"
        )
    cls = found[0]
    missing = missing_hooks(cls)
    if missing:
        return f"{_where(cls)}: class {cls.__qualname__} ({what}) {missing}"
    return cls


def missing_hooks(cls: type) -> str:
    """Why ``cls`` cannot be instantiated (its abstract hooks, each with a did-you-mean from
    the methods it defines), or an empty string when it can."""
    abstract = sorted(getattr(cls, "__abstractmethods__", ()))
    if not abstract:
        return ""
    own = [
        name
        for klass in cls.__mro__
        if klass.__module__ == cls.__module__
        for name, value in vars(klass).items()
        if inspect.isfunction(value)
    ]
    hints = []
    for name in abstract:
        near = suggest(name, own)
        hints.append(f"{name!r}" + (f" (it defines {near!r}: misspelt?)" if near else ""))
    return f"does not implement {', '.join(hints)}"


def _where(cls: type) -> str:
    try:
        path = inspect.getsourcefile(cls)
        _, line = inspect.getsourcelines(cls)
    except (OSError, TypeError):
        return cls.__module__
    if path is None:
        return f"{cls.__module__}:{line}"
    here = os.getcwd() + os.sep
    return f"{path.removeprefix(here)}:{line}"
