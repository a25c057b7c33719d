"""Status columns hold their StrEnum: a row read back gives the member, the table keeps the plain value, and a string
that is not one of the values is refused before it reaches the database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from domain import actions
from domain.workspaces import project_for, workspace_for
from storage.models import ActionItem, ActionStatus, Base
from storage.types import StrEnumType
from tests.conftest import PROJECT_CHANNEL

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _item(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        project = project_for(
            session, workspace=workspace_for(session, team_id="T0001", now=NOW), channel_id=PROJECT_CHANNEL, now=NOW
        )
        item = actions.create(session, project=project, creator="U0LEAD", owner="U0LEAD", title="ship it",
                              due_at=None, now=NOW)  # fmt: skip
        item.status = ActionStatus.DONE
        session.commit()
        return item.id


def test_every_status_column_is_typed_by_its_enum() -> None:
    """No status column is left a plain string (a new one would read back as str and compare loosely)."""
    untyped = [f"{table.name}.status" for table in Base.metadata.sorted_tables
               if "status" in table.c and not isinstance(table.c.status.type, StrEnumType)]  # fmt: skip
    assert [] == untyped


def test_a_status_reads_back_as_its_member_and_is_stored_as_its_value(factory: sessionmaker[Session]) -> None:
    """In a fresh session the column gives the enum member; the table itself holds the plain string."""
    item_id = _item(factory)
    with factory() as session:
        status = session.get_one(ActionItem, item_id).status
        raw = session.execute(text("SELECT status FROM action_item WHERE id = :id"), {"id": item_id}).scalar_one()
    assert ActionStatus.DONE is status
    assert ActionStatus is type(status)
    assert "done" == raw
    assert str is type(raw)


def test_a_query_compares_with_a_member_or_its_value(factory: sessionmaker[Session]) -> None:
    """Filtering on the column works with the member and with the same value as a plain string."""
    item_id = _item(factory)
    with factory() as session:
        by_member = session.scalars(select(ActionItem.id).where(ActionItem.status == ActionStatus.DONE)).all()
        by_value = session.scalars(select(ActionItem.id).where(ActionItem.status.in_(["done"]))).all()
    assert [item_id] == by_member == by_value


def test_an_unknown_status_is_refused_when_bound(factory: sessionmaker[Session]) -> None:
    """A string that is not one of the enum's values fails loudly, in a query and in a write, and nothing is saved."""
    item_id = _item(factory)
    with factory() as session:
        with pytest.raises(StatementError) as in_query:
            session.execute(select(ActionItem).where(ActionItem.status == "finished"))
        assert isinstance(in_query.value.orig, ValueError)
        session.rollback()
        item = session.get_one(ActionItem, item_id)
        item.status = "finished"  # type: ignore[assignment]  # what mypy refuses; the type refuses it at run time too
        with pytest.raises(StatementError) as in_write:
            session.commit()
        assert isinstance(in_write.value.orig, ValueError)
    with factory() as session:
        assert ActionStatus.DONE is session.get_one(ActionItem, item_id).status
