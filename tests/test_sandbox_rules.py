"""The stand-in refuses what Slack refuses, and the sandbox shows each refusal where the person would look."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from bot import manifest
from sandbox import people
from sandbox.clock import next_local, steps
from sandbox.core import Sandbox
from sandbox.signing import Answer, SignedPoster, sign
from sandbox.standin import FakeSlack
from sandbox.standin.rules import answered_too_late

CHANNEL = "C0PROJ"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        running.add_user("U0BER", name="lead-berlin", tz="Europe/Berlin")
        running.add_channel(CHANNEL, name="proj-apollo", members=["U0BER", running.bot_user_id])
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test-token", base_url=fake.url)


def section(text: str = "hello") -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def modal(blocks: list[dict[str, Any]], title: str = "A form") -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": blocks}


def refused(call: Any) -> str:
    with pytest.raises(SlackApiError) as err:
        call()
    return str(err.value.response["error"])


def button(text: str = "Go") -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": "go"}


@pytest.mark.parametrize(
    ("blocks", "why"),
    [
        ([section() for _ in range(51)], "more than 50 blocks in a message"),
        ([section("x" * 3001)], "section text over 3,000 characters"),
        ([{"type": "section"}], "a section with neither text nor fields"),
        ([{"type": "carousel"}], "an unknown block type"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}], "a header over 150 characters"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "*bold*"}}], "a mrkdwn header"),
        ([{"type": "actions", "elements": [button() for _ in range(26)]}], "more than 25 actions"),
        ([{"type": "actions", "elements": [button("x" * 76)]}], "a button label over 75 characters"),
        ([{"type": "context", "elements": []}], "an empty context"),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "&amp;" * 601}]}], "a context text over 3,000"),
        ([{"type": "image", "image_url": "https://example.com/a.png"}], "an image without alt_text"),
        ([{"type": "section", "text": {"type": "markdown", "text": "x"}}], "an unknown text type"),
        ([section(), {**section(), "block_id": "a"}, {**section(), "block_id": "a"}], "a repeated block_id"),
    ],
)
def test_a_message_slack_would_refuse_is_refused(client: WebClient, blocks: list[Any], why: str) -> None:
    """chat.postMessage answers invalid_blocks for each of Slack's block rules."""
    assert "invalid_blocks" == refused(lambda: client.chat_postMessage(channel=CHANNEL, text="t", blocks=blocks)), why


def test_fifty_blocks_and_3000_characters_are_still_taken(client: WebClient, fake: FakeSlack) -> None:
    client.chat_postMessage(channel=CHANNEL, text="t", blocks=[section() for _ in range(50)])
    client.chat_postMessage(channel=CHANNEL, text="t", blocks=[section("x" * 3000)])
    assert 2 == len(fake.messages(CHANNEL))


@pytest.mark.parametrize(
    ("view", "why"),
    [
        (modal([section() for _ in range(101)]), "more than 100 blocks in a modal"),
        (modal([section()], title="A title longer than 24 chars"), "a title over 24 characters"),
        (
            modal([{"type": "input", "label": {"type": "plain_text", "text": "Name"},
                    "element": {"type": "plain_text_input", "action_id": "n"}}]),
            "an input without a submit button",
        ),
        (modal([{"type": "input", "label": {"type": "plain_text", "text": "x"}}]), "an input without its element"),
    ],
)  # fmt: skip
def test_a_modal_slack_would_refuse_is_refused(client: WebClient, view: dict[str, Any], why: str) -> None:
    assert "invalid_arguments" == refused(lambda: client.views_open(trigger_id="1.2.abc", view=view)), why


def test_a_hundred_blocks_in_a_modal_are_taken(client: WebClient) -> None:
    view = client.views_open(trigger_id="1.2.abc", view=modal([section() for _ in range(100)]))["view"]
    assert 100 == len(view["blocks"])


def test_an_unknown_method_is_unknown(client: WebClient) -> None:
    assert "unknown_method" == refused(lambda: client.api_call("chat.postMesage", json={"channel": CHANNEL}))


def test_an_answer_after_three_seconds_is_too_late() -> None:
    """Slack waits 3 seconds for the app's answer, then shows the person operation_timeout."""
    assert answered_too_late(2.9) is None
    assert "operation_timeout" == answered_too_late(3.01)


class SlowPoster(SignedPoster):
    """A poster whose every request is answered after `seconds`, without sending anything."""

    def __init__(self, seconds: float, status: int = 200) -> None:
        super().__init__("http://127.0.0.1:9", "secret", team_id="T0001", api_app_id="A0001", bot_user_id="UBOT")
        self.seconds, self.status = seconds, status

    def post(self, body: bytes, content_type: str) -> Answer:
        return Answer(self.status, "application/json", b"", self.seconds)


