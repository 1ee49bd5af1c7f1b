"""The edge-tap protocol: a wrapper returned by ``tap`` sees every item, in order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

import pytest

from chrono_daemon import Channel, open_channel
from chrono_daemon.tap import EdgeTap, graph_input_topic, port_topic

if TYPE_CHECKING:
    from chrono_daemon import ChannelStats, SendStream

T = TypeVar("T")


class _Counting(Generic[T]):
    def __init__(self, send: SendStream[T], seen: list[tuple[str, object]], topic: str) -> None:
        self._send, self._seen, self._topic = send, seen, topic

    async def send(self, item: T, /) -> None:
        await self._send.send(item)
        self._seen.append((self._topic, item))

    def send_nowait(self, item: T, /) -> None:
        self._send.send_nowait(item)
        self._seen.append((self._topic, item))

    async def aclose(self) -> None:
        await self._send.aclose()

    def statistics(self) -> ChannelStats:
        return self._send.statistics()


class _Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    def tap(self, topic: str, message_type: object, send: SendStream[T]) -> SendStream[T]:
        return _Counting(send, self.seen, topic)


def test_topic_names() -> None:
    assert port_topic("system_stack", "s1_policy", "chunk") == "system_stack/s1_policy.chunk"
    assert graph_input_topic("system_stack", "obs") == "system_stack/in.obs"


@pytest.mark.anyio
async def test_a_tap_sees_every_item_in_order() -> None:
    recorder: EdgeTap = _Recorder()
    channel: Channel[int] = open_channel(4)
    send = recorder.tap("g/d.p", int, channel.send)
    for i in range(3):
        await send.send(i)
    send.send_nowait(3)
    await send.aclose()
    assert [item async for item in channel.recv] == [0, 1, 2, 3]
    assert isinstance(recorder, _Recorder)
    assert recorder.seen == [("g/d.p", i) for i in range(4)]
