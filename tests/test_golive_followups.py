"""What follows a go-live's steps, through the real HTTP endpoint and the Slack stand-in: a failed step made an action
item with one click (from its thread reply or its owner's DM, once), a step that changes hands reminded to its new
owner only, and the timeline posted in the channel as the go-live's minutes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from sandbox.standin import FakeSlack
from storage.models import ActionItem, OutboxMessage, SourceKind
from storage.models.golive import GoLive
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_golive import (
    BEFORE,
    LEAD,
    NYC,
    OUTSIDER,
    SECRET,
    T_PAST,
    TYO,
    _click,
    _eventually,
    _message,
    _people,
    _plan,
    _say,
    _seen,
    _tick,
    _value,
)

MAKE = "golive_step_action"
POST = "golive_minutes_post"


def _buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["action_id"], e["value"]) for b in message.get("blocks", []) if b["type"] == "actions"
            for e in b["elements"]]  # fmt: skip


def _told(fake: FakeSlack, user: str, words: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = _eventually(lambda: [e for e in fake.ephemerals(user) if words in e["text"]])
    return found


def _items(session: Session) -> list[tuple[str, str, str, SourceKind | None, int | None, str | None]]:
    session.expire_all()
    found = [(i.ref, i.title, i.owner_id, i.source_kind, i.source_id, i.source_label)
             for i in session.scalars(select(ActionItem).order_by(ActionItem.id))]  # fmt: skip
    session.rollback()
    return found


def _golive_id(session: Session) -> int:
    found = session.scalars(select(GoLive.id)).one()
    session.rollback()
    return found


def test_a_failed_step_in_the_live_thread_becomes_one_action_item_for_its_owner(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """The thread reply of a failed step offers "Make an action item" (a done one does not); one click makes
    "Fix: <step title>" owned by the step's owner, from the go-live, with the actions feature's notices (the card in
    the channel, the owner's DM); the reply then names A-1 instead of offering it; a second click says it became A-1
    and makes nothing; a step no longer failed, or any but the one offered, is refused politely."""
    _plan(slack, fake_slack, BEFORE, T_PAST)
    live_at = T_PAST - timedelta(minutes=20)
    _say(slack, 'step G-1 add T+1h "Restore <!channel> & <b>" <@U0TYO>', at=live_at - timedelta(hours=1))
    _say(slack, "start G-1", at=live_at)
    _say(slack, "done G-1 1", at=live_at + timedelta(minutes=1))
    _say(slack, "failed G-1 3 restore took 40 minutes", at=live_at + timedelta(minutes=2), user=TYO)
    _say(slack, "failed G-1 8", at=live_at + timedelta(minutes=3), user=TYO)
    failed = _eventually(lambda: _message(fake_slack, PROJECT_CHANNEL, "#3 Backups verified: *failed*", MAKE))
    assert [(MAKE, _value(session, 3))] == _buttons(failed)
    done = _eventually(lambda: _message(fake_slack, PROJECT_CHANNEL, "#1 Freeze scope and confirm the runbook: *done*"))
    assert [] == _buttons(done)

    at = live_at + timedelta(minutes=5)
    assert 200 == _click(slack, LEAD, MAKE, _value(session, 3), at, channel=PROJECT_CHANNEL).status
    became = "\\u2192 *A-1* for <@U0TYO>"  # as json.dumps spells the arrow
    _eventually(lambda: _message(fake_slack, PROJECT_CHANNEL, "#3 Backups verified: *failed*", became, ts=failed["ts"]))
    assert [] == _buttons(_message(fake_slack, PROJECT_CHANNEL, ts=failed["ts"]) or {})
    golive_id = _golive_id(session)
    assert [("A-1", "Fix: Backups verified", TYO, "golive", golive_id, "Payments cutover")] == _items(session)
    _eventually(lambda: _message(fake_slack, f"D{TYO}", "Fix: Backups verified"))  # the owner told, as /action does
    _eventually(lambda: _message(fake_slack, PROJECT_CHANNEL, "A-1", "Fix: Backups verified"))  # the item's card

    _click(slack, NYC, MAKE, _value(session, 3), at + timedelta(seconds=3), channel=PROJECT_CHANNEL)  # a second click
    assert "Step #3 of G-1 already became A-1: nothing new made." == _told(fake_slack, NYC, "already became")[0]["text"]
    _click(slack, LEAD, MAKE, _value(session, 1), at, channel=PROJECT_CHANNEL)  # not a failed step
    _told(fake_slack, LEAD, "Step #1 of G-1 is done now: only a failed step becomes an action item.")
    _click(slack, LEAD, MAKE, _value(session, 8), at + timedelta(minutes=1), channel=PROJECT_CHANNEL)
    assert 2 == len(_items(session))
    escaped = _eventually(lambda: _message(fake_slack, PROJECT_CHANNEL, "A-2", "Fix: Restore"))
    shown = json.dumps(escaped)
    assert "<!channel>" not in shown and "@channel &amp; &lt;b&gt;" in shown
    minutes = json.dumps(_say(slack, "minutes G-1", at=at + timedelta(hours=1)), ensure_ascii=False)
    assert "#3 Backups verified failed by <@U0TYO>: restore took 40 minutes → *A-1*" in minutes
    session.expire_all()
    made = session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like("golive:%:timeline:%:action")))
    assert 2 == len(made.all())
    session.rollback()


def test_the_owners_dm_after_failed_offers_the_action_item_too(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """Before the cutover (no thread yet), the owner's step DM turned to "Failed" carries "Make an action item";
    their click makes the item and the DM names it without the button; the command that marks a step failed says
    nothing of items."""
    _plan(slack, fake_slack, BEFORE, T_PAST)
    moment = T_PAST - timedelta(hours=2)  # step 3, Tokyo's
    _tick(factory, settings, moment)
    dm = _message(fake_slack, f"D{TYO}", "Time for step #3")
    assert dm is not None and "golive_step_failed" in json.dumps(dm)
    _click(slack, TYO, "golive_step_failed", _value(session, 3), moment + timedelta(minutes=1))
    offered = _eventually(lambda: _message(fake_slack, f"D{TYO}", "Time for step #3", MAKE, ts=dm["ts"]))
    assert [(MAKE, _value(session, 3))] == _buttons(offered)
    _click(slack, TYO, MAKE, _value(session, 3), moment + timedelta(minutes=2))
    named = _eventually(lambda: _message(fake_slack, f"D{TYO}", "Time for step #3", "\\u2192 *A-1*", ts=dm["ts"]))
    assert [] == _buttons(named)
    assert [("A-1", "Fix: Backups verified", TYO)] == [i[:3] for i in _items(session)]
    _click(slack, TYO, MAKE, _value(session, 3), moment + timedelta(minutes=3))  # the old button, again
    _told(fake_slack, TYO, "already became A-1")
    assert 1 == len(_items(session))
    shown = json.dumps(_say(slack, "show G-1", at=moment + timedelta(minutes=4)), ensure_ascii=False)
    assert "Backups verified · <@U0TYO> · failed by <@U0TYO>" in shown and "→ *A-1*" in shown


def test_a_step_that_changes_hands_is_reminded_to_its_new_owner_only(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """Tokyo is told step 3 is coming; the step is then given to New York: at the next tick New York gets a fresh
    heads-up (in New York's time), and at the step's moment New York gets the step with its buttons, Tokyo nothing
    more; a second run queues nothing."""
    _plan(slack, fake_slack)
    moment = datetime(2027, 3, 30, 18, 0, tzinfo=UTC)  # T-2h: 03:00 in Tokyo, 14:00 in New York
    heads_up = moment - timedelta(minutes=15)
    _tick(factory, settings, moment - timedelta(hours=1))  # step 7's, Tokyo's too
    assert [(heads_up, TYO, "heads-up")] == _seen(factory, settings, fake_slack, [heads_up])
    handed = heads_up + timedelta(minutes=5)
    assert "is now" in _say(slack, f"step G-1 owner 3 <@{NYC}>", at=handed)["text"]
    instants = [handed, moment - timedelta(minutes=1), moment]
    assert [(handed, NYC, "heads-up"), (moment, NYC, "due")] == _seen(factory, settings, fake_slack, instants)
    assert _message(fake_slack, f"D{NYC}", "Time for step #3", "14:00 your time, America/New_York", "golive_step_done")
    assert not _message(fake_slack, f"D{TYO}", "Time for step #3")
    assert [] == _seen(factory, settings, fake_slack, instants)


def test_the_minutes_are_posted_in_the_channel_once_as_they_stand(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """`/golive minutes G-1` answers only the asker, with "Post to the channel"; a click posts the timeline as the
    go-live's minutes in its channel, naming the channel's meeting that ended that day, and tells the clicker; a
    second click or `minutes G-1 post` with nothing changed posts nothing and says where it is; after a change (the
    failed step made an action item), `post` posts the new timeline."""
    _plan(slack, fake_slack, BEFORE, T_PAST)
    live_at = T_PAST - timedelta(minutes=20)
    _say(slack, "start G-1", at=live_at)
    _say(slack, "done G-1 1", at=live_at + timedelta(minutes=1))
    _say(slack, "failed G-1 3 too slow", at=live_at + timedelta(minutes=2), user=TYO)
    _say(slack, "end G-1", at=live_at + timedelta(hours=1))
    with frozen(live_at + timedelta(hours=2)):
        slack.command("/meeting", "start Cutover review", user_id=LEAD, channel_id=PROJECT_CHANNEL)
        slack.command("/meeting", "end", user_id=LEAD, channel_id=PROJECT_CHANNEL)
    at = live_at + timedelta(hours=3)
    answer = _say(slack, "minutes G-1", at=at)
    assert [(POST, "G-1")] == _buttons(answer) and "Timeline of G-1" == answer["text"]
    assert not _message(fake_slack, PROJECT_CHANNEL, "Minutes of G-1")

    _click(slack, NYC, POST, "G-1", at, channel=PROJECT_CHANNEL)
    posted = _eventually(lambda: _message(fake_slack, PROJECT_CHANNEL, ":memo: *Minutes of G-1*"))
    shown = json.dumps(posted, ensure_ascii=False)
    for words in (
        "#1 Freeze scope and confirm the runbook done by <@U0LEAD>",
        "UTC> live",
        "ended · 1 of 7 steps done",
        f"posted by <@{NYC}>",
        "M-1 Cutover review ended that day: its minutes with `/meeting minutes M-1`",
    ):
        assert words in shown, words  # fmt: skip
    assert [] == _buttons(posted)
    _told(fake_slack, NYC, f"Posted the timeline of G-1 in <#{PROJECT_CHANNEL}> as its minutes.")
    _click(slack, LEAD, POST, "G-1", at + timedelta(seconds=2), channel=PROJECT_CHANNEL)  # a second click
    _told(fake_slack, LEAD, f"The timeline of G-1 as it stands is in <#{PROJECT_CHANNEL}> already.")
    again = _say(slack, "minutes G-1 post", at=at)["text"]
    assert f"The timeline of G-1 as it stands is in <#{PROJECT_CHANNEL}> already." == again
    assert 1 == len([m for m in fake_slack.messages(PROJECT_CHANNEL) if "Minutes of G-1" in m["text"]])
    assert "I don't know `publish` here." in _say(slack, "minutes G-1 publish", at=at)["text"]

    after = at + timedelta(minutes=1)  # a change after the end
    _click(slack, TYO, MAKE, _value(session, 3), after, channel=PROJECT_CHANNEL)
    said = _say(slack, "minutes G-1 post", at=at + timedelta(minutes=2))["text"]
    assert f"Posted the timeline of G-1 in <#{PROJECT_CHANNEL}> as its minutes." == said
    _eventually(lambda: _message(fake_slack, PROJECT_CHANNEL, "Minutes of G-1", "too slow \\u2192 *A-1*"))
    session.expire_all()
    keys = session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like("golive:%:minutes:%"))).all()
    session.rollback()
    assert 2 == len(keys)


def test_someone_outside_a_private_channel_cannot_post_or_make_items_from_its_go_live(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A private channel's go-live: an outsider's "Post to the channel" and "Make an action item" are answered as
    if there were no G-1, and nothing is posted or made."""
    _people(fake_slack)
    fake_slack.add_channel(SECRET, name="proj-secret", members=[LEAD, "UBOT"], is_private=True)
    _say(slack, 'plan "Secret cutover" 2026-11-24 22:00', at=BEFORE, channel=SECRET)
    _say(slack, "failed G-1 3", at=BEFORE + timedelta(hours=1), channel=SECRET)
    for action in (POST, MAKE):
        _click(slack, OUTSIDER, action, _value(session, 3) if action == MAKE else "G-1", BEFORE + timedelta(hours=2),
               channel=PROJECT_CHANNEL)  # fmt: skip
    refused = "I can't find G-1 in a channel you're in."
    _eventually(lambda: len([e for e in fake_slack.ephemerals(OUTSIDER) if refused == e["text"]]) == 2)
    assert [] == _items(session)
    assert 1 == len(fake_slack.messages(SECRET))  # the runbook, nothing else


def test_a_failed_step_of_someone_deactivated_becomes_the_clickers_item(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """New York's step failed, and New York's account was deactivated since: the item is the clicker's (nobody
    would read it otherwise)."""
    _plan(slack, fake_slack, BEFORE, T_PAST)
    _say(slack, "failed G-1 2 no sign-off", at=T_PAST - timedelta(days=2))
    fake_slack.add_user(NYC, name="ops-newyork", tz="America/New_York", deleted=True)
    _click(slack, LEAD, MAKE, _value(session, 2), T_PAST, channel=PROJECT_CHANNEL)
    _eventually(lambda: _items(session))
    assert [("A-1", "Fix: Dry run signed off", LEAD)] == [i[:3] for i in _items(session)]


def test_a_removed_steps_dm_loses_its_buttons_and_its_number_is_never_given_again(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """Tokyo has step 7's DM with its buttons; the planner removes step 7: the DM says so, without buttons. The next
    step added is #8, not #7 again, and the old DM's button (by the removed step's id) marks nothing: it is refused
    politely (on SQLite the new step may even get the removed one's id), as is a button of the old `G-1 8` kind."""
    _plan(slack, fake_slack, BEFORE, T_PAST)
    moment = T_PAST - timedelta(hours=3)  # step 7, Tokyo's
    _tick(factory, settings, moment)
    dm = _message(fake_slack, f"D{TYO}", "Time for step #7", "golive_step_done")
    assert dm is not None
    [(_, old)] = {(a, v) for a, v in _buttons(dm) if a == "golive_step_done"}
    assert old == _value(session, 7)
    at = moment + timedelta(minutes=5)
    assert "Removed step #7 (Notify support)" in _say(slack, "step G-1 remove 7", at=at)["text"]
    _eventually(lambda: _message(fake_slack, f"D{TYO}", "Time for step #7", "Step removed", ts=dm["ts"]))
    assert [] == _buttons(_message(fake_slack, f"D{TYO}", ts=dm["ts"]) or {})
    added = _say(slack, f'step G-1 add T-1h "Notify support again" <@{TYO}>', at=at)["text"]
    assert added.startswith("Added step #8 to G-1"), added

    _click(slack, TYO, "golive_step_done", old, at + timedelta(minutes=1))
    _told(fake_slack, TYO, "That step is no longer in the runbook of G-1.")
    _click(slack, TYO, "golive_step_skip", "G-1 8", at + timedelta(minutes=2))
    assert "This button is out of date.\nUse `/golive show G-1`." == _told(fake_slack, TYO, "out of date")[0]["text"]
    session.expire_all()
    assert {"pending"} == {s.status for s in session.scalars(select(GoLive)).one().steps}
    session.rollback()
