"""``chrono schema [-o FILE]``: the JSON Schema of the schema-file format."""

# No ``from __future__ import annotations``: Typer reads this signature at run time.

from pathlib import Path
from typing import Annotated

import typer

from ._common import internal_error, write_text

__all__ = ("schema_command",)


def schema_command(
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the JSON Schema to this file, not stdout."),
    ] = None,
) -> None:
    """Print the JSON Schema of the schema-file format, for editor completion and checks.

    Generated from the same msgspec Structs the loader decodes with.
    Editors: start a schema file with '#:schema ./chrono.schema.json' (Taplo, Even Better TOML),
    or add a [[rule]] to .taplo.toml; see docs/cli.md.

    Example: chrono schema -o chrono.schema.json
    """
    try:
        from ..jsonschema import file_format_schema_json

        text = file_format_schema_json()
    except Exception as exc:
        raise internal_error(exc) from None
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_text(output, text)
