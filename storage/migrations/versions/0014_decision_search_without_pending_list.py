"""decision search index without a pending list

GIN's fast update puts new entries in a pending list that every search reads from end to end until VACUUM (or a
full list) merges it into the index: after 100,000 decisions, 460 pages of it, 3 ms more on each search and plans
that walk the table instead of the index. Decisions are written rarely and searched often: write each one straight
into the index.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's FTS5 table has no pending list
    op.execute("ALTER INDEX ix_decision_search SET (fastupdate = off)")
    op.execute("SELECT gin_clean_pending_list('ix_decision_search')")  # what is pending already


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER INDEX ix_decision_search RESET (fastupdate)")
