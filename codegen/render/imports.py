"""Import blocks for generated modules, in the order ruff's isort expects (I001)."""

from __future__ import annotations

from collections import defaultdict

from .filters import LINE_LIMIT, sort_import_names

__all__ = ("Imports",)

_THIRD_PARTY = ("msgspec", "anyio")
_FIRST_PARTY = ("chrono_daemon",)


def _section(module: str) -> int:
    root = module.split(".")[0]
    if module.startswith("."):
        return 3
    if root in _FIRST_PARTY:
        return 2
    if root in _THIRD_PARTY:
        return 1
    return 0


class Imports:
    """Collects ``import m`` and ``from m import n`` and renders sorted, sectioned lines."""

    def __init__(self) -> None:
        self._plain: set[str] = set()
        self._from: dict[str, set[str]] = defaultdict(set)

    def add(self, module: str, name: str | None = None) -> None:
        """``import module`` (``name`` None) or ``from module import name``."""
        if name is None:
            self._plain.add(module)
        else:
            self._from[module].add(name)

    def render(self) -> str:
        """The import block: sections separated by one blank line, no trailing newline."""
        sections: list[list[str]] = [[], [], [], []]
        for module in sorted(self._plain):
            sections[_section(module)].append(f"import {module}")

        def order(module: str) -> tuple[int, str]:
            dots = len(module) - len(module.lstrip("."))
            return -dots, module.lstrip(".")

        for module in sorted(self._from, key=order):
            names = sort_import_names(self._from[module])
            line = f"from {module} import {', '.join(names)}"
            if len(line) > LINE_LIMIT:
                body = "".join(f"    {n},\n" for n in names)
                line = f"from {module} import (\n{body})"
            sections[_section(module)].append(line)
        return "\n\n".join("\n".join(s) for s in sections if s)
