"""The coordinator and the follower fail loudly, naming the process, and never hang: a
malformed control frame (over real ZeroMQ), an unexpected message, a silent follower, one that
leaves without its final report, a deadlock; and a follower whose coordinator goes away."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
import zmq

from chrono_daemon import open_channel
from chrono_daemon.launch.control import ControlLink, Ready, bind_control
from chrono_daemon.lockstep import Coordinator, LockstepError, process_plan
from chrono_daemon.lockstep.child import build_follower
from chrono_daemon.lockstep.protocol import Grant, Release, Report, Stop
from chrono_daemon.run import MemoryEndpoints, execute, plan_run

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[2]
BOUND = 10.0


def links() -> tuple[ControlLink, ControlLink]:
    """(the coordinator's side, the follower's side) of an in-memory control link."""
    down: Any = open_channel(16)
    up: Any = open_channel(16)
    return ControlLink(send=down.send, recv=up.recv), ControlLink(send=up.send, recv=down.recv)


def report(seq: int, process: str, **extra: Any) -> Report:
    fields: dict[str, Any] = {
        "now": 0.0, "head": None, "head_key": None, "sent": {}, "taken": {}, "blocked": [],
        "closed": [],
    }  # fmt: skip
    return Report(seq=seq, process=process, **{**fields, **extra})


async def answer_all(link: ControlLink, process: str) -> None:
    """A follower with nothing to do: reports idle, and finishes when told to stop."""
    await link.send.send(report(0, process))
    async for command in link.recv:
        assert isinstance(command, Grant | Release | Stop)
        await link.send.send(report(command.seq, process, finished=isinstance(command, Stop)))


async def test_a_malformed_control_frame_stops_lockstep_naming_the_process(
    tmp_path: Path,
) -> None:
    link, value = bind_control(tmp_path, "policy")
    peer: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.PAIR)
    try:
        peer.connect(value.split()[0])
        peer.send(b"\xff not msgpack")
        coordinator = Coordinator(["policy"], [], {"policy": link}, watchdog=BOUND)
        with anyio.fail_after(BOUND), pytest.raises(LockstepError) as caught:
            await coordinator.run()
    finally:
        peer.close(linger=0)
        await link.aclose()
    assert caught.value.process == "policy"
    assert str(caught.value).startswith("process 'policy' sent a malformed lockstep control frame:")


async def test_an_unexpected_message_stops_lockstep_naming_the_process() -> None:
    mine, theirs = links()
    await theirs.send.send(Ready(process="env", pid=1))
    coordinator = Coordinator(["env"], [], {"env": mine})
    with anyio.fail_after(BOUND), pytest.raises(LockstepError) as caught:
        await coordinator.run()
    assert caught.value.process == "env"
    assert str(caught.value) == "process 'env' sent an unexpected lockstep control message (Ready)"


async def test_a_silent_follower_trips_the_watchdog() -> None:
    (a, a_side), (b, _) = links(), links()
    await a_side.send.send(report(0, "a"))
    coordinator = Coordinator(["a", "b"], [], {"a": a, "b": b}, watchdog=0.3)
    with anyio.fail_after(BOUND), pytest.raises(LockstepError) as caught:
        await coordinator.run()
    assert caught.value.process == "b"
    assert str(caught.value).startswith(
        "process 'b' did not answer the lockstep coordinator within 0.3 s"
    )


async def test_a_follower_that_leaves_without_its_final_report_is_named() -> None:
    mine, theirs = links()
    await theirs.send.send(report(0, "planner", head=1.0, head_key=(0,)))
    await theirs.send.aclose()
    coordinator = Coordinator(["planner"], [], {"planner": mine})
    with anyio.fail_after(BOUND), pytest.raises(LockstepError) as caught:
        await coordinator.run()
    assert caught.value.process == "planner"
    assert "left lockstep without a final report" in str(caught.value)


async def test_idle_processes_with_nobody_sleeping_are_a_deadlock_without_until() -> None:
    (a, a_side), (b, b_side) = links(), links()
    coordinator = Coordinator(["a", "b"], [], {"a": a, "b": b})
    async with anyio.create_task_group() as tg:
        tg.start_soon(answer_all, a_side, "a")
        tg.start_soon(answer_all, b_side, "b")
        with anyio.fail_after(BOUND), pytest.raises(LockstepError) as caught:
            await coordinator.run()
        tg.cancel_scope.cancel()
    assert str(caught.value).startswith(
        "lockstep deadlock at t=0: no process sleeps and no message is in flight, but 'a', 'b' "
        "still run"
    )


async def test_with_until_idle_processes_are_moved_there_and_stopped() -> None:
    (a, a_side), (b, b_side) = links(), links()
    coordinator = Coordinator(["a", "b"], [], {"a": a, "b": b}, until=5.0)
    async with anyio.create_task_group() as tg:
        tg.start_soon(answer_all, a_side, "a")
        tg.start_soon(answer_all, b_side, "b")
        with anyio.fail_after(BOUND):
            stats = await coordinator.run()
        tg.cancel_scope.cancel()
    assert stats.now == 5.0
    assert stats.grants == 0


async def test_a_follower_whose_coordinator_goes_away_fails_its_run() -> None:
    plan = plan_run(REPO / "schemas", "system_stack", str(REPO / "examples/system_stack_impl.py"))
    policy = process_plan(plan, plan.graph.processes[2])
    mine, theirs = links()
    built, follower = build_follower(policy, theirs, endpoints=MemoryEndpoints())
    await mine.send.aclose()
    with anyio.fail_after(BOUND):
        outcome = await execute(built, driver=follower, handle_signals=False)
    assert outcome.exit_code == 1
    assert outcome.reason == "process 'policy': the lockstep coordinator went away"
    first = await mine.recv.receive()
    assert isinstance(first, Report)
    assert first.seq == 0
    assert first.head == 0.1  # the policy's first 10 Hz tick
    final = await mine.recv.receive()
    assert isinstance(final, Report)
    assert final.finished
