"""Where each wire of a split graph binds and connects: pinned, overridden, or chosen.

A wire's address comes from, in order: an override (``--address LABEL=ADDR``, or the
``CHRONO_ADDRESSES`` environment variable, which ``chrono launch`` also uses to hand its
choices to the children), the schema (an edge ``address``, or the target process's
``host``/``port``). The receiving process binds it, the sending one connects, so both must see
the same address: a wildcard port is refused, never tried. ``chrono launch`` gives every wire
left without one an ``ipc://`` socket file in its private directory (``private_addresses``).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from codegen.suggest import did_you_mean

from .errors import RunError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path

    from codegen.model import GraphDef, ProcessDef

__all__ = (
    "ADDRESSES_ENV",
    "env_addresses",
    "format_addresses",
    "parse_addresses",
    "private_addresses",
    "wire_addresses",
)

ADDRESSES_ENV = "CHRONO_ADDRESSES"
"""Whitespace-separated ``LABEL=ADDRESS`` pairs that override the schema's wire addresses."""

_ADDRESS = re.compile(r"(tcp://[A-Za-z0-9._:\[\]-]+:[0-9]+|ipc://[^\s*]+)")


def parse_addresses(pairs: Iterable[str], *, source: str) -> dict[str, str]:
    """``["in.obs->policy=tcp://10.0.0.2:7001", ...]`` -> ``{label: address}``.

    Raises:
        RunError: a pair without ``=``, or an address peers cannot share (``*`` ports,
            ``inproc://``), naming ``source`` (``--address`` or the variable).
    """
    out: dict[str, str] = {}
    errors: list[str] = []
    for pair in pairs:
        label, sep, address = pair.partition("=")
        if not sep or not label:
            errors.append(f"chrono: {source}: {pair!r} is not LABEL=ADDRESS")
        elif not _ADDRESS.fullmatch(address):
            errors.append(
                f"chrono: {source}: {address!r} (for {label}) is not an address two processes "
                "can share: use tcp://HOST:PORT with a fixed port, or ipc://PATH"
            )
        else:
            out[label] = address
    if errors:
        raise RunError(errors)
    return out


def format_addresses(addresses: Mapping[str, str]) -> str:
    """The ``CHRONO_ADDRESSES`` value for ``addresses``."""
    return " ".join(f"{label}={address}" for label, address in sorted(addresses.items()))


def env_addresses() -> dict[str, str]:
    """The overrides in ``CHRONO_ADDRESSES`` (empty when unset)."""
    return parse_addresses(os.environ.get(ADDRESSES_ENV, "").split(), source=ADDRESSES_ENV)


def wire_addresses(
    graph: GraphDef, process: ProcessDef | None, overrides: Mapping[str, str]
) -> dict[str, str]:
    """The address of every wire of ``process`` (every wire, when None) that has one.

    Raises:
        RunError: an override names no wire of the graph (did-you-mean); with a ``process``,
            one of its wires has no address (saying how to give it one).
    """
    labels = [w.label for w in graph.wires]
    errors = [
        f"chrono: address override {label!r} names no wire of the graph"
        f"{did_you_mean(label, labels)}; its wires: {', '.join(labels) or 'none'}"
        for label in overrides
        if label not in labels
    ]
    out: dict[str, str] = {}
    for w in graph.wires:
        if process is not None and process.name not in (w.source, w.target):
            continue
        address = overrides.get(w.label, w.address)
        if address is not None:
            out[w.label] = address
        elif process is not None:
            errors.append(
                f"chrono: wire {w.label!r} (process {w.source!r} -> {w.target!r}) has no "
                "address: pin one in the schema (an edge 'address', or a 'port' on process "
                f"{w.target!r}), pass --address '{w.label}=tcp://HOST:PORT', or start every "
                "process with chrono launch, which chooses"
            )
    if errors:
        raise RunError(errors)
    return out


def private_addresses(
    graph: GraphDef, chosen: Mapping[str, str], directory: Path
) -> dict[str, str]:
    """``chosen``, plus an ``ipc://`` address in ``directory`` for every other wire.

    Socket files in a directory private to one launch: no port another program can take between
    choosing and binding, and two launches of one graph never meet (RELIABILITY 78). Safe since
    the ZMQ transport delivers a stream's tail over ipc; measured against tcp in ADR 0030.
    """
    out = dict(chosen)
    for index, w in enumerate(graph.wires):
        out.setdefault(w.label, f"ipc://{directory}/wire-{index}")
    return out
