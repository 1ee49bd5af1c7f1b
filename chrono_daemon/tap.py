"""Edge taps: observe every message a producer port sends (recording, counting, tracing).

A graph built from a schema (and any hand-wired graph that chooses to) passes each producer's
send endpoint through ``EdgeTap.tap`` once, at construction, and hands the producer whatever
comes back. A recorder returns a wrapper that logs each item it forwards; a graph built with no
tap uses the endpoints as they are, at no cost.

Topics name producer ports: ``<graph>/<daemon>.<port>`` for a daemon output and
``<graph>/in.<name>`` for a graph input (``<graph>`` is the schema file's stem). One topic per
producer port, however many consumers a tee copies it to. A recorder may also record what the
harness takes from a graph output, as ``<graph>/out.<name>``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from .channel import SendStream

__all__ = ("EdgeTap", "graph_input_topic", "graph_output_topic", "port_topic")

T = TypeVar("T")


class EdgeTap(Protocol):
    """Something that may wrap the send endpoint of every producer port of a graph."""

    def tap(self, topic: str, message_type: object, send: SendStream[T]) -> SendStream[T]:
        """Return the endpoint the producer of ``topic`` sends on instead of ``send``.

        ``message_type`` is the port's message type as a type expression msgspec understands
        (a Struct class, ``int``, ``Ping | Pong``...). The returned endpoint must forward every
        item to ``send`` in order, keep its back-pressure and errors, and close ``send`` when
        closed; returning ``send`` itself leaves the topic untapped.
        """
        ...


def port_topic(graph: str, daemon: str, port: str) -> str:
    """The topic of output ``port`` of ``daemon`` in graph ``graph``: ``graph/daemon.port``."""
    return f"{graph}/{daemon}.{port}"


def graph_input_topic(graph: str, name: str) -> str:
    """The topic of graph input ``name``: ``graph/in.name``."""
    return f"{graph}/in.{name}"


def graph_output_topic(graph: str, name: str) -> str:
    """The topic of what the harness takes from graph output ``name``: ``graph/out.name``."""
    return f"{graph}/out.{name}"
