"""``ZmqEndpoints``: the ZeroMQ ``BoundaryEndpoints`` that ``chrono run --process`` uses (and
``MemoryEndpoints``, in-process wires for running a split graph in one event loop).

Each wire is one ZMQ edge (``chrono_daemon.transports.zmq``): the receiving process binds its
address, the sending process connects, payloads are msgspec MessagePack validated against the
wire's message type on receipt. Receivers do not use ``detect_peer_loss`` (reliable since ADR
0030): a producer process that dies and is restarted resumes its stream, as a service manager
across machines does, and under ``chrono launch`` a dead process is noticed by the launcher,
which stops the others (a consumer failing with ``ZmqPeerLost`` as well would only add noise).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chrono_daemon import open_channel
from chrono_daemon.transports.zmq import MsgpackSerde, ZmqConfig, open_zmq_receive, open_zmq_send

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chrono_daemon import Channel, ChannelStats, ReceiveStream, SendStream

__all__ = ("MemoryEndpoints", "ZmqEndpoints")


class ZmqEndpoints:
    """Opens each wire at ``addresses[wire]`` (labels as in the schema's wires).

    Args:
        addresses: the address of every wire this process opens.
        linger_ms: how long closing a sender may wait to deliver its end-of-stream.

    Raises (from ``send``/``receive``):
        KeyError: a wire with no address (``wire_addresses`` checks this before anything runs).
        ZmqChannelError: the address cannot be bound or connected.
    """

    def __init__(self, addresses: Mapping[str, str], *, linger_ms: int = 1000) -> None:
        self.addresses = dict(addresses)
        self.linger_ms = linger_ms

    def send(self, wire: str, message_type: Any, maxsize: int) -> SendStream[Any]:
        """Connect the producer's end of ``wire``."""
        config = ZmqConfig(maxsize=maxsize, linger_ms=self.linger_ms)
        return open_zmq_send(
            self.addresses[wire],
            bind=False,
            serde=MsgpackSerde(message_type),
            config=config,
            name=wire,
        )

    def receive(self, wire: str, message_type: Any, maxsize: int) -> ReceiveStream[Any]:
        """Bind the consumers' end of ``wire`` (a restarted producer resumes it)."""
        config = ZmqConfig(maxsize=maxsize, linger_ms=self.linger_ms)
        return open_zmq_receive(
            self.addresses[wire],
            bind=True,
            serde=MsgpackSerde(message_type),
            config=config,
            name=wire,
        )


class MemoryEndpoints:
    """In-process wires: every process of a split graph in one event loop, no sockets.

    ``send`` and ``receive`` of one wire return the two ends of one ``open_channel(maxsize)``,
    whichever is asked first. For tests (the per-process classes, under ``SimClock``, exactly)
    and for debugging a split without ZeroMQ; ``sent[wire]`` counts the items each wire carried.
    """

    def __init__(self) -> None:
        self.channels: dict[str, Channel[Any]] = {}
        self.sent: dict[str, int] = {}

    def _channel(self, wire: str, maxsize: int) -> Channel[Any]:
        if wire not in self.channels:
            self.channels[wire] = open_channel(maxsize)
            self.sent[wire] = 0
        return self.channels[wire]

    def send(self, wire: str, message_type: Any, maxsize: int) -> SendStream[Any]:
        """The producer's end of ``wire``, counting what it sends."""
        return _Counted(self._channel(wire, maxsize).send, self.sent, wire)

    def receive(self, wire: str, message_type: Any, maxsize: int) -> ReceiveStream[Any]:
        """The consumers' end of ``wire``."""
        return self._channel(wire, maxsize).recv


class _Counted:
    """A ``SendStream`` that counts each item it forwards into ``counts[key]``."""

    def __init__(self, inner: SendStream[Any], counts: dict[str, int], key: str) -> None:
        self._inner = inner
        self._counts = counts
        self._key = key

    async def send(self, item: Any) -> None:
        await self._inner.send(item)
        self._counts[self._key] += 1

    def send_nowait(self, item: Any) -> None:
        self._inner.send_nowait(item)
        self._counts[self._key] += 1

    async def aclose(self) -> None:
        await self._inner.aclose()

    def statistics(self) -> ChannelStats:
        return self._inner.statistics()
