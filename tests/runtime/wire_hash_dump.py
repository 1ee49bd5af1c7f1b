"""Print every pinned type hash as JSON (run by test_wire_hash.py under several hash seeds).

Generated messages are hashed twice, from the schema model (as ``chrono gen`` does) and from
the imported classes (as the ZMQ transport does); a disagreement is printed as an error.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from wire_types import HAND_WRITTEN

from chrono_daemon.wire import type_hash
from codegen import generate
from codegen.wire_shapes import PackageShapes


def main() -> None:
    repo = Path(__file__).resolve().parents[2]
    result = generate(repo / "schemas")
    assert result.package is not None, result.errors
    shapes = PackageShapes(result.package)
    out: dict[str, str] = {}
    for module in result.package.modules:
        generated = importlib.import_module(f"generated.{module.stem}.messages")
        for message in module.messages:
            from_model = shapes.hash_of(module.stem, message.name)
            from_class = type_hash(getattr(generated, message.name))
            if from_model != from_class:
                sys.exit(f"{module.stem}.{message.name}: model {from_model} != class {from_class}")
            out[f"{module.stem}.{message.name}"] = from_model
    out.update({f"hand-written {name}": type_hash(tp) for name, tp in HAND_WRITTEN.items()})
    print(json.dumps(out, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
