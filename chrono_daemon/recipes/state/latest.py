"""``Latest[T]``: a one-slot cache of the newest value (SPEC §2.7, flat module ``latest``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

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

    __slots__ = ("_ended", "_value", "_version")

    def __init__(self, initial: T | None = None) -> None:
        self._value: T | None = initial
        self._version = 0
        self._ended = False

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

    async def feed(self, source: ReceiveStream[T]) -> None:
        """Store every item of ``source`` until it ends (returns quietly at ``EndOfStream``),
        then set ``ended``.

        Run it as a task or daemon next to the reader; it consumes ``source`` at the
        producer's pace, so the producer is never held back by a slow reader.
        """
        async for item in source:
            self.set(item)
        self._ended = True

    def __repr__(self) -> str:
        ended = ", ended" if self._ended else ""
        return f"Latest({self._value!r}, version={self._version}{ended})"
