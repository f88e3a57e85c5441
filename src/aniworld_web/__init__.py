"""The aniworld web UI and JSON API: a thin Starlette adapter over ``aniworld_core.SeriesApp``.

    uvicorn --factory aniworld_web:create_app     # or: aniworld serve
"""

from aniworld_web.app import create_app

__all__ = ["create_app"]
