"""``compare_recordings``: the first place two recordings differ (replay's ``--check``).

Both files are read once, side by side. Recordings written by ``Recorder`` are in
(log_time, topic, sequence) order, so the first position where the two streams differ is the
earliest divergence: a message whose payload or publish time differs (with a field-level diff
of the decoded JSON), a message present in one run and not at that time in the other, or one
run ending early. Payloads are compared as decoded JSON, so two encodings of equal values (a
dict's key order) are equal; floats compare exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import zip_longest
from typing import TYPE_CHECKING, Any, Literal

from .reader import RecordedMessage, read_messages, seconds

if TYPE_CHECKING:
    import os
    from collections.abc import Collection, Iterator

__all__ = ("Divergence", "FieldDiff", "compare_recordings", "diff_values")

DivergenceKind = Literal["payload", "publish_time", "log_time", "missing", "extra"]

_MAX_DIFFS = 10


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """One differing value: its JSON path (``$.chunk.actions[3]``) and both values."""

    path: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.path}: expected {self.expected!r}, got {self.actual!r}"


@dataclass(frozen=True, slots=True)
class Divergence:
    """Where the actual recording first departs from the expected one.

    Attributes:
        kind: ``payload`` (same message, other values), ``publish_time`` (sent at another
            time), ``log_time`` (the same message of the topic delivered at another time),
            ``missing`` (the expected message is not in the actual run at that time),
            ``extra`` (the actual run has a message the expected one has not at that time).
        topic, log_time, sequence: the message (of the expected run, except for ``extra``).
        diffs: for ``payload``, the differing fields (at most ten).
        expected, actual: the two messages at that position (None past a run's end).
    """

    kind: DivergenceKind
    topic: str
    log_time: int
    sequence: int
    diffs: tuple[FieldDiff, ...]
    expected: RecordedMessage[Any] | None
    actual: RecordedMessage[Any] | None

    def __str__(self) -> str:
        head = f"{self.topic} #{self.sequence} at t={seconds(self.log_time):.9g} s"
        if self.kind == "payload":
            return f"{head}: the message differs\n" + "\n".join(f"  {d}" for d in self.diffs)
        if self.kind in ("publish_time", "log_time"):
            assert self.expected is not None
            assert self.actual is not None
            if self.kind == "log_time":
                return f"{head}: delivered at t={seconds(self.actual.log_time):.9g} s instead"
            return (
                f"{head}: sent at t={seconds(self.actual.publish_time):.9g} s instead of "
                f"t={seconds(self.expected.publish_time):.9g} s"
            )
        other = self.actual if self.kind == "missing" else self.expected
        instead = (
            "ends here"
            if other is None
            else f"has {other.topic} #{other.sequence} at t={seconds(other.log_time):.9g} s"
        )
        if self.kind == "missing":
            return f"{head}: missing from the new run, which {instead}"
        return f"{head}: not in the expected run, which {instead}"


def compare_recordings(
    expected: str | os.PathLike[str],
    actual: str | os.PathLike[str],
    *,
    topics: Collection[str] | None = None,
    offset: int = 0,
) -> Divergence | None:
    """Return the first divergence of ``actual`` from ``expected`` (of ``topics``), or None.

    ``offset`` (ns) is subtracted from the times of ``expected``: a replay runs from t=0 a
    recording whose clock started at ``offset`` (a wall-clock run). A divergence reports the
    times of the replay.

    Raises:
        RecordingError: either file cannot be read (see ``read_messages``).
    """
    wanted = read_messages(expected, topics=topics)
    if offset:
        wanted = (_shifted(m, offset) for m in wanted)
    for want, got in zip_longest(wanted, read_messages(actual, topics=topics)):
        divergence = _diverges(want, got)
        if divergence is not None:
            return divergence
    return None


def _shifted(message: RecordedMessage[Any], offset: int) -> RecordedMessage[Any]:
    return replace(
        message, log_time=message.log_time - offset, publish_time=message.publish_time - offset
    )


def _key(message: RecordedMessage[Any]) -> tuple[int, str, int]:
    return message.log_time, message.topic, message.sequence


def _diverges(
    want: RecordedMessage[Any] | None, got: RecordedMessage[Any] | None
) -> Divergence | None:
    if want is None or got is None or _key(want) != _key(got):
        same = want is not None and got is not None and _key(want)[1:] == _key(got)[1:]
        if same:  # one message of the topic, delivered at another time
            assert want is not None
            kind: DivergenceKind = "log_time"
            return Divergence(kind, want.topic, want.log_time, want.sequence, (), want, got)
        if got is None or (want is not None and _key(want) < _key(got)):
            assert want is not None
            return Divergence("missing", want.topic, want.log_time, want.sequence, (), want, got)
        return Divergence("extra", got.topic, got.log_time, got.sequence, (), want, got)
    if want.data != got.data and want.message != got.message:
        diffs = tuple(diff_values(want.message, got.message))
        return Divergence("payload", want.topic, want.log_time, want.sequence, diffs, want, got)
    if want.publish_time != got.publish_time:
        return Divergence("publish_time", want.topic, want.log_time, want.sequence, (), want, got)
    return None


def diff_values(expected: Any, actual: Any, path: str = "$") -> Iterator[FieldDiff]:
    """The differing leaves of two JSON values, by JSON path (at most ten)."""
    for count, diff in enumerate(_walk(expected, actual, path), start=1):
        yield diff
        if count == _MAX_DIFFS:
            return


def _walk(expected: Any, actual: Any, path: str) -> Iterator[FieldDiff]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in list(expected) + [k for k in actual if k not in expected]:
            sub = f"{path}.{key}"
            if key not in actual:
                yield FieldDiff(sub, expected[key], _ABSENT)
            elif key not in expected:
                yield FieldDiff(sub, _ABSENT, actual[key])
            else:
                yield from _walk(expected[key], actual[key], sub)
    elif isinstance(expected, list) and isinstance(actual, list):
        for i, (a, b) in enumerate(zip(expected, actual, strict=False)):
            yield from _walk(a, b, f"{path}[{i}]")
        if len(expected) != len(actual):
            yield FieldDiff(f"{path}.length", len(expected), len(actual))
    elif type(expected) is not type(actual) or expected != actual:
        yield FieldDiff(path, expected, actual)


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


_ABSENT = _Absent()
