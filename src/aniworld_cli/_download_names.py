"""The downloads' names this adapter needs from ``aniworld_core``.

Temporary: until ``aniworld_core/__init__.py`` exports them, they come from the core's own
modules; once it does, import them from ``aniworld_core`` and delete this module.
"""

from aniworld_core.download_events import DownloadUpdate, ImportsChanged
from aniworld_core.downloads.model import Download, DownloadState, Offer, PendingImport
from aniworld_core.errors import DownloadError, DownloadNotFound

__all__ = ["Download", "DownloadError", "DownloadNotFound", "DownloadState", "DownloadUpdate",
           "ImportsChanged", "Offer", "PendingImport"]
