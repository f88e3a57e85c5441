"""fanart.tv artwork for aniworld: HD clearlogos, backgrounds, posters, banners, landscapes and
season posters, looked up by TVDB id. Needs a fanart.tv API key.

Installed, it registers itself through the ``aniworld`` entry point ``fanart``; settings are
``[providers.fanart]`` (``api_key``, ``url``, ``enabled``, ``timeout``) or
``ANIWORLD_FANART_*``. Without a key it is listed as unavailable, saying how to set one.
"""

from __future__ import annotations

from aniworld_core import RegisterProvider, hookimpl
from aniworld_fanart._provider import Fanart


@hookimpl
def register_metadata_providers(register: RegisterProvider) -> None:
    register(Fanart)


__all__ = ["Fanart", "register_metadata_providers"]
