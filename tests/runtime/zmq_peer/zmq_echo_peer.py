"""The second OS process of the ZMQ process tests: a daemon under its own supervisor.

Usage: ``python zmq_echo_peer.py echo INBOX OUTBOX`` — receive ``Ping`` from INBOX, send one
``Pong`` per ping to OUTBOX, close OUTBOX at end of stream, exit 0.
``python zmq_echo_peer.py sink INBOX`` — receive forever, printing ``streaming`` to stdout after
the first message (the parent then kills this process).
``python zmq_echo_peer.py source OUTBOX`` — send ``Ping`` forever (the parent kills this process).
``python zmq_echo_peer.py burst OUTBOX N`` — send N ``Ping`` (maxsize 4), close, print ``closed``
and return at once (no context termination, as any program that just ends).
Every address is connected to; the parent binds them.
"""

from __future__ import annotations

import os
import sys

import anyio
import msgspec

from chrono_daemon import Context, ReceiveStream, SendStream, Supervisor, WallClock, daemon
from chrono_daemon.transports.zmq import MsgpackSerde, open_zmq_receive, open_zmq_send


class Ping(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    value: float


class Pong(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    doubled: float
    pid: int


@daemon
async def echo(ctx: Context, inbox: ReceiveStream[Ping], outbox: SendStream[Pong]) -> None:
    try:
        async for ping in inbox:
            await outbox.send(Pong(seq=ping.seq, doubled=2 * ping.value, pid=os.getpid()))
    finally:
        await outbox.aclose()


@daemon
async def sink(ctx: Context, inbox: ReceiveStream[Ping]) -> None:
    first = True
    async for _ in inbox:
        if first:
            print("streaming", flush=True)
            first = False


@daemon
async def source(ctx: Context, outbox: SendStream[Ping]) -> None:
    seq = 0
    while True:
        await outbox.send(Ping(seq=seq, value=0.0))
        seq += 1


async def main(argv: list[str]) -> None:
    mode, inbox_address = argv[0], argv[1]
    if mode == "burst":
        burst = open_zmq_send(inbox_address, maxsize=4, serde=MsgpackSerde(Ping))
        for seq in range(int(argv[2])):
            await burst.send(Ping(seq=seq, value=0.0))
        await burst.aclose()
        print("closed", flush=True)
        return
    if mode == "source":
        pings = open_zmq_send(inbox_address, maxsize=8, serde=MsgpackSerde(Ping))
        try:
            async with Supervisor(clock=WallClock()) as sup:
                sup.add(source(pings))
        finally:
            await pings.aclose()
        return
    inbox = open_zmq_receive(inbox_address, bind=False, maxsize=8, serde=MsgpackSerde(Ping))
    try:
        async with Supervisor(clock=WallClock()) as sup:
            if mode == "echo":
                outbox = open_zmq_send(argv[2], maxsize=8, serde=MsgpackSerde(Pong))
                sup.add(echo(inbox, outbox))
            else:
                sup.add(sink(inbox))
    finally:
        await inbox.aclose()


if __name__ == "__main__":
    anyio.run(main, sys.argv[1:])
