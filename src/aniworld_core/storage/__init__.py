"""Persistence: SQLAlchemy tables, Alembic migrations, and typed async stores.

The sync engine runs in worker threads (``Database``) so the core stays anyio-native and works on
asyncio and trio alike.
"""

from aniworld_core.storage.auth_store import AccountStore
from aniworld_core.storage.database import Database
from aniworld_core.storage.series import NewSeries, SeriesStore

__all__ = ["AccountStore", "Database", "NewSeries", "SeriesStore"]
