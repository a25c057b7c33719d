"""the task engine's schema (PostgreSQL)

`pmbot worker` runs the scheduled work and the sending as procrastinate tasks, whose jobs, locks and workers live
in their own tables (procrastinate_*). Its schema is procrastinate 3.10.0's, frozen here as SQL; a later release's
schema migrations come as revisions of their own. SQLite has no workers (everything runs in-process), so nothing
changes there.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = Path(__file__).parents[1] / "procrastinate" / "schema-3.10.0.sql"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.get_bind().exec_driver_sql(SCHEMA.read_text(encoding="utf-8").replace("%", "%%"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in (
        "procrastinate_events",
        "procrastinate_periodic_defers",
        "procrastinate_jobs",
        "procrastinate_workers",
    ):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    op.execute(
        "DO $$ DECLARE f regprocedure; BEGIN "
        "FOR f IN SELECT oid::regprocedure FROM pg_proc WHERE proname LIKE 'procrastinate\\_%' "
        "LOOP EXECUTE 'DROP FUNCTION IF EXISTS ' || f || ' CASCADE'; END LOOP; END $$"
    )
    for kind in ("procrastinate_job_status", "procrastinate_job_event_type", "procrastinate_job_to_defer_v1"):
        op.execute(f"DROP TYPE IF EXISTS {kind} CASCADE")
