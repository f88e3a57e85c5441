"""When an episode airs, to the minute, where a provider says (AniList's next airing): an episode
with ``airs_at`` counts as aired from that moment on, not from the next day.

Revision ID: 0012_airing
Revises: 0011_library_roots
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aniworld_core.storage.types import UTCDateTime

revision = "0012_airing"
down_revision = "0011_library_roots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("episodes") as batch:
        batch.add_column(sa.Column("airs_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("episodes") as batch:
        batch.drop_column("airs_at")
