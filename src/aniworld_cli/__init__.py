"""The ``aniworld`` command: a thin click adapter over :class:`aniworld_core.SeriesApp`."""

from aniworld_cli.main import cli, load_commands, main

__all__ = ["cli", "load_commands", "main"]
