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

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from sandbox.standin import FakeSlack
from storage.models import ActionItem, Blocker
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_standups import _answer, set_up

# Past days (the delivery loop sends what is due by the real clock): Tuesday 10 November 2026, 10:00 in Berlin.
MONDAY = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
SYNC = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def _eventually(found: Callable[[], Any], timeout: float = 10.0) -> Any:
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
    assert "action_done" == shown["A-3"]["accessory"]["action_id"]

    client = make_client(settings, patient=False)
    run_due(factory, client, now=SYNC + 2 * WEEK - timedelta(hours=1))  # the agenda, an hour before
    agenda = _eventually(
        lambda: next((m for m in fake_slack.messages(PROJECT_CHANNEL) if m["text"].startswith("Agenda")), None)
    )
    text = json.dumps(agenda["blocks"])
    assert "2 open items (A-3, A-4)" in text and "book the room" not in text and "runbook" not in text
    _command(slack, SYNC + 2 * WEEK, "/meeting", "start Weekly sync")
    assert ["A-3", "A-4"] == list(_carried(_started(fake_slack, "M-3")))


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
                value=str(blockers[user]),
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
