"""\"did you mean ...?\" suggestions (difflib, cutoff 0.6), shared by every stage."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ("did_you_mean", "suggest")


def suggest(word: str, candidates: Iterable[str]) -> str | None:
    """Return the candidate closest to ``word`` (similarity >= 0.6), or None."""
    pool = sorted(set(candidates))
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest candidate, or an empty string."""
    match = suggest(word, candidates)
    return f" (did you mean {match!r}?)" if match is not None else ""
