"""SPEC §2 is a compatibility promise: every name importable from the module SPEC names."""

from __future__ import annotations

import importlib
import types

import pytest

import chrono_daemon

SPEC_NAMES = {
    "chrono_daemon": [
        "EndOfStream", "ChannelClosed", "ChannelInUse", "WouldBlock", "DaemonError", "OnError",
        "open_channel", "Channel", "SendStream", "ReceiveStream", "ChannelStats",
        "Clock", "WallClock", "SimClock", "Context", "Daemon", "daemon",
        "Supervisor", "RestartPolicy", "DaemonHealth", "DaemonState", "DaemonFailurePhase",
        "__version__",
    ],
    "chrono_daemon._logging": ["ClockAwareLoggerAdapter"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("module", "name"), [(m, n) for m, names in SPEC_NAMES.items() for n in names]
)
def test_spec_name_importable(module: str, name: str) -> None:
    assert hasattr(importlib.import_module(module), name)


def test_all_is_complete_and_exact() -> None:
    # Submodules become attributes once imported (by any test in this process, e.g. `tap`,
    # `recording`); they are not re-exports. (`daemon` is the decorator, shadowing its module.)
    public = {
        n
        for n in dir(chrono_daemon)
        if not n.startswith("_") and not isinstance(getattr(chrono_daemon, n), types.ModuleType)
    }
    public.add("__version__")
    assert isinstance(chrono_daemon.__all__, tuple)
    assert set(chrono_daemon.__all__) == public | {"daemon"}
    assert set(SPEC_NAMES["chrono_daemon"]) <= set(chrono_daemon.__all__)


def test_version() -> None:
    assert chrono_daemon.__version__.count(".") == 2
