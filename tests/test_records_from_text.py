"""A record read from one line (a slash command's text, a meeting's ACTION:/RISK:/DECISION: line) by the domain's
services, given the people the edge looked up; and the meeting reaches them only through what each feature registered.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from bot.app import PmbotApp
from domain import actions, decisions, risks
from domain.errors import InvalidInput
from domain.risks import Fields
from domain.workspaces import project_for, workspace_for
from storage.models import Member, Project
from tests.conftest import PROJECT_CHANNEL

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 01:00 in LA, 10:00 in Berlin


class People:
    """The members the edge would fetch, and who was asked for."""

    def __init__(self, *found: Member) -> None:
        self.found = {m.user_id: m for m in found}
        self.asked: list[str] = []

    def __call__(self, user_id: str) -> Member:
        self.asked.append(user_id)
        return self.found[user_id]


def _member(user_id: str, name: str, zone: str, locale: str = "en-US", *, is_bot: bool = False) -> Member:
    return Member(user_id=user_id, name=name, zone_name=zone, locale=locale, is_bot=is_bot, fetched_at=MONDAY)


LEAD = _member("U0LEAD", "lead-berlin", "Europe/Berlin", "en-GB")
DEV = _member("U0DEV1", "dev-la", "America/Los_Angeles")
KOLKATA = _member("U0DEV2", "dev-kolkata", "Asia/Kolkata", "en-IN")
BOT = _member("U0BOT", "deploy-bot", "UTC", is_bot=True)


def _project(session: Session) -> Project:
    workspace = workspace_for(session, team_id="T0001", now=MONDAY)
    return project_for(session, workspace=workspace, channel_id=PROJECT_CHANNEL, now=MONDAY)


def test_an_action_is_owned_by_its_leading_mention_and_due_in_the_authors_reading(session: Session) -> None:
    """LA's "3/12" (en-US: 12 March) for the Berlin lead: she owns it, the mention leaves the title, and it is due at
    the end of her day."""
    people = People(LEAD, DEV)
    item = actions.create_from_text(
        session,
        project=_project(session),
        author="U0DEV1",
        said="<@U0LEAD|lead-berlin> review the plan by 3/12",
        now=MONDAY,
        people=people,
    )
    due = datetime(2027, 3, 12, 16, 0, tzinfo=UTC)
    assert ("U0DEV1", "U0LEAD", "review the plan", due) == (item.creator_id, item.owner_id, item.title, item.due_at)
    assert ["U0DEV1", "U0LEAD"] == people.asked


def test_a_mention_inside_an_actions_title_owns_it_and_is_stored_as_a_name(session: Session) -> None:
    """The first person mentioned owns the item even mid-sentence; the mention is kept in the title as their name."""
    item = actions.create_from_text(
        session,
        project=_project(session),
        author="U0LEAD",
        said="ask <@U0DEV2> about the deck",
        now=MONDAY,
        people=People(LEAD, KOLKATA),
    )
    assert ("U0DEV2", "ask @dev-kolkata about the deck", None) == (item.owner_id, item.title, item.due_at)


def test_an_action_for_a_bot_is_refused(session: Session) -> None:
    """A bot cannot own an item: nothing is recorded, and the refusal names it."""
    with pytest.raises(InvalidInput, match="@deploy-bot is a bot, so it can't own action items"):
        actions.create_from_text(
            session,
            project=_project(session),
            author="U0LEAD",
            said="<@U0BOT> deploy",
            now=MONDAY,
            people=People(LEAD, BOT),
        )


def test_a_risk_reads_its_scores_owner_and_labelled_fields(session: Session) -> None:
    """`p:`, `i:` (a number or a word), the owner's mention and `mitigation:` are read; the rest is the title. Only
    the owner is looked up."""
    people = People(DEV)
    risk = risks.create_from_text(
        session,
        project=_project(session),
        author="U0LEAD",
        said="vendor may slip p:4 i:high <@U0DEV1> mitigation: a second vendor",
        now=MONDAY,
        people=people,
    )
    got = (risk.title, risk.probability, risk.impact, risk.owner_id, risk.mitigation, risk.creator_id)
    assert ("vendor may slip", 4, 4, "U0DEV1", "a second vendor", "U0LEAD") == got
    assert ["U0DEV1"] == people.asked


def test_a_risk_update_reads_no_title() -> None:
    """An update's text changes only what it names."""
    assert Fields(probability=2, contingency="buy time") == risks.read_fields(
        "p:2 contingency: buy time", with_title=False
    )


def test_a_decision_is_made_now_by_its_author_with_people_named(session: Session) -> None:
    """A decision is the author's, approved at once; a mention is stored as the person's name."""
    decision = decisions.create_from_text(
        session,
        project=_project(session),
        author="U0LEAD",
        said="we go with <@U0DEV2>'s plan",
        now=MONDAY,
        people=People(KOLKATA),
    )
    got = (decision.statement, decision.creator_id, decision.decided_by, decision.decided_at)
    assert ("we go with @dev-kolkata's plan", "U0LEAD", ["U0LEAD"], MONDAY) == got


def test_each_kind_a_meeting_captures_is_made_by_its_domain_service(app: PmbotApp) -> None:
    """A meeting's ACTION:, RISK: and DECISION: lines are recorded by the services their commands use, registered by
    the feature owning each kind."""
    made_by = {kind: found.create for kind, found in app.registered.record_kinds.items()}
    expected: dict[str, object] = {
        "action": actions.create_from_text,
        "risk": risks.create_from_text,
        "decision": decisions.create_from_text,
    }
    assert expected == {kind: made_by.get(kind) for kind in expected}
