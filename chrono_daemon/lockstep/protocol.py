"""The lockstep messages between the coordinator and each follower (ADR 0026).

They travel on the launcher <-> child control channel (``chrono_daemon.launch.control``) as
members of its tagged union, validated on receipt. Every command carries a sequence number;
the follower answers each with one ``Report`` of the same number, taken once its event loop
is idle again. Counts are cumulative since the start, per wire label:

- ``sent``: frames the producer process wrote to the wire (items, plus one for the end of
  the stream);
- ``taken``: items the consumers in the receiving process took out of it.

A wire's frames reach the receiving process at once but stay *held* there until a
``Release`` lets them in, and a producer learns what its consumers took (its credit) only from
a command: every effect that crosses a process boundary is applied at a point the coordinator
chose, which is what makes the outputs independent of socket timing.
"""

from __future__ import annotations

import msgspec

__all__ = ("Command", "Grant", "Release", "Report", "Stop", "Wake")

Key = tuple[int, ...]
"""A daemon's SimClock tie-order key (``Supervisor.add(order=...)``, nested supervisors extend
it): sleepers due at one instant wake by ascending key."""


class Wake(msgspec.Struct, frozen=True, kw_only=True, array_like=True):
    """A point of the global wake-up order: ``(deadline, key, process index)``.

    ``key`` None stands for "after every key at ``deadline``" (the ``--until`` bound).
    """

    deadline: float
    key: Key | None
    index: int

    def sort_key(self) -> tuple[float, int, Key, int]:
        """Compare wake points: deadline, then key (None last), then process index."""
        return (self.deadline, self.key is None, self.key or (), self.index)


class Grant(msgspec.Struct, frozen=True, kw_only=True, tag="lockstep-grant"):
    """Coordinator -> follower: wake your due sleepers one at a time, in order, while they
    come strictly before ``bound``; stop after the first wake-up whose effects crossed to
    another process (a frame sent, or an item taken from a wire in ``urgent``), or once
    ``slice_s`` wall seconds have passed.

    ``credits``: the ``taken`` count of every wire this process produces (its send credit).
    ``urgent``: inbound wires whose producer is blocked waiting for credit.
    ``closed``: outbound wires whose receiving end was closed.
    """

    seq: int
    bound: Wake
    credits: dict[str, int]
    urgent: list[str]
    closed: list[str]
    slice_s: float


class Release(msgspec.Struct, frozen=True, kw_only=True, tag="lockstep-release"):
    """Coordinator -> follower: move to ``now``, apply ``credits``/``closed`` (see ``Grant``),
    then let in the held frames of each inbound wire up to ``upto[wire]`` (cumulative; in the
    order listed, which is the schema's wire order, settling before each wire), and settle."""

    seq: int
    now: float
    upto: list[tuple[str, int]]
    credits: dict[str, int]
    closed: list[str]


class Stop(msgspec.Struct, frozen=True, kw_only=True, tag="lockstep-stop"):
    """Coordinator -> follower: move to ``now`` and ask the supervisor to stop (``grace``
    wall seconds, as ``Supervisor.stop``); lockstep goes on until every process has ended."""

    seq: int
    now: float
    grace: float


Command = Grant | Release | Stop
"""Everything the coordinator sends a follower."""


class Report(msgspec.Struct, frozen=True, kw_only=True, tag="lockstep-report"):
    """Follower -> coordinator: the answer to command ``seq`` (0: the first report, once the
    daemons started), taken with the follower's event loop idle.

    ``head``: the follower's earliest sleeper (deadline and key), None when nobody sleeps.
    ``blocked``: outbound wires with a sender waiting for credit. ``closed``: inbound wires
    whose consumers closed their end. ``finished``: the supervisor has exited (the counts are
    final); sent once, also unasked. ``stop``: the process was asked to stop (a signal) and
    wants every process stopped at the current instant.
    """

    seq: int
    process: str
    now: float
    head: float | None
    head_key: Key | None
    sent: dict[str, int]
    taken: dict[str, int]
    blocked: list[str]
    closed: list[str]
    finished: bool = False
    stop: bool = False
