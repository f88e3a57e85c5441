"""What identification and matching need to keep their promises.

``series.needs_choice``: the series' identification failed in a way only the user can settle
(no confident match, or the entry found is already another series in the library). Frontends
read it instead of the error's wording. Series that failed identification before this revision
are marked from the error text their load left, the last time it is read.

Revision ID: 0008_contracts
Revises: 0007_reliability
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_contracts"
down_revision = "0007_reliability"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("series", sa.Column("needs_choice", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    series = sa.table("series", sa.column("needs_choice", sa.Boolean),
                      sa.column("loading_status", sa.String),
                      sa.column("loading_error", sa.Text))
    op.execute(series.update()
               .where(series.c.loading_status == "failed",
                      series.c.loading_error.like("Identify: no confident match%"))
               .values(needs_choice=True))


def downgrade() -> None:
    with op.batch_alter_table("series") as batch:
        batch.drop_column("needs_choice")
