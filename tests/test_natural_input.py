"""What people naturally type is read: multi-line meeting messages, free-form stand-up replies, search prefixes;
and messages stay true: a reminder or an owner's DM whose state changed loses its stale buttons."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from domain import decisions, meetings, standup_replies
from domain.decisions import Wording
from domain.workspaces import project_for, workspace_for
from sandbox.standin import FakeSlack
from storage.models import ActionItem, Blocker, Decision, StandupAnswer
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_meetings import _say
from tests.test_standups import set_up, step
from tests.test_standups_edges import _reply

TUESDAY = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
QUESTIONS = ["What did you do since your last update?", "What will you do next?", "Anything blocking you?"]

# (what a person replies to the stand-up DM, the answers stored: done, next, blocker)
STANDUP_REPLIES = [
    (
        "Yesterday: fixed login\nToday: tests\nBlocker: change freeze approval from CAB",
        ["fixed login", "tests", "change freeze approval from CAB"],
    ),
    (
        "Yesterday: fixed login Today: tests Blocker: change freeze approval from CAB",
        ["fixed login", "tests", "change freeze approval from CAB"],
    ),
    ("yesterday: a; today: b; blockers: none", ["a", "b", "none"]),
    ("*Yesterday:* a\n*Today*: b\n*Blockers:* c", ["a", "b", "c"]),
    ("Y: a\nT: b\nB: c", ["a", "b", "c"]),
    ("- Done: a\n- Next: b\n- Blocked by: c", ["a", "b", "c"]),
    ("Yesterday - a\nToday - b\nNo blockers", ["a", "b", "No blockers"]),
    ("Yesterday: a\n- waiting on review\nToday: b", ["a", "b", "waiting on review"]),
    ("Today: b\nYesterday: a", ["a", "b", ""]),
    ("Morning!\nYesterday: a\nToday: b", ["Morning!\na", "b", ""]),
    ("fixed the build, next: docs", ["fixed the build", "docs", ""]),
    ("Fixed the build. Next: docs. Blocked by CAB approval", ["Fixed the build.", "docs.", "Blocked by CAB approval"]),
    ("What did you do since your last update? a\nWhat will you do next? b\nAnything blocking you? c", ["a", "b", "c"]),
    ("fixed login\nwrote tests\nwaiting on CAB", ["fixed login", "wrote tests", "waiting on CAB"]),
    ("fixed login\nwrote tests", ["fixed login", "wrote tests", ""]),
    ("fixed login\nNo blockers", ["fixed login", "", "No blockers"]),
    (
        "Yesterday I fixed the login. Today I will write tests. Blocked by CAB approval.",
        ["Yesterday I fixed the login.", "Today I will write tests.", "Blocked by CAB approval."],
    ),
    ("Blocked on the VPN", ["", "", "Blocked on the VPN"]),
    ("Fixed the build. Deployed it.", ["Fixed the build. Deployed it.", "", ""]),
    ("a\nb\nc\nd", ["a\nb\nc\nd", "", ""]),  # more lines than questions: kept whole
    ("just one thing", ["just one thing", "", ""]),
]

# (a message said while a meeting is open, the items captured from it)
MEETING_MESSAGES = [
    (
        "ACTION: <@U0DEV4> update the style guide by EOW\nDECISION: sprint 15 focuses on performance",
        [("action", "<@U0DEV4> update the style guide by EOW"), ("decision", "sprint 15 focuses on performance")],
    ),
    ("Summary:\n- ACTION: fix it\n- RISK: cdn p:3", [("action", "fix it"), ("risk", "cdn p:3")]),
    ("*Decision:* we go\nbecause it is faster", [("decision", "we go\nbecause it is faster")]),
    ("ACTION: fix the build\nsome chat after it", [("action", "fix the build")]),
    ("ACTION:\nfix the build", [("action", "fix the build")]),
    ("1. action item: write docs\n2. note: demo went well", [("action", "write docs"), ("note", "demo went well")]),
    ("hello all\nno items here", []),
    ("the action: is not at the start", []),
]

# (what is searched for, the statements found, best first)
SEARCHES = [
    ("postgres", ["use PostgreSQL for the database"]),
    ("rabbit", ["queue events through RabbitMQ"]),
    ("Postgre", ["use PostgreSQL for the database"]),
    ("databases", ["use PostgreSQL for the database"]),
    ("queued", ["queue events through RabbitMQ"]),
    ("rabbit postgres", []),
    ("'; DROP TABLE decision; --", []),
    ('rabbit" OR "x NEAR(', []),
    ("postgres:* | rabbit", []),
]


@pytest.mark.parametrize(("said", "stored"), STANDUP_REPLIES)
def test_a_plain_standup_reply_is_split_by_its_labels(said: str, stored: list[str]) -> None:
    """A reply is split at its labels, the questions' words, its lines or its sentences; nothing said is lost."""
    assert stored == standup_replies.split(said, QUESTIONS)


