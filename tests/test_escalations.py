"""Escalations: one message per recipient per run, in the recipient's working hours, naming the project, and
never about one's own fresh record; driven through run_due and signed requests at frozen instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from domain import actions, members
from domain.workspaces import project_for, workspace_for
from sandbox.standin import FakeSlack
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WEDNESDAY_1606_BERLIN = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # dev-la's 07:00, a working day's end in Berlin


def _configure(slack: SlackSender, *settings: str) -> None:
    with frozen(MONDAY):
        for setting in settings:
            response = slack.command("/pm", f"config {setting}", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
            assert 200 == response.status


def _escalations(fake: FakeSlack, channel: str) -> list[dict[str, object]]:
    """The escalations in a conversation (not the daily escalation digest, nor anything else)."""
    return [m for m in fake.messages(channel) if str(m["text"]).startswith(("Escalation in", "81 escalations"))]


def test_many_items_overdue_at_once_make_one_message_per_recipient(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """81 actions of someone who left reach escalation in one run: one message to the lead and one to the channel,
    each listing all 81 with why (days overdue and level), naming the project; re-runs send nothing more."""
    _configure(slack, "tz Europe/Berlin", "escalation <#C0ESC|proj-esc>", "leads <@U0LEAD|lead-berlin>")
    with factory() as s:
        project = project_for(
            s, workspace=workspace_for(s, team_id=FakeSlack.team_id, now=MONDAY), channel_id=PROJECT_CHANNEL, now=MONDAY
        )
        gone = {"id": "U0GONE", "name": "dev-gone", "deleted": True, "tz": "Europe/Berlin"}
        members.upsert_from_profile(s, workspace_id=project.workspace_id, user=gone, now=MONDAY)
        for n in range(81):
            due = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # Tuesday 17:00 Berlin
            actions.create(s, project=project, creator="U0LEAD", owner="U0GONE", title=f"task {n}", due_at=due,
                           now=MONDAY)  # fmt: skip
        s.commit()
    client = make_client(settings, patient=False)
    friday_0900_berlin = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # level 1 for all 81
    for at in (friday_0900_berlin, friday_0900_berlin, friday_0900_berlin + timedelta(minutes=30)):
        run_due(factory, client, now=at)
    for channel in ("DU0LEAD", "C0ESC"):
        [message] = _escalations(fake_slack, channel)
        assert "81 escalations in <#C0PROJ>" == message["text"]
        blocks = str(message["blocks"])
        assert 81 == blocks.count("overdue by 3 working days (level 1)")
        assert "task 0" in blocks and "task 80" in blocks
    digests = [m for m in fake_slack.messages("C0ESC") if str(m["text"]).startswith("Escalation digest")]
    assert ["Escalation digest: 81 items need attention"] == [m["text"] for m in digests]
    assert 81 == str(digests[0]["blocks"]).count("overdue by 3 working days")


def test_a_lead_hears_in_her_own_working_hours_and_a_channel_at_once(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """A critical risk logged at 02:06 Berlin by dev-la: the escalation channel and the Auckland lead (14:06 there)
    hear at once; the Berlin lead at 09:00 her time, not before."""
    _configure(slack, "escalation <#C0ESC|proj-esc>", "leads <@U0LEAD|lead-berlin> <@U0DEV4|dev-auckland>")
    night_in_berlin = datetime(2026, 11, 24, 1, 6, tzinfo=UTC)  # Tue 02:06 Berlin, Mon 17:06 LA, Tue 14:06 Auckland
    with frozen(night_in_berlin):
        slack.command("/risk", "vendor may go bust p:4 i:5", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    client = make_client(settings, patient=False)
    run_due(factory, client, now=night_in_berlin + timedelta(minutes=1))
    assert (1, 1, 0) == tuple(len(_escalations(fake_slack, c)) for c in ("C0ESC", "DU0DEV4", "DU0LEAD"))
    for hour in range(2, 8):
        run_due(factory, client, now=night_in_berlin.replace(hour=hour, minute=59))
    assert [] == _escalations(fake_slack, "DU0LEAD")
    run_due(factory, client, now=datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # 09:00 Berlin
    [escalation] = _escalations(fake_slack, "DU0LEAD")
    assert "Escalation in <#C0PROJ>: R-1 score 20 (critical)" == escalation["text"]


def test_a_lead_is_not_escalated_about_the_risk_she_just_logged(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """The Berlin lead logs a critical risk in her working hours: the other lead and the channel hear, she does not."""
    _configure(slack, "escalation <#C0ESC|proj-esc>", "leads <@U0LEAD|lead-berlin> <@U0DEV4|dev-auckland>")
    at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tue 10:00 Berlin, 22:00 Auckland
    with frozen(at):
        slack.command("/risk", "vendor may go bust p:4 i:5", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    client = make_client(settings, patient=False)
    for hours in range(0, 24, 3):
        run_due(factory, client, now=at + timedelta(hours=hours))
    assert (1, 1, 0) == tuple(len(_escalations(fake_slack, c)) for c in ("C0ESC", "DU0DEV4", "DU0LEAD"))


def test_a_done_item_is_dropped_from_an_escalation_still_waiting_for_working_hours(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """An escalation held for the Auckland lead's morning is not sent if the item was done meanwhile."""
    _configure(slack, "tz Europe/Berlin", "leads <@U0DEV4|dev-auckland>")
    with frozen(MONDAY):
        slack.command("/action", "<@U0DEV2> send the deck by tuesday 5pm", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    client = make_client(settings, patient=False)
    friday_0900_berlin = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # 21:00 in Auckland: held until its morning
    run_due(factory, client, now=friday_0900_berlin)
    assert [] == _escalations(fake_slack, "DU0DEV4")
    with frozen(friday_0900_berlin + timedelta(hours=1)):
        slack.command("/action", "done A-1", user_id="U0DEV2", channel_id=PROJECT_CHANNEL)
    run_due(factory, client, now=datetime(2026, 11, 29, 20, 0, tzinfo=UTC))  # Mon 09:00 Auckland
    assert [] == _escalations(fake_slack, "DU0DEV4")


def test_reminders_and_reviews_name_their_project(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """A lead on several projects can tell which one: the reminder and the review DM name #proj-apollo."""
    with frozen(MONDAY):
        slack.command("/action", "<@U0DEV2> send the deck by wednesday", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/risk", "vendor may slip p:3 i:4 <@U0DEV2|dev-kolkata>", user_id="U0LEAD",
                      channel_id=PROJECT_CHANNEL)  # fmt: skip
    client = make_client(settings, patient=False)
    for at in (datetime(2026, 11, 25, 4, 0, tzinfo=UTC), datetime(2026, 11, 30, 10, 0, tzinfo=UTC)):
        run_due(factory, client, now=at)  # Wed 09:30 Kolkata: the reminder; Mon 15:30: the review, 7 days on
    dms = fake_slack.messages("DU0DEV2")
    reminders = [m for m in dms if str(m["text"]).startswith("Reminder")]
    reviews = [m for m in dms if str(m["text"]).startswith("Review")]
    assert reminders and reviews
    assert [] == [m["text"] for m in reminders + reviews if "<#C0PROJ>" not in str(m["text"])]
    assert [] == [m["text"] for m in reminders + reviews if "<#C0PROJ>" not in str(m["blocks"])]
