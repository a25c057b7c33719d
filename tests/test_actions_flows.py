"""Action items after capture: the form and the shortcut, buttons, permissions, lists and history."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from sandbox.standin import FakeSlack
from storage.models.actions import ActionStatus
from tests.actions_helpers import dm_texts, frozen, items
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import Response, SlackSender

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _create(slack: SlackSender, text: str, user: str = "U0LEAD") -> None:
    response = slack.command("/action", text, user_id=user, channel_id=PROJECT_CHANNEL)
    assert 200 == response.status, response.text


def _submit(slack: SlackSender, values: dict[str, Any], *, metadata: dict[str, str] | None = None) -> Response:
    """Submit the new-item form as U0DEV2 in the project channel, on MONDAY."""
    meta = metadata or {"channel": PROJECT_CHANNEL, "channel_name": "proj-apollo"}
    with frozen(MONDAY):
        return slack.view_submission(
            user_id="U0DEV2", callback_id="action_create", private_metadata=json.dumps(meta), values=values
        )


def _form(title: str, owner: str | None, day: str | None, at: str | None, notes: str = "") -> dict[str, Any]:
    return {
        "title": {"value": {"type": "plain_text_input", "value": title}},
        "owner": {"value": {"type": "users_select", "selected_user": owner}},
        "due_date": {"value": {"type": "datepicker", "selected_date": day}},
        "due_time": {"value": {"type": "timepicker", "selected_time": at}},
        "notes": {"value": {"type": "plain_text_input", "value": notes or None}},
    }


def _click(
    slack: SlackSender, fake: FakeSlack, user: str, action_id: str, value: str, message: dict[str, Any], **extra: Any
) -> Any:
    return slack.block_action(
        user_id=user,
        action_id=action_id,
        value=value,
        channel_id=message["channel"],
        message_ts=message["ts"],
        message=message,
        **extra,
    )


def test_action_without_text_opens_the_form(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """`/action` alone opens the modal with the caller as owner."""
    slack.command("/action", "", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    [call] = fake_slack.calls_to("views.open")
    view = call.args["view"]
    assert "action_create" == view["callback_id"]
    assert "U0DEV1" == view["blocks"][1]["element"]["initial_user"]


def test_the_form_creates_an_item_in_the_submitters_zone(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A submitted form creates the item; date and time are read in the submitter's time zone."""
    response = _submit(slack, _form("prepare the demo", "U0DEV3", "2026-11-25", "14:30", notes="with the new build"))
    assert 200 == response.status and not response.body
    [item] = items(session)
    assert ("prepare the demo", "U0DEV3", "with the new build") == (item.title, item.owner_id, item.notes)
    assert datetime(2026, 11, 25, 9, 0, tzinfo=UTC) == item.due_at  # 14:30 in Kolkata
    assert 1 == len(fake_slack.messages(PROJECT_CHANNEL))
    assert any("prepare the demo" in text for text in dm_texts(fake_slack, "U0DEV3"))


