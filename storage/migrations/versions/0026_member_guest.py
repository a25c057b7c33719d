"""member guest

Whether a cached member is a Slack guest (users.info is_restricted or is_ultra_restricted): a guest sees only the
channels they are in, public ones included. The profiles cached before this revision never said, so they count
as stale: the next request that needs one reads it from users.info again.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def upgrade() -> None:
    with op.batch_alter_table("member") as batch_op:
        batch_op.add_column(sa.Column("is_guest", sa.Boolean(), server_default=sa.false(), nullable=False))
    member = sa.table("member", sa.column("fetched_at", storage.types.UTCDateTime(timezone=True)))
    op.execute(member.update().values(fetched_at=NEVER))


def downgrade() -> None:
    with op.batch_alter_table("member") as batch_op:
        batch_op.drop_column("is_guest")
