"""Capturing action items through the real HTTP endpoint: one line, the form, the message shortcut."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from sandbox.standin import FakeSlack
from tests.actions_helpers import dm_texts, frozen, items, outbox_count
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 23 November 2026


def _local(tz: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(tz)).astimezone(UTC)  # type: ignore[misc]


def test_one_line_creates_posts_the_card_and_tells_the_owner(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """`/action @owner title by friday` stores the item, posts its card with a date token, and DMs the owner."""
    with frozen(MONDAY):
        response = slack.command(
            "/action", "<@U0DEV2|dev-kolkata> send the deck by friday", user_id="U0LEAD", channel_id=PROJECT_CHANNEL
        )
    assert 200 == response.status
    [item] = items(session)
    assert ("A-1", "send the deck", "U0DEV2", "U0LEAD") == (item.ref, item.title, item.owner_id, item.creator_id)
    assert _local("Asia/Kolkata", 2026, 11, 27, 17, 0) == item.due_at  # the owner's Friday, end of their day
    [card] = fake_slack.messages(PROJECT_CHANNEL)
    token = f"<!date^{int(item.due_at.timestamp())}^"
    assert "*A-1* send the deck" in str(card["blocks"]) and token in str(card["blocks"])
    assert {"Done", "Edit"} <= {e["text"]["text"] for e in card["blocks"][-1]["elements"] if e["type"] == "button"}
    [dm] = dm_texts(fake_slack, "U0DEV2")
    assert "Accept" in dm and "send the deck" in dm


def test_the_caller_owns_it_when_nobody_is_mentioned(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Without a mention the caller is the owner, and nobody gets a DM."""
    with frozen(MONDAY):
        slack.command("/action", "book the venue", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    [item] = items(session)
    assert ("U0DEV1", None) == (item.owner_id, item.due_at)
    assert [] == dm_texts(fake_slack, "U0DEV1")


CASES = [
    # creator, frozen UTC moment, phrase, expected due in the creator's zone
    ("U0DEV1", MONDAY, "tomorrow 5pm", ("America/Los_Angeles", 2026, 11, 24, 17, 0)),
    ("U0DEV2", MONDAY, "friday", ("Asia/Kolkata", 2026, 11, 27, 17, 0)),
    ("U0DEV3", MONDAY, "next tue", ("Asia/Kathmandu", 2026, 11, 24, 17, 0)),
    ("U0DEV2", MONDAY, "in 3 days", ("Asia/Kolkata", 2026, 11, 26, 17, 0)),
    ("U0DEV3", MONDAY, "in 2 hours", ("Asia/Kathmandu", 2026, 11, 23, 16, 45)),
    ("U0DEV1", MONDAY, "Dec 3", ("America/Los_Angeles", 2026, 12, 3, 17, 0)),
    ("U0DEV2", MONDAY, "2026-12-03", ("Asia/Kolkata", 2026, 12, 3, 17, 0)),
    ("U0DEV1", MONDAY, "3/12", ("America/Los_Angeles", 2027, 3, 12, 17, 0)),  # en-US: month first
    ("U0LEAD", MONDAY, "3/12", ("Europe/Berlin", 2026, 12, 3, 17, 0)),  # en-GB: day first
    ("U0DEV1", MONDAY, "EOD", ("America/Los_Angeles", 2026, 11, 23, 17, 0)),
    ("U0DEV2", MONDAY, "COB", ("Asia/Kolkata", 2026, 11, 23, 17, 0)),
    ("U0DEV3", MONDAY, "EOW", ("Asia/Kathmandu", 2026, 11, 27, 17, 0)),
    ("U0LEAD", MONDAY, "end of month", ("Europe/Berlin", 2026, 11, 30, 17, 0)),
    ("U0DEV2", MONDAY, "next week", ("Asia/Kolkata", 2026, 11, 30, 9, 0)),
    # across the end of daylight saving time in Los Angeles (1 November 2026) and Berlin (25 October 2026)
    ("U0DEV1", datetime(2026, 10, 30, 16, 0, tzinfo=UTC), "in 3 days", ("America/Los_Angeles", 2026, 11, 2, 17, 0)),
    ("U0LEAD", datetime(2026, 10, 23, 8, 0, tzinfo=UTC), "next tue", ("Europe/Berlin", 2026, 10, 27, 17, 0)),
    # across the start of daylight saving time in Auckland (27 September 2026)
    ("U0DEV4", datetime(2026, 9, 24, 22, 0, tzinfo=UTC), "monday 9am", ("Pacific/Auckland", 2026, 9, 28, 9, 0)),
]


@pytest.mark.parametrize(("creator", "at", "phrase", "expected"), CASES)
def test_due_phrases_are_read_in_the_creators_zone(
    slack: SlackSender,
    session: Session,
    creator: str,
    at: datetime,
    phrase: str,
    expected: tuple[str, int, int, int, int, int],
) -> None:
    """Each kind of due phrase is read in the creator's own time zone and locale."""
    with frozen(at):
        response = slack.command(
            "/action", f"write the report by {phrase}", user_id=creator, channel_id=PROJECT_CHANNEL
        )
    assert 200 == response.status, response.text
    [item] = items(session)
    assert "write the report" == item.title
    assert _local(*expected) == item.due_at


def test_words_inside_the_title_are_not_dates(slack: SlackSender, session: Session) -> None:
    """`fix DNS for the may release` has no due date and keeps its whole title."""
    with frozen(MONDAY):
        slack.command("/action", "fix DNS for the may release", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    [item] = items(session)
    assert ("fix DNS for the may release", None) == (item.title, item.due_at)


def test_a_trailing_bare_date_is_read(slack: SlackSender, session: Session) -> None:
    """`call March about the budget tomorrow` is due tomorrow and titled without the date."""
    with frozen(MONDAY):
        slack.command("/action", "call March about the budget tomorrow", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    [item] = items(session)
    assert ("call March about the budget", _local("Europe/Berlin", 2026, 11, 24, 17, 0)) == (item.title, item.due_at)


@pytest.mark.parametrize("phrase", ["by 2026-13-45", "due blorsday", "by yesterday", "on 2020-01-01"])
def test_bad_or_past_dates_are_refused_and_nothing_is_saved(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, phrase: str
) -> None:
    """An unreadable or past due clause gets an ephemeral explanation with examples; nothing is stored or sent."""
    with frozen(MONDAY):
        response = slack.command("/action", f"ship it {phrase}", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    body = response.json()
    assert "ephemeral" == body["response_type"]
    assert "Try" in body["text"]
    assert ([], 0, []) == (items(session), outbox_count(session), fake_slack.messages(PROJECT_CHANNEL))


def test_mentions_typed_into_a_title_never_ping(slack: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """`@channel`, `@here` and a typed `<!channel>` are repeated as plain text, never as mentions."""
    with frozen(MONDAY):
        slack.command(
            "/action",
            "tell <!channel> and <!here> about &lt;!channel&gt;",
            user_id="U0DEV1",
            channel_id=PROJECT_CHANNEL,
        )
    [item] = items(session)
    assert "tell @channel and @here about <!channel>" == item.title
    [card] = fake_slack.messages(PROJECT_CHANNEL)
    sent = f"{card['text']} {card['blocks']}"
    assert "<!channel>" not in sent and "<!here>" not in sent
    assert "&lt;!channel&gt;" in sent


def test_control_characters_are_dropped_from_a_title(slack: SlackSender, session: Session) -> None:
    """A NUL or a bell in the text is dropped, on every database: the item is saved, not refused as an outage."""
    with frozen(MONDAY):
        response = slack.command("/action", "ship\x00 the \x07build\tnow", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    assert "unavailable" not in response.text
    assert ["ship the build now"] == [item.title for item in items(session)]


def test_an_unknown_owner_is_refused(slack: SlackSender, session: Session) -> None:
    """Mentioning a user Slack does not know gets an ephemeral error and saves nothing."""
    with frozen(MONDAY):
        response = slack.command("/action", "<@U0GHOST|ghost> do it", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    assert "can't find the user" in response.json()["text"]
    assert [] == items(session)


def test_a_title_past_the_limit_is_refused(slack: SlackSender, session: Session) -> None:
    """A 10 kB title is refused with its length, and nothing is saved."""
    with frozen(MONDAY):
        response = slack.command("/action", "x" * 10_000, user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    assert "under 300 characters" in response.json()["text"]
    assert [] == items(session)


def test_ids_count_up_per_workspace(slack: SlackSender, session: Session) -> None:
    """Each new item gets the next short id."""
    with frozen(MONDAY):
        for title in ("one", "two", "three"):
            slack.command("/action", title, user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    assert ["A-1", "A-2", "A-3"] == [i.ref for i in items(session)]


def test_the_project_can_prefer_ephemeral_confirmations(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """With `action_confirmation: ephemeral` the card is the command's ephemeral answer, not a channel post."""
    from domain.workspaces import project_for, workspace_for

    workspace = workspace_for(session, team_id="T0001", now=MONDAY)
    project = project_for(session, workspace=workspace, channel_id=PROJECT_CHANNEL, now=MONDAY)
    project.settings = {"action_confirmation": "ephemeral"}
    session.commit()
    with frozen(MONDAY):
        response = slack.command("/action", "quiet one", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    assert "*A-1* quiet one" in str(response.json()["blocks"])
    assert [] == fake_slack.messages(PROJECT_CHANNEL)
