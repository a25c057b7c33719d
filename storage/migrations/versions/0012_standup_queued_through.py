"""stand-up queued through

The instant through which a stand-up's prompts, reminders and summaries are queued: each scheduler tick works
out only what came due after it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("standup", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queued_through", storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("standup", schema=None) as batch_op:
        batch_op.drop_column("queued_through")
