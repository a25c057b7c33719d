"""shared pace

Slack's pace per conversation and Web API method of a workspace, kept in the database so that every sender in
every process holds it together.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_pace",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("tat", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id", "scope"),
    )
    op.create_index("ix_slack_pace_tat", "slack_pace", ["tat"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_slack_pace_tat", table_name="slack_pace")
    op.drop_table("slack_pace")
