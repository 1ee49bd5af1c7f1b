"""\"did you mean ...?\" suggestions (difflib, cutoff 0.6), shared by every stage.

Spelling is not the only way to miss a name: users bring the names of the tools they know
(``gte`` from query languages, ``maxLength`` from JSON Schema, ``regex`` from pydantic 1), so a
small table of such aliases is consulted before difflib.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ("ALIASES", "closest", "did_you_mean", "suggest", "suggestions")

_CUTOFF = 0.6

ALIASES: Mapping[str, tuple[str, ...]] = {
    "gte": ("ge",),
    "lte": ("le",),
    "min": ("ge", "min_length"),
    "max": ("le", "max_length"),
    "minimum": ("ge",),
    "maximum": ("le",),
    "exclusive_minimum": ("gt",),
    "exclusive_maximum": ("lt",),
    "exclusiveMinimum": ("gt",),
    "exclusiveMaximum": ("lt",),
    "minlen": ("min_length",),
    "maxlen": ("max_length",),
    "min_len": ("min_length",),
    "max_len": ("max_length",),
    "minLength": ("min_length",),
    "maxLength": ("max_length",),
    "minItems": ("min_length",),
    "maxItems": ("max_length",),
    "regex": ("pattern",),
}
"""Names other tools use for a key of ours; ``min``/``max`` are bounds or lengths by type."""


def suggestions(word: str, candidates: Iterable[str]) -> tuple[str, ...]:
    """The candidates ``word`` probably meant: its aliases that are candidates, or else the
    closest candidate (similarity >= 0.6); empty when nothing is close."""
    pool = sorted(set(candidates))
    aliased = tuple(a for a in ALIASES.get(word, ()) if a in pool)
    if aliased:
        return aliased
    return tuple(difflib.get_close_matches(word, pool, n=1, cutoff=_CUTOFF))


def suggest(word: str, candidates: Iterable[str]) -> str | None:
    """Return the candidate ``word`` most probably meant (see ``suggestions``), or None."""
    found = suggestions(word, candidates)
    return found[0] if found else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` (or ``'x' or 'y'``), or an empty string."""
    found = suggestions(word, candidates)
    if not found:
        return ""
    return f" (did you mean {' or '.join(repr(f) for f in found)}?)"


def closest(word: str, keyed: Iterable[tuple[str, str]]) -> str | None:
    """Compare ``word`` with each key and return the spelling of the most similar (>= 0.6).

    ``keyed`` pairs a comparison key with the spelling to suggest, in order of preference:
    on equal similarity the earlier pair wins. Types use it to compare bare names (``Pose``
    finds ``geometry.Pose``) while suggesting the spelling the file must use.
    """
    best: str | None = None
    best_score = _CUTOFF
    for key, spelled in keyed:
        matcher = difflib.SequenceMatcher(None, word, key)
        if matcher.real_quick_ratio() < best_score or matcher.quick_ratio() < best_score:
            continue
        score = matcher.ratio()
        if score > best_score or (best is None and score >= best_score):
            best, best_score = spelled, score
    return best
