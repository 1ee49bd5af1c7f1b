"""The only place that derives Python names from schema names (SPEC §4.2 naming contract).

Daemon ``s1_policy`` -> stub ``S1PolicyBase`` and params ``S1PolicyParams``; schema file
``system_stack.toml`` -> ``SystemStackGraph``, ``SystemStackParams``, ``SystemStackInputs``,
``SystemStackOutputs``, ``SystemStackDaemons``, the harness stub ``SystemStackHarnessBase``;
process ``env`` of that graph -> ``SystemStackEnvProcess`` and ``SystemStackEnvDaemons``;
message ``Obs`` -> ``ObsChannel``, ``ObsSend``, ``ObsRecv``; reactive input ``action`` ->
handler ``on_action``.
"""

from __future__ import annotations

import functools
import keyword
import re

__all__ = (
    "GRAPH_MEMBERS",
    "IMPORTED_NAMES",
    "STUB_MEMBERS",
    "camel",
    "channel_aliases",
    "check_identifier",
    "daemon_class",
    "daemon_params",
    "graph_names",
    "handler",
    "harness_daemon_name",
    "process_names",
)

_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_AMBIGUOUS = frozenset({"l", "O", "I"})  # pycodestyle E741/E742: generated code must pass ruff

STUB_MEMBERS = frozenset({"self", "name", "params", "run", "step", "on_start", "on_stop"})
"""Attributes of every generated stub (``Daemon`` members and hooks): no port may shadow one."""

GRAPH_MEMBERS = frozenset(
    {"self", "params", "inputs", "outputs", "daemons", "add_to", "dropped", "tap", "endpoints"}
)
"""Keyword arguments and attributes of a generated graph (and of its per-process classes): no
daemon may be named like one."""

IMPORTED_NAMES = frozenset(
    {
        # builtins the generated modules use in annotations and bodies
        "bool", "int", "float", "str", "bytes", "list", "tuple", "dict", "type", "object",
        "None", "True", "False",
        # modules and names the generated modules import
        "msgspec", "enum", "datetime", "anyio", "abstractmethod", "dataclass", "Annotated",
        "TypeAlias", "TypeVar", "Any", "Channel", "Context", "Daemon", "ReceiveStream",
        "SendStream", "Supervisor", "open_channel", "tee", "merge", "Latest", "DropNewestSend",
        "DropOldestSend", "CoalesceSend", "cooperative_every", "open_zmq_send",
        "open_zmq_receive", "MsgpackSerde", "EdgeTap", "BoundaryEndpoints",
        # names users reach through those modules: refusing them keeps generated code unambiguous
        "Struct", "Meta", "Enum", "field",
    }
)  # fmt: skip
"""Module-level names of generated code; a schema name equal to one would shadow it."""


@functools.lru_cache(maxsize=4096)  # pure; asked again for every use of a name in render
def check_identifier(name: str) -> str | None:
    """Return why ``name`` cannot be a generated Python name, or None when it can.

    Accepted: ASCII letters, digits and underscores, starting with a letter; not a keyword;
    not ``l``, ``O`` or ``I`` (ruff's E741 rejects them in generated code).
    Soft keywords (``match``, ``case``, ``type``) are ordinary names in Python and accepted
    where they do not shadow a generated name.
    """
    if name.startswith("_"):
        return "must not start with an underscore (reserved for generated private names)"
    if not name.isascii():
        return "must be ASCII (non-ASCII names can look identical to others)"
    if not _IDENT.fullmatch(name):
        return "is not a valid Python identifier (use letters, digits and '_', start with a letter)"
    if keyword.iskeyword(name):
        return "is a Python keyword"
    if name in _AMBIGUOUS:
        return "is ambiguous (it looks like 1 or 0 in many fonts); use a longer name"
    return None


def camel(name: str) -> str:
    """``s1_policy`` -> ``S1Policy``; ``fooBar`` -> ``FooBar`` (so it collides with ``foo_bar``)."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def daemon_class(daemon: str) -> str:
    """The stub base class of a daemon: ``S1PolicyBase``."""
    return f"{camel(daemon)}Base"


def daemon_params(daemon: str) -> str:
    """The params Struct of a daemon: ``S1PolicyParams``."""
    return f"{camel(daemon)}Params"


def handler(port: str) -> str:
    """The reactive handler of an input: ``on_<input>``."""
    return f"on_{port}"


def channel_aliases(message: str) -> tuple[str, str, str]:
    """The channel aliases of a message: ``ObsChannel``, ``ObsSend``, ``ObsRecv``."""
    return f"{message}Channel", f"{message}Send", f"{message}Recv"


def graph_names(stem: str) -> dict[str, str]:
    """The graph-level classes of schema ``stem``: graph, params, inputs, outputs, daemons."""
    base = camel(stem)
    return {
        "graph": f"{base}Graph",
        "params": f"{base}Params",
        "inputs": f"{base}Inputs",
        "outputs": f"{base}Outputs",
        "daemons": f"{base}Daemons",
        "harness": f"{base}HarnessBase",
    }


def process_names(stem: str, process: str) -> tuple[str, str]:
    """The classes of process ``env`` of graph ``stem``: ``SystemStackEnvProcess`` and
    ``SystemStackEnvDaemons``."""
    base = camel(stem) + camel(process)
    return f"{base}Process", f"{base}Daemons"


def harness_daemon_name(stem: str) -> str:
    """The supervisor name of a graph's harness: ``harness:system_stack`` (never a daemon's)."""
    return f"harness:{stem}"
