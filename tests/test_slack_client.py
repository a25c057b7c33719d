"""The one client set-up: SLACK_API_URL honoured, Retry-After waited out, server errors retried."""

from __future__ import annotations

import time

import pytest
from slack_sdk.errors import SlackApiError

from bot.settings import load_settings
from bot.slack_client import make_client
from sandbox.standin import FakeSlack


@pytest.fixture
def settings_for(fake_slack: FakeSlack):  # type: ignore[no-untyped-def]
    return load_settings({"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": fake_slack.url}, dotenv=None)


def test_calls_go_to_slack_api_url(settings_for, fake_slack: FakeSlack) -> None:  # type: ignore[no-untyped-def]
    """Every Web API call goes to the base URL in SLACK_API_URL, with the bot token."""
    make_client(settings_for).chat_postMessage(channel="C0PROJ", text="hi")
    [call] = fake_slack.calls_to("chat.postMessage")
    assert "xoxb-test-token" == call.token


def test_rate_limit_waits_retry_after_then_succeeds(settings_for, fake_slack: FakeSlack) -> None:  # type: ignore[no-untyped-def]
    """A 429 with Retry-After: 1 is waited out (about a second) and the call then succeeds."""
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    make_client(settings_for).chat_postMessage(channel="C0PROJ", text="hi")
    assert time.monotonic() - started >= 0.9
    assert [429, 200] == [c.status for c in fake_slack.calls_to("chat.postMessage")]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried(settings_for, fake_slack: FakeSlack, status: int) -> None:  # type: ignore[no-untyped-def]
    """A 5xx answer is retried with backoff and the call then succeeds."""
    fake_slack.fail_next("chat.postMessage", status=status)
    make_client(settings_for).chat_postMessage(channel="C0PROJ", text="hi")
    assert [status, 200] == [c.status for c in fake_slack.calls_to("chat.postMessage")]


def test_the_impatient_client_does_not_retry(settings_for, fake_slack: FakeSlack) -> None:  # type: ignore[no-untyped-def]
    """The client used while a person waits gives up at once and leaves the retry to the outbox."""
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=30)
    with pytest.raises(SlackApiError):
        make_client(settings_for, patient=False).chat_postMessage(channel="C0PROJ", text="hi")
    assert 1 == len(fake_slack.calls_to("chat.postMessage"))
