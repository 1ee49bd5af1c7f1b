"""What a person sees first when a daemon fails under "shutdown" (issue 9, item 13)."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest

from chrono_daemon import Context, DaemonError, SimClock, Supervisor, daemon

if TYPE_CHECKING:
    from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import sys

    import anyio

    from chrono_daemon import Context, SimClock, Supervisor, daemon


    @daemon
    async def policy(ctx: Context) -> None:
        async for t in ctx.clock.every(0.05):
            if t >= 0.2:
                print(1 / 0)  # the bug


    async def main() -> None:
        clock = SimClock()
        async with Supervisor(clock=clock) as sup:
            sup.add(policy())
            await clock.advance(1.0)


    anyio.run(main, backend=sys.argv[1])
    """
)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_a_script_with_default_logging_shows_the_clear_line_first(
    backend: str, tmp_path: Path
) -> None:
    script = tmp_path / "crash.py"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), backend],
        capture_output=True,
        text=True,
        timeout=60,  # run() kills the child if it hangs
        check=False,
    )
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert re.fullmatch(
        r"daemon 'policy' failed in run at t=0\.2 \(SimClock\), \d+\.\d{3} s after the "
        r"supervisor started: ZeroDivisionError\('division by zero'\) "
        rf"\({re.escape(str(script))}:13 in policy\); the supervisor stops "
        r"\(on_error='shutdown'\)",
        lines[0],
    ), lines[0]
    assert done.stderr.count("print(1 / 0)  # the bug") == 1  # the traceback, once
    header = "ExceptionGroup: daemon 'policy' failed in run: ZeroDivisionError('division by zero')"
    assert any(line.lstrip(" |").startswith(header) for line in lines)
    assert lines[-2].lstrip(" |").startswith("chrono_daemon._errors.DaemonError: daemon 'policy'")


@pytest.mark.anyio
async def test_the_group_keeps_its_contract_and_is_headed_by_the_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @daemon
    async def policy(ctx: Context) -> None:
        await ctx.clock.sleep(1.5)
        raise ZeroDivisionError("division by zero")

    @daemon
    async def sibling(ctx: Context) -> None:
        await ctx.stop_event.wait()

    clock = SimClock()
    caplog.set_level(logging.ERROR, logger="chrono_daemon")
    with pytest.raises(ExceptionGroup) as info:
        async with Supervisor(clock=clock) as sup:
            sup.add(policy())
            sup.add(sibling())
            await clock.advance(2.0)
    assert str(info.value) == (
        "daemon 'policy' failed in run: ZeroDivisionError('division by zero') (1 sub-exception)"
    )
    [error] = info.value.exceptions
    assert isinstance(error, DaemonError)
    assert (error.name, error.phase) == ("policy", "run")
    assert isinstance(error.__cause__, ZeroDivisionError)
    [record] = [r for r in caplog.records if r.name == "chrono_daemon.policy"]
    assert record.getMessage().startswith("daemon 'policy' failed in run at t=1.5 (SimClock), ")
    assert record.exc_info is None  # the traceback is printed once, with the group


@pytest.mark.anyio
async def test_simultaneous_failures_head_the_group_together() -> None:
    @daemon
    async def fails(ctx: Context, tag: str) -> None:
        await ctx.clock.sleep(1.0)
        raise ValueError(tag)

    clock = SimClock()
    with pytest.raises(ExceptionGroup) as info:
        async with Supervisor(clock=clock) as sup:
            sup.add(fails("a"), name="a")
            sup.add(fails("b"), name="b")
            await clock.advance(1.0)
    failed = sorted(e.name for e in info.value.exceptions if isinstance(e, DaemonError))
    if failed == ["a", "b"]:
        assert str(info.value).startswith("2 daemons failed: daemon '")
    else:  # the second may be cancelled before it runs
        assert str(info.value).startswith(f"daemon '{failed[0]}' failed in run")
