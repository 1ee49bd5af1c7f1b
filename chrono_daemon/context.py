"""What a daemon is handed while it runs (SPEC §2.4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    import anyio

    from ._logging import ClockAwareLoggerAdapter
    from .clock import Clock
    from .supervisor import Supervisor

__all__ = ("Context",)


@dataclass(frozen=True)
class Context:
    """A daemon's view of its host.

    Attributes:
        clock: the supervisor's clock; sleep only through it.
        cancel_scope: this daemon's own scope around ``on_start`` and ``run`` (a fresh one per
            attempt); cancelling it ends this daemon's run only, and ``on_stop`` still runs.
        logger: the child ``<supervisor logger>.<name>``; stamps every record with
            ``sim_time`` and the daemon's name.
        name: the daemon's name within its supervisor.
        supervisor: the hosting supervisor.
        stop_event: set once the supervisor is asked to stop (shared by all its daemons).
        will_restart: True only in the ``on_stop`` that the supervisor runs before restarting
            this daemon (``on_error="restart"`` after a failure): resources the next run reuses,
            such as output channels, should stay open.
    """

    clock: Clock
    cancel_scope: anyio.CancelScope
    logger: ClockAwareLoggerAdapter
    name: str
    supervisor: Supervisor
    stop_event: anyio.Event
    will_restart: bool = False

    def cancel_on_stop(self) -> AbstractContextManager[anyio.CancelScope]:
        """A cancel scope cancelled when the supervisor is asked to stop.

        ``with ctx.cancel_on_stop(): await ctx.clock.sleep(60)`` returns early at the stop
        signal; see ``Supervisor.cancel_on_stop``.
        """
        return self.supervisor.cancel_on_stop()

    @property
    def stopping(self) -> bool:
        """True once the supervisor was asked to stop; loops should finish their step and return."""
        return self.stop_event.is_set()
