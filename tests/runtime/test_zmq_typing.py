"""The ZMQ endpoints are typed like in-process ones: a wrong message type is a mypy error.

mypy --strict runs over a snippet whose misuses are marked ``# expect: [code]``; the set of
(line, code) it reports must equal the set of markers (no message text is compared).
"""

from __future__ import annotations

import re
from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[2]

SNIPPET = """\
from chrono_daemon import Channel, ReceiveStream, SendStream
from chrono_daemon.transports.zmq import (
    MsgpackSerde,
    open_zmq_channel,
    open_zmq_receive,
    open_zmq_send,
)


class Obs: ...


class Cmd: ...


A = "inproc://t"
ok_send: SendStream[Obs] = open_zmq_send(A, serde=MsgpackSerde(Obs))
ok_recv: ReceiveStream[Obs] = open_zmq_receive(A, serde=MsgpackSerde(Obs))
ok_channel: Channel[Obs] = open_zmq_channel(A, serde=MsgpackSerde(Obs))
ok_union: MsgpackSerde[Obs | Cmd] = MsgpackSerde(Obs | Cmd)
ok_untyped: Channel[int] = open_zmq_channel(A)
bad_send: SendStream[Cmd] = open_zmq_send(A, serde=MsgpackSerde(Obs))  # expect: [arg-type]
bad_recv: ReceiveStream[Cmd] = open_zmq_receive(A, serde=MsgpackSerde(Obs))  # expect: [arg-type]
bad_channel: Channel[Cmd] = open_zmq_channel(A, serde=MsgpackSerde(Obs))  # expect: [arg-type]
typed = open_zmq_channel(A, serde=MsgpackSerde(Obs))
typed.send.send_nowait(Cmd())  # expect: [arg-type]
received: Cmd = typed.recv.receive_nowait()  # expect: [assignment]
"""

_ERROR = re.compile(r"^[^:]+:(\d+): error: .*\[([\w-]+)\]$")


def test_wrong_message_types_on_zmq_endpoints_are_mypy_errors(tmp_path: Path) -> None:
    snippet = tmp_path / "zmq_typing_snippet.py"
    snippet.write_text(SNIPPET)
    expected = {
        (n, code)
        for n, line in enumerate(SNIPPET.splitlines(), 1)
        for code in re.findall(r"# expect: \[([\w-]+)\]", line)
    }
    stdout, stderr, _ = api.run(
        [
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "mypy_cache"),
            "--no-error-summary",
            "--show-error-codes",
            str(snippet),
        ]
    )
    found = {(int(m[1]), m[2]) for line in stdout.splitlines() if (m := _ERROR.match(line.strip()))}
    assert found == expected, stdout + stderr
