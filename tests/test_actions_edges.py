"""Edges of action items: late ticks, simultaneous clicks, new promises, new owners, misread subcommands."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from domain.workspaces import project_for, workspace_for
from sandbox.standin import FakeSlack
from storage.models import ActionEvent
from storage.models.actions import ActionStatus
from tests.actions_helpers import dm_texts, frozen, items
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_actions_flows import _form
from tests.test_actions_reminders import _set_up

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _reminder_kinds(fake: FakeSlack, user: str) -> list[str]:
    kinds = {"Coming up": "before", "Due now": "due", "Overdue": "overdue"}
    return [k for m in fake.messages(f"D{user}") for marker, k in kinds.items() if marker in str(m["blocks"])]


def _item_escalations(fake: FakeSlack) -> list[dict[str, object]]:
    """The item's own escalations in the escalation channel (not the daily escalation digest)."""
    return [m for m in fake.messages("C0ESC") if str(m["text"]).startswith("Escalation in")]


def test_a_due_reminder_at_the_end_of_the_day_survives_a_late_tick(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """Due 17:00 in the owner's zone: a tick 40 seconds later still sends the "due now" reminder."""
    _set_up(slack, "<@U0LEAD> send the deck by wednesday 5pm".replace("<@U0LEAD> ", ""), owner="U0LEAD")
    run_due(factory, make_client(settings, patient=False), now=datetime(2026, 11, 25, 16, 0, 40, tzinfo=UTC))
    assert ["due"] == _reminder_kinds(fake_slack, "U0LEAD")


def test_two_simultaneous_done_clicks_complete_once(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Two Done clicks arriving together record one completion and tell the creator once."""
    with frozen(MONDAY):
        slack.command(
            "/action", "<@U0DEV2|dev-kolkata> send the deck by friday", user_id="U0LEAD", channel_id=PROJECT_CHANNEL
        )
        [card] = fake_slack.messages(PROJECT_CHANNEL)
        click = {
            "user_id": "U0DEV2",
            "action_id": "action_done",
            "value": "A-1",
            "channel_id": PROJECT_CHANNEL,
            "message_ts": card["ts"],
            "message": card,
        }
        answers: list[object] = []
        threads = [threading.Thread(target=lambda: answers.append(slack.block_action(**click))) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [200, 200] == [a.status for a in answers], [a.text for a in answers]  # type: ignore[attr-defined]
    done = session.scalars(select(ActionEvent).where(ActionEvent.kind == "done")).all()
    assert 1 == len(done)
    assert 1 == len([t for t in dm_texts(fake_slack, "U0LEAD") if "completed" in t])


def test_a_new_due_date_is_escalated_afresh(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """An escalated item given a new due date, and slipping again, is escalated again (and sent)."""
    _set_up(slack, "send the deck by tuesday")
    client = make_client(settings, patient=False)
    run_due(factory, client, now=datetime(2026, 11, 27, 8, 30, tzinfo=UTC))
    assert 1 == len(_item_escalations(fake_slack))
    with frozen(datetime(2026, 11, 27, 9, 0, tzinfo=UTC)):
        card = fake_slack.messages(PROJECT_CHANNEL)[0]
        slack.block_action(
            user_id="U0LEAD",
            action_id="action_edit",
            value="A-1",
            channel_id=PROJECT_CHANNEL,
            message_ts=card["ts"],
            message=card,
        )
        view = fake_slack.calls_to("views.open")[-1].args["view"]
        slack.view_submission(
            user_id="U0LEAD",
            callback_id="action_edit_submit",
            private_metadata=view["private_metadata"],
            values=_form("send the deck", "U0DEV2", "2026-11-30", "17:00"),
        )
    run_due(factory, client, now=datetime(2026, 12, 3, 8, 30, tzinfo=UTC))
    assert 2 == len(_item_escalations(fake_slack))


def test_a_new_owner_gets_the_reminder_the_old_one_already_had(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """After a reassignment the new owner gets today's overdue nudge even though the old owner got it too."""
    _set_up(slack, "send the deck by tuesday")
    client = make_client(settings, patient=False)
    wednesday = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # 13:30 in Kolkata, 09:00 in Berlin
    run_due(factory, client, now=wednesday)
    with frozen(wednesday + timedelta(minutes=5)):
        slack.command("/action", "reassign A-1 <@U0LEAD|lead-berlin>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    run_due(factory, client, now=wednesday + timedelta(minutes=10))
    assert ["overdue"] == _reminder_kinds(fake_slack, "U0DEV2")
    assert ["overdue"] == _reminder_kinds(fake_slack, "U0LEAD")


def test_subcommand_words_with_extra_text_are_refused_not_created(slack: SlackSender, session: Session) -> None:
    """`/action done A-1 thanks` explains the usage instead of creating an item titled like that."""
    with frozen(MONDAY):
        response = slack.command("/action", "done A-1 thanks", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
        listed = slack.command(
            "/action",
            "list <@U0DEV2|dev-kolkata> <@U0DEV3|dev-kathmandu>",
            user_id="U0DEV1",
            channel_id=PROJECT_CHANNEL,
        )
    assert "/action done A-17" in response.json()["text"]
    assert "/action list" in listed.json()["text"]
    assert [] == items(session)


def test_deleting_turns_the_card_into_a_deleted_note(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A deleted item's card loses its buttons and says it was deleted."""
    with frozen(MONDAY):
        slack.command("/action", "draft the plan", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
        slack.command("/action", "delete A-1", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    [card] = fake_slack.messages(PROJECT_CHANNEL)
    assert "Deleted" in str(card["blocks"]) and "action_done" not in str(card["blocks"])
    assert ActionStatus.DELETED == items(session)[0].status


def test_the_form_confirms_ephemerally_where_the_project_prefers(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """With ephemeral confirmations, an item created from the form is shown to its creator alone."""
    workspace = workspace_for(session, team_id="T0001", now=MONDAY)
    project_for(session, workspace=workspace, channel_id=PROJECT_CHANNEL, now=MONDAY).settings = {
        "action_confirmation": "ephemeral"
    }
    session.commit()
    with frozen(MONDAY):
        slack.view_submission(
            user_id="U0DEV1",
            callback_id="action_create",
            private_metadata=json.dumps({"channel": PROJECT_CHANNEL}),
            values=_form("quiet one", "U0DEV1", None, None),
        )
    assert [] == fake_slack.messages(PROJECT_CHANNEL)
    assert any("quiet one" in str(e.get("blocks")) for e in fake_slack.ephemerals("U0DEV1"))
