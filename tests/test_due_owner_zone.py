"""A date-only deadline is the owner's end of day, and the creator is told how the date was read (real endpoint)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from sandbox.standin import FakeSlack
from tests.actions_helpers import frozen, items, outbox_count
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Mon 23 Nov 2026: 01:00 in LA, 10:00 in Berlin


def _say(slack: SlackSender, text: str, user: str) -> dict[str, Any]:
    with frozen(MONDAY):
        response = slack.command("/action", text, user_id=user, channel_id=PROJECT_CHANNEL)
    assert 200 == response.status, response.text
    return dict(response.json())


def _token(moment: datetime, fallback: str) -> str:
    return f"<!date^{int(moment.timestamp())}^{{date_long}}, {{time}}|{fallback}>"


def test_las_date_for_the_berlin_lead_is_due_at_the_end_of_her_day(slack: SlackSender, session: Session) -> None:
    """LA's "3/12" (en-US: 12 March) for the Berlin lead is due at 17:00 Berlin, not 17:00 LA (02:00 Berlin)."""
    answer = _say(slack, "<@U0LEAD|lead-berlin> review the plan by 3/12", "U0DEV1")
    [item] = items(session)
    due = datetime(2027, 3, 12, 16, 0, tzinfo=UTC)
    assert ("review the plan", due) == (item.title, item.due_at)
    expected = f"Created A-1, due {_token(due, 'Fri 12 Mar 2027, 08:00')} your time (17:00 for @lead-berlin)."
    assert expected == answer["text"]


def test_the_confirmation_names_the_owners_day_when_it_differs(slack: SlackSender, session: Session) -> None:
    """LA's "friday 5pm" for the Berlin lead is LA's 5pm, and she is told it is Saturday 02:00 for her."""
    answer = _say(slack, "<@U0LEAD|lead-berlin> send the numbers by friday 5pm", "U0DEV1")
    due = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    assert due == items(session)[0].due_at
    expected = f"due {_token(due, 'Fri 27 Nov, 17:00')} your time (Sat 28 Nov, 02:00 for @lead-berlin)."
    assert answer["text"].endswith(expected)


def test_a_weekday_for_an_owner_ahead_of_the_creator_is_her_own_end_of_day(
    slack: SlackSender, session: Session
) -> None:
    """Kathmandu's "EOW" for the Auckland dev is Friday 17:00 in Auckland, with both readings in the answer."""
    answer = _say(slack, "<@U0DEV4|dev-auckland> update the style guide by EOW", "U0DEV3")
    due = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 17:00 NZDT
    assert due == items(session)[0].due_at
    assert f"due {_token(due, 'Fri 27 Nov, 09:45')} your time (17:00 for @dev-auckland)." in answer["text"]


def test_ones_own_item_is_read_in_ones_own_zone_alone(slack: SlackSender, session: Session) -> None:
    """An item the Berlin lead gives herself says only "your time"."""
    answer = _say(slack, "book the room by thursday", "U0LEAD")
    due = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    assert due == items(session)[0].due_at
    assert f"Created A-1, due {_token(due, 'Thu 26 Nov, 17:00')} your time." == answer["text"]


def test_the_form_date_alone_is_the_owners_end_of_day(slack: SlackSender, session: Session) -> None:
    """A date picked without a time in the form, by Kolkata for LA, is 17:00 in LA."""
    values = {
        "title": {"value": {"type": "plain_text_input", "value": "renew the cert"}},
        "owner": {"value": {"type": "users_select", "selected_user": "U0DEV1"}},
        "due_date": {"value": {"type": "datepicker", "selected_date": "2026-11-25"}},
        "due_time": {"value": {"type": "timepicker", "selected_time": None}},
        "notes": {"value": {"type": "plain_text_input", "value": None}},
    }
    meta = json.dumps({"channel": PROJECT_CHANNEL, "channel_name": "proj-apollo"})
    with frozen(MONDAY):
        slack.view_submission(user_id="U0DEV2", callback_id="action_create", private_metadata=meta, values=values)
    assert datetime(2026, 11, 26, 1, 0, tzinfo=UTC) == items(session)[0].due_at


def test_impossible_or_past_dates_are_refused_and_nothing_is_saved(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """ "32/03", "last friday" and "today 9am" after 9am are refused with the reason; no item, no card, no DM."""
    answers = [
        _say(slack, text, "U0LEAD")["text"] for text in ("ship it 32/03", "ship it last friday", "ship it today 9am")
    ]
    assert '"32/03" is not a date that exists (read as day/month).' in answers[0]
    assert '"last friday" is in the past' in answers[1]
    assert "Mon 23 Nov 2026, 09:00 (Europe/Berlin), which has already passed." in answers[2]
    assert ([], 0, []) == (items(session), outbox_count(session), fake_slack.messages(PROJECT_CHANNEL))


def test_a_past_day_after_by_is_refused_not_read_as_the_next_one(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """ "by last friday" is refused as past; it never becomes "… by last" due this Friday."""
    answer = _say(slack, "<@U0DEV2|dev-kolkata> send the numbers by last friday", "U0DEV1")
    assert '"last friday" is in the past' in answer["text"]
    assert ([], 0, []) == (items(session), outbox_count(session), fake_slack.messages(PROJECT_CHANNEL))
