"""channel members

The membership cache: who is in which channel (from conversations.members and member_joined_channel /
member_left_channel events) and when each channel's roster was last read whole.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("changed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_channel_member_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_member")),
        sa.UniqueConstraint("workspace_id", "channel_id", "user_id", name=op.f("uq_channel_member_workspace_id")),
    )
    with op.batch_alter_table("channel_member", schema=None) as batch_op:
        batch_op.create_index("ix_channel_member_user", ["workspace_id", "user_id"], unique=False)
    op.create_table(
        "channel_roster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("synced_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_channel_roster_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_roster")),
        sa.UniqueConstraint("workspace_id", "channel_id", name=op.f("uq_channel_roster_workspace_id")),
    )


def downgrade() -> None:
    op.drop_table("channel_roster")
    with op.batch_alter_table("channel_member", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_member_user")
    op.drop_table("channel_member")
