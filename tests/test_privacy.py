"""`/pm forget @person`: a workspace admin removes a person's personal data; open work goes to a successor, the
record keeps "a former member"."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from domain.text import FORMER_MEMBER
from sandbox.standin import FakeSlack
from storage.models import ActionItem, Base, Member, Risk
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender

ADMIN = "U0ADMIN"
PERSON = "U0DEV1"


@pytest.fixture
def records(slack: SlackSender, fake_slack: FakeSlack) -> SlackSender:
    """A person with open and closed work, a risk, a decision and time away, in a project led by U0LEAD."""
    fake_slack.add_user(ADMIN, name="workspace-admin", tz="Europe/Berlin", is_admin=True)
    say = lambda user, command, text: slack.command(command, text, user_id=user, channel_id=PROJECT_CHANNEL)  # noqa: E731
    say("U0LEAD", "/pm", "config leads <@U0LEAD>")
    say("U0LEAD", "/action", f"<@{PERSON}> open item for the person")
    say(PERSON, "/action", "an item the person finished")
    say(PERSON, "/action", "done A-2")
    say("U0LEAD", "/risk", f"vendor may slip p:4 i:4 <@{PERSON}>")
    say(PERSON, "/decision", "we pick the vendor the person found")
    say(PERSON, "/standup", "away tomorrow")
    return slack


def rows_mentioning(engine: Engine, user_id: str) -> list[str]:
    """Every stored row, in every table, that still holds the user id (outbox payloads included)."""
    found = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                if user_id in str(tuple(row)):
                    found.append(f"{table.name}: {tuple(row)}")
    return found


def test_only_a_workspace_admin_may_forget_and_a_preview_changes_nothing(records: SlackSender, engine: Engine) -> None:
    before = rows_mentioning(engine, PERSON)
    refused = records.command("/pm", f"forget <@{PERSON}> confirm", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    assert "Only a workspace admin" in refused.json()["text"]
    preview = records.command("/pm", f"forget <@{PERSON}>", user_id=ADMIN, channel_id=PROJECT_CHANNEL).json()
    assert "confirm" in preview["text"] and "cannot be undone" in preview["text"]
    assert before == rows_mentioning(engine, PERSON) and before


def test_forgetting_hands_open_work_on_and_leaves_no_trace_of_the_person(
    records: SlackSender, engine: Engine, factory: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    answer = records.command(
        "/pm", f"forget <@{PERSON}> to <@U0LEAD> confirm", user_id=ADMIN, channel_id=PROJECT_CHANNEL
    ).json()
    assert "forgotten" in answer["text"] and PERSON not in answer["text"]
    with factory() as session:
        owners = {item.title: (item.owner_id, item.status) for item in session.scalars(select(ActionItem))}
        assert ("U0LEAD", "open") == owners["open item for the person"]
        assert FORMER_MEMBER == owners["an item the person finished"][0]
        assert ["U0LEAD"] == [r.owner_id for r in session.scalars(select(Risk))]
        assert session.scalar(select(Member).where(Member.user_id == PERSON)) is None
    assert [] == rows_mentioning(engine, PERSON)
    shown = records.command("/action", "show A-2", user_id="U0LEAD", channel_id=PROJECT_CHANNEL).text
    assert "a former member" in shown and PERSON not in shown


def test_forgetting_twice_or_someone_unknown_is_harmless(records: SlackSender, engine: Engine) -> None:
    first = records.command("/pm", f"forget <@{PERSON}> confirm", user_id=ADMIN, channel_id=PROJECT_CHANNEL)
    second = records.command("/pm", f"forget <@{PERSON}> confirm", user_id=ADMIN, channel_id=PROJECT_CHANNEL)
    assert 200 == first.status == second.status
    assert "nothing of theirs" in second.json()["text"]
    bad: Any = records.command("/pm", "forget nobody confirm", user_id=ADMIN, channel_id=PROJECT_CHANNEL).json()
    assert "Name one person" in bad["text"]
