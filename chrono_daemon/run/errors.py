"""``RunError``: why a graph could not be prepared to run, as lines for the user."""

from __future__ import annotations

__all__ = ("RunError",)


class RunError(Exception):
    """Bad input to ``chrono run``/``launch`` (schemas, MODULE, params, addresses).

    ``lines`` are complete messages, one problem each (``path:line:col: error: ...`` for files),
    every problem found at once; ``str()`` joins them. Never raised for a bug in chrono.
    """

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines
