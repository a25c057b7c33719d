"""milestones and change requests

Milestones keep a baseline and a forecast with every change in their history, links to the records that feed
them and dependencies across projects; change requests are routed to approvers and, approved, move baselines.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("creator_id", sa.String(length=32), nullable=False),
        sa.Column("baseline_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("forecast_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_why", sa.Text(), nullable=False),
        sa.Column("slips", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_milestone_project_id_project"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_milestone_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone")),
        sa.UniqueConstraint("project_id", "code", name=op.f("uq_milestone_project_id")),
        sa.UniqueConstraint("workspace_id", "number", name=op.f("uq_milestone_workspace_id")),
    )
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.create_index("ix_milestone_project_status", ["project_id", "status"], unique=False)

    op.create_table(
        "change_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("impact_days", sa.Integer(), nullable=False),
        sa.Column("impact_cost", sa.Text(), nullable=False),
        sa.Column("milestone_ids", sa.JSON(), nullable=False),
        sa.Column("baselines", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requester_id", sa.String(length=32), nullable=False),
        sa.Column("approver_ids", sa.JSON(), nullable=False),
        sa.Column("needed_by", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decision.id"], name=op.f("fk_change_request_decision_id_decision"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_change_request_project_id_project"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_change_request_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_request")),
        sa.UniqueConstraint("workspace_id", "number", name=op.f("uq_change_request_workspace_id")),
    )
    with op.batch_alter_table("change_request", schema=None) as batch_op:
        batch_op.create_index("ix_change_request_project_status", ["project_id", "status"], unique=False)

    op.create_table(
        "milestone_dependency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("upstream_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestone.id"],
            name=op.f("fk_milestone_dependency_milestone_id_milestone"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["upstream_id"],
            ["milestone.id"],
            name=op.f("fk_milestone_dependency_upstream_id_milestone"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_dependency")),
        sa.UniqueConstraint("milestone_id", "upstream_id", name=op.f("uq_milestone_dependency_milestone_id")),
    )
    with op.batch_alter_table("milestone_dependency", schema=None) as batch_op:
        batch_op.create_index("ix_milestone_dependency_upstream", ["upstream_id"], unique=False)

    op.create_table(
        "milestone_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestone.id"],
            name=op.f("fk_milestone_link_milestone_id_milestone"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_link")),
        sa.UniqueConstraint("milestone_id", "kind", "record_id", name=op.f("uq_milestone_link_milestone_id")),
    )
    with op.batch_alter_table("milestone_link", schema=None) as batch_op:
        batch_op.create_index("ix_milestone_link_record", ["kind", "record_id"], unique=False)

    op.create_table(
        "change_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_request.id"],
            name=op.f("fk_change_event_change_id_change_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_event")),
    )
    with op.batch_alter_table("change_event", schema=None) as batch_op:
        batch_op.create_index("ix_change_event_change", ["change_id", "at"], unique=False)

    op.create_table(
        "milestone_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("baseline_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("forecast_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("old_baseline_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("old_forecast_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_request.id"],
            name=op.f("fk_milestone_event_change_id_change_request"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestone.id"],
            name=op.f("fk_milestone_event_milestone_id_milestone"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_event")),
    )
    with op.batch_alter_table("milestone_event", schema=None) as batch_op:
        batch_op.create_index("ix_milestone_event_milestone", ["milestone_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("milestone_event", schema=None) as batch_op:
        batch_op.drop_index("ix_milestone_event_milestone")

    op.drop_table("milestone_event")
    with op.batch_alter_table("change_event", schema=None) as batch_op:
        batch_op.drop_index("ix_change_event_change")

    op.drop_table("change_event")
    with op.batch_alter_table("milestone_link", schema=None) as batch_op:
        batch_op.drop_index("ix_milestone_link_record")

    op.drop_table("milestone_link")
    with op.batch_alter_table("milestone_dependency", schema=None) as batch_op:
        batch_op.drop_index("ix_milestone_dependency_upstream")

    op.drop_table("milestone_dependency")
    with op.batch_alter_table("change_request", schema=None) as batch_op:
        batch_op.drop_index("ix_change_request_project_status")

    op.drop_table("change_request")
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_index("ix_milestone_project_status")

    op.drop_table("milestone")
