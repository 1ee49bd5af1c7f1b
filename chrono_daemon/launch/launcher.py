"""``launch``: one child process per ``[processes]`` entry, supervised (SPEC §6.2).

Each child is ``python -m codegen run SCHEMAS --graph G --impl MODULE --process P`` in its own
process group, with the complete wire address map in ``CHRONO_ADDRESSES`` (pinned addresses
as given, the others ``ipc://`` socket files in the launch's private directory, so two
launches of one graph never meet) and its control channel in ``CHRONO_CONTROL``.
Supervision:

- every line a child prints reaches ``on_line(process, stream, line)``;
- SIGINT/SIGTERM to the launcher is forwarded to every child, which stops gracefully;
- a child that exits non-zero or is killed stops the others (SIGTERM, then SIGKILL after
  ``grace`` + a margin) and the launch fails naming it and its status;
- children that all exit 0 (the graph drained) make the launch succeed.

Under ``clock="sim"`` the children follow a lockstep ``Coordinator`` run here, on their
control channels (``chrono_daemon.lockstep``, ADR 0026): ``until`` is the coordinator's, a
signal stops every process at one virtual instant, and a follower that dies, stays silent
past ``watchdog`` or sends a malformed frame fails the launch naming it.

Whatever happens, every child is waited for before ``launch`` returns: no orphans.

With ``record=F.mcap`` each child records its own edges to ``F.<process>.mcap`` next to F
(``chrono run --record``), and once every child has exited the launcher merges those files
into F by time and deletes them (``chrono_daemon/launch/recording.py``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import anyio

from chrono_daemon import ChannelClosed, EndOfStream
from chrono_daemon.lockstep.coordinator import DEFAULT_WATCHDOG, Coordinator, Route
from chrono_daemon.lockstep.errors import LockstepError
from chrono_daemon.lockstep.routes import routes_of
from chrono_daemon.run.addresses import (
    ADDRESSES_ENV,
    format_addresses,
    private_addresses,
    wire_addresses,
)
from chrono_daemon.run.errors import RunError
from chrono_daemon.run.plan import load_graph, plan_run
from chrono_daemon.run.signals import on_signals
from chrono_daemon.transports.zmq import ZmqChannelError

from .control import CONTROL_ENV, LAUNCHER_PID_ENV, LOCKSTEP_ENV, ControlLink, Ready, bind_control
from .recording import merge_parts, part_paths, record_args

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from anyio.abc import ByteReceiveStream, Process, TaskGroup

__all__ = ("LaunchOutcome", "describe_status", "free_ports", "launch")

KILL_MARGIN = 5.0
"""Seconds past ``grace`` a stopped child gets before SIGKILL."""


@dataclass
class LaunchOutcome:
    """How a launch ended: the exit code, a one-line reason, and lines about the recording."""

    exit_code: int
    reason: str
    notes: list[str] = field(default_factory=list)


@dataclass
class _Child:
    name: str
    process: Process
    control: ControlLink
    status: int | None = None


@dataclass
class _State:
    children: list[_Child] = field(default_factory=list)
    ready: set[str] = field(default_factory=set)
    signal: int | None = None
    failure: str | None = None
    stopping: bool = False


def free_ports(hosts: Sequence[str]) -> list[int]:
    """A port the OS calls free on each host, all distinct: bound at once, then released.

    Another program may take one before it is bound: for tests and benchmarks that need a
    TCP port (``launch`` itself uses ``ipc://`` files: ``private_addresses``).
    """
    held: list[socket.socket] = []
    try:
        for host in hosts:
            family = socket.AF_INET6 if host.startswith("[") else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            held.append(sock)
            sock.bind((host.strip("[]"), 0))
        return [s.getsockname()[1] for s in held]
    finally:
        for sock in held:
            sock.close()


def describe_status(code: int) -> str:
    """``exited with status 1`` / ``was killed by SIGKILL`` for a ``returncode``."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited with status {code}"


async def launch(
    schemas: Path,
    graph: str,
    impl: str,
    *,
    params: Path | None = None,
    clock: Literal["wall", "sim"] = "wall",
    until: float | None = None,
    backend: Literal["asyncio", "trio"] = "asyncio",
    addresses: Mapping[str, str] | None = None,
    grace: float = 5.0,
    on_line: Callable[[str, str, str], None] | None = None,
    on_ready: Callable[[], None] | None = None,
    handle_signals: bool = True,
    python: str = sys.executable,
    record: Path | None = None,
    record_topics: Sequence[str] = (),
    watchdog: float = DEFAULT_WATCHDOG,
    on_progress: Callable[[float, float | None, float], None] | None = None,
) -> LaunchOutcome:
    """Start and supervise every process of ``graph``; see the module docstring.

    ``record`` and ``record_topics`` are ``chrono run``'s ``--record`` and ``--record-topics``,
    for every process; the recording is merged into ``record`` at the end.

    Everything a child would check first (schemas, MODULE, params, addresses) is checked here
    before any child starts. ``on_ready()`` runs once every child reported its daemons started.
    Under ``clock="sim"``: ``watchdog`` is the wall seconds a child may take to answer one
    lockstep command, and ``on_progress(now, until, sim_rate)`` hears the virtual time.

    Raises:
        RunError: bad input (nothing was started).
    """
    if watchdog <= 0:
        raise RunError([f"chrono launch: --watchdog must be > 0 seconds, got {watchdog:g}"])
    module, _ = load_graph(schemas, graph)
    model = module.graph
    assert model is not None
    if not model.processes:
        raise RunError(
            [
                f"chrono launch: graph {graph!r} declares no [processes]; run it with chrono "
                "run, or add [processes.NAME] tables to its schema"
            ]
        )
    workdir = Path(tempfile.mkdtemp(prefix="chrono-launch-"))
    try:
        pinned = wire_addresses(model, None, addresses or {})
        chosen = private_addresses(model, pinned, workdir)
        for p in model.processes:
            plan_run(schemas, graph, impl, process=p.name, params=params, addresses=chosen)
        names = [p.name for p in model.processes]
        parts = part_paths(record, names, module, record_topics)
        argv = [python, "-m", "codegen", "run", str(schemas), "--graph", graph, "--impl", impl]
        argv += ["--clock", clock, "--backend", backend, "--grace", repr(grace)]
        argv += [] if params is None else ["--params", str(params)]
        env = {
            **os.environ,
            ADDRESSES_ENV: format_addresses(chosen),
            LAUNCHER_PID_ENV: str(os.getpid()),
            "PYTHONUNBUFFERED": "1",
        }
        extra = {name: record_args(parts, name, record_topics) for name in names}
        # Under lockstep, until is the coordinator's (a follower only notes it, in a recording)
        argv += [] if until is None else ["--until", repr(until)]
        lockstep = None
        if clock == "sim":
            env[LOCKSTEP_ENV] = "1"
            lockstep = _Lockstep(routes_of(model), until, watchdog, on_progress)
        outcome = await _supervise(
            workdir, names, argv, extra, env, grace, on_line, on_ready, handle_signals, lockstep
        )
        return outcome if record is None else merge_parts(record, parts, outcome)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class _Lockstep:
    routes: list[Route]
    until: float | None
    watchdog: float
    on_progress: Callable[[float, float | None, float], None] | None
    coordinator: Coordinator | None = None


async def _supervise(
    workdir: Path,
    names: Sequence[str],
    argv: list[str],
    extra: Mapping[str, list[str]],
    env: dict[str, str],
    grace: float,
    on_line: Callable[[str, str, str], None] | None,
    on_ready: Callable[[], None] | None,
    handle_signals: bool,
    lockstep: _Lockstep | None = None,
) -> LaunchOutcome:
    state = _State()
    emit = on_line or _print_line
    try:
        async with anyio.create_task_group() as tg:
            if handle_signals:

                def forward(signum: int) -> None:
                    state.signal = signum
                    if lockstep is not None and lockstep.coordinator is not None:
                        # every process stops at one virtual instant, through lockstep
                        lockstep.coordinator.request_stop()
                        tg.start_soon(_kill_after, state, grace + KILL_MARGIN)
                    else:
                        _stop_all(state, tg, signum, grace)

                def kill() -> None:
                    for child in state.children:
                        if child.status is None:
                            _signal_group(child, signal.SIGKILL)

                await tg.start(on_signals, forward, kill)
            async with anyio.create_task_group() as children:
                for name in names:
                    link, value = bind_control(workdir, name)
                    process = await anyio.open_process(
                        [*argv, "--process", name, *extra[name]],
                        env={**env, CONTROL_ENV: value},
                        start_new_session=True,
                    )
                    child = _Child(name, process, link)
                    state.children.append(child)
                    children.start_soon(_run_child, child, state, tg, grace, emit)
                    if lockstep is None:
                        tg.start_soon(_watch_ready, child, state, len(names), on_ready)
                if lockstep is not None:
                    lockstep.coordinator = Coordinator(
                        names,
                        lockstep.routes,
                        {c.name: c.control for c in state.children},
                        until=lockstep.until,
                        grace=grace,
                        watchdog=lockstep.watchdog,
                        on_started=on_ready,
                        on_progress=lockstep.on_progress,
                    )
                    tg.start_soon(_coordinate, lockstep.coordinator, state, tg, grace)
            tg.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):
            for child in state.children:
                await _reap(child)
                await child.control.aclose()
    if state.signal is not None:
        return LaunchOutcome(128 + state.signal, f"stopped by {signal.Signals(state.signal).name}")
    if state.failure is not None:
        return LaunchOutcome(1, state.failure)
    return LaunchOutcome(0, f"all {len(names)} processes exited 0")


