"""``python -m codegen`` runs the ``chrono`` command."""

from .cli import main

main()
