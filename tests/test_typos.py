"""Mistyped subcommands through the real HTTP endpoint: `/lesson lsit` or `/change aprove CR-1` is asked about
("Did you mean ...?"), privately, and saves, posts or opens nothing; a real lesson or title still goes through; and
free text keeps the people it names (by name) and the links it holds (with their URL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.app import PmbotApp
from domain.text import plain_from_slack
from handlers.ids import Action
from sandbox.standin import FakeSlack
from storage.models import ChangeRequest, Lesson
from storage.models.golive import GoLive
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL, RunningServer, sender_for
from tests.slack_requests import SlackSender
from tests.test_changes import uat  # noqa: F401 (a fixture: U0LEAD leads the project, which has M-UAT)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
LEAD = "U0LEAD"


@pytest.fixture
def said(server: RunningServer, app: PmbotApp, fake_slack: FakeSlack) -> SlackSender:
    """A sender whose response_urls are the fake's, so that a click's answer replaces the question."""
    return sender_for(server, app, fake_slack)


def _say(slack: SlackSender, command: str, text: str, user: str = LEAD) -> dict[str, Any]:
    with frozen(NOW):
        answer: dict[str, Any] = slack.command(command, text, user_id=user, channel_id=PROJECT_CHANNEL).json()
    return answer


def _rows(engine: Engine, model: Any) -> list[Any]:
    with Session(engine) as session:
        found = list(session.scalars(select(model).order_by(model.id)))
        session.expunge_all()
        return found


def _click(sender: SlackSender, question: dict[str, Any], action_id: str) -> None:
    [actions] = [b for b in question["blocks"] if b["type"] == "actions"]
    [button] = [e for e in actions["elements"] if e["action_id"] == action_id]
    with frozen(NOW):
        response = sender.block_action(
            user_id=LEAD,
            action_id=action_id,
            value=button["value"],
            block_id=actions["block_id"],
            channel_id=PROJECT_CHANNEL,
            trigger_id="T-click",
            container={"type": "message", "message_ts": "1.0", "channel_id": PROJECT_CHANNEL, "is_ephemeral": True},
        )
    assert 200 == response.status


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("lsit", "list"), ("serach vendor", "search vendor"), ("shwo L-1", "show L-1"), ("hlep", "help")],
)
def test_a_mistyped_lesson_subcommand_is_asked_about_and_nothing_is_recorded(
    slack: SlackSender, fake_slack: FakeSlack, engine: Engine, typed: str, meant: str
) -> None:
    """`/lesson lsit`: "Did you mean `/lesson list`?", privately; no lesson, nothing posted in the channel."""
    answer = _say(slack, "/lesson", typed)
    assert f"Did you mean `/lesson {meant}`?" in answer["text"]
    assert [] == _rows(engine, Lesson)
    assert [] == fake_slack.messages(PROJECT_CHANNEL)


def test_a_real_lesson_still_records_at_once(slack: SlackSender, engine: Engine) -> None:
    """Next to `/lesson lsit` (asked about), a lesson in plain words is recorded at once, `research ...` too."""
    assert "Did you mean `/lesson list`?" in _say(slack, "/lesson", "lsit")["text"]
    for text in ("test the restore, not only the backup #ops", "research the vendor early"):
        answer = _say(slack, "/lesson", text)
        assert "Did you mean" not in answer["text"], answer
    learned = [lesson.learned for lesson in _rows(engine, Lesson)]
    assert ["test the restore, not only the backup", "research the vendor early"] == learned


def test_a_mistyped_lesson_can_still_be_recorded_as_written(said: SlackSender, engine: Engine) -> None:
    """`/lesson lsit` then "No, record it as written": a lesson saying `lsit`; "Yes, run it" on `hlep`: the help."""
    _click(said, _say(said, "/lesson", "lsit"), Action.RECORD_AS_WRITTEN)
    assert ["lsit"] == [lesson.learned for lesson in _rows(engine, Lesson)]
    _click(said, _say(said, "/lesson", "hlep"), Action.RUN_AS_MEANT)
    assert 1 == len(_rows(engine, Lesson))


@pytest.mark.parametrize(
    ("command", "typed", "meant"),
    [
        ("/golive", "lsit", "/golive list"),
        ("/golive", "shwo G-1", "/golive show G-1"),
        ("/retro", "strat sprint 15", "/retro start sprint 15"),
        ("/pm", "config leeds <@U0LEAD>", "/pm config leads"),
    ],
)
def test_commands_that_record_nothing_from_text_suggest_the_subcommand(
    slack: SlackSender, engine: Engine, command: str, typed: str, meant: str
) -> None:
    """An unknown word close to a subcommand (or a setting) is answered with the one meant, nothing changed."""
    answer = _say(slack, command, typed)
    assert f"Did you mean `{meant}`?" in answer["text"], answer
    assert [] == _rows(engine, GoLive)


@pytest.mark.usefixtures("uat")
@pytest.mark.parametrize(
    ("typed", "asked"),
    [
        ("lsit", "Did you mean `/change list`?"),
        ("shwo CR-1", "Did you mean `/change show CR-1`?"),
        ("aprove CR-1", "I don't know it. I know `list`, `show`, `search`, `approvers`, `withdraw`"),
    ],
)
def test_a_mistyped_change_subcommand_is_asked_about_and_opens_no_form(
    slack: SlackSender, fake_slack: FakeSlack, engine: Engine, typed: str, asked: str
) -> None:
    """`/change lsit` does not open the form titled "lsit": it asks, and nothing is opened or saved."""
    opened = len(fake_slack.calls_to("views.open"))
    answer = _say(slack, "/change", typed)
    assert asked in answer["text"], answer
    assert opened == len(fake_slack.calls_to("views.open"))
    assert [] == _rows(engine, ChangeRequest)


@pytest.mark.usefixtures("uat")
def test_a_change_title_opens_the_form_filled_in_and_names_people(said: SlackSender, fake_slack: FakeSlack) -> None:
    """`/change <title>` opens the form with the title (a mention by name, a link with its URL); "No, record it as
    written" on `/change lsit` opens the form titled `lsit`."""
    with frozen(NOW):
        text = "Ask <@U0DEV1> about <https://wiki.example/sso|the SSO plan>"
        assert 200 == said.command("/change", text, user_id=LEAD, channel_id=PROJECT_CHANNEL).status
    view = fake_slack.calls_to("views.open")[-1].args["view"]
    assert "Ask @dev-la about the SSO plan (https://wiki.example/sso)" in str(view)
    _click(said, _say(said, "/change", "lsit"), Action.RECORD_AS_WRITTEN)
    view = fake_slack.calls_to("views.open")[-1].args["view"]
    assert "'initial_value': 'lsit'" in str(view)


