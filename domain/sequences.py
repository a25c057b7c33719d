"""Short ids: per-workspace counters for A-17, R-4, D-9, M-3."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import Counter


def next_number(session: Session, *, workspace_id: int, kind: str) -> int:
    """Return the next number of a workspace's sequence; concurrent callers never get the same one.

    On PostgreSQL the counter moves in a short transaction of its own, so concurrent requests do not
    queue behind each other's whole request for the counter's row lock (a rolled-back request leaves a
    gap in the numbers, as database sequences do). SQLite has one writer at a time anyway: there the
    request's own transaction is used (a second connection would only wait for the first).
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return _increment(session.connection(), workspace_id=workspace_id, kind=kind)
    engine = bind if isinstance(bind, Engine) else bind.engine
    with engine.begin() as conn:  # only an existing counter: creating one may need this request's new workspace
        value = conn.execute(_bump(workspace_id, kind)).scalar_one_or_none()
    if value is not None:
        return int(value)
    return _increment(session.connection(), workspace_id=workspace_id, kind=kind)


def _increment(conn: Connection, *, workspace_id: int, kind: str) -> int:
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        insert(Counter)
        .values(workspace_id=workspace_id, kind=kind, value=0)
        .on_conflict_do_nothing(index_elements=["workspace_id", "kind"])
    )
    return int(conn.execute(_bump(workspace_id, kind)).scalar_one())


def _bump(workspace_id: int, kind: str) -> Any:
    # The UPDATE takes the row lock, so the increment and the read are one step on both engines.
    return (
        update(Counter)
        .where(Counter.workspace_id == workspace_id, Counter.kind == kind)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    )
