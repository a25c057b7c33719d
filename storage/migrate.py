"""Bring a database's schema up to date with Alembic, from code (no alembic.ini needed at run time)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK_KEY = 0x706D6D6967  # "pmmig"
TASK_ENGINE_PREFIX = "procrastinate_"  # the task engine's own tables, functions and types (PostgreSQL only)


def is_modelled(name: str | None, search_objects: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether a database object is one pmbot's models describe: not the task engine's (its schema comes from its own
    SQL, frozen in a migration) nor one of `search_objects` (engine-specific full-text search that only the migration
    makes)."""
    return not (name or "").startswith(TASK_ENGINE_PREFIX) and name not in search_objects


def alembic_config(url: str | None = None) -> Config:
    """Return an Alembic config pointing at pmbot's migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema of the engine's database to `revision`."""
    cfg = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # serve, socket and scheduler all migrate at start; on a fresh database they must take turns.
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        cfg.attributes["connection"] = conn
        before = MigrationContext.configure(conn).get_current_revision()
        command.upgrade(cfg, revision)
        after = MigrationContext.configure(conn).get_current_revision()
    if after != before:
        log.info("database schema upgraded from %s to %s", before or "an empty database", after)
