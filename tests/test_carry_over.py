"""Carry-over between rituals through the real HTTP endpoint: a recurring meeting opens with the last ones' open
action items (Done from there closes them), and each stand-up prompt, at the person's own 09:30, names their items
due within two working days and asks about their open blockers; nothing listed twice."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import PmbotApp
from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from sandbox.standin import FakeSlack
from storage.models import ActionItem, Blocker, Meeting, OutboxMessage, Project
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_standups import _answer, set_up

# Past days (the delivery loop sends what is due by the real clock): Tuesday 10 November 2026, 10:00 in Berlin.
MONDAY = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
SYNC = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def _eventually(found: Callable[[], Any], timeout: float = 30.0) -> Any:
    """What `found` returns once it is truthy (the delivery loop sends what a request queued, after it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := found():
            return result
        time.sleep(0.05)
    raise AssertionError("not there in time")


def _say(slack: SlackSender, user: str, text: str, at: datetime) -> None:
    event = {
        "type": "message",
        "channel_type": "channel",
        "channel": PROJECT_CHANNEL,
        "user": user,
        "text": text,
        "ts": f"{int(at.timestamp())}.000100",
    }
    with frozen(at):
        assert 200 == slack.event(event, event_id=f"Ev{int(at.timestamp())}").status


def _command(slack: SlackSender, at: datetime, command: str, text: str, user: str = "U0LEAD") -> dict[str, Any]:
    with frozen(at):
        answer: dict[str, Any] = slack.command(command, text, user_id=user, channel_id=PROJECT_CHANNEL).json()
    return answer


def _started(fake: FakeSlack, ref: str) -> dict[str, Any]:
    """The channel's "has started" message of meeting `ref`, as it stands now."""
    message: dict[str, Any] = _eventually(
        lambda: next((m for m in fake.messages(PROJECT_CHANNEL) if f"({ref}) has started" in json.dumps(m)), None)
    )
    return message


def _carried(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The carried items of a started message by ref (each section naming one), failing on a ref listed twice."""
    found: dict[str, dict[str, Any]] = {}
    for block in message["blocks"][2:]:
        if block["type"] != "section":
            continue
        ref = block["text"]["text"].split("*")[1]
        assert ref not in found, f"{ref} listed twice"
        found[ref] = block
    return found


def _items(factory: sessionmaker[Session]) -> dict[str, tuple[str, str, str | None]]:
    """Each action item's (title, status, completed by), by ref, read in a transaction of its own and ended."""
    with factory() as session:
        return {a.ref: (a.title, a.status, a.completed_by) for a in session.scalars(select(ActionItem))}


def _started_once(fake: FakeSlack, ref: str, shows: str) -> dict[str, Any] | None:
    message = _started(fake, ref)
    return message if shows in json.dumps(message) else None


def _prompt_without(fake: FakeSlack, user: str, gone: str) -> dict[str, Any] | None:
    prompt = _prompt(fake, user)
    return prompt if gone not in json.dumps(prompt) else None


def test_the_next_meeting_of_a_series_opens_with_the_last_ones_open_items_and_done_closes_them(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """Weekly sync (Berlin) captures items for owners in Los Angeles, Kolkata and Kathmandu; one is done before the
    next: that meeting opens with the other two (owner, age in working days, due), each with Done, which closes it
    for real (its card too). The third opens with what is still open from both, each once; the agenda counts them
    and does not list them again among the actions due."""
    _command(slack, MONDAY, "/pm", "config tz Europe/Berlin")
    _command(slack, MONDAY, "/meeting", 'schedule "Weekly sync" every tuesday 10:00')
    _command(slack, SYNC, "/meeting", "start Weekly sync")
    _say(slack, "U0DEV2", "ACTION: <@U0DEV1|dev-la> prepare the demo by 2026-12-04", SYNC + timedelta(minutes=5))
    _say(slack, "U0DEV2", "ACTION: fix the build by 2026-11-13", SYNC + timedelta(minutes=6))
    _say(slack, "U0LEAD", "ACTION: <@U0DEV3|dev-kathmandu> write the runbook", SYNC + timedelta(minutes=7))
    _command(slack, SYNC + timedelta(minutes=30), "/meeting", "end")
    assert [] == list(_carried(_started(fake_slack, "M-1")))  # the first of its series carries nothing
    _eventually(lambda: len(_items(factory)) == 3)
    _command(slack, SYNC + timedelta(days=2), "/action", "done A-2", user="U0DEV2")

    _command(slack, SYNC + WEEK, "/meeting", "start  weekly SYNC")  # the series' title, however typed
    opening = _carried(_started(fake_slack, "M-2"))
    assert ["A-1", "A-3"] == list(opening)
    demo = opening["A-1"]
    assert "<@U0DEV1>" in demo["text"]["text"] and "5 working days old" in demo["text"]["text"]
    assert "due <!date^" in demo["text"]["text"] and "no due date" in opening["A-3"]["text"]["text"]
    assert ("action_done", "A-1") == (demo["accessory"]["action_id"], demo["accessory"]["value"])
    _say(
        slack,
        "U0LEAD",
        "ACTION: <@U0DEV2|dev-kolkata> book the room by 2026-11-26",
        SYNC + WEEK + timedelta(minutes=15),
    )
    started = _started(fake_slack, "M-2")
    with frozen(SYNC + WEEK + timedelta(minutes=20)):
        pressed = slack.block_action(
            user_id="U0DEV1",
            action_id="action_done",
            value="A-1",
            block_id=demo["block_id"],
            channel_id=PROJECT_CHANNEL,
            message_ts=started["ts"],
            message=started,
        )
    assert 200 == pressed.status
    card = _eventually(
        lambda: next(
            (m for m in fake_slack.messages(PROJECT_CHANNEL) if m["text"].startswith("A-1 ") and "Done by" in str(m)),
            None,
        )
    )
    assert "<@U0DEV1>" in str(card["blocks"])
    assert ("prepare the demo", "done", "U0DEV1") == _items(factory)["A-1"]
    _command(slack, SYNC + WEEK + timedelta(minutes=40), "/meeting", "end")
    closed = _eventually(lambda: _started_once(fake_slack, "M-2", ":white_check_mark:"))
    shown = _carried(closed)
    assert "accessory" not in shown["A-1"] and ":white_check_mark:" in shown["A-1"]["text"]["text"]
    assert "accessory" not in shown["A-3"] and ":white_check_mark:" not in shown["A-3"]["text"]["text"]

    client = make_client(settings, patient=False)
    run_due(factory, client, now=SYNC + 2 * WEEK - timedelta(hours=1))  # the agenda, an hour before
    agenda = _eventually(
        lambda: next((m for m in fake_slack.messages(PROJECT_CHANNEL) if m["text"].startswith("Agenda")), None)
    )
    text = json.dumps(agenda["blocks"])
    assert "2 open items (A-3, A-4)" in text and "book the room" not in text and "runbook" not in text
    _command(slack, SYNC + 2 * WEEK, "/meeting", "start Weekly sync")
    assert ["A-3", "A-4"] == list(_carried(_started(fake_slack, "M-3")))


def _set_confirmation(factory: sessionmaker[Session], mode: str) -> None:
    with factory() as session:
        project = session.scalars(select(Project).where(Project.channel_id == PROJECT_CHANNEL)).one()
        project.settings = {**(project.settings or {}), "action_confirmation": mode}
        session.commit()


def _buttons(message: dict[str, Any]) -> list[str]:
    """The refs whose Done a message offers."""
    return [b["accessory"]["value"] for b in message["blocks"] if (b.get("accessory") or {}).get("action_id")]


def _without_buttons(message: dict[str, Any]) -> dict[str, Any] | None:
    return None if _buttons(message) else message


@pytest.mark.parametrize("mode", ["channel", "ephemeral"])
def test_done_on_the_opening_message_keeps_the_list_and_the_ended_meeting_keeps_no_buttons(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], mode: str
) -> None:
    """Done clicked on a carried item of the opening message, whichever way the project confirms: the message stays
    the meeting's list (not the item's card), the item shows done and loses its button while the other keeps it;
    when the meeting ends, the list is a record without buttons (done ticked, open plain)."""
    _command(slack, MONDAY, "/pm", "config tz Europe/Berlin")
    _set_confirmation(factory, mode)
    _command(slack, MONDAY, "/meeting", 'schedule "Weekly sync" every tuesday 10:00')
    _command(slack, SYNC, "/meeting", "start Weekly sync")
    _say(slack, "U0DEV2", "ACTION: <@U0DEV1|dev-la> prepare the demo by 2026-12-04", SYNC + timedelta(minutes=5))
    _say(slack, "U0LEAD", "ACTION: <@U0DEV3|dev-kathmandu> write the runbook", SYNC + timedelta(minutes=7))
    _command(slack, SYNC + timedelta(minutes=30), "/meeting", "end")
    _eventually(lambda: len(_items(factory)) == 2)
    _command(slack, SYNC + WEEK, "/meeting", "start Weekly sync")
    started = _eventually(lambda: _started_once(fake_slack, "M-2", "A-2"))
    opening = _carried(started)
    assert ["A-1", "A-2"] == list(opening) and ["A-1", "A-2"] == _buttons(started)
    with factory() as read:
        meeting_id = read.scalars(select(Meeting).where(Meeting.number == 2)).one().id
    assert f"carried-{meeting_id}-A-1" == opening["A-1"]["block_id"]
    with frozen(SYNC + WEEK + timedelta(minutes=20)):
        pressed = slack.block_action(
            user_id="U0DEV1",
            action_id="action_done",
            value="A-1",
            block_id=opening["A-1"]["block_id"],
            channel_id=PROJECT_CHANNEL,
            message_ts=started["ts"],
            message=started,
        )
    assert 200 == pressed.status
    refreshed = _eventually(lambda: _started_once(fake_slack, "M-2", ":white_check_mark:"))
    shown = _carried(refreshed)
    assert ["A-1", "A-2"] == list(shown) and ["A-2"] == _buttons(refreshed)
    assert ":white_check_mark:" in shown["A-1"]["text"]["text"]
    assert "done" == _items(factory)["A-1"][1]

    _command(slack, SYNC + WEEK + timedelta(minutes=40), "/meeting", "end")
    ended = _eventually(lambda: _without_buttons(_started(fake_slack, "M-2")))
    shown = _carried(ended)
    assert ["A-1", "A-2"] == list(shown)
    assert ":white_check_mark:" in shown["A-1"]["text"]["text"]
    assert ":white_check_mark:" not in shown["A-2"]["text"]["text"] and "write the runbook" in str(shown["A-2"])


def test_a_meeting_outside_any_series_opens_with_nothing_carried(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """A meeting whose title is no series' carries nothing over, even after one of the series with open items."""
    _command(slack, MONDAY, "/meeting", 'schedule "Weekly sync" every tuesday 10:00')
    _command(slack, SYNC, "/meeting", "start Weekly sync")
    _say(slack, "U0LEAD", "ACTION: <@U0DEV1|dev-la> prepare the demo by 2026-12-04", SYNC + timedelta(minutes=5))
    _command(slack, SYNC + timedelta(minutes=30), "/meeting", "end")
    _command(slack, SYNC + WEEK, "/meeting", "start Design review")
    assert 1 == len(_started(fake_slack, "M-2")["blocks"])


# Stand-up prompts: Monday 23 November 2026, each at 09:30 local.
FRIDAY_PROMPTS = {
    "U0DEV2": datetime(2026, 11, 20, 4, 0, tzinfo=UTC),
    "U0DEV1": datetime(2026, 11, 20, 17, 30, tzinfo=UTC),
}
MONDAY_PROMPTS = [
    datetime(2026, 11, 22, 20, 30, tzinfo=UTC),  # Auckland
    datetime(2026, 11, 23, 4, 0, tzinfo=UTC),  # Kolkata
    datetime(2026, 11, 23, 8, 30, tzinfo=UTC),  # Berlin
    datetime(2026, 11, 23, 17, 30, tzinfo=UTC),  # Los Angeles
]


def _prompt(fake: FakeSlack, user: str) -> dict[str, Any]:
    [prompt] = [m for m in fake.messages(f"D{user}") if m["text"] == "Stand-up for Mon 23 Nov 2026"]
    return prompt


def _asked(fake: FakeSlack, user: str) -> bool:
    return any("standup_answer" in str(m) for m in fake.messages(f"D{user}"))


def _refs(prompt: dict[str, Any]) -> list[str]:
    """The action items a prompt names, in order (each line `• [overdue ·] *A-n* title · due ...`)."""
    text = "".join(b["text"]["text"] for b in prompt["blocks"] if "due within two working days" in str(b))
    return [part for part in text.split("*") if part.startswith("A-")]


def test_each_prompt_names_the_persons_own_items_due_within_two_working_days_and_asks_about_blockers(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """Kolkata, Los Angeles, Berlin and Auckland: each Monday prompt, at 09:30 local, lists that person's open items
    due by the end of Tuesday in their zone (the overdue one first), not Wednesday's, not someone else's, each
    once; a blocker from Friday asks "Still blocked?": Resolved resolves it, Yes keeps it; the answer replaces
    the buttons. Berlin, with nothing due, gets the plain prompt."""
    people = ["U0LEAD", "U0DEV1", "U0DEV2", "U0DEV4"]
    set_up(slack, fake_slack, people, at=datetime(2026, 11, 19, 12, 0, tzinfo=UTC))
    created = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    for user, said in (
        ("U0DEV2", "file the report by 2026-11-25"),  # Wednesday: later than two working days
        ("U0DEV2", "renew the certificate by 2026-11-24"),
        ("U0DEV2", "send the invoice by 2026-11-20"),  # Friday: overdue by Monday
        ("U0DEV1", "review the design by 2026-11-24"),
        ("U0DEV1", "update the roadmap by 2026-11-25"),
        ("U0DEV4", "check the backups by 2026-11-23"),
        ("U0LEAD", "plan the quarter by 2026-12-10"),
    ):
        _command(slack, created, "/action", said, user=user)
    client = make_client(settings, patient=False)
    for user, asked in FRIDAY_PROMPTS.items():
        run_due(factory, client, now=asked)
        _eventually(partial(_asked, fake_slack, user))
        blocked = {"U0DEV2": "waiting for VPN access", "U0DEV1": "waiting on the vendor"}[user]
        _answer(slack, fake_slack, user, asked + timedelta(minutes=10), ["x", "y", blocked])
    for at in MONDAY_PROMPTS:
        run_due(factory, client, now=at)
    refs = {title: ref for ref, (title, _, _) in _items(factory).items()}

    kolkata = _eventually(lambda: _prompt(fake_slack, "U0DEV2"))
    assert [refs["send the invoice"], refs["renew the certificate"]] == _refs(kolkata)
    assert ":warning: *overdue*" in json.dumps(kolkata["blocks"]).split(refs["renew the certificate"])[0]
    assert [refs["review the design"]] == _refs(_eventually(lambda: _prompt(fake_slack, "U0DEV1")))
    assert [refs["check the backups"]] == _refs(_eventually(lambda: _prompt(fake_slack, "U0DEV4")))
    berlin = _eventually(lambda: _prompt(fake_slack, "U0LEAD"))
    assert [] == _refs(berlin) and "Still blocked" not in json.dumps(berlin)

    with factory() as read:
        blockers = {b.owner_id: b.id for b in read.scalars(select(Blocker))}
    for user, button, words in (
        ("U0DEV2", "blocker_resolved", "Resolved"),
        ("U0DEV1", "blocker_still", "Still blocked: noted"),
    ):
        prompt = _prompt(fake_slack, user)
        assert 1 == json.dumps(prompt).count("Still blocked?")
        [buttons] = [b for b in prompt["blocks"] if b.get("block_id") == f"still-blocked-{blockers[user]}"]
        assert ["blocker_still", "blocker_resolved"] == [e["action_id"] for e in buttons["elements"]]
        with frozen(datetime(2026, 11, 23, 18, 0, tzinfo=UTC)):
            pressed = slack.block_action(
                user_id=user,
                action_id=button,
                # Kolkata's as the button says; Los Angeles' as a prompt sent before the buttons named its day did
                value=next(e["value"] for e in buttons["elements"] if e["action_id"] == button)
                if user == "U0DEV2"
                else str(blockers[user]),
                block_id=buttons["block_id"],
                channel_id=f"D{user}",
                message_ts=prompt["ts"],
                message=prompt,
            )
        assert 200 == pressed.status
        now_shown = _eventually(partial(_prompt_without, fake_slack, user, "blocker_"))
        assert words in json.dumps(now_shown) and "standup_answer" in json.dumps(now_shown)
    with factory() as read:
        assert {"U0DEV2": "resolved", "U0DEV1": "open"} == {b.owner_id: b.status for b in read.scalars(select(Blocker))}


def _prompt_of(fake: FakeSlack, user: str, day: str) -> dict[str, Any] | None:
    """The user's prompt for `day` (`Wed 25 Nov 2026`) as it stands now (answered or not), if it came."""
    return next((m for m in fake.messages(f"D{user}") if day in m["text"]), None)


def _still_asked(message: dict[str, Any]) -> dict[int, str]:
    """What stands under each blocker of a prompt, by blocker id: "buttons", or the answer's words."""
    shown = {}
    for block in message["blocks"]:
        blocker = str(block.get("block_id") or "").removeprefix("still-blocked-")
        if blocker.isdigit():
            shown[int(blocker)] = "buttons" if block["type"] == "actions" else block["elements"][0]["text"]
    return shown


def _press(slack: SlackSender, user: str, message: dict[str, Any], blocker: int, button: str, at: datetime) -> None:
    """Press a blocker's button in `message` (a snapshot: Slack sends the message as the person's client showed it)."""
    [block] = [b for b in message["blocks"] if b.get("block_id") == f"still-blocked-{blocker}"]
    value = next(e["value"] for e in block["elements"] if e["action_id"] == button)
    with frozen(at):
        pressed = slack.block_action(
            user_id=user,
            action_id=button,
            value=value,
            block_id=block["block_id"],
            channel_id=f"D{user}",
            message_ts=message["ts"],
            message=message,
        )
    assert 200 == pressed.status and "already resolved" not in pressed.text, pressed.text


def test_a_blocker_said_again_is_asked_about_once_and_the_prompt_shows_blockers_as_they_stand(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """Kolkata says the same blocker on Friday and (differently typed) on Tuesday: one blocker, asked about once.
    The answered prompt keeps its due list and its "Still blocked?" buttons. A blocker resolved from Tuesday's
    prompt, then "Yes, still blocked" clicked on it in Wednesday's prompt: the prompt says who resolved it, kindly;
    a second quick click (on the same, stale message) on the other blocker does not bring the first's buttons
    back. The prompt's updates travel in the person's conversation (their user id), as the prompt itself."""
    user = "U0DEV2"
    set_up(slack, fake_slack, [user], at=datetime(2026, 11, 19, 12, 0, tzinfo=UTC))
    _command(slack, datetime(2026, 11, 19, 12, 5, tzinfo=UTC), "/action", "renew the certificate by 2026-11-25", user)
    client = make_client(settings, patient=False)
    days = {
        "Fri 20 Nov 2026": (datetime(2026, 11, 20, 4, 0, tzinfo=UTC), "waiting for VPN access"),
        "Mon 23 Nov 2026": (datetime(2026, 11, 23, 4, 0, tzinfo=UTC), "waiting on the vendor"),
        "Tue 24 Nov 2026": (datetime(2026, 11, 24, 4, 0, tzinfo=UTC), "Waiting for  VPN access."),
    }
    for day, (asked, blocked) in days.items():
        run_due(factory, client, now=asked)
        _eventually(partial(_prompt_of, fake_slack, user, day))
        _answer(slack, fake_slack, user, asked + timedelta(minutes=10), ["x", "y", blocked])
    with factory() as read:
        blockers = [b.id for b in read.scalars(select(Blocker).order_by(Blocker.id))]
    assert 2 == len(blockers)  # Tuesday's is Friday's, said again
    vpn, vendor = blockers
    tuesday = _eventually(lambda: (m := _prompt_of(fake_slack, user, "Tue 24")) and "answered" in m["text"] and m)
    assert {vpn: "buttons", vendor: "buttons"} == _still_asked(tuesday)
    assert "renew the certificate" in json.dumps(tuesday) and "Edit my answer" in json.dumps(tuesday)

    wednesday_at = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
    run_due(factory, client, now=wednesday_at)
    wednesday = _eventually(partial(_prompt_of, fake_slack, user, "Wed 25 Nov 2026"))
    assert 2 == json.dumps(wednesday).count("Still blocked?")
    assert {vpn: "buttons", vendor: "buttons"} == _still_asked(wednesday)

    resolved, noted = ":white_check_mark: Resolved by <@U0DEV2>", ":construction: Still blocked: noted"
    _press(slack, user, wednesday, vendor, "blocker_still", wednesday_at + timedelta(minutes=1))
    _eventually(lambda: _still_asked(_prompt_of(fake_slack, user, "Wed 25") or {"blocks": []})[vendor] == noted)
    _press(slack, user, tuesday, vpn, "blocker_resolved", wednesday_at + timedelta(minutes=2))  # elsewhere
    _eventually(lambda: _still_asked(_prompt_of(fake_slack, user, "Tue 24") or {"blocks": []})[vpn] == resolved)
    # Yes, still blocked on the first, from the stale message that still shows both blockers' buttons.
    _press(slack, user, wednesday, vpn, "blocker_still", wednesday_at + timedelta(minutes=3))
    expected = {vpn: resolved, vendor: noted}
    _eventually(lambda: _still_asked(_prompt_of(fake_slack, user, "Wed 25") or {"blocks": []}) == expected)
    time.sleep(0.5)  # nothing later brings a button back
    assert expected == _still_asked(_prompt_of(fake_slack, user, "Wed 25") or {})
    _press(slack, user, wednesday, vpn, "blocker_resolved", wednesday_at + timedelta(minutes=4))  # a second time
    told = [*fake_slack.ephemerals(user), *fake_slack.messages(f"D{user}")]
    assert not [m for m in told if "already resolved" in str(m)]  # no error for a blocker resolved meanwhile
    with factory() as read:
        assert {"resolved", "open"} == {b.status for b in read.scalars(select(Blocker))}
        updates = read.scalars(
            select(OutboxMessage).where(OutboxMessage.key.contains(":blocker-"), OutboxMessage.method == "chat.update")
        ).all()
        in_prompts = [u for u in updates if u.channel != PROJECT_CHANNEL]  # not the answers' in the channel
        assert in_prompts and {user} == {u.channel for u in in_prompts}


def test_a_prompt_before_a_holiday_lists_what_is_due_after_it_and_long_lists_say_how_many_more(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, app: PmbotApp
) -> None:
    """Monday 30 November is a holiday: Friday's prompt lists what is due by the end of Tuesday (not Wednesday's).
    Eleven items with long titles full of characters to escape fit one section, each title cut, with how many
    more; six open blockers: five asked about, and how many more."""
    user = "U0DEV2"
    set_up(slack, fake_slack, [user], at=datetime(2026, 11, 12, 12, 0, tzinfo=UTC))
    _command(slack, datetime(2026, 11, 12, 12, 5, tzinfo=UTC), "/standup", "holiday 2026-11-30")
    created = datetime(2026, 11, 12, 12, 10, tzinfo=UTC)
    _command(slack, created, "/action", "file the report by 2026-12-02", user)  # Wednesday: not yet
    _command(slack, created, "/action", "renew the certificate by 2026-12-01", user)  # Tuesday, after the holiday
    long_title = "R&D <review> " * 22
    for n in range(11):
        _command(slack, created, "/action", f"{long_title}{n} by 2026-11-27", user)
    client = make_client(settings, patient=False)
    for n, day in enumerate((13, 16, 17, 18, 19, 20)):
        asked = datetime(2026, 11, day, 4, 0, tzinfo=UTC)
        run_due(factory, client, now=asked)
        _eventually(partial(_prompt_of, fake_slack, user, f" {day} Nov 2026"))
        _answer(slack, fake_slack, user, asked + timedelta(minutes=10), ["x", "y", f"blocker number {n}"])
    run_due(factory, client, now=datetime(2026, 11, 27, 4, 0, tzinfo=UTC))
    assert app.delivery.drain(timeout=60)  # the prompt may wait behind the DM's eleven reminders, at Slack's pace
    friday = _eventually(partial(_prompt_of, fake_slack, user, "Fri 27 Nov 2026"))
    [due] = [b["text"]["text"] for b in friday["blocks"] if b.get("block_id") == "due-soon"]
    lines = due.split("\n")[1:]
    assert len(due) <= 3000 and lines[-1].startswith("…and ") and "more" in lines[-1]
    listed = [line for line in lines if line.startswith("• ")]
    # Eleven due Friday and Tuesday's (Monday is no working day): twelve; Wednesday's is not among them.
    assert len(listed) + int(lines[-1].split()[1]) == 12 and len(listed) >= 5
    assert all(len(line) < 400 for line in listed)  # each title cut
    assert 5 == len(_still_asked(friday))
    assert ["…and 1 more open blocker."] == [
        b["elements"][0]["text"] for b in friday["blocks"] if b.get("block_id") == "blockers-more"
    ]
