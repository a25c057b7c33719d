"""Reminders and escalation reach Slack: the scheduled work run at a few frozen instants (the time rules are in
tests/test_reminder_rules.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from sandbox.standin import FakeSlack
from tests.actions_helpers import frozen, items
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KOLKATA = ZoneInfo("Asia/Kolkata")


def _set_up(slack: SlackSender, text: str, owner: str = "U0DEV2") -> None:
    """A Berlin project with a lead and an escalation channel, and one item created Monday."""
    with frozen(MONDAY):
        for setting in ("tz Europe/Berlin", "escalation <#C0ESC|proj-esc>", "leads <@U0LEAD|lead-berlin>"):
            slack.command("/pm", f"config {setting}", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        response = slack.command("/action", f"<@{owner}> {text}", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        assert 200 == response.status


def _reminders(fake: FakeSlack, user: str) -> list[str]:
    return [m["text"] for m in fake.messages(f"D{user}") if m["text"].startswith("Reminder")]


def _kind(message: dict[str, object]) -> str:
    text = str(message["blocks"])
    for marker, kind in (
        ("Coming up", "before"),
        ("Due now", "due"),
        ("Overdue", "overdue"),
        ("Snooze over", "snoozed"),
    ):
        if marker in text:
            return kind
    return "other"


def _escalation(message: dict[str, object]) -> str:
    """An item's own escalation, as opposed to the daily escalation digest that may share its channel."""
    return "digest" if str(message["text"]).startswith("Escalation digest") else "escalation"


def _run_at(
    factory: sessionmaker[Session], settings: Settings, fake: FakeSlack, instants: list[datetime]
) -> list[tuple[datetime, str, str]]:
    """Run the due work at each instant (twice each: re-runs must send nothing new); return (instant, channel, kind)
    for every message that appeared. Which reminder is due when is stepped through in tests/test_reminder_rules.py."""
    client = make_client(settings, patient=False)
    seen: list[tuple[datetime, str, str]] = []
    watched = ("DU0DEV2", "DU0DEV4", "DU0LEAD", "C0ESC")
    counts = {channel: len(fake.messages(channel)) for channel in watched}
    for at in instants:
        run_due(factory, client, now=at)
        run_due(factory, client, now=at)
        for channel in watched:
            messages = fake.messages(channel)
            for message in messages[counts[channel] :]:
                seen.append((at, channel, _kind(message) if channel.startswith("DU0DEV") else _escalation(message)))
            counts[channel] = len(messages)
    return seen


def test_a_week_of_reminders_in_the_owners_hours_then_escalation(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """Owner in Kolkata, due Wednesday 17:00 Berlin: the day-before reminder reaches them once at 09:00 Kolkata;
    the escalation reaches the lead and the channel once, with its reason; Done stops all that follows."""
    _set_up(slack, "send the deck by wednesday 5pm")
    [item] = items(session)
    assert datetime(2026, 11, 25, 16, 0, tzinfo=UTC) == item.due_at
    tuesday_0900_kolkata = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)
    seen = _run_at(factory, settings, fake_slack, [tuesday_0900_kolkata - timedelta(minutes=30), tuesday_0900_kolkata])
    assert [(tuesday_0900_kolkata, "DU0DEV2", "before")] == [entry for entry in seen if entry[2] != "other"]
    level_1 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Mon 09:00 Berlin: 3rd working day after Wednesday
    seen = _run_at(factory, settings, fake_slack, [level_1 - timedelta(minutes=30), level_1])
    monday_nudge = (level_1 - timedelta(minutes=30), "DU0DEV2", "overdue")  # still current at 08:00: not sent again
    assert [monday_nudge] == [entry for entry in seen if entry[1] == "DU0DEV2" and entry[2] != "other"]
    escalations = [(at, channel) for at, channel, kind in seen if kind == "escalation"]
    assert [(level_1, "DU0LEAD"), (level_1, "C0ESC")] == sorted(escalations, key=lambda e: e[1], reverse=True)
    [escalation] = [m for m in fake_slack.messages("C0ESC") if _escalation(m) == "escalation"]
    assert "overdue by 3 working days (level 1)" in str(escalation["blocks"])
    # Done at Wednesday 2 December stops everything that follows.
    with frozen(datetime(2026, 12, 2, 7, 0, tzinfo=UTC)):
        card = fake_slack.messages(PROJECT_CHANNEL)[0]
        slack.block_action(
            user_id="U0DEV2",
            action_id="action_done",
            value="A-1",
            channel_id=PROJECT_CHANNEL,
            message_ts=card["ts"],
            message=card,
        )
    level_2 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # Wed 09:00 Berlin: 5th working day after
    thursday_0900_kolkata = datetime(2026, 12, 3, 3, 30, tzinfo=UTC)
    later = _run_at(
        factory, settings, fake_slack, [level_2, thursday_0900_kolkata, datetime(2026, 12, 9, 9, 0, tzinfo=UTC)]
    )
    assert [] == [entry for entry in later if entry[2] != "other"]


