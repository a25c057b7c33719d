"""outbox in doubt

Whether an outbox message was claimed while its previous claim was never recorded (its sender died, or hung past
its lease): Slack may have it already, so the sender looks for it before posting it again.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.add_column(sa.Column("in_doubt", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_column("in_doubt")
