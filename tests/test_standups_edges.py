"""Edges of stand-ups: replies after midnight or after answering, set-up mid-day, late ticks, away phrases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from domain.due_phrases import read_range
from domain.workspaces import project_for, working_hours, workspace_for
from sandbox.standin import FakeSlack
from storage.models import Away, StandupAnswer
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_standups import _answer, set_up, step


def _reply(slack: SlackSender, user: str, text: str, at: datetime, event_id: str) -> None:
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": f"D{user}",
        "user": user,
        "text": text,
        "ts": f"{int(at.timestamp())}.000100",
    }
    with frozen(at):
        assert 200 == slack.event(event, event_id=event_id).status


def test_a_reply_after_answering_does_not_overwrite_the_answer(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """A chatty "thanks!" after answering leaves the answer (and its blocker) alone and says how to edit."""
    set_up(slack, fake_slack, people=["U0DEV2"])
    step(
        factory,
        settings,
        fake_slack,
        datetime(2026, 11, 23, 4, 0, tzinfo=UTC),
        datetime(2026, 11, 23, 4, 0, tzinfo=UTC),
    )
    _answer(slack, fake_slack, "U0DEV2", datetime(2026, 11, 23, 4, 10, tzinfo=UTC), ["tests", "deploy", "VPN access"])
    _reply(slack, "U0DEV2", "thanks!", datetime(2026, 11, 23, 4, 20, tzinfo=UTC), "EvT1")
    [answer] = session.scalars(select(StandupAnswer)).all()
    assert ["tests", "deploy", "VPN access"] == answer.answers
    assert "Answer button" in str(fake_slack.messages("DU0DEV2")[-1]["text"])


def test_a_reply_after_midnight_answers_the_day_asked(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """A Berlin reply at 00:30 on Tuesday answers Monday's prompt."""
    set_up(slack, fake_slack, people=["U0LEAD"])
    step(
        factory,
        settings,
        fake_slack,
        datetime(2026, 11, 23, 8, 30, tzinfo=UTC),
        datetime(2026, 11, 23, 8, 30, tzinfo=UTC),
    )
    _reply(slack, "U0LEAD", "late one: specs done", datetime(2026, 11, 23, 23, 30, tzinfo=UTC), "EvT2")
    [answer] = session.scalars(select(StandupAnswer)).all()
    assert date(2026, 11, 23) == answer.day


def test_no_summary_for_a_day_before_the_stand_up_existed(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """Set up on Tuesday at 10:00 UTC: no summary of Monday, and Tuesday's counts only who was asked after."""
    set_up(slack, fake_slack, people=["U0LEAD", "U0DEV2"], at=datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    step(
        factory,
        settings,
        fake_slack,
        datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 24, 20, 0, tzinfo=UTC),
        every=timedelta(minutes=30),
    )
    assert [] == [m for m in fake_slack.messages(PROJECT_CHANNEL) if "summary" in str(m["text"]).lower()]


def test_editing_an_answer_after_the_summary_keeps_it_on_time(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """An answer given before the summary and corrected after it is still on time."""
    set_up(slack, fake_slack, people=["U0LEAD"])
    step(
        factory,
        settings,
        fake_slack,
        datetime(2026, 11, 23, 8, 30, tzinfo=UTC),
        datetime(2026, 11, 23, 8, 30, tzinfo=UTC),
    )
    _answer(slack, fake_slack, "U0LEAD", datetime(2026, 11, 23, 9, 0, tzinfo=UTC), ["specs", "review", "none"])
    step(
        factory,
        settings,
        fake_slack,
        datetime(2026, 11, 23, 11, 30, tzinfo=UTC),
        datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
    )
    _answer(slack, fake_slack, "U0LEAD", datetime(2026, 11, 23, 13, 0, tzinfo=UTC), ["specs, fixed", "review", "none"])
    [answer] = session.scalars(select(StandupAnswer)).all()
    assert (["specs, fixed", "review", "none"], False) == (answer.answers, answer.late)


def test_a_late_tick_sends_the_prompt_and_only_later_the_reminder(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """When the first tick after 09:30 is at 11:00, the prompt goes then and the reminder an hour after it."""
    set_up(slack, fake_slack, people=["U0LEAD"])
    first = step(
        factory,
        settings,
        fake_slack,
        datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
    )
    assert ["Stand-up for Mon 23 Nov 2026"] == [text for _, _, text in first]
    later = step(
        factory,
        settings,
        fake_slack,
        datetime(2026, 11, 23, 10, 30, tzinfo=UTC),
        datetime(2026, 11, 23, 11, 30, tzinfo=UTC),
    )
    assert [(datetime(2026, 11, 23, 11, 0, tzinfo=UTC), "Stand-up reminder for Mon 23 Nov 2026")] == [
        (at, text) for at, channel, text in later if channel == "DU0LEAD"
    ]


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("until Dec 24", (date(2026, 12, 24), date(2026, 12, 24))),
        ("Dec 24 - Jan 2", (date(2026, 12, 24), date(2027, 1, 2))),
        ("Dec 24-Jan 2", (date(2026, 12, 24), date(2027, 1, 2))),
        ("tomorrow", (date(2026, 12, 25), date(2026, 12, 25))),
        ("2026-12-24", (date(2026, 12, 24), date(2026, 12, 24))),
        ("2026-12-28 to 2027-01-04", (date(2026, 12, 28), date(2027, 1, 4))),
    ],
)
def test_away_phrases_on_a_christmas_eve_evening(session: Session, phrase: str, expected: tuple[date, date]) -> None:
    """Read on 24 December at 19:00 in Berlin, today's date is today, not a year ahead or in the past."""
    project = project_for(
        session,
        workspace=workspace_for(session, team_id="T0001", now=datetime.now(UTC)),
        channel_id="C0X",
        now=datetime.now(UTC),
    )
    at = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)
    assert expected == read_range(phrase, at=at, tz="Europe/Berlin", hours=working_hours(project))


def test_away_command_stores_the_range(slack: SlackSender, session: Session) -> None:
    """`/standup away Dec 24 - Jan 2` stores that inclusive range for the caller."""
    with frozen(datetime(2026, 11, 23, 12, 0, tzinfo=UTC)):
        answer = slack.command("/standup", "away Dec 24 - Jan 2", user_id="U0DEV1", channel_id=PROJECT_CHANNEL).json()
    assert "away" in answer["text"]
    [away] = session.scalars(select(Away)).all()
    assert ("U0DEV1", date(2026, 12, 24), date(2027, 1, 2)) == (away.user_id, away.first_day, away.last_day)