def test_downtime_sends_the_current_reminder_once_not_a_backlog(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """With nothing run from Monday to Friday, Friday's first run sends one overdue nudge, once."""
    _set_up(slack, "send the deck by tuesday")
    client = make_client(settings, patient=False)
    friday = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
    run_due(factory, client, now=friday)
    run_due(factory, client, now=friday + timedelta(minutes=5))
    assert ["overdue"] == [_kind(m) for m in fake_slack.messages("DU0DEV2") if m["text"].startswith("Reminder")]


def test_snooze_pauses_reminders_until_it_ends(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """A snoozed item gets no nudges until the snooze ends, then one "snooze over" reminder."""
    _set_up(slack, "send the deck by tuesday")
    with frozen(datetime(2026, 11, 24, 3, 0, tzinfo=UTC)):
        response = slack.command("/action", "snooze A-1 thursday 11am", user_id="U0DEV2", channel_id=PROJECT_CHANNEL)
        assert "paused until" in response.json()["text"]
    snooze_over = datetime(2026, 11, 26, 5, 30, tzinfo=UTC)  # Thu 11:00 Kolkata
    instants = [datetime(2026, 11, 24, 3, 30, tzinfo=UTC), datetime(2026, 11, 25, 3, 30, tzinfo=UTC), snooze_over]
    seen = _run_at(factory, settings, fake_slack, [*instants, snooze_over + timedelta(hours=1)])
    owner = [(at, kind) for at, channel, kind in seen if channel == "DU0DEV2" and kind != "other"]
    assert [(snooze_over, "snoozed")] == owner


def test_escalation_goes_once_per_level_up_to_three(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """Due Tuesday with the default threshold of 2 working days: levels 1, 2 and 3 on Friday, the next Tuesday
    and Thursday (09:00 Berlin), each once to the lead and to the escalation channel; never a fourth."""
    _set_up(slack, "send the deck by tuesday")
    client = make_client(settings, patient=False)
    levels = []
    for day in (
        datetime(2026, 11, 27, 8, 0, tzinfo=UTC),
        datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        datetime(2026, 12, 3, 8, 0, tzinfo=UTC),
        datetime(2026, 12, 10, 8, 0, tzinfo=UTC),
    ):
        for at in (day - timedelta(minutes=1), day, day + timedelta(hours=1)):
            run_due(factory, client, now=at)
        levels.append(
            [
                str(m["blocks"]).count("(level")
                for m in fake_slack.messages("C0ESC")
                if str(m["text"]).startswith("Escalation in")
            ]
        )
    assert [[1], [1, 1], [1, 1, 1], [1, 1, 1]] == levels
    assert ["level 1", "level 2", "level 3"] == [
        f"level {n}" for n in (1, 2, 3) if f"(level {n})" in str(fake_slack.messages("DU0LEAD"))
    ]
