"""decision search: a stored tsvector on PostgreSQL

Ranking over an expression index re-parsed every matching row's text (a second for a common word on
100,000 decisions); a stored, generated tsvector column is parsed once, on write.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_TEXT = "coalesce(statement, '') || ' ' || coalesce(context, '') || ' ' || coalesce(rationale, '')"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's FTS5 table already stores its index
    op.execute("DROP INDEX IF EXISTS ix_decision_search")
    op.execute(
        "ALTER TABLE decision ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS (to_tsvector('english', {SEARCH_TEXT})) STORED"
    )
    op.execute("CREATE INDEX ix_decision_search ON decision USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_decision_search")
    op.execute("ALTER TABLE decision DROP COLUMN IF EXISTS search_vector")
    op.execute(f"CREATE INDEX ix_decision_search ON decision USING gin (to_tsvector('english', {SEARCH_TEXT}))")
