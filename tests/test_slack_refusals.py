"""Slack's own refusals: the stand-in answers them as Slack does, and pmbot answers each with a useful message."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import manifest
from bot.app import PmbotApp
from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from sandbox import people
from sandbox.core import Sandbox
from sandbox.signing import Answer, SignedPoster
from sandbox.standin import Call, FakeSlack
from storage.models import Member, OutboxMessage
from tests.actions_helpers import frozen, items
from tests.conftest import PROJECT_CHANNEL, sender_for
from tests.slack_requests import SlackSender
from tests.test_meetings import TUESDAY, _say
from tests.test_outbox import _post, _queue

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SECRET_CHANNEL = "C0SECRET"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        server.add_user("U1", name="pm", tz="Europe/Berlin")
        server.add_channel("C1", name="proj", members=["U1", "UBOT"])
        server.add_channel("C2", name="secret", members=["U1"], is_private=True)
        server.add_channel("C3", name="open", members=["U1"])
        yield server
    assert [] == server.server_errors


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url)


@pytest.fixture
def answered(server: Any, app: PmbotApp, fake_slack: FakeSlack) -> SlackSender:
    """A SlackSender whose response_url posts land in the stand-in, where the test can read them."""
    return sender_for(server, app, fake_slack)


def error_of(call: Any, **kwargs: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call(**kwargs)
    return str(caught.value.response["error"])


def _upload_into(client: WebClient, channel: str) -> Any:
    return client.files_upload_v2(channel=channel, content="hello", filename="a.txt")


# ---- the stand-in


def test_a_private_channel_pmbot_is_not_in_is_channel_not_found_for_every_post(client: WebClient) -> None:
    """Posting, an ephemeral, an update or a file share into a private channel pmbot is not in: channel_not_found."""
    assert "channel_not_found" == error_of(client.chat_postMessage, channel="C2", text="hi")
    assert "channel_not_found" == error_of(client.chat_postEphemeral, channel="C2", user="U1", text="hi")
    assert "channel_not_found" == error_of(client.chat_update, channel="C2", ts="1.000001", text="hi")
    assert "channel_not_found" == error_of(_upload_into, client=client, channel="C2")


def test_a_public_channel_needs_chat_write_public_when_pmbot_is_not_in_it(fake: FakeSlack, client: WebClient) -> None:
    """With chat:write.public (pmbot's manifest) a public channel takes posts; without it they are not_in_channel."""
    assert client.chat_postMessage(channel="C3", text="hi")["ok"]
    fake.public_write = False
    assert "not_in_channel" == error_of(client.chat_postMessage, channel="C3", text="hi")
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]  # a member posts anyway


def test_an_archived_channel_says_so_and_takes_no_posts(fake: FakeSlack, client: WebClient) -> None:
    """archive_channel: conversations.info says is_archived, and a post answers is_archived."""
    posted = client.chat_postMessage(channel="C1", text="before")
    fake.archive_channel("C1")
    assert client.conversations_info(channel="C1")["channel"]["is_archived"] is True
    assert "is_archived" == error_of(client.chat_postMessage, channel="C1", text="after")
    assert "is_archived" == error_of(client.chat_update, channel="C1", ts=posted["ts"], text="edited")


def test_a_person_without_a_zone_guests_and_deactivated_accounts_look_as_in_slack(
    fake: FakeSlack, client: WebClient
) -> None:
    """tz=None leaves tz, tz_label and tz_offset out; guests and deactivated accounts carry Slack's flags."""
    fake.add_user("U2", name="nozone", tz=None)
    fake.add_user("U3", name="guest", is_restricted=True)
    fake.add_user("U4", name="single", is_ultra_restricted=True)
    fake.add_user("U5", name="gone", deleted=True)
    nozone = client.users_info(user="U2")["user"]
    assert set() == {"tz", "tz_label", "tz_offset"} & set(nozone)
    flags = {
        u["id"]: (u["is_restricted"], u["is_ultra_restricted"], u["deleted"]) for u in client.users_list()["members"]
    }
    assert (True, False, False) == flags["U3"]
    assert (True, True, False) == flags["U4"]  # a single-channel guest is restricted too
    assert (False, False, True) == flags["U5"]


def test_tiers_refuse_a_method_past_its_minute_with_retry_after(fake: FakeSlack, client: WebClient) -> None:
    """With tiers on, users.list (Tier 2) takes 20 calls at once, then 429 with Retry-After; others keep theirs."""
    for _ in range(25):
        client.users_list()  # tiers are off by default
    fake.enforce_tiers()
    for _ in range(20):
        client.users_list()
    with pytest.raises(SlackApiError) as caught:
        client.users_list()
    assert 429 == caught.value.response.status_code
    assert "ratelimited" == caught.value.response["error"]
    assert 3 == int(caught.value.response.headers["Retry-After"])  # a Tier 2 call comes back every 3 seconds
    assert client.users_info(user="U1")["ok"]  # Tier 4, its own bucket
    other = WebClient(token="xoxb-other-workspace", base_url=fake.url)
    assert other.users_list()["ok"]  # per workspace


