"""Many workspaces over OAuth: "Add to Slack", tokens per workspace and sealed at rest, no workspace ever seeing
another's data, and uninstalls (tokens gone at once, data after the grace period)."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app, make_tokens
from bot.installations import SEALED, InstallationStore, Sealer
from bot.jobs import run_due
from bot.settings import Settings
from bot.web import make_wsgi
from domain.lifecycle import Policy
from sandbox.standin import FakeSlack
from storage.models import BOTS, ActionItem, OutboxMessage, Workspace
from tests.conftest import PROJECT_CHANNEL, SIGNING_SECRET, RunningServer, make_settings
from tests.slack_requests import Response, SlackSender

CLIENT_ID = "1111.2222"
KEY = Fernet.generate_key().decode()
TEAMS = {"T0BLUE": "xoxb-blue-000000000001-secret", "T0GREEN": "xoxb-green-00000000002-secret"}


def oauth_settings(engine: Engine, fake: FakeSlack, **overrides: str) -> Settings:
    env = {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "client-secret-value",
           "PMBOT_ENCRYPTION_KEY": KEY, **overrides}  # fmt: skip
    return make_settings(engine, fake, **env)


@pytest.fixture
def multi(engine: Engine, fake_slack: FakeSlack) -> Iterator[tuple[RunningServer, Settings]]:
    """`pmbot serve` installed over OAuth, with nothing installed yet."""
    settings = oauth_settings(engine, fake_slack)
    app = create_app(settings, engine)
    running = RunningServer(make_wsgi(app, engine))
    yield running, settings
    running.stop()
    app.settle()  # nothing of this test's may still read while the database is emptied
    app.stop()


def get(url: str, cookie: str = "") -> Response:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return Response(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def install(base_url: str, fake: FakeSlack, team_id: str) -> Response:
    """Click "Add to Slack" and approve, as a workspace admin's browser would; answer the redirect's page."""
    page = get(base_url + "/slack/install")
    assert 200 == page.status, page.text
    link = re.search(r'href="([^"]+oauth/v2/authorize[^"]+)"', page.text)
    assert link is not None, page.text
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert [CLIENT_ID] == query["client_id"] and "commands" in query["scope"][0].split(",")
    code = f"code-{team_id}"
    fake.grant_install(code, team_id=team_id, bot_token=TEAMS[team_id])
    cookie = page.headers["set-cookie"].split(";")[0]
    return get(f"{base_url}/slack/oauth_redirect?code={code}&state={query['state'][0]}", cookie)


def sender(base_url: str, team_id: str, fake: FakeSlack) -> SlackSender:
    """Signed requests from `team_id`; a command returns once its answer reached the stand-in's response_url."""
    return SlackSender(base_url, SIGNING_SECRET, team_id=team_id, answers=fake.answer_at,
                       response_url_base=fake.response_url_base)  # fmt: skip


