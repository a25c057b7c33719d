"""Shared fixtures: real databases (SQLite and PostgreSQL), the fake Slack, and the app on a real HTTP port."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import freezegun
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.app import PmbotApp, create_app
from bot.settings import Settings, load_settings
from bot.web import make_wsgi
from sandbox.standin import FakeSlack
from storage.db import make_engine, session_factory
from storage.migrate import upgrade
from storage.models import Base
from tests.slack_requests import SlackSender

# Hypothesis times the garbage collector with a perf_counter it bound at import. Left to freezegun, that name is
# patched, and a collection in another thread while a freeze stops raced freezegun's own bookkeeping (an IndexError
# reported as an unraisable exception in whichever test was running). Hypothesis keeps the real clock.
freezegun.configure(extend_ignore_list=["hypothesis"])

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-test-0000-token"
PG_ADMIN_URL = os.environ.get("PMBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATABASES = [d for d in os.environ.get("PMBOT_TEST_DATABASES", "sqlite,postgresql").split(",") if d]

# People and channels the fake workspace starts with; tests add more as they need.
PEOPLE = {
    "U0LEAD": ("lead-berlin", "Europe/Berlin", "en-GB"),
    "U0DEV1": ("dev-la", "America/Los_Angeles", "en-US"),
    "U0DEV2": ("dev-kolkata", "Asia/Kolkata", "en-IN"),
    "U0DEV3": ("dev-kathmandu", "Asia/Kathmandu", "en-US"),
    "U0DEV4": ("dev-auckland", "Pacific/Auckland", "en-NZ"),
}
PROJECT_CHANNEL = "C0PROJ"


def _sqlite_engine(tmp: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp / 'pmbot-test.db'}")
    upgrade(engine)
    return engine


def _postgres_engine() -> Iterator[Engine]:
    name = f"pmbot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", pool_size=5, max_overflow=10)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Engine]]:
    """One migrated database per engine kind for the whole run."""
    engines: dict[str, Engine] = {}
    pg = None
    if "sqlite" in DATABASES:
        engines["sqlite"] = _sqlite_engine(tmp_path_factory.mktemp("sqlite"))
    if "postgresql" in DATABASES:
        pg = _postgres_engine()
        engines["postgresql"] = next(pg)
    yield engines
    engines.get("sqlite") and engines["sqlite"].dispose()
    if pg is not None:
        next(pg, None)


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest, migrated_engines: dict[str, Engine]) -> Iterator[Engine]:
    """A migrated, empty database on each engine pmbot supports; emptied again after the test."""
    engine = migrated_engines[request.param]
    yield engine
    _empty(engine)


def _empty(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for arranging and inspecting data (commit to make it visible to the app)."""
    with factory() as s:
        yield s


@pytest.fixture(scope="session")
def fake_slack_server() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def fake_slack(fake_slack_server: FakeSlack) -> Iterator[FakeSlack]:
    """The fake Slack Web API with a small workspace: five people in five time zones and a project channel."""
    fake_slack_server.reset()
    for user_id, (name, tz, locale) in PEOPLE.items():
        fake_slack_server.add_user(user_id, name=name, tz=tz, locale=locale)
    fake_slack_server.add_channel(PROJECT_CHANNEL, name="proj-apollo", members=list(PEOPLE))
    yield fake_slack_server
    fake_slack_server.reset()


def make_settings(engine: Engine, fake: FakeSlack, **overrides: str) -> Settings:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        **overrides,
    }
    return load_settings(env, dotenv=None)


@pytest.fixture
def settings(engine: Engine, fake_slack: FakeSlack) -> Settings:
    return make_settings(engine, fake_slack)


@pytest.fixture
def app(settings: Settings, engine: Engine) -> PmbotApp:
    return create_app(settings, engine)


class RunningServer:
    """The app's real WSGI endpoint served by waitress on an ephemeral loopback port."""

    def __init__(self, wsgi: Any) -> None:
        from waitress.server import create_server

        self.server = create_server(wsgi, host="127.0.0.1", port=0, threads=4, asyncore_loop_timeout=0.05)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"  # type: ignore[union-attr]
        self._stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        # Drive waitress's loop ourselves so that closing happens on this thread (closing from another
        # thread races with select() and fails with EBADF).
        server = self.server
        while not self._stopping.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)  # type: ignore[union-attr]
        server.close()

    def stop(self) -> None:
        self._stopping.set()
        self.thread.join(timeout=5)


@pytest.fixture
def server(app: PmbotApp, engine: Engine) -> Iterator[RunningServer]:
    running = RunningServer(make_wsgi(app, engine))
    yield running
    running.stop()
    app.stop()  # no background work of this test's may reach the next test's fake Slack


def sender_for(server: RunningServer, app: PmbotApp, fake: FakeSlack, **kwargs: Any) -> SlackSender:
    """A SlackSender whose response_urls are the stand-in's and which waits for the app's work after answering."""
    return SlackSender(server.url, SIGNING_SECRET, settle=app.settle, answers=fake.answer_at,
                       response_url_base=fake.response_url_base, **{"team_id": fake.team_id, **kwargs})  # fmt: skip


@pytest.fixture
def slack(server: RunningServer, app: PmbotApp, fake_slack: FakeSlack) -> SlackSender:
    """Sends Slack-signed requests to the running app, as Slack would; each returns once the app's work after
    the answer is done too."""
    return sender_for(server, app, fake_slack)
