"""Daemons: long-running async units with exactly three hooks (SPEC §2.5)."""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Protocol, overload

if TYPE_CHECKING:
    from .context import Context

__all__ = ("Daemon", "DaemonFactory", "daemon")

P = ParamSpec("P")

DaemonFunction = Callable[..., Awaitable[None]]


class Daemon(ABC):
    """A long-running component hosted by a ``Supervisor``.

    ``on_start`` runs first; ``run`` is the body; ``on_stop`` runs whenever ``on_start``
    succeeded — after a normal return, a failure, before a restart, and on cancellation (then
    shielded and bounded by the supervisor's ``finalize_timeout``).
    """

    name: str = ""

    async def on_start(self, ctx: Context) -> None:  # noqa: B027  (optional hook)
        """Prepare resources; a failure here is reported with phase ``"on_start"``."""

    @abstractmethod
    async def run(self, ctx: Context) -> None:
        """The daemon's body; returning ends the daemon normally."""

    async def on_stop(self, ctx: Context) -> None:  # noqa: B027  (optional hook)
        """Release resources; never retried if it fails."""


class _FunctionDaemon(Daemon):
    """A daemon whose ``run`` calls ``fn(ctx, *args, **kwargs)``."""

    def __init__(
        self, fn: DaemonFunction, args: tuple[Any, ...], kwargs: dict[str, Any], name: str
    ) -> None:
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.name = name

    async def run(self, ctx: Context) -> None:
        await self.fn(ctx, *self.args, **self.kwargs)

    def __repr__(self) -> str:
        return f"<daemon {self.name!r}>"


class DaemonFactory(Generic[P]):
    """What ``@daemon`` returns: call it with the remaining arguments to get a ``Daemon``."""

    def __init__(self, fn: Callable[..., Awaitable[None]], name: str) -> None:
        self.fn = fn
        self.name = name
        functools.update_wrapper(self, fn)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Daemon:
        return _FunctionDaemon(self.fn, args, kwargs, self.name)

    def __repr__(self) -> str:
        return f"<daemon factory {self.name!r}>"


class _DaemonDecorator(Protocol):
    def __call__(
        self, fn: Callable[Concatenate[Context, P], Awaitable[None]], /
    ) -> DaemonFactory[P]: ...


@overload
def daemon(fn: Callable[Concatenate[Context, P], Awaitable[None]], /) -> DaemonFactory[P]: ...


@overload
def daemon(*, name: str | None = None) -> _DaemonDecorator: ...


def daemon(
    fn: DaemonFunction | None = None, /, *, name: str | None = None
) -> DaemonFactory[Any] | _DaemonDecorator:
    """Turn ``async def fn(ctx, *args, **kwargs)`` into a factory of daemons.

    ``@daemon`` names the daemon after the function; ``@daemon(name="x")`` names it ``x``.
    Calling the factory checks its arguments against ``fn``'s signature (after ``ctx``).
    """

    def wrap(f: DaemonFunction) -> DaemonFactory[Any]:
        return DaemonFactory(f, name or f.__name__)

    return wrap if fn is None else wrap(fn)
