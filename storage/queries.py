"""Query helpers that differ by dialect, written once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import Base


def insert_once(session: Session, model: type[Base], values: dict[str, Any], *, unique: list[str]) -> bool:
    """Insert a row unless one with the same `unique` columns exists; return whether it was inserted.

    Atomic on both engines (INSERT ... ON CONFLICT DO NOTHING), so two processes racing to insert
    the same key both succeed and exactly one of them gets True.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(model).values(**values).on_conflict_do_nothing(index_elements=unique)
    # RETURNING says for certain whether a row went in (rowcount is not reliable with psycopg here).
    first_pk = sa_inspect(model).primary_key[0]
    return session.execute(stmt.returning(first_pk)).first() is not None
