"""go-live runbooks

A go-live (G-2): its title, the T moment and the zone it was typed in, its approvers and status, the number its
next step gets (never one used before); its steps at T plus an offset (calendar days, then minutes) with their
owners, conditions and outcomes (a failed one's action item); the approvers' votes.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _moment(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "golive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        _moment("at", nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("approver_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("next_position", sa.Integer(), nullable=False),
        _moment("decided_at", nullable=True),
        sa.Column("started_by", sa.String(length=32), nullable=True),
        _moment("started_at", nullable=True),
        sa.Column("ended_by", sa.String(length=32), nullable=True),
        _moment("ended_at", nullable=True),
        _moment("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_golive_project_id_project"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_golive_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_golive")),
        sa.UniqueConstraint("workspace_id", "number", name=op.f("uq_golive_workspace_id")),
    )
    op.create_index("ix_golive_status_at", "golive", ["status", "at"], unique=False)
    op.create_table(
        "golive_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("golive_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        sa.Column("offset_minutes", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("condition", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("by", sa.String(length=32), nullable=True),
        _moment("changed_at", nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("action_ref", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["golive_id"], ["golive.id"], name=op.f("fk_golive_step_golive_id_golive"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_golive_step")),
        sa.UniqueConstraint("golive_id", "position", name=op.f("uq_golive_step_golive_id")),
    )
    op.create_table(
        "golive_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("golive_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("vote", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        _moment("at", nullable=False),
        sa.ForeignKeyConstraint(
            ["golive_id"], ["golive.id"], name=op.f("fk_golive_vote_golive_id_golive"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_golive_vote")),
        sa.UniqueConstraint("golive_id", "user_id", name=op.f("uq_golive_vote_golive_id")),
    )


def downgrade() -> None:
    op.drop_table("golive_vote")
    op.drop_table("golive_step")
    op.drop_index("ix_golive_status_at", table_name="golive")
    op.drop_table("golive")
