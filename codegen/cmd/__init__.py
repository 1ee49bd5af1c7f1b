"""One module per ``chrono`` command that is not part of the generator pipeline.

Each module only parses options, calls a library and reports: like ``codegen/cli.py``, which
registers them on the Typer app, these modules print and exit.
"""
