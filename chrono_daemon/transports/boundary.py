"""``BoundaryEndpoints``: where a process of a split graph gets the ends of its cross-process edges.

A generated per-process class (``SystemStackPolicyProcess``) opens every edge to another
process through one object of this protocol, once per wire, at construction: ``send`` for a
wire whose producer runs here, ``receive`` for one whose consumers run here. ``chrono run
--process`` passes ZeroMQ endpoints (``chrono_daemon.run.ZmqEndpoints``); a test, a lockstep
coordinator that counts messages per edge, or a handshake that checks type hashes wraps or
replaces it without regenerating code.

Pure typing: the core stays anyio + stdlib (ADR 0005).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from chrono_daemon import ReceiveStream, SendStream

__all__ = ("BoundaryEndpoints",)


class BoundaryEndpoints(Protocol):
    """Opens the ends of the wires between the processes of a graph.

    ``wire`` is the wire's label, ``<producer>-><target process>`` (``s1_policy.chunk->env``);
    ``message_type`` the type expression of what it carries (a Struct class, ``list[float]``,
    ``Ping | Pong``...), for the serde; ``maxsize`` the edge's buffer. Every item sent on the
    returned ``SendStream`` arrives, in order, on the ``ReceiveStream`` opened for the same
    wire in the target process, followed by ``EndOfStream`` when the sender closes.
    """

    def send(self, wire: str, message_type: Any, maxsize: int) -> SendStream[Any]:
        """The producer's end of ``wire``."""
        ...

    def receive(self, wire: str, message_type: Any, maxsize: int) -> ReceiveStream[Any]:
        """The consumers' end of ``wire``."""
        ...
