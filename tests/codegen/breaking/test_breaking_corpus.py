"""``chrono breaking`` over the corpus: every rule, both directions, exact lines (issue 13)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from breaking_corpus import CASES, GRAPH_CASES, PROCESS_CASES, Case
from breaking_helpers import breaking, write_pair

if TYPE_CHECKING:
    from pathlib import Path


ALL = CASES + GRAPH_CASES + PROCESS_CASES


@pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])
@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_corpus(tmp_path: Path, case: Case, direction: str) -> None:
    old, new = write_pair(tmp_path, {"s.toml": case.old}, {"s.toml": case.new})
    if direction == "backward":
        old, new = new, old
    expected = list(case.forward if direction == "forward" else case.backward)
    status, lines, _ = breaking(tmp_path, str(new), "--against", str(old))
    assert lines == expected
    assert status == (1 if expected else 0)
