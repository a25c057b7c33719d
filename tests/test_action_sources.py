"""An item keeps where it came from, through the real HTTP endpoint: a meeting's ACTION: line, and a stand-up blocker
made an action item with its button (once, however often it is clicked)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from sandbox.standin import FakeSlack
from storage.models import ActionItem, Decision, RiskEvent
from tests.actions_helpers import frozen, items
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_standups import set_up, step

TUESDAY = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _say(slack: SlackSender, user: str, text: str, at: datetime, n: int) -> None:
    event = {"type": "message", "channel_type": "channel", "channel": PROJECT_CHANNEL, "user": user, "text": text,
             "ts": f"{int(at.timestamp())}.{n:06d}"}  # fmt: skip
    with frozen(at):
        assert 200 == slack.event(event, event_id=f"EvS{n}").status


def _card(fake: FakeSlack, ref: str, timeout: float = 10.0) -> dict[str, Any]:
    """The newest message in the project channel naming `ref` in its text, once it is there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in fake.messages(PROJECT_CHANNEL) if str(m["text"]).startswith(f"{ref} ")]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no card of {ref} in {timeout}s")


def test_a_meetings_action_line_says_where_it_came_from(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """ACTION: in a meeting: the item's card and `/action show` say "From: meeting _Weekly sync_" (escaped); a RISK:
    line's history and a DECISION: line's context keep the meeting too."""
    with frozen(TUESDAY):
        slack.command("/meeting", "start Weekly sync <!here>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    _say(slack, "U0LEAD", "ACTION: <@U0DEV1|dev-la> book the room by 2026-12-05", TUESDAY + timedelta(minutes=1), 1)
    _say(slack, "U0LEAD", "RISK: the venue may cancel p:2 i:3", TUESDAY + timedelta(minutes=2), 2)
    _say(slack, "U0LEAD", "DECISION: we meet on Tuesdays", TUESDAY + timedelta(minutes=3), 3)
    card = str(_card(fake_slack, "A-1")["blocks"])
    assert "From: meeting _Weekly sync @here_" in card and "<!here>" not in card
    with frozen(TUESDAY + timedelta(minutes=5)):
        shown = slack.command("/action", "show A-1", user_id="U0DEV1", channel_id=PROJECT_CHANNEL).json()
    assert "From: meeting _Weekly sync @here_" in str(shown["blocks"])
    [item] = items(session)
    assert ("meeting", "Weekly sync @here") == (item.source_kind, item.source_label)
    _card(fake_slack, "R-1")
    session.expire_all()
    [created] = session.scalars(select(RiskEvent).where(RiskEvent.kind == "created")).all()
    assert "meeting" == created.detail["source"]["kind"]
    assert "From the meeting “Weekly sync @here”." == session.scalars(select(Decision)).one().context
    session.rollback()


def _blocked(slack: SlackSender, fake: FakeSlack, factory: sessionmaker[Session], settings: Settings) -> dict[str, Any]:
    """Kolkata answers Monday's stand-up with a blocker; return its answer's message in the day's thread."""
    set_up(slack, fake, people=["U0DEV2"])
    step(factory, settings, fake, datetime(2026, 11, 23, 3, 45, tzinfo=UTC), datetime(2026, 11, 23, 4, 15, tzinfo=UTC))
    prompt = [m for m in fake.messages("DU0DEV2") if "standup_answer" in str(m["blocks"])][-1]
    value = next(e["value"] for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == "standup_answer")  # fmt: skip
    with frozen(datetime(2026, 11, 23, 4, 20, tzinfo=UTC)):
        slack.block_action(user_id="U0DEV2", action_id="standup_answer", value=value, channel_id="DU0DEV2",
                           message=prompt)  # fmt: skip
        view = fake.calls_to("views.open")[-1].args["view"]
        said = ["tests", "deploy", "waiting for <!channel> VPN access"]
        values = {f"q{i}": {"value": {"type": "plain_text_input", "value": a}} for i, a in enumerate(said)}
        slack.view_submission(user_id="U0DEV2", callback_id="standup_answer_submit",
                              private_metadata=view["private_metadata"], values=values)  # fmt: skip
    [answer] = [m for m in fake.messages(PROJECT_CHANNEL) if "blocker_to_action" in str(m["blocks"])]
    return answer


def _click(slack: SlackSender, message: dict[str, Any], user: str) -> None:
    value = next(e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == "blocker_to_action")  # fmt: skip
    with frozen(datetime(2026, 11, 23, 5, 0, tzinfo=UTC)):
        assert 200 == slack.block_action(user_id=user, action_id="blocker_to_action", value=value,
                                         channel_id=PROJECT_CHANNEL, message=message).status  # fmt: skip


def test_a_blockers_button_makes_one_action_item_with_its_source(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """ "Make an action item" on a blocker: an item owned by the person blocked, from the stand-up blocker, its card
    saying so; the blocker's message then names A-1; a second click makes nothing and says which item it became;
    someone neither blocked nor leading is refused."""
    answer = _blocked(slack, fake_slack, factory, settings)
    _click(slack, answer, "U0DEV3")
    assert [] == items(session)
    assert any("Only the person blocked" in e["text"] for e in fake_slack.ephemerals("U0DEV3"))
    _click(slack, answer, "U0DEV2")
    [item] = items(session)
    assert ("U0DEV2", "standup", "Unblock: waiting for @channel VPN access") == (
        item.owner_id,
        item.source_kind,
        item.title,
    )
    assert "From: stand-up blocker" in str(_card(fake_slack, "A-1")["blocks"])
    updated = [m for m in fake_slack.messages(PROJECT_CHANNEL) if m["ts"] == answer["ts"]][-1]
    assert "*A-1* made from this blocker" in str(updated["blocks"]) and "blocker_to_action" not in str(updated)
    _click(slack, answer, "U0DEV2")  # the stale message's button, again
    assert 1 == len(items(session))
    assert any("already A-1" in e["text"] for e in fake_slack.ephemerals("U0DEV2"))
    assert 1 == len(session.scalars(select(ActionItem)).all())
    session.rollback()


def _ephemerals(fake: FakeSlack, user: str, words: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """The ephemerals to `user` with `words` in their text, once there are any (the outbox sends them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := [e for e in fake.ephemerals(user) if words in str(e["text"])]:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no ephemeral to {user} saying {words!r} in {timeout}s")


def test_a_blockers_item_is_made_at_once_and_its_maker_is_offered_its_edit_for_owner_and_due_date(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """One click makes the item with no due date; only the clicker (the person blocked) then sees a note with the
    item's own Edit, which opens the item's form, and saving gives it another owner and a due date."""
    answer = _blocked(slack, fake_slack, factory, settings)
    _click(slack, answer, "U0DEV2")
    [item] = items(session)
    assert item.due_at is None
    session.rollback()
    [note] = _ephemerals(fake_slack, "U0DEV2", "A-1 made from the blocker")
    assert [] == [e for e in fake_slack.ephemerals("U0LEAD") if "A-1" in e["text"]]
    [edit] = [b["accessory"] for b in note["blocks"] if "accessory" in b]
    assert ("action_edit", "A-1") == (edit["action_id"], edit["value"])
    with frozen(datetime(2026, 11, 23, 5, 5, tzinfo=UTC)):
        assert 200 == slack.block_action(user_id="U0DEV2", action_id="action_edit", value="A-1",
                                         channel_id=PROJECT_CHANNEL).status  # fmt: skip
        view = fake_slack.calls_to("views.open")[-1].args["view"]
        assert "action_edit_submit" == view["callback_id"]
        values = {
            "title": {"value": {"type": "plain_text_input", "value": "Unblock: get VPN access"}},
            "owner": {"value": {"type": "users_select", "selected_user": "U0DEV1"}},
            "due_date": {"value": {"type": "datepicker", "selected_date": "2026-11-25"}},
            "due_time": {"value": {"type": "timepicker", "selected_time": None}},
            "notes": {"value": {"type": "plain_text_input", "value": None}},
        }
        saved = slack.view_submission(user_id="U0DEV2", callback_id="action_edit_submit",
                                      private_metadata=view["private_metadata"], values=values)  # fmt: skip
        assert 200 == saved.status and not saved.body, saved.text
    session.expire_all()
    [item] = items(session)
    assert ("U0DEV1", "Unblock: get VPN access", True) == (item.owner_id, item.title, item.due_at is not None)
    session.rollback()