def stored_bot_tokens(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {row.team_id: row.bot_token for row in conn.execute(select(BOTS.c.team_id, BOTS.c.bot_token))}


def test_add_to_slack_installs_a_workspace_whose_token_is_sealed_and_used(
    multi: tuple[RunningServer, Settings], fake_slack: FakeSlack, engine: Engine
) -> None:
    running, _ = multi
    answer = install(running.url, fake_slack, "T0BLUE")
    assert 200 == answer.status, answer.text
    stored = stored_bot_tokens(engine)
    assert stored["T0BLUE"].startswith(SEALED) and "blue" not in stored["T0BLUE"]  # never at rest in clear
    response = sender(running.url, "T0BLUE", fake_slack).command(
        "/action", "send the vendor contract draft", user_id="U0LEAD", channel_id=PROJECT_CHANNEL
    )
    assert 200 == response.status and "A-1" in response.text
    posts = fake_slack.wait_for("chat.postMessage")
    assert {TEAMS["T0BLUE"]} == {call.token for call in posts}


def test_a_redirect_without_its_state_installs_nothing(
    multi: tuple[RunningServer, Settings], fake_slack: FakeSlack, engine: Engine
) -> None:
    running, _ = multi
    fake_slack.grant_install("forged", team_id="T0BLUE", bot_token=TEAMS["T0BLUE"])
    answer = get(f"{running.url}/slack/oauth_redirect?code=forged&state=made-up")
    assert answer.status >= 400
    assert {} == stored_bot_tokens(engine)
    assert [] == fake_slack.calls_to("oauth.v2.access")


def test_a_workspace_not_installed_gets_no_answer_and_nothing_is_stored(
    multi: tuple[RunningServer, Settings], fake_slack: FakeSlack, session: Session
) -> None:
    running, _ = multi
    response = sender(running.url, "T0STRANGER", fake_slack).command(
        "/action", "a thing", user_id="U0LEAD", channel_id="C1"
    )
    assert "A-1" not in response.text
    assert 0 == session.scalar(select(func.count()).select_from(ActionItem))


def test_workspaces_never_see_each_others_data(
    multi: tuple[RunningServer, Settings], fake_slack: FakeSlack, factory: sessionmaker[Session]
) -> None:
    """Two workspaces with the same channel and user ids: each lists, shows and searches only its own."""
    running, _ = multi
    for team in TEAMS:
        assert 200 == install(running.url, fake_slack, team).status
    blue, green = sender(running.url, "T0BLUE", fake_slack), sender(running.url, "T0GREEN", fake_slack)
    blue.command("/action", "blue secret roadmap <@U0DEV1>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    blue.command("/decision", "blue picks the vendor", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    blue.command("/risk", "blue budget overrun p:4 i:5", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    green.command("/action", "green onboarding plan <@U0DEV1>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    for text in ("list all", "list <@U0DEV1>", "show A-1", "show A-2"):
        answer = green.command("/action", text, user_id="U0DEV1", channel_id=PROJECT_CHANNEL).text
        assert "blue" not in answer, (text, answer)
    assert "green onboarding plan" in green.command("/action", "show A-1", user_id="U0DEV1",
                                                    channel_id=PROJECT_CHANNEL).text  # fmt: skip
    for command, text in (("/decision", "search vendor"), ("/decision", "list"), ("/risk", "list")):
        answer = green.command(command, text, user_id="U0LEAD", channel_id=PROJECT_CHANNEL).text
        assert "blue" not in answer, (command, text, answer)
    # The home tab and the export of a green member hold nothing of blue's either.
    green.event({"type": "app_home_opened", "user": "U0DEV1", "tab": "home"})
    green.command("/pm", "export md", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    for call in fake_slack.calls:
        if call.token == TEAMS["T0GREEN"]:
            assert "blue" not in str(call.args), call
    run_due(factory, make_tokens(multi[1], factory.kw["bind"], patient=False).client_for, now=datetime.now(UTC))
    for call in fake_slack.calls:
        if "blue" in str(call.args) and call.method != "oauth.v2.access":
            assert TEAMS["T0BLUE"] == call.token, call


def test_uninstall_deletes_tokens_at_once_and_the_data_after_the_grace_period(
    multi: tuple[RunningServer, Settings], fake_slack: FakeSlack, factory: sessionmaker[Session], engine: Engine
) -> None:
    running, settings = multi
    for team in TEAMS:
        install(running.url, fake_slack, team)
    blue, green = sender(running.url, "T0BLUE", fake_slack), sender(running.url, "T0GREEN", fake_slack)
    fake_slack.fail_next("chat.postMessage", status=500)  # blue's card stays queued: something left to send
    blue.command("/action", "blue item", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    green.command("/action", "green item", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    with factory() as session:  # something still to send to blue when it goes
        blue_id = session.scalar(select(Workspace.id).where(Workspace.team_id == "T0BLUE"))
        pending = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.workspace_id == blue_id, OutboxMessage.sent_at.is_(None)))  # fmt: skip
    assert 200 == blue.event({"type": "app_uninstalled"}).status
    assert "T0BLUE" not in stored_bot_tokens(engine) and "T0GREEN" in stored_bot_tokens(engine)
    uninstalled = datetime.now(UTC)
    with factory() as session:
        workspace = session.scalars(select(Workspace).where(Workspace.team_id == "T0BLUE")).one()
        assert workspace.uninstalled_at is not None
        assert 0 == session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.workspace_id == blue_id, OutboxMessage.sent_at.is_(None)))  # fmt: skip
    assert pending == 1
    clients = make_tokens(settings, engine, patient=False).client_for
    assert clients(blue_id) is None
    policy = Policy(uninstall_grace=timedelta(days=30))
    run_due(factory, clients, now=uninstalled + timedelta(days=29), policy=policy)
    assert {"blue item", "green item"} == titles(factory)
    sent_to_blue = [c for c in fake_slack.calls if c.token == TEAMS["T0BLUE"]]
    report = run_due(factory, clients, now=uninstalled + timedelta(days=31), policy=policy)
    assert {"workspaces": 1} == {k: v for k, v in report.purged.items() if k == "workspaces"}
    assert {"green item"} == titles(factory)
    with factory() as session:
        assert ["T0GREEN"] == list(session.scalars(select(Workspace.team_id)))
    assert sent_to_blue == [c for c in fake_slack.calls if c.token == TEAMS["T0BLUE"]]


def test_installing_again_within_the_grace_period_keeps_everything(
    multi: tuple[RunningServer, Settings], fake_slack: FakeSlack, factory: sessionmaker[Session], engine: Engine
) -> None:
    running, settings = multi
    install(running.url, fake_slack, "T0BLUE")
    blue = sender(running.url, "T0BLUE", fake_slack)
    blue.command("/action", "blue item", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    blue.event({"type": "app_uninstalled"})
    install(running.url, fake_slack, "T0BLUE")
    assert "A-1" in blue.command("/action", "list all", user_id="U0LEAD", channel_id=PROJECT_CHANNEL).text
    clients = make_tokens(settings, engine, patient=False).client_for
    run_due(factory, clients, now=datetime.now(UTC) + timedelta(days=60), policy=Policy())
    assert {"blue item"} == titles(factory)


def test_a_revoked_bot_token_is_deleted_and_nothing_more_is_sent(
    multi: tuple[RunningServer, Settings], fake_slack: FakeSlack, engine: Engine, factory: sessionmaker[Session]
) -> None:
    running, _ = multi
    install(running.url, fake_slack, "T0BLUE")
    blue = sender(running.url, "T0BLUE", fake_slack)
    event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}
    assert 200 == blue.event(event).status
    assert {} == stored_bot_tokens(engine)
    with factory() as session:
        assert session.scalars(select(Workspace.uninstalled_at)).one() is not None


def titles(factory: sessionmaker[Session]) -> set[str]:
    with factory() as session:
        return set(session.scalars(select(ActionItem.title)))


def test_keys_rotate_without_losing_a_token(engine: Engine) -> None:
    """Tokens sealed with an old key still open after `new,old`; re-sealing makes the new key alone enough."""
    from slack_sdk.oauth.installation_store.models.installation import Installation

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = InstallationStore(CLIENT_ID, engine, Sealer([old]))
    before.save(Installation(app_id="A0001", team_id="T0BLUE", user_id="U0LEAD", bot_token=TEAMS["T0BLUE"],
                             bot_id="B1", bot_user_id="UBOT", bot_refresh_token="xoxe-1-refresh"))  # fmt: skip
    both = InstallationStore(CLIENT_ID, engine, Sealer([new, old]))
    assert TEAMS["T0BLUE"] == both.find_bot(enterprise_id=None, team_id="T0BLUE").bot_token  # type: ignore[union-attr]
    with pytest.raises(Exception):  # noqa: B017  (the new key alone cannot open what the old one sealed)
        InstallationStore(CLIENT_ID, engine, Sealer([new])).find_bot(enterprise_id=None, team_id="T0BLUE")
    assert 2 == both.reseal_all()  # the installation row and the bot row
    after = InstallationStore(CLIENT_ID, engine, Sealer([new]))
    bot = after.find_bot(enterprise_id=None, team_id="T0BLUE")
    assert bot is not None and TEAMS["T0BLUE"] == bot.bot_token and "xoxe-1-refresh" == bot.bot_refresh_token
    installation = after.find_installation(enterprise_id=None, team_id="T0BLUE")
    assert installation is not None and TEAMS["T0BLUE"] == installation.bot_token


def test_without_a_key_tokens_are_stored_as_given_and_sealed_once_a_key_is_set(engine: Engine) -> None:
    from slack_sdk.oauth.installation_store.models.installation import Installation

    plain = InstallationStore(CLIENT_ID, engine, Sealer([]))
    plain.save(Installation(app_id="A0001", team_id="T0BLUE", user_id="U0LEAD", bot_token=TEAMS["T0BLUE"]))
    assert TEAMS["T0BLUE"] == stored_bot_tokens(engine)["T0BLUE"]
    keyed = InstallationStore(CLIENT_ID, engine, Sealer([KEY]))
    assert 2 == keyed.reseal_all()
    assert stored_bot_tokens(engine)["T0BLUE"].startswith(SEALED)
    assert TEAMS["T0BLUE"] == keyed.find_bot(enterprise_id=None, team_id="T0BLUE").bot_token  # type: ignore[union-attr]
