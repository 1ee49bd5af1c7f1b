"""The ``chrono`` commands, one module each: options in, library calls, report out.

Like ``codegen/cli.py`` (which registers each command on the Typer app with one line), and
unlike every pipeline module, these modules print and exit.
"""
