"""outbox unsent indexes

Partial indexes of the messages still to send, oldest first and per conversation in order: the batched sender's
claim finds the first unsent message of each conversation through them without reading the table's history.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The same predicate, word for word, as the queries use: SQLite uses a partial index only then.
UNSENT: dict[str, Any] = {
    "sqlite_where": sa.text("sent_at IS NULL AND gave_up IS 0"),
    "postgresql_where": sa.text("sent_at IS NULL AND gave_up IS false"),
}


def upgrade() -> None:
    op.create_index("ix_outbox_unsent_id", "outbox_message", ["id"], unique=False, **UNSENT)
    op.create_index("ix_outbox_unsent", "outbox_message", ["workspace_id", "channel", "id"], unique=False, **UNSENT)


def downgrade() -> None:
    op.drop_index("ix_outbox_unsent", table_name="outbox_message")
    op.drop_index("ix_outbox_unsent_id", table_name="outbox_message")
