"""The distribution version, single-sourced for pyproject and ``chrono --version``."""

__version__ = "0.1.0"
