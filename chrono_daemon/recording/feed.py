"""``feed``: send recorded messages into an edge at their recorded times (replay's input side).

A replay runs the graph under a ``SimClock`` and feeds each recorded graph input (or the
recorded outputs of a daemon it replaces) into the edge that topic's producer sent on. Each
message is sent at its ``publish_time`` — when the original producer issued the send — so a
message that waited for room waits again, and the graph sees what it saw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .reader import seconds

if TYPE_CHECKING:
    from collections.abc import Iterable

    from chrono_daemon import Clock, SendStream

    from .reader import RecordedMessage

__all__ = ("feed",)


async def feed(
    messages: Iterable[RecordedMessage[Any]],
    send: SendStream[Any],
    clock: Clock,
    *,
    close: bool = True,
    offset: int = 0,
) -> int:
    """Send each message on ``send`` once ``clock`` reaches its ``publish_time``; return the count.

    Messages are sent in the order given (``read_messages(path, types, topics=[topic])`` gives
    one topic's messages in order). A time already past is sent at once: the edge was busy,
    as it was in the recording.

    Args:
        messages: the recorded messages to send, decoded into the edge's type.
        send: the edge's producer endpoint.
        clock: the replay's clock (a ``SimClock`` that a driver advances).
        close: close ``send`` after the last message, as the producer did when it ended
            (not when reading fails: the error propagates).
        offset: ns subtracted from the recorded times (the clock time recording started at,
            for a replay from t=0 of a run whose clock did not start at 0).
    """
    count = 0
    for recorded in messages:
        await clock.wait_until(seconds(recorded.publish_time - offset))
        await send.send(recorded.message)
        count += 1
    if close:
        await send.aclose()
    return count
