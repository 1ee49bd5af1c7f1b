"""Write one benchmark's section of bench/RESULTS.md between its markers."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def write_section(name: str, markdown: str) -> None:
    """Replace the text between ``<!-- name:begin -->`` and ``<!-- name:end -->``."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = RESULTS.read_text()
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    if not rest:
        head, tail = text.rstrip() + "\n\n", "\n"
    RESULTS.write_text(f"{head}{begin}\n{markdown.strip()}\n{end}{tail}")
