"""Go-live runbooks through the real HTTP endpoint and the Slack stand-in: planned from the template, steps owned in
Berlin, New York and Tokyo reminded at their moment in their own zone across the clock change, the approvers'
go/no-go, the live timeline in a thread, the end with a retro offered, the minutes, the exports and privacy."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from handlers.golive import keys
from sandbox.standin import FakeSlack
from storage.models import OutboxMessage
from storage.models.golive import GoLive, GoLiveStep
from tests.actions_helpers import frozen
from tests.conftest import PEOPLE, PROJECT_CHANNEL
from tests.slack_requests import Response, SlackSender
from tests.test_privacy import rows_mentioning

LEAD, NYC, TYO, OUTSIDER = "U0LEAD", "U0NYC", "U0TYO", "U0DEV1"  # Berlin, New York, Tokyo; Los Angeles
PLANNED_AT = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)  # before the US change (14 March) and the EU one (28 March)
T = datetime(2027, 3, 30, 20, 0, tzinfo=UTC)  # 22:00 in Berlin, summer time
SECRET = "C0SEC"
# Past days for what buttons and commands send (the delivery loop sends by the real clock once a request is over):
# G-1 at 22:00 in Berlin on Tuesday 24 November 2026, planned two weeks before.
BEFORE = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
T_PAST = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)


def _eventually(found: Callable[[], Any], timeout: float = 30.0) -> Any:
    """What `found` returns once it is truthy (the delivery loop sends what a request queued, after it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := found():
            return result
        time.sleep(0.05)
    raise AssertionError("not there in time")


def _people(fake: FakeSlack) -> None:
    fake.add_user(NYC, name="ops-newyork", tz="America/New_York")
    fake.add_user(TYO, name="dba-tokyo", tz="Asia/Tokyo")
    fake.add_channel(PROJECT_CHANNEL, name="proj-apollo", members=[*PEOPLE, NYC, TYO])


def _say(slack: SlackSender, text: str, *, at: datetime = BEFORE, user: str = LEAD,
         channel: str = PROJECT_CHANNEL) -> dict[str, Any]:  # fmt: skip
    with frozen(at):
        answer: dict[str, Any] = slack.command("/golive", text, user_id=user, channel_id=channel).json()
    return answer


def _plan(slack: SlackSender, fake: FakeSlack, at: datetime = PLANNED_AT, t: datetime = T) -> None:
    """G-1 at 22:00 Berlin on `t`'s day: T-7d the lead's, T-2d New York's, T-2h and a T-3h step Tokyo's; approvers
    the lead and New York."""
    _people(fake)
    planned = _say(slack, f'plan "Payments cutover" {t:%Y-%m-%d} 22:00', at=at)
    assert planned["text"].startswith(f":rocket: Planned G-1 Payments cutover for <!date^{int(t.timestamp())}^")
    assert ", 22:00 your time)" in planned["text"], planned
    for said in (
        f"step G-1 owner 2 <@{NYC}|ops-newyork>",
        f"step G-1 owner 3 <@{TYO}>",
        f'step G-1 add T-3h "Notify support" <@{TYO}|dba-tokyo> if the release notes are out',
        f"approvers G-1 <@{LEAD}> <@{NYC}>",
    ):
        answer = _say(slack, said, at=at)
        assert "blocks" not in answer and "Only" not in answer["text"], (said, answer)


def _value(session: Session, position: int, number: int = 1) -> str:
    """What the buttons of step `position` of G-`number` carry: the step's id."""
    session.expire_all()
    stmt = select(GoLiveStep.id).join(GoLive, GoLive.id == GoLiveStep.golive_id)
    step_id = session.scalars(stmt.where(GoLive.number == number, GoLiveStep.position == position)).one()
    session.rollback()
    return f"G-{number} step:{step_id}:{position}"


def _tick(factory: sessionmaker[Session], settings: Settings, at: datetime) -> None:
    run_due(factory, make_client(settings, patient=False), now=at)


def _dms(fake: FakeSlack, user: str) -> list[str]:
    return [json.dumps(m) for m in fake.messages(f"D{user}")]


def _seen(factory: sessionmaker[Session], settings: Settings, fake: FakeSlack, instants: list[datetime]) -> list[Any]:
    """Run the due work at each instant; return (instant, user, first line) of each DM that appeared then."""
    watched = [LEAD, NYC, TYO]
    counts = {u: len(fake.messages(f"D{u}")) for u in watched}
    seen = []
    for at in instants:
        _tick(factory, settings, at)
        for user in watched:
            messages = fake.messages(f"D{user}")
            seen += [(at, user, _kind(str(m["text"]))) for m in messages[counts[user] :]]
            counts[user] = len(messages)
    return seen


def _kind(text: str) -> str:
    if text.startswith(":hourglass_flowing_sand: Coming up"):
        return "heads-up"
    return "due" if text.startswith(":alarm_clock: Time for step #") else text[:40]


def test_each_owner_is_reminded_at_the_steps_moment_in_their_zone_across_the_clock_change(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """Planned before both clock changes: T-7d is 22:00 Berlin a week before (21:00 UTC in winter time, not the
    20:00 that 168 hours would give), T-2d 22:00 Berlin on the day of the EU change (16:00 in New York), T-3h and
    T-2h exact (02:00 and 03:00 in Tokyo). Each owner gets a heads-up (09:00 their time on a day step's day, or on
    their last working day before it when it falls on a weekend, as New York's Sunday step does; else a quarter hour
    before) and the step's DM at its moment, once each, never a minute early; the texts say the time in
    the owner's zone. The steps at and after T wait for the cutover."""
    _plan(slack, fake_slack)
    expected = [
        (datetime(2027, 3, 23, 8, 0, tzinfo=UTC), LEAD, "heads-up", "22:00 your time, Europe/Berlin"),
        (datetime(2027, 3, 23, 21, 0, tzinfo=UTC), LEAD, "due", "22:00 your time, Europe/Berlin"),
        (datetime(2027, 3, 26, 13, 0, tzinfo=UTC), NYC, "heads-up", "16:00 your time, America/New_York"),  # Friday
        (datetime(2027, 3, 28, 20, 0, tzinfo=UTC), NYC, "due", "16:00 your time, America/New_York"),
        (datetime(2027, 3, 30, 16, 45, tzinfo=UTC), TYO, "heads-up", "02:00 your time, Asia/Tokyo"),
        (datetime(2027, 3, 30, 17, 0, tzinfo=UTC), TYO, "due", "02:00 your time, Asia/Tokyo"),
        (datetime(2027, 3, 30, 17, 45, tzinfo=UTC), TYO, "heads-up", "03:00 your time, Asia/Tokyo"),
        (datetime(2027, 3, 30, 18, 0, tzinfo=UTC), TYO, "due", "03:00 your time, Asia/Tokyo"),
    ]
    naive_week = T - timedelta(hours=168)  # 20:00 UTC: what counting hours would give
    instants = sorted({m for at, *_ in expected for m in (at - timedelta(minutes=1), at)} | {naive_week})
    seen = _seen(factory, settings, fake_slack, instants)
    assert [(at, user, kind) for at, user, kind, _ in expected] == seen
    for _, user, _, words in expected:
        assert any(words in dm for dm in _dms(fake_slack, user)), (user, words)
    week_dm = next(dm for dm in _dms(fake_slack, LEAD) if "Time for step #1" in dm)
    assert '"action_id": "golive_step_done"' in week_dm and "Freeze scope" in week_dm
    notify = next(dm for dm in _dms(fake_slack, TYO) if "Notify support" in dm and "Time for" in dm)
    assert "Only if the release notes are out." in notify
    assert [] == _seen(factory, settings, fake_slack, instants)  # a second run queues nothing
    assert not any("Cutover starts" in dm or "Smoke tests" in dm for dm in _dms(fake_slack, LEAD))


def _poll_dm(fake: FakeSlack, user: str) -> dict[str, Any]:
    message: dict[str, Any] = next(m for m in fake.messages(f"D{user}") if "Go or no-go" in m["text"])
    return message


def _click(slack: SlackSender, user: str, action: str, value: str, at: datetime, channel: str = "") -> Response:
    with frozen(at):
        return slack.block_action(user_id=user, action_id=action, value=value, channel_id=channel or f"D{user}",
                                  trigger_id=f"trig-{user}-{action}")  # fmt: skip


def _reason(slack: SlackSender, form: dict[str, Any], reason: str, at: datetime) -> Response:
    """New York's no-go form submitted with `reason`."""
    values = {"golive_reason": {"value": {"type": "plain_text_input", "value": reason}}}
    with frozen(at):
        return slack.view_submission(user_id=NYC, callback_id="golive_no_go_submit", values=values,
                                     private_metadata=form["private_metadata"])  # fmt: skip


def _message(fake: FakeSlack, channel: str, *words: str, ts: str = "") -> dict[str, Any] | None:
    """The message in `channel` (with `ts`, if given) that shows every one of `words`, as it stands now."""
    found = (m for m in fake.messages(channel) if (not ts or m["ts"] == ts) and all(w in json.dumps(m) for w in words))
    return next(found, None)


def _channel(fake: FakeSlack, words: str) -> list[dict[str, Any]]:
    return [m for m in fake.messages(PROJECT_CHANNEL) if words in json.dumps(m)]


def test_only_approvers_answer_the_go_no_go_once_each_with_a_reason_for_no_go(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """At T-1h each approver gets Go / No-go. Someone else is told politely it is not theirs; Go twice is one vote;
    No-go asks why (an empty reason stays in the form); once both answered the result is posted once, the DMs show
    it without buttons, and the leads are told of the no-go; the cutover does not start at T."""
    with frozen(BEFORE):
        slack.command("/pm", f"config leads <@{LEAD}>", user_id=LEAD, channel_id=PROJECT_CHANNEL)
    _plan(slack, fake_slack, BEFORE, T_PAST)
    poll_at = T_PAST - timedelta(hours=1)
    _tick(factory, settings, poll_at - timedelta(minutes=1))
    assert not any("Go or no-go" in dm for dm in _dms(fake_slack, LEAD))
    _tick(factory, settings, poll_at)
    assert all('"golive_go"' in json.dumps(_poll_dm(fake_slack, u)) for u in (LEAD, NYC))
    assert not any("Go or no-go" in dm for dm in _dms(fake_slack, TYO))

    at = poll_at + timedelta(minutes=5)
    assert 200 == _click(slack, TYO, "golive_go", "G-1", at).status
    told = _eventually(lambda: [e for e in fake_slack.ephemerals(TYO) if "Only the approvers" in e["text"]])
    assert "Only the approvers of G-1 answer its go/no-go" in told[0]["text"]
    _click(slack, LEAD, "golive_go", "G-1", at)
    _click(slack, LEAD, "golive_go", "G-1", at + timedelta(seconds=5))  # a double click
    _eventually(lambda: _message(fake_slack, f"D{LEAD}", "Go or no-go", "You said GO"))
    votes = session.scalars(select(GoLive)).one().votes
    assert [(LEAD, "go")] == [(v.user_id, v.vote) for v in votes]
    session.rollback()

    _click(slack, NYC, "golive_no_go", "G-1", at)
    form = fake_slack.calls_to("views.open")[-1].args["view"]
    assert "golive_no_go_submit" == form["callback_id"]
    assert {"golive_reason"} == set(_reason(slack, form, " ", at).json()["errors"])
    sent = _reason(slack, form, "The <!channel> bank is not ready", at)
    assert 200 == sent.status and not sent.body
    [result] = _eventually(lambda: _channel(fake_slack, "NO-GO* for G-1"))
    shown = json.dumps(result)
    assert f"<@{LEAD}> go" in shown and f"<@{NYC}> no-go: The @channel bank is not ready" in shown
    _eventually(lambda: "Decided: *NO-GO*" in json.dumps(_poll_dm(fake_slack, LEAD)))
    assert "golive_go" not in json.dumps(_poll_dm(fake_slack, NYC))
    assert _message(fake_slack, f"D{LEAD}", "NO-GO* for G-1", "bank is not ready")  # the lead told
    _click(slack, LEAD, "golive_go", "G-1", at + timedelta(minutes=1))  # a stale button
    _eventually(lambda: [e for e in fake_slack.ephemerals(LEAD) if "decided already: NO-GO" in e["text"]])

    _tick(factory, settings, T_PAST)
    assert 1 == len(_channel(fake_slack, "NO-GO* for G-1"))
    assert [] == _channel(fake_slack, "is live")


def test_a_silent_approver_is_no_go_at_t_and_all_go_starts_the_cutover(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """G-1: only the lead answers go, New York says nothing: at T it is NO-GO (no answer counts against); the lead
    calls it off, and a retro is offered.
    G-2: both say go: GO is posted the moment the last answers, and at T the live message is posted."""
    _plan(slack, fake_slack, BEFORE, T_PAST)
    _say(slack, f'plan "Second cutover" 2026-11-25 22:00 <@{LEAD}> <@{NYC}>', at=BEFORE)
    _tick(factory, settings, T_PAST - timedelta(hours=1))
    _click(slack, LEAD, "golive_go", "G-1", T_PAST - timedelta(minutes=50))
    _tick(factory, settings, T_PAST)
    [result] = _channel(fake_slack, "NO-GO* for G-1")
    assert f"<@{NYC}> did not answer" in json.dumps(result)
    assert "G-1 was called off: 0 of 7 steps done." == _say(slack, "end G-1", at=T_PAST + timedelta(hours=1))["text"]
    _eventually(lambda: _channel(fake_slack, "G-1 Payments cutover was called off"))

    t2 = T_PAST + timedelta(days=1)
    _tick(factory, settings, t2 - timedelta(hours=1))
    _click(slack, LEAD, "golive_go", "G-2", t2 - timedelta(minutes=50))
    _click(slack, NYC, "golive_go", "G-2", t2 - timedelta(minutes=40))
    _eventually(lambda: _channel(fake_slack, "GO* for G-2"))
    _tick(factory, settings, t2)
    [live] = _channel(fake_slack, "G-2* Second cutover is live")
    assert "0 of 6 steps done" in json.dumps(live)


def _thread(fake: FakeSlack, parent: dict[str, Any]) -> list[str]:
    return [json.dumps(m) for m in fake.messages(PROJECT_CHANNEL) if m.get("thread_ts") == parent["ts"]]


def test_the_live_timeline_is_a_thread_and_the_end_offers_a_retro(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """`start` posts the live message; each step done (a DM button or the command), failed or skipped is a reply in
    its thread with who and when, and the message's summary stays true; the owner's DM loses its buttons; a second
    Done changes nothing. `end` closes the thread with a summary and offers "Run a retro" carrying the title;
    `minutes` holds the timeline."""
    _plan(slack, fake_slack, BEFORE, T_PAST)
    _tick(factory, settings, datetime(2026, 11, 17, 21, 0, tzinfo=UTC))  # the T-7d step's DM to the lead
    _tick(factory, settings, datetime(2026, 11, 22, 21, 0, tzinfo=UTC))  # the T-2d step's to New York
    assert _message(fake_slack, f"D{NYC}", "Time for step #2", "golive_step_done")
    live_at = T_PAST - timedelta(minutes=20)
    for said in ("step G-1 remove 2", "start G-1", "end G-1"):  # New York owns a step, but did not plan it
        assert "Only whoever planned G-1 or the project's leads can" in _say(slack, said, at=live_at, user=NYC)["text"]
    assert "is live" in _say(slack, "start G-1", at=live_at)["text"]
    parent = _eventually(lambda: next(iter(_channel(fake_slack, "Payments cutover is live")), None))
    assert "0 of 7 steps done" in json.dumps(parent)

    _click(slack, LEAD, "golive_step_done", _value(session, 1), live_at + timedelta(minutes=1))
    _click(slack, LEAD, "golive_step_done", _value(session, 1), live_at + timedelta(minutes=1))  # a double click
    _say(slack, "failed G-1 3 restore took 40 minutes", at=live_at + timedelta(minutes=2), user=TYO)
    _say(slack, "skip G-1 7", at=live_at + timedelta(minutes=3), user=TYO)
    replies = _eventually(lambda: (r := _thread(fake_slack, parent)) and len(r) >= 3 and r)
    assert 3 == len(replies)
    assert "#1 Freeze scope and confirm the runbook: *done* by <@U0LEAD>" in replies[0]
    assert "<!date^" in replies[0]
    assert "*failed* by <@U0TYO>" in replies[1] and "restore took 40 minutes" in replies[1]
    assert "Notify support: *skipped* by <@U0TYO>" in replies[2]
    _eventually(lambda: _message(fake_slack, PROJECT_CHANNEL, "1 of 7 steps done", "1 failed", "1 skipped",
                                 ts=parent["ts"]))  # fmt: skip
    week_dm = _eventually(lambda: _message(fake_slack, f"D{LEAD}", "Time for step #1", "done by <@U0LEAD>"))
    runbook = fake_slack.messages(PROJECT_CHANNEL)[0]  # posted when planned, kept true since
    _eventually(lambda: _message(fake_slack, PROJECT_CHANNEL, "if the release notes are out", "skipped by <@U0TYO>",
                                 f"Go/no-go at T-1h: <@{LEAD}>, <@{NYC}>", ts=runbook["ts"]))  # fmt: skip
    assert "golive_step_done" not in json.dumps(week_dm)

    ended = _say(slack, "end G-1", at=live_at + timedelta(hours=3))
    assert "G-1 has ended: 1 of 7 steps done" in ended["text"]
    closing = _eventually(lambda: (r := _thread(fake_slack, parent)) and len(r) == 4 and r[-1])
    assert "G-1 ended by <@U0LEAD>" in closing and "1 of 7 steps done" in closing
    [offer] = _eventually(lambda: _channel(fake_slack, "Run a retro"))
    [button] = [e for b in offer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert ("retro_offered", "Payments cutover retro") == (button["action_id"], button["value"])
    _eventually(lambda: _message(fake_slack, PROJECT_CHANNEL, ":checkered_flag:", "ended", ts=parent["ts"]))
    _eventually(lambda: _message(fake_slack, f"D{NYC}", "Time for step #2", "G-1 is ended"))  # no button left
    assert not _message(fake_slack, f"D{NYC}", "golive_step_done")
    minutes = json.dumps(_say(slack, "minutes G-1", at=live_at + timedelta(hours=4)), ensure_ascii=False)
    for line in ("UTC> live", "#1 Freeze scope and confirm the runbook done by <@U0LEAD>",
                 "#3 Backups verified failed by <@U0TYO>: restore took 40 minutes", "(not done) #2 Dry run",
                 "UTC> ended · 1 of 7 steps done"):  # fmt: skip
        assert line in minutes, line
    assert "has ended already" in _say(slack, "end G-1", at=live_at + timedelta(hours=5))["text"]
    session.expire_all()
    queued = session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like("golive:%:timeline:%"))).all()
    session.rollback()
    assert 3 == len(queued)


def test_the_last_step_finished_ends_the_go_live_by_itself(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """Once every step of a live go-live is done, failed or skipped, it ends: the closing summary and the retro offer
    follow without `end`."""
    _plan(slack, fake_slack, BEFORE, T_PAST)
    _say(slack, "start G-1", at=T_PAST)
    for number in range(1, 8):
        _say(slack, f"done G-1 {number}", at=T_PAST + timedelta(minutes=number))
    _eventually(lambda: _channel(fake_slack, "Run a retro"))
    [parent] = _channel(fake_slack, "G-1* Payments cutover ended")
    assert "G-1 ended " in _eventually(lambda: (r := _thread(fake_slack, parent)) and len(r) == 8 and r[-1])
    assert "has ended already" in _say(slack, "end G-1", at=T_PAST + timedelta(hours=1))["text"]


def test_private_go_lives_are_their_members_and_bad_input_saves_nothing(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """In a private channel, someone not in it cannot show, read the minutes of, or mark a step of its go-live (the
    same words as no go-live at all). A bad time, a past time, a bad offset or an unknown person is refused, and
    nothing is saved or posted."""
    _people(fake_slack)
    fake_slack.add_channel(SECRET, name="proj-secret", members=[LEAD, "UBOT"], is_private=True)
    _say(slack, 'plan "Secret cutover" 2026-11-24 22:00', at=BEFORE, channel=SECRET)
    for said in ("show G-1", "minutes G-1", "done G-1 1"):
        outsider = _say(slack, said, user=OUTSIDER)
        assert "I can't find G-1 in a channel you're in." == outsider["text"], said
    assert "I can't find G-1 in a channel you're in." == _say(slack, "show G-9", user=OUTSIDER)["text"].replace(
        "9", "1"
    )
    assert "Secret cutover" in json.dumps(_say(slack, "show G-1", channel=PROJECT_CHANNEL))  # a member, anywhere

    before = session.scalars(select(GoLive)).all()
    session.rollback()
    refusals = {
        'plan "Cutover" 2027-02-30 22:00': "no date and time",
        'plan "Cutover" 2027-03-01 25:61': "no date and time",
        'plan "Cutover" 2026-11-09 22:00': "That moment has passed",
        'plan "Cutover" 9999-12-31 23:59': "too far ahead",
        'plan "Cutover" 2026-11-30 22:00 @nobody': "I couldn't find @nobody",
        'step G-1 add T-3x "Notify" <@U0LEAD>': "not a time from T",
        'step G-1 add T-3h "Notify" @ghost': "I couldn't find @ghost",
        "step G-1 owner 1 @ghost": "I couldn't find @ghost",
        "step G-1 owner 9 <@U0LEAD>": "G-1 has no step `9`",
        "frobnicate": "I don't know `/golive frobnicate`",
    }
    for said, words in refusals.items():
        answer = _say(slack, said, at=BEFORE, channel=SECRET)
        assert words in answer["text"] and "blocks" not in answer, (said, answer)
    session.expire_all()
    [golive] = session.scalars(select(GoLive)).all()
    assert (len(before), 6) == (1, len(golive.steps))
    session.rollback()
    assert 1 == len(fake_slack.messages(SECRET))  # the runbook posted when planned, nothing since
    not_in_it = _say(slack, 'step G-1 add T-1h "Sneak in" <@U0NYC>', channel=PROJECT_CHANNEL, user=NYC)
    assert "I can't find G-1 in a channel you're in." == not_in_it["text"]


def test_help_and_keys(slack: SlackSender) -> None:
    """`help` shows every usage and the limits; the keys are spelled as rows already queued carry them."""
    said = _say(slack, "help")["text"]
    assert all(f"`/golive {word}" in said for word in ("plan", "step G-1 add", "approvers", "done", "start", "end",
                                                         "minutes"))  # fmt: skip
    assert "at most 40 steps" in said
    assert "golive:3:step:5:heads-up:U0TYO:20270330T1745" == keys.heads_up(3, 5, "U0TYO", "20270330T1745")
    assert "golive:3:step:5:due:U0TYO:20270330T1800" == keys.step_due(3, 5, "U0TYO", "20270330T1800")
    assert keys.step_due(3, 5, "U0TYO", "20270330T1800").startswith(keys.step_due_prefix(3, 5))
    assert "golive:3:step:5:due:U0TYO:20270330T1800:r2" == keys.step_due_update(
        keys.step_due(3, 5, "U0TYO", "20270330T1800"), "r2"
    )
    assert "golive:3:timeline:5:r1" == keys.timeline(3, 5, 1)
    assert "golive:3:poll:U0LEAD:decided" == keys.poll_update(3, "U0LEAD", "decided")


def test_exports_hold_the_go_lives_steps(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """`/pm export csv` adds golive.csv (each step with its moment, owner, status, who and when), `md` a section."""
    _plan(slack, fake_slack, BEFORE, T_PAST)
    _say(slack, "done G-1 1 =SUM(1) all frozen", at=BEFORE + timedelta(hours=1))
    with frozen(BEFORE + timedelta(hours=2)):
        slack.command("/pm", "export csv", user_id=LEAD, channel_id=PROJECT_CHANNEL)
        slack.command("/pm", "export md", user_id=LEAD, channel_id=PROJECT_CHANNEL)
    uploads = {u["filename"]: u["content"].decode() for u in fake_slack.uploads()}
    rows = list(csv.DictReader(io.StringIO(uploads["golive.csv"])))
    assert 7 == len(rows)
    first = next(r for r in rows if r["step"] == "1")
    assert ("G-1", "Payments cutover", "T-7d", "done", "U0LEAD", "'=SUM(1) all frozen") == (
        first["golive"], first["title"], first["offset"], first["status"], first["by"], first["note"])  # fmt: skip
    assert first["at"].startswith("2026-11-17T21:00")
    markdown = uploads["pmbot-export.md"]
    assert "## Go-lives" in markdown and "| G-1 | 1 | T-7d |" in markdown


def test_a_forgotten_owner_hands_their_steps_on_and_leaves_no_trace(
    slack: SlackSender, fake_slack: FakeSlack, engine: Engine
) -> None:
    """`/pm forget` of Tokyo's owner, who voted and marked a step: their steps still to do go to the successor, the
    step they finished and their vote stay as a former member's, and no row holds their id."""
    fake_slack.add_user("U0ADMIN", name="workspace-admin", tz="Europe/Berlin", is_admin=True)
    _plan(slack, fake_slack, BEFORE, T_PAST)
    _say(slack, f"approvers G-1 <@{LEAD}> <@{TYO}>")
    _say(slack, "done G-1 3 all good", user=TYO)
    with frozen(BEFORE):
        slack.command("/pm", f"forget <@{TYO}> to <@{NYC}> confirm", user_id="U0ADMIN", channel_id=PROJECT_CHANNEL)
    assert [] == rows_mentioning(engine, TYO)
    shown = json.dumps(_say(slack, "show G-1"), ensure_ascii=False)
    assert "Notify support · <@U0NYC>" in shown and "Backups verified · _a former member_" in shown
    assert "done by _a former member_" in shown and f"<@{NYC}>" in shown.split("Go/no-go")[1]


def test_only_a_steps_owner_the_planner_or_a_lead_marks_it_and_steps_from_t_wait_for_the_cutover(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Someone else in the channel who marks a step (the command or its DM's button) is told who may, and nothing
    changes; a step at T or after is refused until the cutover is live, even to the planner. Once live, an owner who
    finishes the last step does not end the go-live: the planner is told once, in a DM, that they can; the planner's
    `end` then closes it with the retro offer."""
    _plan(slack, fake_slack, BEFORE, T_PAST)  # steps 1, 4, 5, 6 the lead's (the planner); 2 New York's; 3, 7 Tokyo's
    at = BEFORE + timedelta(hours=1)
    for said, user, words in (
        ("skip G-1 1", OUTSIDER, "Only whoever planned G-1 (<@U0LEAD>) or the project's leads can mark step #1."),
        ("done G-1 3", NYC, "Only its owner <@U0TYO>, whoever planned G-1 (<@U0LEAD>) or the project's leads can "
                            "mark step #3."),
        ("skip G-1 6", TYO, "can mark step #6"),
        ("done G-1 4", LEAD, "Step #4 of G-1 is at `T-0`: it can be marked once the cutover is live."),
        ("skip G-1 5", LEAD, "Step #5 of G-1 is at `T+30m`: it can be marked once the cutover is live."),
    ):  # fmt: skip
        assert words in _say(slack, said, at=at, user=user)["text"], said
    assert 200 == _click(slack, NYC, "golive_step_skip", _value(session, 3), at).status
    _eventually(lambda: [e for e in fake_slack.ephemerals(NYC) if "Only its owner <@U0TYO>" in e["text"]])
    session.expire_all()
    assert {"pending"} == {s.status for s in session.scalars(select(GoLiveStep))}
    session.rollback()
    assert 1 == len(fake_slack.messages(PROJECT_CHANNEL))  # the runbook as planned, never changed

    _say(slack, "start G-1", at=T_PAST - timedelta(minutes=30))
    for number in (1, 2, 4, 5, 6):  # the planner may mark any step, New York's too
        assert "*done* by <@U0LEAD>" in _say(slack, f"done G-1 {number}", at=T_PAST)["text"]
    _say(slack, "skip G-1 7", at=T_PAST, user=TYO)
    _say(slack, "failed G-1 3 restore too slow", at=T_PAST + timedelta(minutes=1), user=TYO)  # the last one
    told = _eventually(lambda: [dm for dm in _dms(fake_slack, LEAD) if "Every step of G-1" in dm])
    assert "End it with `/golive end G-1`" in told[0]
    _say(slack, "done G-1 3 retried: fine", at=T_PAST + timedelta(minutes=2), user=TYO)  # finished again
    assert "*live*" in json.dumps(_say(slack, "show G-1", at=T_PAST + timedelta(minutes=3)))
    assert [] == _channel(fake_slack, "Run a retro")
    assert 1 == len([dm for dm in _dms(fake_slack, LEAD) if "Every step of G-1" in dm])
    assert "G-1 has ended: 6 of 7 steps done" in _say(slack, "end G-1", at=T_PAST + timedelta(minutes=4))["text"]
    _eventually(lambda: _channel(fake_slack, "Run a retro"))


def test_a_long_list_of_go_lives_is_shown_whole_within_slacks_limits(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """Thirty go-lives of 200-character titles: `list` shows every one of them, in sections of at most 3,000
    characters and at most 50 blocks."""
    _people(fake_slack)
    for number in range(1, 32):
        title = f"{number:02d} " + "Cutover & migration of the ledger " * 6
        _say(slack, f'plan "{title[:200]}" 2026-12-{number:02d} 22:00')
    answer = _say(slack, "list")
    sections = [b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"]
    assert len(answer["blocks"]) <= 50 and max(len(s) for s in sections) <= 3000
    shown = "\n".join(sections)
    assert all(f"*G-{n}* {n:02d} Cutover &amp; migration" in shown for n in range(2, 32)), shown
    assert "*G-1*" not in shown and "Go-lives here: 30" == answer["text"]


def test_a_project_holiday_moves_a_day_steps_heads_up_to_the_working_day_before(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """New York's T-2d step falls on Sunday 28 March; Friday 26 March is a project holiday: the heads-up comes at
    09:00 New York time on Thursday, the step's DM at its moment."""
    _plan(slack, fake_slack)
    with frozen(PLANNED_AT):
        slack.command("/pm", f"config leads <@{LEAD}>", user_id=LEAD, channel_id=PROJECT_CHANNEL)
        saved = slack.command("/standup", "holiday 2027-03-26", user_id=LEAD, channel_id=PROJECT_CHANNEL).json()
    assert "Holiday saved" in saved["text"], saved
    thursday = datetime(2027, 3, 25, 13, 0, tzinfo=UTC)
    instants = [thursday - timedelta(minutes=1), thursday, datetime(2027, 3, 26, 13, 0, tzinfo=UTC)]
    assert [(thursday, NYC, "heads-up")] == _seen(factory, settings, fake_slack, instants)
