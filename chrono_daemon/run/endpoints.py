"""``ZmqEndpoints``: the ZeroMQ ``BoundaryEndpoints`` that ``chrono run --process`` uses.

Each wire is one ZMQ edge (``chrono_daemon.transports.zmq``): the receiving process binds its
address, the sending process connects, payloads are msgspec MessagePack validated against the
wire's message type on receipt. Receivers watch their peer (``detect_peer_loss``): a process
that dies without closing its end makes the consumer's ``receive`` raise ``ZmqPeerLost`` rather
than wait forever, so the surviving processes fail fast and name the edge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chrono_daemon.transports.zmq import MsgpackSerde, ZmqConfig, open_zmq_receive, open_zmq_send

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chrono_daemon import ReceiveStream, SendStream

__all__ = ("ZmqEndpoints",)


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
            self.addresses[wire], bind=False, serde=MsgpackSerde(message_type), config=config
        )

    def receive(self, wire: str, message_type: Any, maxsize: int) -> ReceiveStream[Any]:
        """Bind the consumers' end of ``wire``."""
        config = ZmqConfig(maxsize=maxsize, linger_ms=self.linger_ms, detect_peer_loss=True)
        return open_zmq_receive(
            self.addresses[wire], bind=True, serde=MsgpackSerde(message_type), config=config
        )
