"""The daemons a replay puts in place of the harness and of each ``--replace``d daemon.

Both are a ``Playback``: it sends the recorded messages of its output topics at their
recorded times (``RecordedRun.feed_topic``), closes each output when the original producer
closed it, and reads what arrives on its stream inputs, discarding it, so the daemons upstream
run as they did (a ``latest`` input needs no reader): at the recorded times when the file
holds them (``RecordedRun.take_topic``), else as soon as it arrives. It returns once every feed
and every input has ended; a stop closes its outputs, like a generated stub's ``on_stop``.

- The harness of a replay feeds the graph inputs (``<graph>/in.<name>``) and takes the graph
  outputs when the original harness took them (``<graph>/out.<name>``), so the back-pressure
  a slow harness put on the graph is replayed too (ADR 0028).
- A replaced daemon ``D`` feeds ``<graph>/D.<port>`` for each of its outputs, like dora's
  ``--replace``: the rest of the graph sees what ``D`` sent, when it sent it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio

from chrono_daemon import Daemon
from chrono_daemon.tap import graph_input_topic, graph_output_topic, port_topic

if TYPE_CHECKING:
    from chrono_daemon import Context, ReceiveStream, SendStream
    from codegen.model import DaemonDef, GraphDef

    from .source import RecordedRun

__all__ = ("Playback", "replaced_daemon", "replay_harness")


class Playback(Daemon):
    """Feeds recorded topics onto ``feeds`` (topic -> its send endpoint); drains ``drains``
    (topic -> its receive endpoint), at the times the topic's recorded takes say if any."""

    def __init__(
        self,
        name: str,
        run: RecordedRun,
        feeds: dict[str, SendStream[Any]],
        drains: dict[str, ReceiveStream[Any]],
    ) -> None:
        self.name = name
        self.recorded = run
        self.feeds = feeds
        self.drains = drains

    async def run(self, ctx: Context) -> None:
        async with anyio.create_task_group() as tg:
            for topic, send in self.feeds.items():
                tg.start_soon(self.recorded.feed_topic, topic, send, ctx.clock)
            for topic, source in self.drains.items():
                tg.start_soon(self.recorded.take_topic, topic, source, ctx.clock)

    async def on_stop(self, ctx: Context) -> None:
        if not ctx.will_restart:
            for send in self.feeds.values():
                await send.aclose()


def replay_harness(graph: GraphDef, stem: str, run: RecordedRun) -> type[Playback]:
    """The harness class for graph ``stem`` (constructed as ``cls(inputs=..., outputs=...)``,
    like the generated harness base): it feeds the recorded graph inputs."""

    class ReplayHarness(Playback):
        def __init__(self, *, inputs: Any, outputs: Any) -> None:
            feeds = {graph_input_topic(stem, p.name): getattr(inputs, p.name) for p in graph.inputs}
            drains = {
                graph_output_topic(stem, p.name): getattr(outputs, p.name) for p in graph.outputs
            }
            super().__init__(f"harness:{stem}", run, feeds, drains)
            self.inputs = inputs
            self.outputs = outputs

    return ReplayHarness


def replaced_daemon(daemon: DaemonDef, stem: str, run: RecordedRun) -> type[Playback]:
    """A stand-in for ``daemon`` (constructed like its generated base: one keyword argument
    per port, and ``params``) that plays back its recorded outputs."""

    class Replaced(Playback):
        def __init__(self, *, params: Any = None, **ports: Any) -> None:
            feeds = {port_topic(stem, daemon.name, p.name): ports[p.name] for p in daemon.outputs}
            # Inputs are not recorded as takes: they are read as soon as something arrives.
            drains = {
                f"{daemon.name}.{p.name}": ports[p.name] for p in daemon.inputs if not p.latest
            }
            super().__init__(daemon.name, run, feeds, drains)
            self.params = params

    Replaced.__qualname__ = Replaced.__name__ = f"Replaced_{daemon.name}"
    return Replaced
