"""Migrations and models describe the same schema, on every engine."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from storage.migrate import is_modelled, upgrade
from storage.models import Base
from storage.models.decisions import SEARCH_OBJECTS


def test_models_and_migrations_agree(engine: Engine) -> None:
    """A database built by the migrations has exactly the tables, columns and indexes the models declare."""
    with engine.connect() as conn:
        skip = {"include_object": lambda obj, name, type_, reflected, compare_to: is_modelled(name, SEARCH_OBJECTS)}
        context = MigrationContext.configure(conn, opts={"compare_type": True, **skip})
        assert [] == compare_metadata(context, Base.metadata)


def test_upgrading_again_changes_nothing(engine: Engine) -> None:
    """Running the migrations on an up-to-date database is harmless (serve, socket and scheduler all do it)."""
    before = sorted(inspect(engine).get_table_names())
    upgrade(engine)
    assert before == sorted(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= set(before)


def test_a_rolled_back_unit_of_work_leaves_nothing(engine: Engine) -> None:
    """Rows created inside savepoints (first sight of a workspace, project or member) vanish with a rollback."""
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from domain.members import upsert_from_profile
    from domain.workspaces import project_for, workspace_for
    from storage.db import session_factory
    from storage.models import Member, Project, Workspace

    now = datetime(2026, 11, 23, tzinfo=UTC)
    with session_factory(engine)() as session:
        workspace = workspace_for(session, team_id="T0ROLL", now=now)
        project_for(session, workspace=workspace, channel_id="C0ROLL", now=now)
        upsert_from_profile(session, workspace_id=workspace.id, user={"id": "U0ROLL", "tz": "Europe/Berlin"}, now=now)
        session.rollback()
    with session_factory(engine)() as session:
        for model in (Workspace, Project, Member):
            assert 0 == session.scalar(select(func.count()).select_from(model)), model.__name__
