"""Library roots a person added at run time (``aniworld scan ROOT``, ``aniworld roots add``):
``library_roots`` remembers them beside the roots the settings name.

Revision ID: 0011_library_roots
Revises: 0010_series_jobs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aniworld_core.storage.types import UTCDateTime

revision = "0011_library_roots"
down_revision = "0010_series_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "library_roots",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("path", name="uq_library_root_path"),
    )


def downgrade() -> None:
    op.drop_table("library_roots")