async def _run_child(
    child: _Child, state: _State, tg: TaskGroup, grace: float, emit: Callable[[str, str, str], None]
) -> None:
    """Relay the child's output until it exits; a failure stops the others."""
    process = child.process
    assert process.stdout is not None
    assert process.stderr is not None
    async with anyio.create_task_group() as pumps:
        pumps.start_soon(_pump, child.name, "stdout", process.stdout, emit)
        pumps.start_soon(_pump, child.name, "stderr", process.stderr, emit)
        child.status = await process.wait()
        if child.status != 0 and not state.stopping:
            state.failure = f"process {child.name!r} {describe_status(child.status)}"
            _stop_all(state, tg, signal.SIGTERM, grace)
        # The last lines are in the pipes; a grandchild that keeps them open is not waited for.
        pumps.cancel_scope.deadline = anyio.current_time() + 2.0


async def _coordinate(coordinator: Coordinator, state: _State, tg: TaskGroup, grace: float) -> None:
    """Run lockstep; its failure stops every child, named by the dead child's status if the
    process at fault died (its exit status says more than its silence)."""
    try:
        await coordinator.run()
    except LockstepError as exc:
        if state.stopping:
            return  # a child failed first: that is the reason
        child = next((c for c in state.children if c.name == exc.process), None)
        if child is not None:
            with anyio.move_on_after(1.0):
                await child.process.wait()
            if child.process.returncode not in (None, 0):
                return  # _run_child names it with its status
        state.failure = f"lockstep: {exc}"
        _stop_all(state, tg, signal.SIGTERM, grace)
        return
    async with anyio.create_task_group() as readers:  # the final reports are in
        for child in state.children:
            readers.start_soon(_read_to_end, child)


