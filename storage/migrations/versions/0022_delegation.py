"""delegation while away

A person's delegate, what happened while they were away (for their summary on return), their Slack status (a
holiday status counts as away), and on whose behalf a decision's revision or a change request's answer was made.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delegation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("delegate_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "user_id"),
    )
    op.create_table(
        "away_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("by_id", sa.String(length=32), nullable=True),
        sa.Column("summarized_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_away_log_open", "away_log", ["workspace_id", "user_id", "summarized_at"], unique=False)
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_text", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("status_emoji", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("status_expires_at", storage.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("decision_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("for_user_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("change_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("for_user_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("change_event", schema=None) as batch_op:
        batch_op.drop_column("for_user_id")
    with op.batch_alter_table("decision_revision", schema=None) as batch_op:
        batch_op.drop_column("for_user_id")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("status_expires_at")
        batch_op.drop_column("status_emoji")
        batch_op.drop_column("status_text")
    op.drop_index("ix_away_log_open", table_name="away_log")
    op.drop_table("away_log")
    op.drop_table("delegation")
