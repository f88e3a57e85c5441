"""Join the library and accounts migrations, which were written side by side on 0001.

Revision ID: 0004_merge
Revises: 0002_library, 0003_auth
"""

from __future__ import annotations

revision = "0004_merge"
down_revision = ("0002_library", "0003_auth")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
