"""Slack gets its acknowledgement before any listener runs: no database statement and no Slack call come first.

The proof holds the database (every statement waits at the driver) and the Slack stand-in (every call and every
response_url post waits) closed while the request is sent: a listener that ran before the acknowledgement would
hold the answer back until they open. Then both open and the work is done, its answer at the response_url.
Forms too: what the form alone shows is wrong is in the acknowledgement (Slack shows it beside the field), and
the rest runs after.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from bot.app import PmbotApp
from sandbox.standin import FakeSlack
from storage.models import ActionItem
from tests.conftest import PROJECT_CHANNEL, SIGNING_SECRET, RunningServer
from tests.slack_requests import Response, SlackSender

HELD_SECONDS = 20  # longer than any acknowledgement could take on a loaded machine; never reached when it passes


@contextmanager
def database_held(engine: Engine) -> Iterator[list[str]]:
    """Every statement on `engine` waits until the block ends; answer the statements that were waiting."""
    opened, waited = threading.Event(), []

    def wait(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        waited.append(statement)
        opened.wait(HELD_SECONDS)

    event.listen(engine, "before_cursor_execute", wait)
    try:
        yield waited
    finally:
        opened.set()
        event.remove(engine, "before_cursor_execute", wait)


def acknowledged_while_held(
    engine: Engine, fake: FakeSlack, app: PmbotApp, send: Any
) -> tuple[Response, list[str], list[Any]]:
    """Send a request with the database and Slack held; answer its acknowledgement, then (both open, the work done)
    the statements that had waited and the stand-in's calls."""
    answered: list[Response] = []
    with database_held(engine) as waited, fake.hold():
        sending = threading.Thread(target=lambda: answered.append(send()))
        sending.start()
        sending.join(HELD_SECONDS / 2)
        acknowledged_in_time = bool(answered)  # read while both are still held
    sending.join()
    assert app.settle(timeout=60)
    assert acknowledged_in_time, "the acknowledgement waited for the database or for Slack"
    return answered[0], waited, list(fake.calls)


@pytest.fixture
def unsettled(server: RunningServer, fake_slack: FakeSlack) -> SlackSender:
    """A sender that returns with the acknowledgement, as Slack sees it; its response_urls are the stand-in's."""
    return SlackSender(server.url, SIGNING_SECRET, team_id=fake_slack.team_id,
                       response_url_base=fake_slack.response_url_base)  # fmt: skip


def test_a_slash_command_is_acknowledged_before_anything_runs_and_answered_after(
    engine: Engine, fake_slack: FakeSlack, app: PmbotApp, unsettled: SlackSender, session: Session
) -> None:
    """`/action` is acknowledged empty with the database and Slack closed; opened, the item is saved and the answer
    reaches the command's response_url, once."""
    fields = unsettled.command_fields("/action", "<@U0DEV1> send the deck", user_id="U0LEAD",
                                      channel_id=PROJECT_CHANNEL)  # fmt: skip
    ack, _, calls = acknowledged_while_held(engine, fake_slack, app, lambda: unsettled.post_form(fields))
    assert (200, b"") == (ack.status, ack.body)
    assert 1 == session.scalar(select(func.count()).select_from(ActionItem))
    [answer] = [c.args for c in calls if c.method == "response_url"]
    assert "ephemeral" == answer["response_type"] and "A-1" in answer["text"]


def test_every_command_button_form_and_shortcut_is_acknowledged_before_any_listener_runs(
    engine: Engine, fake_slack: FakeSlack, app: PmbotApp, unsettled: SlackSender
) -> None:
    """Each registered slash command, action id, form and shortcut: acknowledged with the database and Slack held
    (a form with nothing filled in may be answered with its errors: that answer comes from the form alone)."""
    requests: dict[str, Any] = {}
    for command in sorted(app.registered.commands):
        requests[command] = lambda c=command: unsettled.command(c, "list", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    for action_id in sorted(app.registered.actions):
        requests[action_id] = lambda a=action_id: unsettled.block_action(
            user_id="U0LEAD", action_id=a, value="A-1", channel_id=PROJECT_CHANNEL, message_ts="1700000000.000100"
        )
    for callback_id in sorted(app.registered.views):
        requests[callback_id] = lambda v=callback_id: unsettled.view_submission(
            user_id="U0LEAD", callback_id=v, values={}, private_metadata=json.dumps({"channel": PROJECT_CHANNEL})
        )
    for callback_id in sorted(app.registered.shortcuts):
        message = {"type": "message", "ts": "1700000000.000200", "user": "U0DEV1", "text": "ship it"}
        requests[callback_id] = lambda s=callback_id, m=message: unsettled.message_shortcut(
            user_id="U0LEAD", callback_id=s, channel_id=PROJECT_CHANNEL, message=m
        )
    assert len(requests) > 20  # the registry is read, not an empty list
    late = []
    for name, send in requests.items():
        ack, _, _ = acknowledged_while_held(engine, fake_slack, app, send)
        if ack.status != 200 or (ack.body and b'"response_action": "errors"' not in ack.body):
            late.append((name, ack.status, ack.body))
    assert [] == late


def test_a_forged_command_is_refused_before_it_is_acknowledged_and_nothing_runs(
    engine: Engine, fake_slack: FakeSlack, app: PmbotApp, unsettled: SlackSender, session: Session
) -> None:
    """A request signed with another secret gets 401 and never reaches a listener."""
    fields = unsettled.command_fields("/action", "steal the deck", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    refused, waited, calls = acknowledged_while_held(
        engine, fake_slack, app, lambda: unsettled.post_form(fields, secret="not-the-signing-secret")
    )
    assert 401 == refused.status
    assert ([], []) == (waited, [c for c in calls if c.method == "response_url"])
    assert 0 == session.scalar(select(func.count()).select_from(ActionItem))