def test_control_characters_typed_into_a_form_are_dropped_not_refused(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A NUL or other control character in a form's text is dropped; the item is saved (PostgreSQL refuses NUL)."""
    response = _submit(slack, _form("pre\x00pare the\x07 demo", "U0DEV3", None, None, notes="line\x00\none\tand two"))
    assert 200 == response.status and not response.body
    [item] = items(session)
    assert ("prepare the demo", "line\none\tand two") == (item.title, item.notes)


def test_a_past_date_in_the_form_is_shown_beside_the_field(slack: SlackSender, session: Session) -> None:
    """A due date in the past keeps the form open with the error beside the date field."""
    response = _submit(slack, _form("too late", "U0DEV2", "2026-11-20", None), metadata={"channel": PROJECT_CHANNEL})
    body = response.json()
    assert "errors" == body["response_action"]
    assert "in the past" in body["errors"]["due_date"]
    assert [] == items(session)


def test_the_message_shortcut_prefills_the_form_and_keeps_the_link(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """ "Create action item" on a message opens the form with its text; the item keeps the message's permalink."""
    message = {
        "type": "message",
        "ts": "1763888000.000100",
        "user": "U0DEV4",
        "text": "Can <@U0DEV1> check the &lt;TLS&gt; certs?",
    }
    slack.message_shortcut(
        user_id="U0DEV1", callback_id="action_from_message", channel_id=PROJECT_CHANNEL, message=message
    )
    [opened] = fake_slack.calls_to("views.open")
    view = opened.args["view"]
    assert "Can @dev-la check the <TLS> certs?" == view["blocks"][0]["element"]["initial_value"]
    metadata = view["private_metadata"]
    assert "1763888000000100" in json.loads(metadata)["permalink"]
    with frozen(MONDAY):
        slack.view_submission(
            user_id="U0DEV1",
            callback_id="action_create",
            private_metadata=metadata,
            values=_form("check the TLS certs", "U0DEV1", None, None),
        )
    [item] = items(session)
    assert json.loads(metadata)["permalink"] == item.permalink
    assert item.permalink in str(fake_slack.messages(PROJECT_CHANNEL)[0]["blocks"])


def test_done_updates_the_card_and_tells_the_creator_once(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """The owner's Done updates the channel card and tells the creator; a double click changes nothing more."""
    with frozen(MONDAY):
        _create(slack, "<@U0DEV2|dev-kolkata> send the deck by friday")
        [card] = fake_slack.messages(PROJECT_CHANNEL)
        first = _click(slack, fake_slack, "U0DEV2", "action_done", "A-1", card)
        second = _click(slack, fake_slack, "U0DEV2", "action_done", "A-1", card)
    assert (200, 200) == (first.status, second.status)
    [item] = items(session)
    assert (ActionStatus.DONE, "U0DEV2") == (item.status, item.completed_by)
    [updated] = fake_slack.messages(PROJECT_CHANNEL)
    assert "Done by" in str(updated["blocks"]) and "Reopen" in str(updated["blocks"])
    assert 1 == len([t for t in dm_texts(fake_slack, "U0LEAD") if "completed" in t])
    assert any("already done" in e["text"] for e in fake_slack.ephemerals("U0DEV2"))


def test_done_from_a_reminder_dm_updates_that_dm(slack: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """Done clicked in the owner's DM updates that DM message as well as the card."""
    with frozen(MONDAY):
        _create(slack, "<@U0DEV2|dev-kolkata> send the deck by friday")
        [dm] = fake_slack.messages("DU0DEV2")
        _click(slack, fake_slack, "U0DEV2", "action_done", "A-1", dm)
    [dm_after] = fake_slack.messages("DU0DEV2")
    assert "Reopen" in str(dm_after["blocks"])


@pytest.mark.parametrize(
    "command", ["done A-1", "snooze A-1 tomorrow", "reassign A-1 <@U0DEV4|dev-auckland>", "delete A-1"]
)
def test_only_owner_creator_or_lead_may_change_an_item(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, command: str
) -> None:
    """Anyone else is refused politely and the item does not change."""
    with frozen(MONDAY):
        _create(slack, "<@U0DEV2|dev-kolkata> send the deck by friday", user="U0DEV1")
        response = slack.command("/action", command, user_id="U0DEV3", channel_id=PROJECT_CHANNEL)
    assert "Only A-1's owner, its creator or a project lead" in response.json()["text"]
    [item] = items(session)
    assert (ActionStatus.OPEN, "U0DEV2", None) == (item.status, item.owner_id, item.snoozed_until)


def test_a_project_lead_may_change_anyones_item(slack: SlackSender, session: Session) -> None:
    """A lead completes an item they neither own nor created."""
    with frozen(MONDAY):
        slack.command("/pm", "config leads <@U0DEV3|dev-kathmandu>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        _create(slack, "<@U0DEV2|dev-kolkata> send the deck", user="U0DEV1")
        slack.command("/action", "done A-1", user_id="U0DEV3", channel_id=PROJECT_CHANNEL)
    assert ActionStatus.DONE == items(session)[0].status


def test_list_shows_overdue_first_and_marks_it(slack: SlackSender, session: Session) -> None:
    """`/action list` shows my open items sorted by due date, overdue first and marked."""
    with frozen(MONDAY) as clock:
        _create(slack, "later one by friday", user="U0DEV1")
        _create(slack, "soon one in 2 hours", user="U0DEV1")
        _create(slack, "undated one", user="U0DEV1")
        clock.move_to(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
        response = slack.command("/action", "list", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    sections = [b["text"]["text"] for b in response.json()["blocks"] if b["type"] == "section"]
    assert 3 == len(sections)
    assert "overdue" in sections[0] and "soon one" in sections[0]
    assert "later one" in sections[1] and "overdue" not in sections[1]
    assert "undated one" in sections[2]


def test_reassign_tells_the_new_owner_and_history_shows_everything(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Reassigning DMs the new owner; `/action show` lists every change with who did it."""
    with frozen(MONDAY):
        _create(slack, "<@U0DEV2|dev-kolkata> send the deck by friday")
        slack.command("/action", "snooze A-1 tomorrow 10am", user_id="U0DEV2", channel_id=PROJECT_CHANNEL)
        slack.command("/action", "reassign A-1 <@U0DEV4|dev-auckland>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        response = slack.command("/action", "show A-1", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    assert "U0DEV4" == items(session)[0].owner_id
    assert any("send the deck" in t for t in dm_texts(fake_slack, "U0DEV4"))
    history = str(response.json()["blocks"])
    for words in ("created it", "snoozed its reminders", "reassigned it to <@U0DEV4>"):
        assert words in history


def test_snooze_from_the_menu_sets_the_next_working_morning(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Choosing "Next working day" snoozes until the start of the clicker's next working day."""
    with frozen(MONDAY):
        _create(slack, "<@U0DEV2|dev-kolkata> send the deck by friday")
        [card] = fake_slack.messages(PROJECT_CHANNEL)
        slack.block_action(
            user_id="U0DEV2",
            action_id="action_snooze",
            channel_id=PROJECT_CHANNEL,
            message_ts=card["ts"],
            message=card,
            action={
                "type": "static_select",
                "action_id": "action_snooze",
                "selected_option": {"value": "A-1|next-day"},
            },
        )
    assert datetime(2026, 11, 24, 3, 30, tzinfo=UTC) == items(session)[0].snoozed_until  # 09:00 in Kolkata


def test_edit_button_opens_the_filled_form_and_saving_changes_the_item(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Edit opens the form with the item's values; saving a new title updates the item and its card."""
    with frozen(MONDAY):
        _create(slack, "<@U0DEV2|dev-kolkata> send the deck by friday")
        [card] = fake_slack.messages(PROJECT_CHANNEL)
        _click(slack, fake_slack, "U0LEAD", "action_edit", "A-1", card)
        [opened] = fake_slack.calls_to("views.open")
        view = opened.args["view"]
        values = _form(
            "send the final deck",
            "U0DEV2",
            view["blocks"][2]["element"]["initial_date"],
            view["blocks"][3]["element"]["initial_time"],
        )
        slack.view_submission(
            user_id="U0LEAD", callback_id="action_edit_submit", private_metadata=view["private_metadata"], values=values
        )
    [item] = items(session)
    assert "send the final deck" == item.title
    assert datetime(2026, 11, 27, 11, 30, tzinfo=UTC) == item.due_at  # unchanged: the owner's Friday, 17:00 Kolkata
    assert "send the final deck" in str(fake_slack.messages(PROJECT_CHANNEL)[0]["blocks"])