class _Recorder(SignedPoster):
    """A poster that records what would be sent to the app and answers 200 at once."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:9", "secret", team_id="T0001", api_app_id="A0001", bot_user_id="UBOT")
        self.sent: list[bytes] = []

    def post(self, body: bytes, content_type: str) -> Answer:
        self.sent.append(body)
        return Answer(200, "application/json", b"", 0.01)


def test_a_slash_command_in_a_thread_is_not_sent_and_the_person_is_told(fake: FakeSlack) -> None:
    """In a thread, Slack does not send a slash command to the app: the person sees "/x is not supported in threads"."""
    poster = _Recorder()
    sb = Sandbox(fake, poster, manifest.load())
    parent = fake.post_as_user("C1", "U1", "a thread")
    answer = people.send(sb, "U1", "C1", "/action @pm write it", thread_ts=parent["ts"])
    assert {"ok": False, "error": "not_supported_in_threads"} == answer
    assert [] == poster.sent
    [notice] = sb.notices_in("C1", "U1")
    assert ("/action is not supported in threads. Sorry!", parent["ts"]) == (notice["text"], notice["thread_ts"])
    assert [parent["ts"]] == [m["ts"] for m in fake.messages("C1")]  # nothing posted in the thread either


def test_a_built_in_command_is_not_sent_and_the_person_is_pointed_to_pm(fake: FakeSlack) -> None:
    """`/status` is Slack's own command: the app is sent nothing, and the person learns pmbot's is `/pm status`."""
    poster = _Recorder()
    sb = Sandbox(fake, poster, manifest.load())
    answer = people.send(sb, "U1", "C1", "/status set amber waiting")
    assert {"ok": False, "error": "built_in_command"} == answer
    assert [] == poster.sent
    [notice] = sb.notices_in("C1", "U1")
    assert "/status is one of Slack's own commands" in notice["text"] and "`/pm status`" in notice["text"]


# ---- pmbot's answers


def test_a_command_in_a_private_channel_pmbot_is_not_in_asks_to_invite_it(
    answered: SlackSender, fake_slack: FakeSlack
) -> None:
    """Its card refused (channel_not_found), the person gets an ephemeral saying to `/invite @pmbot` there."""
    fake_slack.add_channel(SECRET_CHANNEL, name="secret", members=["U0LEAD"], is_private=True)
    with frozen(MONDAY):
        response = answered.command(
            "/action", "<@U0DEV1|dev-la> write the plan", user_id="U0LEAD", channel_id=SECRET_CHANNEL
        )
    assert 200 == response.status
    answer, told = fake_slack.responses()  # the command's answer, then what Slack refused
    assert "A-1" in answer["text"] and "ephemeral" == told["response_type"]
    assert f"<#{SECRET_CHANNEL}>" in told["text"] and "`/invite @pmbot`" in told["text"]


def test_an_archived_channel_is_given_up_once_with_a_log_line(
    factory: sessionmaker[Session], settings: Settings, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """A scheduled post into an archived channel is tried once, given up with a log line, and never retried."""
    fake_slack.archive_channel(PROJECT_CHANNEL)
    _queue(factory, _post("weekly", PROJECT_CHANNEL, at=MONDAY))
    client = make_client(settings, patient=False)
    for minutes in (0, 5, 60, 24 * 60):
        run_due(factory, client, now=MONDAY + timedelta(minutes=minutes))
    assert 1 == len(fake_slack.calls_to("chat.postMessage"))
    with factory() as session:
        [message] = session.scalars(select(OutboxMessage)).all()
        assert (True, "200 is_archived") == (message.gave_up, message.last_error)
    assert any("is_archived" in r.getMessage() and "archived" in r.getMessage() for r in caplog.records)


def test_a_person_without_a_zone_gets_the_projects_zone(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Slack gave no tz: "by friday 5pm" is read in the project's zone (Berlin), not UTC."""
    fake_slack.add_user("U0NOTZ", name="nozone", tz=None)
    with frozen(MONDAY):
        slack.command("/pm", "config tz Europe/Berlin", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        response = slack.command(
            "/action", "write the plan by friday 5pm", user_id="U0NOTZ", channel_id=PROJECT_CHANNEL
        )
    assert 200 == response.status
    [item] = items(session)
    assert item.due_at is not None
    assert datetime(2026, 11, 27, 16, 0, tzinfo=UTC) == item.due_at.astimezone(UTC)
    stored = session.scalar(select(Member).where(Member.user_id == "U0NOTZ"))
    assert stored is not None
    assert ("", "UTC") == (stored.zone_name, stored.time_zone)


@pytest.mark.parametrize("text", ["<@U0GONE|gone> write the plan", "reassign A-1 <@U0GONE|gone>"])
def test_a_deactivated_person_is_refused_by_name(
    text: str, slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Giving an item to a deactivated account: an ephemeral "@gone is deactivated", and nothing recorded."""
    fake_slack.add_user("U0GONE", name="gone", deleted=True)
    with frozen(MONDAY):
        slack.command("/action", "<@U0DEV1|dev-la> the first thing", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        response = slack.command("/action", text, user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    assert "ephemeral" == response.json()["response_type"]
    assert response.json()["text"].startswith("@gone is deactivated, so they can't own action items.")
    assert [("A-1", "U0DEV1")] == [(i.ref, i.owner_id) for i in items(session)]


def test_no_reminder_reaches_a_deactivated_owner(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """An owner deactivated after getting an item gets no reminders (their profile change says deleted)."""
    with frozen(MONDAY):
        slack.command(
            "/action", "<@U0DEV1|dev-la> write it by tuesday 5pm", user_id="U0LEAD", channel_id=PROJECT_CHANNEL
        )
        gone = {"id": "U0DEV1", "name": "dev-la", "deleted": True, "tz": "America/Los_Angeles"}
        assert 200 == slack.event({"type": "user_change", "user": gone}).status
    client = make_client(settings, patient=False)
    for hours in range(0, 80, 4):
        run_due(factory, client, now=MONDAY + timedelta(hours=hours))
    assert ["New action item for you: A-1"] == [m["text"] for m in fake_slack.messages("DU0DEV1")]  # no reminder


def test_a_guest_can_own_an_item_like_anyone(slack: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """A guest (is_restricted) is a person: they can own items, and the card is posted as usual."""
    fake_slack.add_user("U0GUEST", name="guest", is_restricted=True)
    with frozen(MONDAY):
        response = slack.command(
            "/action", "<@U0GUEST|guest> review the plan", user_id="U0LEAD", channel_id=PROJECT_CHANNEL
        )
    assert 200 == response.status
    assert [("A-1", "U0GUEST")] == [(i.ref, i.owner_id) for i in items(session)]


def test_huge_minutes_are_split_and_slack_refuses_none_of_them(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """A meeting with 170,000 characters of notes: `/meeting end` posts minutes Slack accepts, in several parts."""
    with frozen(TUESDAY):
        slack.command("/meeting", "start Long one", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    for n in range(1, 61):
        _say(slack, "U0DEV1", f"NOTE: {n:02d} " + "x" * 3700, TUESDAY + timedelta(minutes=n), n)
    with frozen(TUESDAY + timedelta(hours=1)):
        assert 200 == slack.command("/meeting", "end", user_id="U0LEAD", channel_id=PROJECT_CHANNEL).status
    # The minutes follow the channel's 60 reactions (one per line noted), which keep reactions.add's tier: 50 at once,
    # then about 0.75 a second.
    deadline = time.monotonic() + 60
    while not _shows_every_note(_minutes(fake_slack)) and time.monotonic() < deadline:
        time.sleep(0.1)
    posts = _minutes(fake_slack)
    assert len(posts) >= 2
    assert [] == [c.answer for c in posts if not c.answer.get("ok")]
    assert _shows_every_note(posts)


def test_a_message_slack_still_finds_too_long_is_explained(answered: SlackSender, fake_slack: FakeSlack) -> None:
    """When Slack answers msg_too_long, the person is told it was too long, not left with silence."""
    fake_slack.fail_next("chat.postMessage", status=200, error="msg_too_long")
    with frozen(MONDAY):
        answered.command("/action", "<@U0DEV1|dev-la> write the plan", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    answer, told = fake_slack.responses()  # the command's answer, then what Slack refused
    assert "A-1" in answer["text"] and "too long for Slack" in told["text"]


def test_a_rate_limited_lookup_while_someone_waits_says_when_to_try_again(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """users.info answered 429 with Retry-After 7: the person reads to try again in 7 seconds; nothing is saved."""
    fake_slack.fail_next("users.info", status=429, retry_after=7)
    with frozen(MONDAY):
        response = slack.command("/action", "<@U0DEV1|dev-la> write it", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    assert "ephemeral" == response.json()["response_type"]
    assert "slow down" in response.json()["text"] and "7 seconds" in response.json()["text"]
    assert [] == items(session)


def _minutes(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.calls_to("chat.postMessage") if str(c.args.get("text")).startswith("Minutes")]


def _shows_every_note(posts: list[Call]) -> bool:
    shown = " ".join(str(b) for c in posts for b in c.args.get("blocks") or [])
    return all(f"{n:02d} x" in shown for n in range(1, 61))