def _stop_all(state: _State, tg: TaskGroup, signum: int, grace: float) -> None:
    """Send ``signum`` to every running child's group; SIGKILL what is left after a while."""
    state.stopping = True
    for child in state.children:
        if child.status is None:
            _signal_group(child, signum)
    tg.start_soon(_kill_after, state, grace + KILL_MARGIN)


async def _kill_after(state: _State, delay: float) -> None:
    await anyio.sleep(delay)
    for child in state.children:
        if child.status is None:
            _signal_group(child, signal.SIGKILL)


def _signal_group(child: _Child, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.process.pid, signum)


async def _reap(child: _Child) -> None:
    """Make sure the child and its group are gone (after a failure of the launcher itself)."""
    if child.process.returncode is None:
        _signal_group(child, signal.SIGKILL)
    with anyio.move_on_after(KILL_MARGIN):
        await child.process.wait()
    _signal_group(child, signal.SIGKILL)  # grandchildren of a child that exited


async def _watch_ready(
    child: _Child, state: _State, total: int, on_ready: Callable[[], None] | None
) -> None:
    try:
        message = await child.control.recv.receive()
    except (EndOfStream, ChannelClosed, ZmqChannelError):
        return  # the child died first: its exit status tells why
    if not isinstance(message, Ready):
        return  # (lockstep messages are the coordinator's)
    state.ready.add(message.process)
    if len(state.ready) == total and on_ready is not None:
        on_ready()
    await _read_to_end(child)


async def _read_to_end(child: _Child) -> None:
    """Read ``child``'s control stream to its end: a child's exit waits until its end of
    stream is read (ADR 0030), so a launcher that stops reading holds every child's exit for
    ``linger_ms`` and makes it warn."""
    with contextlib.suppress(ChannelClosed, ZmqChannelError):
        async for _ in child.control.recv:
            pass


async def _pump(
    name: str, stream: str, source: ByteReceiveStream, emit: Callable[[str, str, str], None]
) -> None:
    buffer = b""
    async for chunk in source:
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            emit(name, stream, line.decode("utf-8", "replace"))
    if buffer:
        emit(name, stream, buffer.decode("utf-8", "replace"))


def _print_line(name: str, stream: str, line: str) -> None:
    print(f"[{name}] {line}", file=sys.stderr if stream == "stderr" else sys.stdout, flush=True)
