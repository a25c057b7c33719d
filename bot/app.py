"""create_app(): the Bolt app with its unit of work, middleware and every feature's listeners."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import manifest
from bot.installations import InstallationStore, Sealer, StoreAuthorize, Tokens
from bot.later import Later
from bot.notifier import Drainer, Sender
from bot.settings import Settings
from bot.slack_client import make_client, patient_copy
from bot.web import INSTALL_PATH, REDIRECT_PATH
from domain.clock import utcnow
from handlers import register_all
from handlers.context import DB, FAILED, LATER, NOW, Job
from handlers.errors import failure_response, tell_refused
from handlers.registry import Registered
from storage.db import session_factory

log = logging.getLogger(__name__)

INLINE_DELIVERY_BUDGET = 1.5  # seconds
OAUTH_STATE_SECONDS = 600


@dataclass(frozen=True)
class Runtime:
    """What listeners share: settings, database, each workspace's Slack client and the installations."""

    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    client: WebClient  # the token-less base client in OAuth mode; requests get their workspace's from Bolt
    sender: Sender
    clock: Callable[[], datetime] = utcnow  # what "now" is for a request (the sandbox has a clock of its own)
    tokens: Tokens | None = None


class PmbotApp(App):
    """A Bolt app whose every request runs in one database transaction.

    Bolt's sync middleware cannot wrap listeners (`next()` only sets a flag), so the unit of work
    wraps `dispatch` itself: it serves HTTP and Socket Mode alike. Messages queued in the outbox
    during the request are delivered once the transaction has committed.
    """

    def __init__(self, runtime: Runtime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runtime = runtime
        self.registered = Registered()
        self.drainer = Drainer(runtime.sender)
        self.later = Later()

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        session = self.runtime.factory()
        req.context[DB] = session
        req.context[NOW] = self.runtime.clock()
        try:
            response = super().dispatch(req)
            if req.context.get(FAILED) or response.status >= 500:
                session.rollback()
                return response
            keys = list(session.info.get("outbox_keys", []))
            session.commit()
        except Exception as err:  # the commit itself failed: nothing was saved, and the person must know
            session.rollback()
            return failure_response(err, req.body, client=req.context.client or self.runtime.client)
        finally:
            session.close()
        if keys:
            refused = self._deliver(keys)
            if refused:  # a channel pmbot is not in, an archived one, a message too long: the person can act
                tell_refused(req.body, refused, client=req.context.client or self.runtime.client)
        self._start_later(req)
        return response

    def _start_later(self, req: BoltRequest) -> None:
        """Hand what the listeners left for after the answer to the background threads (the change is committed)."""
        jobs: list[Job] = req.context.get(LATER) or []
        if not jobs:
            return
        client = patient_copy(req.context.client or self.runtime.client)
        for job in jobs:
            self.later.submit(functools.partial(job, self.runtime.factory, client))

    def _deliver(self, keys: list[tuple[int, str]]) -> list[tuple[str, str]]:
        """Send what this request queued, within a budget that keeps Slack's 3-second answer in reach; answer the
        (channel, error) of each message Slack refused for good.

        The change is committed already; a failure here only leaves messages for the scheduler.
        """
        now = self.runtime.clock()
        try:
            report = self.runtime.sender.deliver_due(now=now, keys=keys, budget=INLINE_DELIVERY_BUDGET, wait=False)
        except Exception:
            log.exception("delivering a request's messages failed; the scheduler will retry them")
            return []
        if report.sent + report.gave_up < len(keys):  # paced or behind another: finish without holding the answer
            self.drainer.add(keys, now=now)
        return [(r.channel, r.error) for r in report.refused]


def create_app(
    settings: Settings,
    engine: Engine,
    *,
    client: WebClient | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> PmbotApp:
    """Build the app: fresh each call, so every test and process gets its own. `clock` answers "now".

    With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET pmbot is installed to many workspaces over OAuth and
    each request speaks with its own workspace's token; otherwise SLACK_BOT_TOKEN serves one workspace.
    """
    if not settings.oauth:
        settings.require("SLACK_BOT_TOKEN")
    client = client or make_client(settings, patient=False)
    factory = session_factory(engine)
    tokens = make_tokens(settings, engine, patient=False, base=client)
    runtime = Runtime(settings, engine, factory, client, Sender(factory, tokens.client_for), clock, tokens)
    common: dict[str, Any] = {
        "signing_secret": settings.signing_secret or "unused-in-socket-mode",
        "client": client,
        # Listeners finish (and commit) before Slack gets its answer: a retry can never see half a change.
        "process_before_response": True,
        "request_verification_enabled": bool(settings.signing_secret),
    }
    if tokens.store is not None:
        authorize = StoreAuthorize(tokens.store, client_id=settings.client_id, client_secret=settings.client_secret,
                                   client=client, logger=log)  # fmt: skip
        app = PmbotApp(
            runtime, oauth_settings=oauth_settings(settings, engine, tokens.store), authorize=authorize, **common
        )
    else:
        # Bolt would call auth.test at start; do it lazily so a Slack outage cannot stop the process.
        # The client carries the token (Bolt warns when it is given both).
        token = None if client.token else settings.bot_token
        app = PmbotApp(runtime, token=token, token_verification_enabled=False, **common)
    app.registered = register_all(app)
    return app


def make_tokens(settings: Settings, engine: Engine, *, patient: bool, base: WebClient | None = None) -> Tokens:
    """Where each workspace's client comes from: the installations (OAuth) or SLACK_BOT_TOKEN."""

    def client_with(token: str) -> WebClient:
        if base is not None and base.token == token:
            return base
        return make_client(settings, patient=patient, token=token)

    if not settings.oauth:
        return Tokens(engine, client_with, token=settings.bot_token)
    store = InstallationStore(str(settings.client_id), engine, Sealer(settings.encryption_keys))
    return Tokens(engine, client_with, store=store)


def oauth_settings(settings: Settings, engine: Engine, store: InstallationStore) -> OAuthSettings:
    """The "Add to Slack" flow: /slack/install and /slack/oauth_redirect, states and installations in our database."""
    return OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=manifest.bot_scopes(),
        installation_store=store,
        installation_store_bot_only=True,
        state_store=SQLAlchemyOAuthStateStore(expiration_seconds=OAUTH_STATE_SECONDS, engine=engine),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
    )