def test_a_lesson_keeps_the_names_of_people_and_the_urls_of_links(slack: SlackSender, engine: Engine) -> None:
    """`<@U0DEV1>` is stored as `@dev-la` (not an opaque id) and a link keeps its URL beside its label."""
    _say(slack, "/lesson", "ask <@U0DEV1> before a restore, see <https://wiki.example/restore|the runbook> #ops")
    [lesson] = _rows(engine, Lesson)
    assert "ask @dev-la before a restore, see the runbook (https://wiki.example/restore)" == lesson.learned


def test_a_golive_title_and_step_name_people_by_name(slack: SlackSender, engine: Engine) -> None:
    """A go-live's title and a step's title say `@dev-la` for a mention, as /action does."""
    _say(slack, "/golive", 'plan "Cutover with <@U0DEV1>" 2026-12-20 22:00')
    _say(slack, "/golive", 'step G-1 add T-3h "Call <@U0DEV2>" if <https://status.example|status> is green')
    with Session(engine) as session:
        golive = session.scalars(select(GoLive)).one()
        steps = {s.title: s.condition for s in golive.steps}
        assert "Cutover with @dev-la" == golive.title
        assert "status (https://status.example) is green" == steps["Call @dev-kolkata"]


def test_plain_from_slack_keeps_a_links_url() -> None:
    """A link keeps its URL beside its label; a link typed as an address stays the address as typed."""
    said = {
        "see <https://x.example/a|the notes>": "see the notes (https://x.example/a)",
        "see <https://x.example/a>": "see https://x.example/a",
        "see <http://x.example|x.example>": "see x.example",
        "mail <mailto:a@b.example|a@b.example>": "mail a@b.example",
        "<@U1> and <@U2|pm>": "@U1 and @pm",
    }
    assert said == {text: plain_from_slack(text) for text in said}
