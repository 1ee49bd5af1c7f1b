"""Shared fixtures: every async test runs on asyncio (debug mode) and trio."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(
    params=[
        pytest.param(("asyncio", {"debug": True}), id="asyncio"),
        pytest.param(("trio", {}), id="trio"),
    ]
)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    """Run each ``@pytest.mark.anyio`` test once per backend."""
    backend: tuple[str, dict[str, Any]] = request.param
    return backend


@pytest.fixture(autouse=True, scope="session")
def _private_chrono_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep ``chrono gen``'s no-op manifests (ADR 0007) out of the user's cache directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHRONO_CACHE_DIR", str(tmp_path_factory.mktemp("chrono-cache")))
        yield
