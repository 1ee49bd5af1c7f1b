"""A logger adapter that stamps every record with the clock's time (SPEC §2.4)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, MutableMapping

    from .clock import Clock

__all__ = ("ClockAwareLoggerAdapter",)


class ClockAwareLoggerAdapter(logging.LoggerAdapter[logging.Logger]):
    """Adds ``sim_time`` (the clock's ``now()``) to every record; an explicit extra wins.

    Records also carry the adapter's own ``extra`` (for daemons: ``daemon``, the daemon name).
    """

    def __init__(
        self, logger: logging.Logger, clock: Clock, extra: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(logger, extra or {})
        self.clock = clock

    def process(
        self, msg: Any, kwargs: MutableMapping[str, Any]
    ) -> tuple[Any, MutableMapping[str, Any]]:
        """Merge ``sim_time`` and the adapter's extra under the caller's explicit ``extra``."""
        merged: dict[str, object] = {"sim_time": self.clock.now()}
        if self.extra:
            merged.update(self.extra)
        explicit = kwargs.get("extra")
        if explicit:
            merged.update(explicit)
        kwargs["extra"] = merged
        return msg, kwargs
