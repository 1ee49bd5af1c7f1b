"""Process rules (SPEC §6.1): which OS process hosts each daemon, and the wires between them.

``[processes.NAME]`` places daemons; every link whose two ends sit in different processes is
carried by a ``Wire`` (a ZeroMQ edge). Links of one producer into one process share a wire, so
each message crosses a boundary once and the target process tees it out. Addresses are pinned
(an edge ``address``, or the target's ``host`` + ``port``) or left to ``chrono launch``; a
wildcard port cannot be shared by two processes, so it is refused here rather than at run time.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import SchemaError
from ..model import Link, PortRef, ProcessDef, Wire
from ..naming import process_names
from ..suggest import did_you_mean, suggest
from .names import check_name

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

    from ..load.positions import KeyPath
    from ..load.raw import RawProcess
    from ..model import DaemonDef, Loc
    from .context import FileContext
    from .names import Namespace

__all__ = ("resolve_processes",)

_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")
_LOSSY_LOCAL = ("drop_oldest", "coalesce")


def resolve_processes(
    ctx: FileContext,
    stem: str,
    raw: Mapping[str, RawProcess],
    daemons: Sequence[DaemonDef],
    declared: Collection[str],
    links: Sequence[Link],
    *,
    has_boundary: bool,
    ns: Namespace,
) -> tuple[tuple[ProcessDef, ...], tuple[Wire, ...]]:
    """Check ``[processes]`` and plan the wires; ``declared`` names every declared daemon
    (also those that failed to resolve, so listing one is not an "unknown daemon" too)."""
    order = {d.name: n for n, d in enumerate(daemons)}
    home: dict[str, str] = {}
    meant: set[str] = set()  # daemons that an unknown name in a daemons list probably meant
    processes: list[ProcessDef] = []
    for name, proc in raw.items():
        key: KeyPath = ("processes", name)
        ok = check_name(ctx, key, "process", name)
        listed = _listed(ctx, name, proc.daemons, declared, home, meant)
        ok = _check_host(ctx, key, proc) and ok
        if _lost(ctx, name, "daemons", "boundary"):
            ok = False  # a misspelt key is reported; what this entry "lacks" follows from it
        elif not proc.daemons and not proc.boundary:
            ctx.error(
                (*key, "daemons"),
                f"process {name!r} hosts nothing: list its daemons, or remove it",
            )
        if proc.boundary and not has_boundary:
            ctx.error(
                (*key, "boundary"),
                f"process {name!r} says boundary = true, but the graph has no inputs or "
                "outputs to host; remove it",
            )
        if not ok:
            continue
        cls, holder = process_names(stem, name)
        ns.add(ctx, cls, f"process class {cls!r} of process {name!r}", key)
        ns.add(ctx, holder, f"daemons holder {holder!r} of process {name!r}", key)
        processes.append(
            ProcessDef(
                name=name,
                class_name=cls,
                daemons_name=holder,
                daemons=tuple(sorted(listed, key=lambda d: order.get(d, len(order)))),
                boundary=proc.boundary,
                host=proc.host,
                port=proc.port,
                doc=proc.doc,
                loc=ctx.loc(key),
            )
        )
    names = ", ".join(raw)
    placed = True
    lost_lists = any(_lost(ctx, name, "daemons") for name in raw)
    for d in daemons:
        if d.name not in home:
            placed = False
            if lost_lists or d.name in meant:
                continue  # it may be in the list that was lost, or under the name reported
            ctx.error(
                ("daemons", d.name),
                f"daemon {d.name!r} is in no process: add it to the daemons of one "
                f"[processes] entry ({names})",
            )
    lost_boundary = any(_lost(ctx, name, "boundary") for name in raw)
    bounded = _check_boundary(ctx, raw, has_boundary, lost=lost_boundary)
    if len(processes) != len(raw) or not placed or not bounded:
        return tuple(processes), ()  # wires need every daemon placed; the cause is reported
    wires = _wires(ctx, processes, links)
    _check_addresses(ctx, wires)
    return tuple(processes), wires


def _listed(
    ctx: FileContext,
    process: str,
    listed: Sequence[str],
    declared: Collection[str],
    home: dict[str, str],
    meant: set[str],
) -> list[str]:
    """The known daemons of one ``daemons = [...]`` list, each recorded in ``home``; the
    daemons that its unknown names probably meant are added to ``meant``."""
    out: list[str] = []
    for i, daemon in enumerate(listed):
        key: KeyPath = ("processes", process, "daemons", i)
        if daemon not in declared:
            hint = suggest(daemon, declared)
            if hint is not None:
                meant.add(hint)
            ctx.error(
                key,
                f"unknown daemon {daemon!r} in process {process!r}{did_you_mean(daemon, declared)}",
            )
            continue
        first = home.get(daemon)
        if first is not None:
            where = "twice in this process" if first == process else f"also in {first!r}"
            ctx.error(
                key,
                f"daemon {daemon!r} is listed {where}: every daemon runs in exactly one process",
            )
            continue
        home[daemon] = process
        out.append(daemon)
    return out


def _check_host(ctx: FileContext, key: KeyPath, proc: RawProcess) -> bool:
    ok = True
    if not _HOST.fullmatch(proc.host):
        ctx.error(
            (*key, "host"),
            f"invalid host {proc.host!r}: give an address the other processes can connect "
            "to, e.g. '127.0.0.1', '10.0.0.2', 'robot.local' or '[::1]'",
        )
        ok = False
    if proc.port is not None and not 1 <= proc.port <= 65535:
        ctx.error((*key, "port"), f"port must be between 1 and 65535, got {proc.port}")
        ok = False
    return ok


def _lost(ctx: FileContext, process: str, *keys: str) -> bool:
    """True when one of ``keys`` of ``[processes.<process>]`` was misspelt or had a bad value."""
    return any(ctx.raw.lost_in(("processes", process, k)) for k in keys)


def _check_boundary(
    ctx: FileContext, raw: Mapping[str, RawProcess], has_boundary: bool, *, lost: bool
) -> bool:
    """Exactly one boundary process when the graph has a boundary; True when so.

    ``lost``: a ``boundary`` key was misspelt (reported with its did-you-mean), so which
    process the user meant is known to them, and "set boundary = true on one" would mislead.
    """
    hosts = [name for name, p in raw.items() if p.boundary]
    if has_boundary and not hosts and not lost:
        first = next(iter(raw))
        ctx.error(
            ("processes", first),
            "the graph has inputs or outputs, so one process must host them (and the harness "
            f"that drives them): set boundary = true on one [processes] entry, e.g. {first!r}",
        )
    for extra in hosts[1:]:
        ctx.error(
            ("processes", extra, "boundary"),
            f"processes {hosts[0]!r} and {extra!r} both say boundary = true: the graph inputs "
            "and outputs live in one process",
        )
    return len(hosts) == 1 or not has_boundary


def _process_of(processes: Sequence[ProcessDef], ref: PortRef) -> str:
    for p in processes:
        if ref.daemon in p.daemons or (ref.daemon is None and p.boundary):
            return p.name
    raise AssertionError(f"{ref.label} has no process")  # every daemon was placed


def _wires(
    ctx: FileContext, processes: Sequence[ProcessDef], links: Sequence[Link]
) -> tuple[Wire, ...]:
    groups: dict[tuple[PortRef, str], list[Link]] = {}
    sources: dict[PortRef, str] = {}
    for link in links:
        src, dst = _process_of(processes, link.producer), _process_of(processes, link.consumer)
        if src == dst:
            continue
        sources[link.producer] = src
        where = f"from process {src!r} to {dst!r}"
        edge = f"edge {link.producer.label!r} -> {link.consumer.label!r}"
        if link.policy in _LOSSY_LOCAL:
            ctx.errors.append(
                _at(
                    link.loc,
                    f"{edge} crosses {where}, but policy {link.policy!r} needs both ends in one "
                    "process: use 'block' or 'drop_newest', or put both daemons in one process",
                )
            )
            continue
        if link.address is not None and not _shareable(ctx, link, edge, where):
            continue
        groups.setdefault((link.producer, dst), []).append(link)
    by_name = {p.name: p for p in processes}
    inbound: dict[str, int] = {}
    wires: list[Wire] = []
    for (producer, dst), carried in groups.items():
        pinned = {lk.address for lk in carried if lk.address is not None}
        label = f"{producer.label}->{dst}"
        if len(pinned) > 1:
            ctx.errors.append(
                _at(
                    carried[-1].loc,
                    f"the links of {producer.label!r} into process {dst!r} share one wire "
                    f"({label}) but pin different addresses ({', '.join(sorted(pinned))}): "
                    "pin one address",
                )
            )
            continue
        target = by_name[dst]
        n = inbound.get(dst, 0)
        inbound[dst] = n + 1
        address = next(iter(pinned), None)
        if address is None and target.port is not None:
            address = f"tcp://{target.host}:{target.port + n}"
        one = len(carried) == 1
        wires.append(
            Wire(
                index=len(wires),
                label=label,
                producer=producer,
                source=sources[producer],
                target=dst,
                type=carried[0].type,
                links=tuple(lk.index for lk in carried),
                # Several links: the wire stands where the one-process graph has the producer's
                # tee channel, whose buffer is 1: so does the wire (exact in lockstep when it
                # carries all of the producer's links, ADR 0027).
                maxsize=carried[0].maxsize if one else 1,
                policy="drop_newest" if one and carried[0].policy == "drop_newest" else "block",
                address=address,
                loc=carried[0].loc,
            )
        )
    return tuple(wires)


def _shareable(ctx: FileContext, link: Link, edge: str, where: str) -> bool:
    """A pinned address both processes can use: a real port, and not ``inproc://``."""
    address = link.address or ""
    if address.startswith("inproc://"):
        problem = "an inproc:// address only works inside one process"
    elif address.endswith(":*"):
        problem = (
            f"the wildcard port in {address!r} is chosen when the receiver binds, and the "
            "sender in the other process cannot learn it"
        )
    else:
        return True
    ctx.errors.append(
        _at(
            link.loc,
            f"{edge} crosses {where}: {problem}; pin a port (e.g. 'tcp://127.0.0.1:5555'), "
            "or remove 'address' and let chrono launch choose one",
        )
    )
    return False


def _check_addresses(ctx: FileContext, wires: Sequence[Wire]) -> None:
    """Two wires never share an address (two ``port`` ranges on one host may overlap)."""
    seen: dict[str, Wire] = {}
    for w in wires:
        if w.address is None:
            continue
        other = seen.get(w.address)
        if other is not None:
            ctx.errors.append(
                _at(
                    w.loc,
                    f"wires {other.label!r} and {w.label!r} both use {w.address!r}; give the "
                    "processes port ranges that do not overlap (each inbound wire of a process "
                    "takes the next port)",
                )
            )
        seen[w.address] = w


def _at(loc: Loc, message: str) -> SchemaError:
    return SchemaError(loc.path, loc.line, loc.col, message)
