"""retrospectives

A retro (RT-3) asks each participant for notes at their own local time until it reveals them; the notes (went well,
to improve, ideas) are private to their author until then; each person's votes count once per note, and the top
notes become action items at the close.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retro",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("started_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("collect_until", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("votes_each", sa.Integer(), nullable=False),
        sa.Column("revealed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_retro_project_id_project"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_retro_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retro")),
        sa.UniqueConstraint("workspace_id", "number", name=op.f("uq_retro_workspace_id")),
    )
    with op.batch_alter_table("retro", schema=None) as batch_op:
        batch_op.create_index("ix_retro_project_number", ["project_id", "number"], unique=False)
        batch_op.create_index("ix_retro_status_until", ["status", "collect_until"], unique=False)

    op.create_table(
        "retro_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("retro_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("action_ref", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["retro_id"], ["retro.id"], name=op.f("fk_retro_note_retro_id_retro"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retro_note")),
    )
    with op.batch_alter_table("retro_note", schema=None) as batch_op:
        batch_op.create_index("ix_retro_note_retro", ["retro_id", "position"], unique=False)

    op.create_table(
        "retro_participant",
        sa.Column("retro_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("asked_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("prompted_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["retro_id"], ["retro.id"], name=op.f("fk_retro_participant_retro_id_retro"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("retro_id", "user_id", name=op.f("pk_retro_participant")),
    )
    with op.batch_alter_table("retro_participant", schema=None) as batch_op:
        batch_op.create_index("ix_retro_participant_due", ["prompted_at", "asked_at"], unique=False)

    op.create_table(
        "retro_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("retro_id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"], ["retro_note.id"], name=op.f("fk_retro_vote_note_id_retro_note"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["retro_id"], ["retro.id"], name=op.f("fk_retro_vote_retro_id_retro"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retro_vote")),
        sa.UniqueConstraint("note_id", "user_id", name=op.f("uq_retro_vote_note_id")),
    )
    with op.batch_alter_table("retro_vote", schema=None) as batch_op:
        batch_op.create_index("ix_retro_vote_retro_user", ["retro_id", "user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("retro_vote", schema=None) as batch_op:
        batch_op.drop_index("ix_retro_vote_retro_user")

    op.drop_table("retro_vote")
    with op.batch_alter_table("retro_participant", schema=None) as batch_op:
        batch_op.drop_index("ix_retro_participant_due")

    op.drop_table("retro_participant")
    with op.batch_alter_table("retro_note", schema=None) as batch_op:
        batch_op.drop_index("ix_retro_note_retro")

    op.drop_table("retro_note")
    with op.batch_alter_table("retro", schema=None) as batch_op:
        batch_op.drop_index("ix_retro_status_until")
        batch_op.drop_index("ix_retro_project_number")

    op.drop_table("retro")
