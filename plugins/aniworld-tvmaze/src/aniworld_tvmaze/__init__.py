"""TVmaze metadata for aniworld: search (with each show's TVDB and IMDb ids), series, every
episode with specials in season 0, and artwork (poster, fanart, banner, logo). No key needed.

Installed, it registers itself through the ``aniworld`` entry point ``tvmaze``; settings are
``[providers.tvmaze]`` (``url``, ``enabled``, ``timeout``) or ``ANIWORLD_TVMAZE_*``.
"""

from __future__ import annotations

from aniworld_core import RegisterProvider, hookimpl
from aniworld_tvmaze._provider import TVmaze


@hookimpl
def register_metadata_providers(register: RegisterProvider) -> None:
    register(TVmaze)


__all__ = ["TVmaze", "register_metadata_providers"]
