"""Wire shapes, type hashes and schema-evolution rules: the documented path of ``chrono_wire``.

Everything here is ``chrono_wire``'s (see its docstring, ADR 0022 and docs/type-hashes.md);
the implementation lives in that top-level package so that ``chrono gen`` can hash message
types without importing the runtime.
"""

from chrono_wire import *  # noqa: F403  (one list of names: chrono_wire's)
from chrono_wire import __all__ as __all__