def test_the_configured_questions_own_words_are_labels() -> None:
    """A stand-up with its own questions reads their words as labels; a word two questions share labels neither."""
    questions = ["How is your mood?", "Any risks you see?"]
    assert ["great", "vendor slips"] == standup_replies.split("Mood: great\nRisks: vendor slips", questions)
    assert {"blocker": 2, "done": 0, "next": 1} == standup_replies.roles(QUESTIONS)


@pytest.mark.parametrize(("said", "captured"), MEETING_MESSAGES)
def test_each_labelled_line_of_a_meeting_message_is_one_item(said: str, captured: list[tuple[str, str]]) -> None:
    """One item per labelled line; an unlabelled line continues a decision or note, or is conversation."""
    assert captured == [(line.kind, line.text) for line in meetings.captured_lines(said)]


@pytest.fixture
def decided(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        workspace = workspace_for(session, team_id="T0001", now=TUESDAY)
        project = project_for(session, workspace=workspace, channel_id=PROJECT_CHANNEL, now=TUESDAY)
        for statement, context in [
            ("use PostgreSQL for the database", "the databases must scale"),
            ("queue events through RabbitMQ", ""),
        ]:
            decisions.create(
                session, project=project, creator="U0LEAD", now=TUESDAY, wording=Wording(statement, context)
            )
        session.commit()
        return project.id


@pytest.mark.parametrize(("query", "found"), SEARCHES)
def test_search_matches_word_prefixes_and_stems(
    decided: int, factory: sessionmaker[Session], query: str, found: list[str]
) -> None:
    """Each word of a search matches as a stemmed prefix, on SQLite and PostgreSQL; no input is query syntax."""
    with factory() as session:
        assert found == [d.statement for d in decisions.search(session, project_id=decided, query=query)]


def test_decision_search_command_finds_by_prefix(slack: SlackSender, decided: int) -> None:
    """`/decision search postgres` answers with D-1, which says "PostgreSQL"."""
    with frozen(TUESDAY):
        answer = slack.command("/decision", "search postgres", user_id="U0DEV1", channel_id=PROJECT_CHANNEL).json()
    shown = json.dumps(answer["blocks"])
    assert "PostgreSQL" in shown and "RabbitMQ" not in shown


def _minutes(fake: FakeSlack, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in fake.messages(PROJECT_CHANNEL) if str(m["text"]).startswith("Minutes of")]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError("no minutes")


def test_a_multi_line_meeting_message_puts_every_line_in_the_minutes(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """ACTION: on one line and DECISION: on the next become an item and a decision, both in the minutes."""
    with frozen(TUESDAY):
        slack.command("/meeting", "start Sprint planning", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    said = "ACTION: <@U0DEV4> update the style guide by EOW\nDECISION: sprint 15 focuses on performance"
    _say(slack, "U0DEV2", said, TUESDAY + timedelta(minutes=5), 1)
    with frozen(TUESDAY + timedelta(minutes=30)):
        slack.command("/meeting", "end", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    shown = json.dumps(_minutes(fake_slack)["blocks"])
    fake_slack.wait_for("reactions.add")
    time.sleep(0.3)  # what was over Slack's pace goes out from the background, which needs the database's lock
    [action] = session.scalars(select(ActionItem)).all()
    [decision] = session.scalars(select(Decision)).all()
    assert ("update the style guide", "U0DEV4") == (action.title, action.owner_id)
    assert action.due_at is not None
    assert "sprint 15 focuses on performance" == decision.statement
    assert "A-1" in shown and "D-1" in shown and "sprint 15 focuses on performance" in shown
    assert 1 == len(fake_slack.calls_to("reactions.add"))  # one acknowledgement for the message
    assert [] == [e for e in fake_slack.ephemerals("U0DEV2") if "couldn't read" in e["text"]]


def _buttons(message: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


@pytest.mark.parametrize(
    "reply",
    [
        "Yesterday: shipped the parser\nToday: reviews\nBlocker: change freeze approval from CAB",
        "Yesterday: shipped the parser Today: reviews Blocker: change freeze approval from CAB",
    ],
)
def test_a_plain_reply_is_split_its_blocker_summarised_and_the_reminder_closed(
    slack: SlackSender,
    fake_slack: FakeSlack,
    factory: sessionmaker[Session],
    settings: Settings,
    session: Session,
    reply: str,
) -> None:
    """A reply after the reminder is stored as three answers; its blocker is tracked and in the day's summary;
    the prompt and the reminder both say it was answered, and the reminder has no button left."""
    set_up(slack, fake_slack, people=["U0DEV2"])  # Kolkata: asked 04:00 UTC, reminded 05:00, summary 07:00
    step(
        factory,
        settings,
        fake_slack,
        datetime(2026, 11, 23, 3, 45, tzinfo=UTC),
        datetime(2026, 11, 23, 5, 0, tzinfo=UTC),
    )
    prompt, reminder = fake_slack.messages("DU0DEV2")
    assert "standup_answer" in _buttons(reminder)
    _reply(slack, "U0DEV2", reply, datetime(2026, 11, 23, 5, 10, tzinfo=UTC), "EvDM1")
    step(
        factory,
        settings,
        fake_slack,
        datetime(2026, 11, 23, 5, 15, tzinfo=UTC),
        datetime(2026, 11, 23, 7, 15, tzinfo=UTC),
    )
    [answer] = session.scalars(select(StandupAnswer)).all()
    assert (["shipped the parser", "reviews", "change freeze approval from CAB"], date(2026, 11, 23)) == (
        answer.answers,
        answer.day,
    )
    assert ["change freeze approval from CAB"] == [b.text for b in session.scalars(select(Blocker))]
    [summary] = [m for m in fake_slack.messages(PROJECT_CHANNEL) if "summary" in str(m["text"]).lower()]
    assert "change freeze approval from CAB" in str(summary["blocks"]) and "Blockers (1)" in str(summary["blocks"])
    prompt, reminder = fake_slack.messages("DU0DEV2")[:2]
    assert "answered" in prompt["text"] and "answered" in reminder["text"]
    assert ([], ["standup_answer"]) == (_buttons(reminder), _buttons(prompt))  # Edit my answer, on the prompt


def test_owner_dms_lose_stale_buttons_when_the_item_is_reassigned_or_done(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """Reassigned: the former owner's DM says who has it, without buttons. Done from the channel card: the new
    owner's DM shows it done, with Reopen and no Accept or Done."""
    with frozen(TUESDAY):
        slack.command("/action", "<@U0DEV2> send the deck by friday", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        [first] = fake_slack.messages("DU0DEV2")
        assert ["action_accept", "action_done"] == _buttons(first)[:2]
        slack.command("/action", "reassign A-1 <@U0DEV4>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        [card] = fake_slack.messages(PROJECT_CHANNEL)
        slack.block_action(
            user_id="U0DEV4",
            action_id="action_done",
            value="A-1",
            channel_id=PROJECT_CHANNEL,
            message_ts=card["ts"],
            message=card,
        )
    [former] = fake_slack.messages("DU0DEV2")
    assert [] == _buttons(former) and "now belongs to <@U0DEV4>" in json.dumps(former["blocks"])
    [current] = fake_slack.messages("DU0DEV4")
    assert ["action_reopen"] == _buttons(current) and "~send the deck~" in json.dumps(current["blocks"])
