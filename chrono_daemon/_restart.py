"""``RestartPolicy``: the backoff of ``on_error="restart"`` (SPEC §2.6)."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ("RestartPolicy",)


@dataclass(frozen=True)
class RestartPolicy:
    """Exponential backoff on the supervisor clock for ``on_error="restart"``.

    Restart n (1-based) waits ``min(cap, base * factor**(n-1))`` seconds of clock time. Past
    ``max_retries`` restarts the daemon fails like ``"shutdown"``. ``base`` must be positive so
    a crash loop always moves (virtual) time forward instead of spinning at one instant.
    """

    base: float = 0.1
    factor: float = 2.0
    cap: float = 5.0
    max_retries: int | None = None

    def __post_init__(self) -> None:
        if not (self.base > 0 and math.isfinite(self.base)):
            raise ValueError(f"RestartPolicy.base must be positive and finite, got {self.base}")
        if not self.factor >= 1:
            raise ValueError(f"RestartPolicy.factor must be >= 1, got {self.factor}")
        if not self.cap >= self.base:
            raise ValueError(f"RestartPolicy.cap must be >= base, got {self.cap}")
        if self.max_retries is not None and self.max_retries < 0:
            raise ValueError(f"RestartPolicy.max_retries must be >= 0, got {self.max_retries}")

    def delay(self, restart: int) -> float:
        """Backoff before restart number ``restart`` (1-based)."""
        return float(min(self.cap, self.base * self.factor ** (restart - 1)))
