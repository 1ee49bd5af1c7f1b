"""The progress line: drawn only on a TTY, only after the delay, erased when the command ends.

No wall-clock sleeps: tests wait on ``Progress.drawn`` (an event) or use delays that either
fire at once (0) or never within the test (one hour; leaving the block wakes the thread).
"""

from __future__ import annotations

import io

from codegen.progress import Progress


class FakeTTY(io.StringIO):
    """A text stream that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


def test_draws_the_stage_on_a_tty_and_erases_it_at_the_end() -> None:
    stream = FakeTTY()
    progress = Progress("chrono gen", stream=stream, delay=0.0)
    progress.stage("rendering", 3, 10)
    progress.stage("rendering", 4, 10)  # the newest stage wins
    with progress:
        assert progress.drawn.wait(30)
    text = stream.getvalue()
    frames = text.split("\r")
    drawn = [f for f in frames if f.strip()]
    assert drawn
    assert all(f.startswith("chrono gen: ") for f in drawn)
    assert any("rendering 4/10... " in f for f in drawn)
    # The last frame blanks the line and returns the cursor: nothing is left on screen.
    assert frames[-1] == ""
    assert frames[-2].strip() == ""
    assert len(frames[-2]) >= max(len(f) for f in drawn)


def test_never_draws_when_the_stream_is_not_a_tty() -> None:
    stream = io.StringIO()
    with Progress("chrono gen", stream=stream, delay=0.0) as progress:
        progress.stage("loading")
    assert not progress.enabled
    assert stream.getvalue() == ""


def test_a_command_faster_than_the_delay_draws_nothing() -> None:
    stream = FakeTTY()
    with Progress("chrono check", stream=stream, delay=3600.0) as progress:
        progress.stage("resolving")
    assert not progress.drawn.is_set()
    assert stream.getvalue() == ""


def test_enabled_can_be_forced_off_on_a_tty() -> None:
    stream = FakeTTY()
    with Progress("chrono gen", stream=stream, enabled=False, delay=0.0):
        pass
    assert stream.getvalue() == ""
