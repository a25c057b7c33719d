"""What the sandbox keeps between runs besides pmbot's own tables: the clock and the stand-in's workspace.

It lives in a table of its own (`sandbox_state`, outside pmbot's schema and migrations) in the sandbox's
database, so `--db` and `--reset` cover both, and a second start shows the conversation the first one left.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, MetaData, String, Table, Text, column, delete, inspect, select, table
from sqlalchemy.engine import make_url

METADATA = MetaData()
STATE = Table(
    "sandbox_state",
    METADATA,
    Column("name", String(40), primary_key=True),
    Column("data", Text, nullable=False),
)
KEY = "workspace"


def default_url(cwd: Path) -> str:
    """The sandbox's own SQLite file, separate from the production default `pmbot.db`."""
    return f"sqlite:///{cwd / 'pmbot-sandbox.db'}"


def load(engine: Engine) -> dict[str, Any] | None:
    """The saved state, or None on a first start."""
    METADATA.create_all(engine)
    with engine.connect() as conn:
        raw = conn.execute(select(STATE.c.data).where(STATE.c.name == KEY)).scalar()
    return json.loads(raw) if raw else None


def save(engine: Engine, state: dict[str, Any]) -> None:
    data = json.dumps(state, separators=(",", ":"))
    with engine.begin() as conn:
        conn.execute(delete(STATE).where(STATE.c.name == KEY))
        conn.execute(STATE.insert().values(name=KEY, data=data))


def foreign_teams(url: str, own: str) -> list[str]:
    """The workspaces other than the sandbox's own that a database holds data of (a real pmbot's database)."""
    from storage.db import make_engine

    engine = make_engine(url)
    try:
        found: set[str] = set()
        with engine.connect() as conn:
            inspector = inspect(conn)  # on this connection: on SQLite a second one would wait for its lock
            for name in inspector.get_table_names():
                if any(c["name"] == "team_id" for c in inspector.get_columns(name)):
                    team = column("team_id", String)
                    query = select(team).select_from(table(name, team)).where(team != own).distinct().limit(5)
                    found.update(str(t) for t in conn.execute(query).scalars())
        return sorted(found)
    finally:
        engine.dispose()


def reset(url: str) -> None:
    """Start from empty: delete a SQLite file, or drop every table of another database."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    from storage.db import make_engine

    engine = make_engine(url)
    try:
        existing = MetaData()
        existing.reflect(engine, only=lambda name, _meta: name in set(inspect(engine).get_table_names()))
        existing.drop_all(engine)
    finally:
        engine.dispose()
