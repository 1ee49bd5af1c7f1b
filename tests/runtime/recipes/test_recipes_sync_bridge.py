"""host_async_dispatcher: plain threads calling an async dispatcher."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Literal

import anyio
import pytest

from chrono_daemon import Channel, Context, Daemon, DaemonError, Supervisor, open_channel
from chrono_daemon.recipes import hosting
from chrono_daemon.recipes.batcher import Pending, batcher_loop, submit
from chrono_daemon.recipes.sync_bridge import host_async_dispatcher

if TYPE_CHECKING:
    from collections.abc import Sequence

Backend = Literal["asyncio", "trio"]
BACKENDS: list[Backend] = ["asyncio", "trio"]


class Doubler:
    """The dispatcher: many threads submit to one batcher that doubles numbers in batches."""

    def __init__(self, requests: Channel[Pending[int, int]]) -> None:
        self.requests = requests
        self.batch_sizes: list[int] = []
        self.loop_thread: int | None = None

    async def forward(self, xs: list[int]) -> Sequence[int]:
        self.batch_sizes.append(len(xs))
        self.loop_thread = threading.get_ident()
        await anyio.lowlevel.checkpoint()
        return [2 * x for x in xs]

    async def double(self, x: int) -> int:
        return await submit(self.requests.send, x)


async def setup_doubler(sup: Supervisor) -> Doubler:
    doubler = Doubler(open_channel(8))

    async def batcher(ctx: Context) -> None:
        await batcher_loop(doubler.requests.recv, doubler.forward, max_batch=16)

    sup.spawn(batcher)
    return doubler


@pytest.mark.parametrize("backend", BACKENDS)
def test_plain_threads_call_the_async_dispatcher(backend: Backend) -> None:
    with (
        host_async_dispatcher(setup_doubler, backend=backend) as (portal, doubler),
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        results = list(pool.map(lambda x: portal.call(doubler.double, x), range(200)))
    assert results == [2 * x for x in range(200)]
    assert sum(doubler.batch_sizes) == 200
    assert doubler.loop_thread != threading.get_ident()  # the async side ran on its own thread


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failing_setup_is_a_runtime_error_with_the_cause(backend: Backend) -> None:
    async def setup(sup: Supervisor) -> None:
        raise KeyError("model path")

    with (
        pytest.raises(RuntimeError, match=r"^async setup failed: setup raised KeyError") as info,
        host_async_dispatcher(setup, backend=backend),
    ):
        pass
    assert isinstance(info.value.__cause__, KeyError)


class NoGpu(Daemon):
    async def on_start(self, ctx: Context) -> None:
        raise OSError("no GPU")

    async def run(self, ctx: Context) -> None:
        raise AssertionError("run must not be reached")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_daemon_failing_on_start_is_a_runtime_error_with_the_cause(backend: Backend) -> None:
    async def setup(sup: Supervisor) -> str:
        sup.add(NoGpu(), name="gpu")
        return "dispatcher"

    entered = False
    with (
        pytest.raises(
            RuntimeError,
            match=r"^async setup failed: a daemon failed to start: .*'gpu' failed in on_start",
        ) as info,
        host_async_dispatcher(setup, backend=backend),
    ):
        entered = True
    assert not entered
    cause = info.value.__cause__
    assert isinstance(cause, DaemonError)
    assert cause.name == "gpu"
    assert isinstance(cause.__cause__, OSError)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_setup_that_never_finishes_times_out(backend: Backend) -> None:
    async def setup(sup: Supervisor) -> None:
        await anyio.sleep_forever()

    # ready_timeout is a wall-clock bound by nature (a thread waits); keep it tiny.
    with (
        pytest.raises(
            RuntimeError, match=r"^async setup failed: not ready within ready_timeout=0.05s"
        ) as info,
        host_async_dispatcher(setup, backend=backend, ready_timeout=0.05),
    ):
        pass
    assert isinstance(info.value.__cause__, TimeoutError)


def test_bad_ready_timeout_is_a_value_error() -> None:
    with (
        pytest.raises(ValueError, match=r"^ready_timeout must be > 0"),
        host_async_dispatcher(setup_doubler, ready_timeout=0),
    ):
        pass


def test_subpackage_and_flat_module_export_the_same_object() -> None:
    assert hosting.host_async_dispatcher is host_async_dispatcher
