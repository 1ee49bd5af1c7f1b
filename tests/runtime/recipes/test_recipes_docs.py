"""Every ``python`` snippet in docs/recipes.md and docs/concepts.md runs as a complete program."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[3] / "docs"
FENCE = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def snippets(name: str) -> list[tuple[str, str]]:
    text = (DOCS / name).read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        found.append((f"{name}:{line}", match.group(1)))
    return found


RECIPES = snippets("recipes.md")
CONCEPTS = snippets("concepts.md")


def test_every_recipe_has_a_snippet() -> None:
    text = (DOCS / "recipes.md").read_text(encoding="utf-8")
    import chrono_daemon.recipes as recipes

    for name in recipes.__all__:
        if name == "StartupError":
            continue
        assert f"`{name}" in text, f"{name} is not documented in docs/recipes.md"
    assert len(RECIPES) >= 11


@pytest.mark.parametrize(("where", "code"), RECIPES + CONCEPTS, ids=lambda v: str(v)[:40])
def test_snippet_runs(where: str, code: str) -> None:
    namespace: dict[str, object] = {"__name__": f"snippet_{where}"}
    exec(compile(code, where, "exec"), namespace)
