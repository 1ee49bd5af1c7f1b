"""The runnable examples of SPEC §5.6: the hand-wired System 2/1/0 mock and multi-session host."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import pytest

if TYPE_CHECKING:
    from types import ModuleType

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` by path (examples/ is a folder of scripts, not a package)."""
    module = sys.modules.get(f"_example_{name}")
    if module is not None:
        return module
    spec = importlib.util.spec_from_file_location(f"_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


mock: Any = load_example("system_stack_mock")
multi: Any = load_example("system_stack_multi_session")


# -- system_stack_mock -----------------------------------------------------------------------


@pytest.mark.anyio
async def test_mock_produces_a_steady_stream_of_actions(anyio_backend: object) -> None:
    log = await mock.run_mock_async(3.0)
    assert len(log) > 0
    assert all(isinstance(a, mock.Action) for a in log)
    assert all(a.mode == "tracking" and abs(a.cmd) <= mock.CMD_LIMIT for a in log)
    times = [a.t_dispensed for a in log]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap == pytest.approx(mock.DISPENSE_PERIOD) for gap in gaps)  # one every 50 ms
    # the first action needs an obs (t=0), a plan (+50 ms) and a chunk (+20 ms)
    assert times[0] == pytest.approx(mock.PLANNER_LATENCY + mock.POLICY_LATENCY)
    assert times[-1] <= 3.0
    # the commands follow the plans: more than one distinct value, all from real chunks
    assert len({a.cmd for a in log}) > 5


def test_mock_is_byte_identical_across_runs_on_asyncio() -> None:
    first = repr(mock.run_mock(5.0))
    assert first == repr(mock.run_mock(5.0))
    assert first == repr(mock.run_mock(5.0))


def test_mock_gives_the_same_log_on_trio_as_on_asyncio() -> None:
    on_trio = anyio.run(mock.run_mock_async, 5.0, backend="trio")
    assert repr(on_trio) == repr(mock.run_mock(5.0))


def test_mock_actions_scale_with_simulated_time() -> None:
    counts = {seconds: len(mock.run_mock(seconds)) for seconds in (2.0, 4.0, 8.0)}
    for seconds, count in counts.items():
        # 20 actions per simulated second once the first chunk is out (70 ms in)
        expected = (seconds - 0.07) / mock.DISPENSE_PERIOD + 1
        assert abs(count - expected) <= 1, (seconds, count)
    assert counts[2.0] < counts[4.0] < counts[8.0]
    assert mock.run_mock(0.0) == []


def test_mock_rejects_a_negative_duration() -> None:
    with pytest.raises(ValueError, match=r"^duration_s must be >= 0"):
        mock.run_mock(-1.0)


def test_mock_script_prints_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    mock.main(["system_stack_mock.py", "2"])
    out = capsys.readouterr().out
    assert out.startswith("2 simulated s in ")
    assert f": {len(mock.run_mock(2.0))} actions" in out


# -- system_stack_multi_session ---------------------------------------------------------------


@pytest.mark.anyio
async def test_sessions_have_their_own_clocks(anyio_backend: object) -> None:
    async with multi.Supervisor() as outer:
        host = multi.SessionHost(outer)
        a = await host.register("a", rate_hz=10.0)
        b = await host.register("b", rate_hz=4.0)
        assert a.clock is not b.clock
        await host.advance("a", 1.0)
        assert len(a.log) == 10
        assert b.log == []  # b's time did not move
        await host.advance("b", 0.5)
        assert b.log == [(0.25, 1), (0.5, 2)]
        assert len(a.log) == 10
        assert (a.clock.now(), b.clock.now()) == (1.0, 0.5)
        await outer.stop(grace=1.0)


@pytest.mark.anyio
async def test_sessions_advance_concurrently(anyio_backend: object) -> None:
    async with multi.Supervisor() as outer:
        host = multi.SessionHost(outer)
        a = await host.register("a", rate_hz=10.0)
        b = await host.register("b", rate_hz=4.0)
        with anyio.fail_after(10):
            async with anyio.create_task_group() as drivers:
                drivers.start_soon(host.advance, "a", 1.0)
                drivers.start_soon(host.advance, "b", 1.0)
        assert (len(a.log), len(b.log)) == (10, 4)
        await outer.stop(grace=1.0)


@pytest.mark.anyio
async def test_unregistering_a_session_cancels_only_it(anyio_backend: object) -> None:
    async with multi.Supervisor() as outer:
        host = multi.SessionHost(outer)
        a = await host.register("a")
        b = await host.register("b")
        await host.advance("a", 0.5)
        await host.advance("b", 0.5)
        gone = await host.unregister("a")
        assert gone is a
        assert host.names == ["b"]
        assert a.supervisor is not None
        assert b.supervisor is not None
        assert {h.state for h in a.supervisor.snapshot().values()} == {"stopped"}
        assert {h.state for h in b.supervisor.snapshot().values()} == {"running"}
        outer_states = {name: h.state for name, h in outer.snapshot().items()}
        assert outer_states == {"session:a": "stopped", "session:b": "running"}
        await a.clock.advance(1.0)  # nothing of a is left to wake
        assert len(a.log) == 5
        await host.advance("b", 0.5)
        assert len(b.log) == 10
        again = await host.register("a")  # the name is free again, with a fresh clock
        assert again is not a
        assert again.clock.now() == 0.0
        await outer.stop(grace=1.0)
    assert {h.state for h in b.supervisor.snapshot().values()} == {"stopped"}


@pytest.mark.anyio
async def test_registering_a_name_twice_is_refused(anyio_backend: object) -> None:
    async with multi.Supervisor() as outer:
        host = multi.SessionHost(outer)
        await host.register("a")
        with pytest.raises(ValueError, match=r"^session 'a' is already registered"):
            await host.register("a")
        await outer.stop(grace=1.0)


def test_multi_session_demo() -> None:
    logs = anyio.run(multi.demo)
    assert len(logs["alice"]) == 10  # 10 Hz for 1 s, then unregistered
    assert logs["bob"] == [(0.5, 1), (1.0, 2), (1.5, 3), (2.0, 4)]