def test_a_late_or_failed_answer_is_shown_to_the_person(fake: FakeSlack) -> None:
    """A slash command answered late shows "operation_timeout"; a 500 shows "dispatch_failed", like Slack."""
    sb = Sandbox(fake, SlowPoster(3.5), manifest.load())
    assert {"ok": False} == people.send(sb, "U0BER", CHANNEL, "/action something")
    sb.poster = SlowPoster(0.1, status=500)
    people.send(sb, "U0BER", CHANNEL, "/risk something")
    texts = [n["text"] for n in sb.notices_in(CHANNEL, "U0BER")]
    assert [
        '/action failed with the error "operation_timeout"',
        '/risk failed with the error "dispatch_failed"',
    ] == texts
    assert [] == sb.notices_in(CHANNEL, "U0SOMEONE")  # only the person who typed it sees it


def test_an_unknown_command_is_not_sent(fake: FakeSlack) -> None:
    sb = Sandbox(fake, SlowPoster(0.1), manifest.load())
    people.send(sb, "U0BER", CHANNEL, "/nonsense")
    [notice] = sb.notices_in(CHANNEL, "U0BER")
    assert notice["text"].startswith("/nonsense is not a valid command")


def test_refused_calls_appear_in_the_conversation(fake: FakeSlack, client: WebClient) -> None:
    """What the stand-in refuses the bot is shown as a red notice in the conversation it was meant for."""
    sb = Sandbox(fake, SlowPoster(0.1), manifest.load())
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=CHANNEL, text="t", blocks=[section() for _ in range(51)])
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="U0BER", text="t", blocks=[{"type": "section"}])
    with pytest.raises(SlackApiError):
        client.api_call("files.nonsense")
    assert ["Slack refused pmbot's chat.postMessage: invalid_blocks"] == [
        n["text"] for n in sb.notices_in(CHANNEL, "x")
    ][:1]
    assert "invalid_blocks" in sb.notices_in("DU0BER", "U0BER")[0]["text"]
    assert any("unknown_method" in n["text"] for n in sb.notices_in(CHANNEL, "U0BER"))


def test_text_is_escaped_and_mentions_encoded_as_slack_sends_them(fake: FakeSlack) -> None:
    sb = Sandbox(fake, SlowPoster(0.1), manifest.load())
    assert "<@U0BER|lead-berlin> &lt;!channel&gt; &amp; <#C0PROJ|proj-apollo> <!here> @nobody" == people.encode(
        sb, "@lead-berlin <!channel> & #proj-apollo @here @nobody", with_names=True
    )
    assert "mail me: a@lead-berlin.example" == people.encode(sb, "mail me: a@lead-berlin.example", with_names=False)


def test_the_workspace_survives_export_and_import(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel=CHANNEL, text="hello")
    fake.post_as_user(CHANNEL, "U0BER", "hi back", thread_ts=fake.messages(CHANNEL)[0]["ts"])
    client.views_publish(user_id="U0BER", view={"type": "home", "blocks": [section()]})
    state = fake.export_state()
    with FakeSlack() as other:
        other.import_state(state)
        assert fake.messages(CHANNEL) == other.messages(CHANNEL)
        assert 1 == other.messages(CHANNEL)[0]["reply_count"]
        assert fake.home_view("U0BER") == other.home_view("U0BER")
        newest = max(float(m["ts"]) for m in fake.messages(CHANNEL))
        assert float(other.next_ts()) > newest  # timestamps carry on after the restored ones


def test_clock_steps_fall_on_the_quarter_hours_in_order() -> None:
    start, end = datetime(2026, 11, 23, 6, 7, tzinfo=UTC), datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert ["06:15", "06:30", "06:45", "07:00"] == [s.strftime("%H:%M") for s in steps(start, end)]
    assert [] == steps(end, start)
    assert datetime(2026, 11, 23, 8, 0, tzinfo=UTC) == next_local(start, "Europe/Berlin")  # 09:00 Berlin
    assert datetime(2026, 11, 24, 3, 30, tzinfo=UTC) == next_local(start, "Asia/Kolkata")  # tomorrow's


def test_requests_are_signed_as_slack_signs_them() -> None:
    """Signed with the real time: Bolt refuses a timestamp five minutes off the real clock."""
    secret, body, now = "8f742231b10e8888abcd99yyyzzz85a5", b"token=x&command=%2Faction", int(time.time())
    assert SignatureVerifier(secret).is_valid(body, now, sign(secret, now, body))
    assert not SignatureVerifier(secret).is_valid(body, now - 600, sign(secret, now - 600, body))
