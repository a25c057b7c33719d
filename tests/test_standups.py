"""Async stand-ups through the real HTTP endpoint, with the scheduled work run at chosen instants or stepped
through days (who is asked when, in every zone and across clock changes: tests/test_standup_rules.py)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from sandbox.standin import FakeSlack
from storage.models import Blocker, StandupAnswer
from tests.actions_helpers import frozen
from tests.conftest import PEOPLE, PROJECT_CHANNEL
from tests.slack_requests import SlackSender

EVERYONE = list(PEOPLE)  # Berlin, Los Angeles, Kolkata, Kathmandu, Auckland


def _setup_values(
    people: list[str],
    *,
    mode: str = "after_last",
    after: str = "3",
    reminder: str = "60",
    mention: bool = False,
    days: list[int] | None = None,
) -> dict[str, Any]:
    def value(**element: Any) -> dict[str, Any]:
        return {"value": element}

    return {
        "questions": value(
            type="plain_text_input", value="What did you do?\nWhat will you do next?\nAnything blocking you?"
        ),
        "days": value(type="checkboxes", selected_options=[{"value": str(d)} for d in (days or [0, 1, 2, 3, 4])]),
        "prompt_time": value(type="timepicker", selected_time="09:30"),
        "participants": value(type="multi_users_select", selected_users=people),
        "summary_mode": value(type="radio_buttons", selected_option={"value": mode}),
        "summary_after": value(type="static_select", selected_option={"value": after}),
        "summary_time": value(type="timepicker", selected_time="17:00"),
        "reminder": value(type="static_select", selected_option={"value": reminder}),
        "mention_missing": value(type="checkboxes", selected_options=[{"value": "yes"}] if mention else []),
    }


def set_up(
    slack: SlackSender, fake: FakeSlack, people: list[str] = EVERYONE, at: datetime | None = None, **options: Any
) -> None:
    """Open `/standup setup` and submit it."""
    with frozen(at or datetime(2026, 11, 22, 12, 0, tzinfo=UTC)):
        slack.command("/standup", "setup", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        [opened] = fake.calls_to("views.open")[-1:]
        metadata = opened.args["view"]["private_metadata"]
        response = slack.view_submission(
            user_id="U0LEAD",
            callback_id="standup_setup",
            private_metadata=metadata,
            values=_setup_values(people, **options),
        )
        assert 200 == response.status and not response.body, response.text


def step(
    factory: sessionmaker[Session],
    settings: Settings,
    fake: FakeSlack,
    start: datetime,
    end: datetime,
    every: timedelta = timedelta(minutes=15),
) -> list[tuple[datetime, str, str]]:
    """Run the due work at each instant; return (instant, channel, text) of every message that appeared."""
    client = make_client(settings, patient=False)
    watched = [f"D{u}" for u in PEOPLE] + [PROJECT_CHANNEL]
    counts = {c: len(fake.messages(c)) for c in watched}
    seen = []
    at = start
    while at <= end:
        run_due(factory, client, now=at)
        for channel in watched:
            messages = fake.messages(channel)
            seen += [(at, channel, str(m["text"])) for m in messages[counts[channel] :]]
            counts[channel] = len(messages)
        at += every
    return seen


def run_at(
    factory: sessionmaker[Session], settings: Settings, fake: FakeSlack, instants: list[datetime]
) -> list[tuple[datetime, str, str]]:
    """Run the due work at each of these instants; return (instant, channel, text) of every message that appeared."""
    seen = []
    for at in instants:
        seen += step(factory, settings, fake, at, at)
    return seen


def prompts(seen: list[tuple[datetime, str, str]]) -> list[tuple[datetime, str]]:
    return [(at, channel[1:]) for at, channel, text in seen if text.startswith("Stand-up for")]


def local(moment: datetime, user: str) -> datetime:
    return moment.astimezone(ZoneInfo(PEOPLE[user][1]))


def test_setup_opens_the_form_with_the_channel_members(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """`/standup setup` opens the form with the defaults and the channel's members as participants."""
    slack.command("/standup", "setup", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    [opened] = fake_slack.calls_to("views.open")
    view = opened.args["view"]
    blocks = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert "09:30" == blocks["prompt_time"]["initial_time"]
    assert set(EVERYONE) == set(blocks["participants"]["initial_users"])
    assert 5 == len(blocks["days"]["initial_options"])
    assert "Anything blocking you?" in blocks["questions"]["initial_value"]


def test_each_member_is_asked_at_their_own_0930_once_per_working_day(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """On Monday each of five members in five zones gets one prompt DM at 09:30 their time, Auckland first and
    Los Angeles last; a second run at the same instants sends nothing more. (The week, weekends and clock changes:
    tests/test_standup_rules.py.)"""
    set_up(slack, fake_slack)
    monday_0930 = [
        datetime(2026, 11, 22, 20, 30, tzinfo=UTC),  # Auckland
        datetime(2026, 11, 23, 3, 45, tzinfo=UTC),  # Kathmandu
        datetime(2026, 11, 23, 4, 0, tzinfo=UTC),  # Kolkata
        datetime(2026, 11, 23, 8, 30, tzinfo=UTC),  # Berlin
        datetime(2026, 11, 23, 17, 30, tzinfo=UTC),  # Los Angeles
    ]
    ticks = [at for moment in monday_0930 for at in (moment - timedelta(minutes=15), moment)]
    asked = prompts(run_at(factory, settings, fake_slack, ticks))
    assert list(zip(monday_0930, ["U0DEV4", "U0DEV3", "U0DEV2", "U0LEAD", "U0DEV1"], strict=True)) == asked
    assert all((local(at, who).hour, local(at, who).minute) == (9, 30) for at, who in asked)
    assert [] == prompts(run_at(factory, settings, fake_slack, ticks))


def _answer(slack: SlackSender, fake: FakeSlack, user: str, at: datetime, answers: list[str]) -> Any:
    """Click Answer (or Edit my answer) on the user's latest stand-up DM and submit the form."""
    prompt = [m for m in fake.messages(f"D{user}") if "standup_answer" in str(m["blocks"])][-1]
    button = next(
        e
        for b in prompt["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "standup_answer"
    )
    with frozen(at):
        slack.block_action(
            user_id=user,
            action_id="standup_answer",
            value=button["value"],
            channel_id=f"D{user}",
            message_ts=prompt["ts"],
            message=prompt,
        )
        view = fake.calls_to("views.open")[-1].args["view"]
        values = {f"q{i}": {"value": {"type": "plain_text_input", "value": a}} for i, a in enumerate(answers)}
        return slack.view_submission(
            user_id=user, callback_id="standup_answer_submit", private_metadata=view["private_metadata"], values=values
        )


def test_answers_go_to_the_days_thread_and_only_non_responders_are_reminded(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """Answers appear in one thread per day; the reminder goes only to who has not answered; the summary lists
    who answered, who has not, and the blockers, which become tracked items."""
    set_up(slack, fake_slack)
    monday = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
    hourly = timedelta(hours=1)  # each tick answers for the instants since the last one
    step(factory, settings, fake_slack, monday, datetime(2026, 11, 23, 4, 15, tzinfo=UTC), every=hourly)
    _answer(
        slack,
        fake_slack,
        "U0DEV4",
        datetime(2026, 11, 22, 21, 0, tzinfo=UTC),
        ["shipped the parser", "reviews", "none"],
    )
    _answer(
        slack,
        fake_slack,
        "U0DEV2",
        datetime(2026, 11, 23, 4, 20, tzinfo=UTC),
        ["tests", "deploy", "waiting for <!channel> VPN access"],
    )
    seen = step(
        factory,
        settings,
        fake_slack,
        datetime(2026, 11, 23, 4, 30, tzinfo=UTC),
        datetime(2026, 11, 23, 21, 0, tzinfo=UTC),
        every=hourly,
    )
    thread = fake_slack.messages(PROJECT_CHANNEL)
    parent = next(m for m in thread if "Stand-up ·" in str(m["text"]) and not m.get("thread_ts"))
    replies = [m for m in thread if m.get("thread_ts") == parent["ts"]]
    texts = [str(m["blocks"]) for m in replies]
    assert 1 == len([m for m in thread if "Stand-up ·" in str(m["text"]) and not m.get("thread_ts")])
    assert any("shipped the parser" in t for t in texts) and any("VPN access" in t for t in texts)
    assert all("<!channel>" not in t for t in texts)
    reminders = [(at, channel[1:]) for at, channel, text in seen if text.startswith("Stand-up reminder")]
    assert {"U0DEV3", "U0LEAD", "U0DEV1"} == {who for _, who in reminders}
    [summary] = [m for m in replies if "summary" in str(m["text"]).lower()]
    body = str(summary["blocks"])
    assert "Answered (2)" in body and "Not yet (3)" in body and "VPN access" in body
    assert summary.get("reply_broadcast") in (True, "true")
    blockers = session.scalars(select(Blocker)).all()
    assert [("U0DEV2", "open")] == [(b.owner_id, b.status) for b in blockers]


def test_away_holidays_and_weekends_are_not_prompted_or_missing(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """Someone away is not asked, reminded or listed as missing; a holiday asks nobody."""
    set_up(slack, fake_slack, people=["U0LEAD", "U0DEV2"])
    with frozen(datetime(2026, 11, 22, 12, 0, tzinfo=UTC)):
        away = slack.command("/standup", "away Nov 23 - Nov 24", user_id="U0DEV2", channel_id=PROJECT_CHANNEL)
        holiday = slack.command("/standup", "holiday 2026-11-25", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    assert "away" in away.json()["text"] and "Holiday saved" in holiday.json()["text"]
    seen = step(
        factory,
        settings,
        fake_slack,
        datetime(2026, 11, 22, 12, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 18, 0, tzinfo=UTC),
        every=timedelta(hours=2),  # each tick answers for the instants since the last one
    )
    asked = [(who, local(at, who).date().isoformat()) for at, who in prompts(seen)]
    assert [
        ("U0DEV2", "2026-11-26"),
        ("U0LEAD", "2026-11-23"),
        ("U0LEAD", "2026-11-24"),
        ("U0LEAD", "2026-11-26"),
    ] == sorted(asked)
    summaries = [str(m["blocks"]) for m in fake_slack.messages(PROJECT_CHANNEL) if "summary" in str(m["text"]).lower()]
    assert "Away (1)" in summaries[0] and "Not yet (1)" in summaries[0]


def test_a_plain_reply_in_the_dm_is_an_answer(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """Replying to the prompt DM with plain text records it, split at its labels, and posts it to the day's thread."""
    set_up(slack, fake_slack, people=["U0DEV2"])
    step(
        factory,
        settings,
        fake_slack,
        datetime(2026, 11, 23, 3, 45, tzinfo=UTC),
        datetime(2026, 11, 23, 4, 0, tzinfo=UTC),
    )
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "DU0DEV2",
        "user": "U0DEV2",
        "text": "fixed the build, next: docs",
        "ts": "1763870500.000200",
    }
    with frozen(datetime(2026, 11, 23, 4, 5, tzinfo=UTC)):
        assert 200 == slack.event(event, event_id="EvDM1").status
        assert 200 == slack.event(event, event_id="EvDM1", retry_num=1).status
    [answer] = session.scalars(select(StandupAnswer)).all()
    assert (["fixed the build", "docs", ""], date(2026, 11, 23)) == (answer.answers, answer.day)
    assert 1 == len([m for m in fake_slack.messages(PROJECT_CHANNEL) if "fixed the build" in str(m["blocks"])])


def test_answer_ahead_the_evening_before_is_not_prompted(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """`/standup answer` on Monday evening answers Tuesday; Tuesday's prompt is then not sent."""
    set_up(slack, fake_slack, people=["U0LEAD"])
    with frozen(datetime(2026, 11, 23, 19, 0, tzinfo=UTC)):  # Monday 20:00 Berlin, Monday already answered
        session.add(
            StandupAnswer(
                standup_id=1,
                day=date(2026, 11, 23),
                user_id="U0LEAD",
                answers=["x"],
                submitted_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
            )
        )
        session.commit()
        slack.command("/standup", "answer", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        view = fake_slack.calls_to("views.open")[-1].args["view"]
        assert "2026-11-24" == json.loads(view["private_metadata"])["day"]
        slack.view_submission(
            user_id="U0LEAD",
            callback_id="standup_answer_submit",
            private_metadata=view["private_metadata"],
            values={"q0": {"value": {"type": "plain_text_input", "value": "prepared slides"}}},
        )
    seen = step(
        factory,
        settings,
        fake_slack,
        datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
    )
    assert [] == prompts(seen)


def test_skip_today_is_not_reminded_and_pause_stops_prompts(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """Skip today stops the reminder; `/standup pause` stops all prompts until resumed."""
    set_up(slack, fake_slack, people=["U0LEAD"])
    step(
        factory,
        settings,
        fake_slack,
        datetime(2026, 11, 23, 8, 30, tzinfo=UTC),
        datetime(2026, 11, 23, 8, 30, tzinfo=UTC),
    )
    prompt = fake_slack.messages("DU0LEAD")[-1]
    with frozen(datetime(2026, 11, 23, 8, 40, tzinfo=UTC)):
        slack.block_action(
            user_id="U0LEAD",
            action_id="standup_skip",
            value=prompt["blocks"][1]["elements"][1]["value"],
            channel_id="DU0LEAD",
            message_ts=prompt["ts"],
            message=prompt,
        )
        slack.command("/standup", "pause", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    seen = step(
        factory,
        settings,
        fake_slack,
        datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
        every=timedelta(hours=2),  # each tick answers for the instants since the last one
    )
    assert [] == [s for s in seen if s[1] == "DU0LEAD" and "Stand-up for" in s[2]]
    assert "skipped" in str(fake_slack.messages("DU0LEAD")[0]["blocks"])


def test_report_and_stats(slack: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """`/standup report yesterday` lists yesterday's answers; `/standup stats` gives each member's rate."""
    set_up(slack, fake_slack, people=["U0LEAD", "U0DEV2"])
    session.add(
        StandupAnswer(
            standup_id=1,
            day=date(2026, 11, 23),
            user_id="U0LEAD",
            answers=["wrote specs"],
            submitted_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        )
    )
    session.commit()
    with frozen(datetime(2026, 11, 24, 12, 0, tzinfo=UTC)):
        report = slack.command("/standup", "report yesterday", user_id="U0LEAD", channel_id=PROJECT_CHANNEL).json()
        stats = slack.command("/standup", "stats", user_id="U0LEAD", channel_id=PROJECT_CHANNEL).json()
    assert "wrote specs" in str(report["blocks"])
    text = str(stats["blocks"])
    assert "<@U0LEAD>: 50% answered (1/2)" in text and "<@U0DEV2>: 0% answered (0/2)" in text
