"""Messages read like a careful person wrote them: counts in the right number, no doubled words, lists that mean
what their headings say."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from domain import actions, status
from domain.text import plural
from domain.workspaces import project_for, workspace_for
from handlers.actions import render as render_actions
from handlers.digests import render as render_digests
from storage.models import ActionItem, Blocker, Project
from storage.models.actions import ActionStatus
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender

FRIDAY = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # 15:00 in Berlin


@pytest.mark.parametrize(
    ("expected", "count", "noun", "many"),
    [
        ("1 open blocker", 1, "open blocker", None),
        ("0 open blockers", 0, "open blocker", None),
        ("3 items", 3, "item", None),
        ("2 replies", 2, "reply", "replies"),
        ("1 reply", 1, "reply", "replies"),
    ],
)
def test_a_count_takes_the_right_number(expected: str, count: int, noun: str, many: str | None) -> None:
    """One is singular, anything else plural; an irregular plural is given."""
    assert expected == plural(count, noun, many)


def test_an_item_without_a_due_date_says_so_once() -> None:
    """A card, a list line and the owner's DM say "no due date", never "due no due date"."""
    item = ActionItem(number=3, title="tidy the wiki", owner_id="U0DEV1", creator_id="U0LEAD", status=ActionStatus.OPEN)
    item.project = Project(channel_id="C0PROJ", settings={})
    item.due_at = None
    text, _blocks = render_actions.card(item, now=FRIDAY)
    _, dm = render_actions.assigned(item, by="U0LEAD")
    line = render_actions.item_line(item, now=FRIDAY)
    assert "tidy the wiki (owner <@U0DEV1>, no due date)" == text.removeprefix("A-3 ")
    assert line.endswith(" · <@U0DEV1> · no due date")
    assert dm[0]["text"]["text"].endswith("*A-3* tidy the wiki\nNo due date")


def _berlin(session: Session) -> Project:
    project = project_for(
        session,
        workspace=workspace_for(session, team_id="T0001", now=FRIDAY),
        channel_id=PROJECT_CHANNEL,
        now=FRIDAY,
        time_zone="Europe/Berlin",
    )
    project.time_zone = "Europe/Berlin"
    return project


def test_due_next_week_starts_tomorrow_and_counts_read_right(session: Session) -> None:
    """At 15:00 on a Berlin Friday, an item due at 17:00 is "Due today", not "Due next week", which lists the one due
    on Monday; the headline says "1 open blocker", not "1 open blockers"."""
    project = _berlin(session)
    for title, due in (
        ("send the minutes", datetime(2026, 11, 27, 16, 0, tzinfo=UTC)),  # today 17:00 Berlin
        ("demo dry run", datetime(2026, 11, 30, 16, 0, tzinfo=UTC)),  # Monday 17:00 Berlin
    ):
        actions.create(session, project=project, creator="U0LEAD", owner="U0DEV1", title=title, due_at=due, now=FRIDAY)
    session.add(
        Blocker(
            workspace_id=project.workspace_id,
            project_id=project.id,
            owner_id="U0DEV2",
            text="VPN",
            status="open",
            created_at=FRIDAY,
        )
    )
    session.flush()
    snap = status.snapshot(session, project, now=FRIDAY)
    assert (["send the minutes"], ["demo dry run"]) == (
        [a.title for a in snap.due_today],
        [a.title for a in snap.due_next_week],
    )
    _text, blocks = render_digests.weekly(snap)
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    [today] = [s for s in sections if s.startswith("*Due today")]
    [next_week] = [s for s in sections if s.startswith("*Due next week")]
    assert "send the minutes" in today and "send the minutes" not in next_week and "demo dry run" in next_week
    numbers = render_digests.headline_numbers(snap)
    assert "2 open actions" in numbers and "1 open blocker ·" in numbers and "0 late decisions" in numbers


def test_the_empty_title_error_does_not_repeat_the_field_label(slack: SlackSender) -> None:
    """`/risk p:3 i:4` asks what the risk is, instead of saying "The title is empty" beside a field called Title."""
    with frozen(FRIDAY):
        answer = slack.command("/risk", "p:3 i:4", user_id="U0LEAD", channel_id=PROJECT_CHANNEL).json()
    assert answer["text"].startswith("What is the risk? Say it in a few words.")
    assert "title" not in answer["text"].lower()
