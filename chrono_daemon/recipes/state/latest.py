"""``Latest[T]``: a one-slot cache of the newest value (SPEC §2.7, flat module ``latest``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

import anyio

if TYPE_CHECKING:
    from chrono_daemon import ReceiveStream

__all__ = ("Latest",)

T = TypeVar("T")


class Latest(Generic[T]):
    """Holds the most recent value; reading never blocks and never consumes.

    This is how a fast loop reads a slow stream ("read = latest" in a schema): a feeder task
    calls ``set`` (or runs ``feed``), and the loop calls ``get`` whenever it ticks. Writers and
    readers are plain synchronous calls, so there is nothing to lock within one event loop.

    Args:
        initial: the value ``get`` returns before the first ``set`` (default ``None``).
    """

    __slots__ = ("_closed", "_ended", "_feeding", "_value", "_version")

    def __init__(self, initial: T | None = None) -> None:
        self._value: T | None = initial
        self._version = 0
        self._ended = False
        self._closed = False
        self._feeding: anyio.CancelScope | None = None

    def get(self) -> T | None:
        """Return the newest value, or the initial value (``None``) if nothing was set yet."""
        return self._value

    def set(self, value: T) -> None:
        """Replace the held value and bump ``version``."""
        self._value = value
        self._version += 1

    @property
    def version(self) -> int:
        """How many times ``set`` was called; compare two readings to see if a value is new."""
        return self._version

    @property
    def ended(self) -> bool:
        """True once the source that ``feed`` reads reached end-of-stream: the held value is
        final. (A cancelled or failed ``feed`` does not end it.)"""
        return self._ended

    def close(self) -> None:
        """The reader is gone: ``feed`` stops at once and closes its source, so the producer's
        next send raises ``ChannelClosed`` (as it would on a stream input the reader closed).
        Idempotent; ``get`` keeps returning the last value."""
        self._closed = True
        if self._feeding is not None:
            self._feeding.cancel()

    async def feed(self, source: ReceiveStream[T]) -> None:
        """Store every item of ``source`` until it ends (returns quietly at ``EndOfStream``),
        then set ``ended``; or until ``close`` is called, then close ``source`` and return.

        Run it as a task or daemon next to the reader; it consumes ``source`` at the
        producer's pace, so the producer is never held back by a slow reader.
        """
        with anyio.CancelScope() as scope:
            self._feeding = scope
            if self._closed:
                scope.cancel()
            async for item in source:
                self.set(item)
            self._ended = True
        self._feeding = None
        if self._closed:
            await source.aclose()

    def __repr__(self) -> str:
        ended = ", ended" if self._ended else ""
        return f"Latest({self._value!r}, version={self._version}{ended})"
