"""The app's real HTTP endpoint: signatures, health, help, and the error path."""

from __future__ import annotations

import time

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.web import make_wsgi
from sandbox.standin import FakeSlack
from storage.db import make_engine
from storage.models import Workspace
from tests.conftest import PROJECT_CHANNEL, SIGNING_SECRET, RunningServer
from tests.slack_requests import SlackSender


def test_help_answers_ephemerally_with_every_usage(slack: SlackSender) -> None:
    """`/pm help` answers in the HTTP response, ephemerally, with each usage of /pm."""
    response = slack.command("/pm", "help", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    assert 200 == response.status
    body = response.json()
    assert "ephemeral" == body["response_type"]
    rendered = str(body["blocks"])
    for usage in ("/pm help", "/pm config tz Europe/Berlin", "/pm config leads"):
        assert usage in rendered


def test_empty_pm_command_shows_help(slack: SlackSender) -> None:
    """`/pm` with no text is the same as `/pm help`."""
    response = slack.command("/pm", "", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    assert "What pmbot can do" in str(response.json()["blocks"])


def test_unknown_subcommand_is_refused_without_echoing_mentions(slack: SlackSender) -> None:
    """An unknown `/pm` word gets an ephemeral hint, and a `<!channel>` in it is shown escaped."""
    response = slack.command("/pm", "<!channel> now", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    body = response.json()
    assert "ephemeral" == body["response_type"]
    assert "<!channel>" not in body["text"]
    assert "&lt;!channel&gt;" in body["text"]
    assert "/pm help" in body["text"]


def test_bad_signature_is_refused_and_changes_nothing(slack: SlackSender, session: Session) -> None:
    """A request signed with the wrong secret gets 401 and creates no workspace."""
    fields = slack.command_fields("/pm", "config tz Europe/Berlin", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    response = slack.post_form(fields, secret="not-the-secret")
    assert 401 == response.status
    assert 0 == session.scalar(select(func.count()).select_from(Workspace))


def test_old_timestamp_is_refused(slack: SlackSender, session: Session) -> None:
    """A correctly signed request older than five minutes gets 401 (replay protection)."""
    fields = slack.command_fields("/pm", "help", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    response = slack.post_form(fields, timestamp=int(time.time()) - 10 * 60)
    assert 401 == response.status
    assert 0 == session.scalar(select(func.count()).select_from(Workspace))


def test_url_verification_echoes_the_challenge(slack: SlackSender) -> None:
    """Slack's URL verification handshake gets its challenge back."""
    response = slack.url_verification("abc123")
    assert 200 == response.status
    assert "abc123" == response.json()["challenge"]


def test_healthz_is_200_when_the_database_answers(server: RunningServer) -> None:
    """GET /healthz answers 200 while the database is reachable."""
    sender = SlackSender(server.url, SIGNING_SECRET)
    response = sender.get("/healthz")
    assert 200 == response.status
    assert {"ok": True, "database": "ok"} == response.json()


def test_healthz_is_503_when_the_database_is_unreachable(app: object, fake_slack: FakeSlack) -> None:
    """GET /healthz answers 503 when the database cannot be reached."""
    dead: Engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", pool_size=1)
    running = RunningServer(make_wsgi(app, dead))  # type: ignore[arg-type]
    try:
        response = SlackSender(running.url, SIGNING_SECRET).get("/healthz")
        assert 503 == response.status
        assert "unreachable" == response.json()["database"]
    finally:
        running.stop()
        dead.dispose()


def test_other_paths_are_404(server: RunningServer) -> None:
    """Anything but the Slack endpoint and the health check is 404."""
    assert 404 == SlackSender(server.url, SIGNING_SECRET).get("/admin").status
