"""PostgreSQL going away while pmbot serves: people are told at once, nothing is half-saved, and once the server is
back everything works again without a restart, the scheduled work catching up."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot.app import create_app
from bot.jobs import run_due
from bot.slack_client import make_client
from bot.web import make_wsgi
from handlers.ids import Action
from sandbox.standin import FakeSlack
from storage.db import make_engine, session_factory
from storage.models import ActionItem, OutboxMessage
from tests.conftest import DATABASES, PROJECT_CHANNEL, RunningServer, make_settings, sender_for
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.skipif("postgresql" not in DATABASES, reason="a PostgreSQL server restart")


@pytest.fixture
def behind_proxy(migrated_engines: dict[str, Engine], fake_slack: FakeSlack) -> Iterator[tuple[TcpProxy, Engine]]:
    """The test database, reached by the app through a proxy the test can take down."""
    direct = migrated_engines["postgresql"]
    proxy = TcpProxy((direct.url.host or "127.0.0.1", direct.url.port or 5432))
    engine = make_engine(direct.url.set(port=proxy.port, host="127.0.0.1").render_as_string(hide_password=False))
    yield proxy, engine
    proxy.down()
    engine.dispose()
    from tests.conftest import _empty

    _empty(direct)


def test_a_database_restart_is_answered_as_unavailable_and_then_forgotten(
    behind_proxy: tuple[TcpProxy, Engine], fake_slack: FakeSlack
) -> None:
    proxy, engine = behind_proxy
    settings = make_settings(engine, fake_slack)
    app = create_app(settings, engine)
    server = RunningServer(make_wsgi(app, engine))
    slack = sender_for(server, app, fake_slack)
    factory, client = session_factory(engine), make_client(settings, patient=False)
    say = lambda text: slack.command("/action", text, user_id="U0LEAD", channel_id=PROJECT_CHANNEL)  # noqa: E731
    try:
        fake_slack.fail_next("chat.postMessage", status=503)  # its card is still to be sent when the server goes
        assert "A-1" in say("before the restart").text
        proxy.down()
        started = time.monotonic()
        answer = say("during the restart")
        assert time.monotonic() - started < 3  # acknowledged at once, and told well inside three seconds
        assert 200 == answer.status
        body = answer.json()
        assert "ephemeral" == body["response_type"] and "temporarily unavailable" in body["text"]
        assert 503 == slack.get("/healthz").status
        pressed = slack.block_action(user_id="U0LEAD", action_id=Action.ACTION_DONE, value="1",
                                     channel_id=PROJECT_CHANNEL)  # fmt: skip
        assert 200 == pressed.status
        told = fake_slack.wait_for("chat.postEphemeral")
        assert "temporarily unavailable" in told[-1].args["text"]
        event = slack.event({"type": "app_home_opened", "user": "U0LEAD", "tab": "home"})
        assert 500 == event.status  # Slack retries an event; nothing of it was kept
        report = run_due(factory, client, now=datetime.now(UTC))  # the scheduler's tick survives the outage
        assert 0 == report.delivery.sent
        cards = len(fake_slack.calls_to("chat.postMessage"))

        proxy.up()
        assert "A-2" in say("after the restart").text  # the same process, no restart
        assert 200 == slack.get("/healthz").status
        run_due(factory, client, now=datetime.now(UTC) + timedelta(minutes=5))
        delivered = [c.args.get("text", "") for c in fake_slack.calls_to("chat.postMessage")[cards:]]
        assert any("A-1" in text for text in delivered)  # the scheduler caught up with what waited
        with factory() as session:
            assert {"before the restart", "after the restart"} == set(session.scalars(select(ActionItem.title)))
    finally:
        server.stop()
        app.settle()
        app.stop()


def test_a_message_slack_took_while_the_database_blinked_is_recorded_once_it_is_back(
    behind_proxy: tuple[TcpProxy, Engine], fake_slack: FakeSlack
) -> None:
    """The database goes away between Slack taking a message and pmbot recording it: the sender keeps trying to
    record it, so the message is not sent a second time when the lease runs out."""
    proxy, engine = behind_proxy
    settings = make_settings(engine, fake_slack)
    app = create_app(settings, engine)
    server = RunningServer(make_wsgi(app, engine))
    slack = sender_for(server, app, fake_slack)
    factory, client = session_factory(engine), make_client(settings, patient=False)
    try:
        fake_slack.fail_next("chat.postMessage", status=503)  # the card waits for the scheduler
        slack.command("/action", "one card", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        blinked = threading.Event()

        def blink(call: Any) -> None:
            if call.method == "chat.postMessage" and call.status == 200 and not blinked.is_set():
                blinked.set()
                proxy.down()
                threading.Timer(1.5, proxy.up).start()

        fake_slack.listeners.append(blink)
        report = run_due(factory, client, now=datetime.now(UTC) + timedelta(minutes=2))  # past the 503's backoff
        fake_slack.listeners.remove(blink)
        assert blinked.is_set() and report.delivery.sent  # (the real clock's day may have scheduled work due too)

        def cards() -> int:
            return len([c for c in fake_slack.calls_to("chat.postMessage") if c.status == 200 and "A-1" in str(c.args)])

        assert 1 == cards()
        run_due(factory, client, now=datetime.now(UTC) + timedelta(minutes=12))  # past any lease
        assert 1 == cards()
        with factory() as session:  # recorded as sent, so no lease running out can send it again
            assert session.scalar(select(OutboxMessage.sent_at).where(OutboxMessage.key == "action:1:card"))
    finally:
        server.stop()
        app.settle()
        app.stop()


def test_installed_over_oauth_a_restart_is_also_answered_as_unavailable(
    behind_proxy: tuple[TcpProxy, Engine], fake_slack: FakeSlack
) -> None:
    """With many workspaces the token itself is in the database: while it is away, people are told so (not asked
    to install pmbot again), and afterwards the workspace's token works again."""
    from tests.test_installs import TEAMS, install, oauth_settings

    proxy, engine = behind_proxy
    app = create_app(oauth_settings(engine, fake_slack), engine)
    server = RunningServer(make_wsgi(app, engine))
    slack = sender_for(server, app, fake_slack, team_id="T0BLUE")
    say = lambda text: slack.command("/action", text, user_id="U0LEAD", channel_id=PROJECT_CHANNEL)  # noqa: E731
    try:
        assert 200 == install(server.url, fake_slack, "T0BLUE").status
        proxy.down()
        body = say("during the restart").json()
        assert "ephemeral" == body["response_type"] and "temporarily unavailable" in body["text"]
        proxy.up()
        assert "A-1" in say("after the restart").text
        assert TEAMS["T0BLUE"] == fake_slack.wait_for("chat.postMessage")[-1].token
    finally:
        server.stop()
        app.settle()
        app.stop()
