"""The commands of ``chrono``: one module per command, registered in ``codegen/cli.py``.

Each module only parses options and wires library calls (the pipeline, ``diagram``,
``scaffold``, ...), imported inside the command so that ``chrono --help`` and the no-op fast path
of ``chrono gen`` do not pay for them. Shared printing lives in ``_common``. Like ``cli.py``, and
unlike every library module, these modules print and exit.
"""
