"""``LockstepError``: lockstep virtual time could not go on; the message names the process."""

from __future__ import annotations

from chrono_daemon.run.runner import DriverError

__all__ = ("LockstepError",)


class LockstepError(DriverError):
    """A follower died, hung past the watchdog, sent a malformed or unexpected control frame,
    or the processes deadlocked; or (in a follower) the coordinator went away. ``process`` is
    the process at fault, when one is."""

    def __init__(self, message: str, process: str | None = None) -> None:
        super().__init__(message)
        self.process = process
