"""create_app(): the Bolt app with its unit of work, middleware and every feature's listeners."""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import manifest
from bot.delivery import DeliveryLoop
from bot.installations import InstallationStore, Sealer, StoreAuthorize, Tokens
from bot.later import Later
from bot.manifest import INSTALL_PATH, REDIRECT_PATH
from bot.notifier import Sender
from bot.settings import Settings
from bot.slack_client import make_client, patient_copy
from domain import due_phrases
from domain.clock import utcnow
from handlers import forms, register_all
from handlers.context import DB, FAILED, LATER, NOW, Job
from handlers.errors import failure_response, form_errors, tell_refused
from handlers.middleware import clean_form_text
from handlers.registry import Registered
from storage.db import session_factory
from storage.workers import live_workers

log = logging.getLogger(__name__)

ANSWER_WORKERS = 2  # requests answered after their acknowledgement (measured: 2 acknowledge and answer faster than 4)
LATER_WORKERS = 4  # work a request leaves for after its answer (Home tabs, rosters, exports) on these
RESPOND_SECONDS = 10
RESPOND_RETRIES = [ConnectionErrorRetryHandler(max_retry_count=2), ServerErrorRetryHandler(max_retry_count=2)]
COMMITTED = "pmbot_committed"  # the outbox keys of a request whose transaction committed
ANSWERED_LATER = frozenset({"block_actions", "shortcut", "message_action", "view_submission"})
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
    """A Bolt app that answers Slack first and does the work after, each request in one database transaction.

    Slash commands, buttons and shortcuts are acknowledged as soon as their signature checks, with no database
    and no Slack call; the request then runs on a background thread (`_answer_later`), and what a listener
    would have answered goes to the request's `response_url`. Forms (whose errors Slack shows in place), option
    lists and events are answered in the request.

    Bolt's sync middleware cannot wrap listeners (`next()` only sets a flag), so the unit of work wraps
    `dispatch` itself: it serves HTTP and Socket Mode alike. Messages queued in the outbox during the request
    are sent by the process's delivery loop, woken once the transaction has committed.
    """

    def __init__(self, runtime: Runtime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runtime = runtime
        self.registered = Registered()
        # Beside `pmbot worker` processes, the workers send the backlog; this process its requests' messages at once.
        self.delivery = DeliveryLoop(runtime.sender, clock=runtime.clock,
                                     backlog=lambda: not live_workers(runtime.factory))  # fmt: skip
        # Requests answered after their acknowledgement have threads of their own: a modal must open within
        # three seconds of the click, never behind work after an answer that waits out Slack's rate limits.
        self.answers = Later(workers=ANSWER_WORKERS, name="pmbot-answer")
        self.later = Later(workers=LATER_WORKERS)
        secret = runtime.settings.signing_secret
        self.verifier = SignatureVerifier(secret) if secret else None

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        # Checked here, once, before anything else: Bolt's own check (off) would refuse a request that waited in the
        # queue for more than five minutes after it was acknowledged.
        if not self._signed(req):
            return BoltResponse(status=401, body="")
        req.context[NOW] = self.runtime.clock()  # the moment it arrived, whenever it runs
        if req.body.get("type") == "view_submission":
            clean_form_text(req.body, lambda: None)  # what the check reads is what the listener will read
            errors = self.registered.check(req.body, req.context[NOW])
            if errors:  # what the form alone shows is wrong: beside its fields, and the form stays open
                return form_errors(errors)
        if not answers_later(req.body) or not self.answers.submit(functools.partial(self._answer_later, req)):
            response = self._unit_of_work(req)  # (a stopping process answers in the request)
            self._after(req)
            return response
        return BoltResponse(status=200, body="")

    def settle(self, timeout: float = 30.0) -> bool:
        """Wait until every answer so far, the sending of what they queued (all but what waits for its pace) and
        every job after an answer has finished (tests, shutdown)."""
        deadline = time.monotonic() + timeout

        def left() -> float:
            return max(0.0, deadline - time.monotonic())

        return self.answers.wait(timeout=left()) and self.delivery.caught_up(timeout=left()) and self.later.wait(left())

    def stop(self) -> None:
        """Finish what is running; drop what has not started (tests: nothing may reach the next test's Slack)."""
        self.answers.stop()
        self.delivery.stop()
        self.later.stop()

    def _signed(self, req: BoltRequest) -> bool:
        """Slack's signature, checked before the request is acknowledged (Bolt checks it again when it runs)."""
        if self.verifier is None or req.mode == "socket_mode":
            return True
        timestamp, signature = (req.headers.get(h, [None])[0] for h in ("x-slack-request-timestamp",
                                                                         "x-slack-signature"))  # fmt: skip
        try:
            return self.verifier.is_valid(req.raw_body, timestamp, signature)
        except ValueError:  # a timestamp that is not a number
            return False

    def _answer_later(self, req: BoltRequest) -> None:
        """Run an acknowledged request; send what its listener answered to the request's response_url, then the
        messages it queued."""
        try:
            response = self._unit_of_work(req)
        except Exception as err:  # Bolt itself failed: the person still hears that nothing was saved
            response = failure_response(err, req.body, client=req.context.client or self.runtime.client)
        if response.status == 200 and response.body and req.body.get("command"):
            respond(req.body, response.body)
        elif response.body and req.body.get("type") == "view_submission":  # the form has closed: tell the person
            client = req.context.client or self.runtime.client
            failure = forms.Failure(req.context.get(FAILED), str(req.context.team_id or ""), req.context[NOW])
            failed = functools.partial(forms.failed_later, self.runtime.factory, client, failure=failure)
            self.later.submit(functools.partial(failed, req.body, response.body))
        self._after(req)

    def _unit_of_work(self, req: BoltRequest) -> BoltResponse:
        """Dispatch `req` in one transaction: committed if the listener succeeded, else rolled back."""
        session = self.runtime.factory()
        req.context[DB] = session
        req.context.setdefault(NOW, self.runtime.clock())
        try:
            response = super().dispatch(req)
            if req.context.get(FAILED) or response.status >= 500:
                session.rollback()
                return response
            req.context[COMMITTED] = list(session.info.get("outbox_keys", []))
            session.commit()
        except Exception as err:  # the commit itself failed: nothing was saved, and the person must know
            session.rollback()
            req.context.pop(COMMITTED, None)
            req.context[FAILED] = err
            return failure_response(err, req.body, client=req.context.client or self.runtime.client)
        finally:
            session.close()
        return response

    def _after(self, req: BoltRequest) -> None:
        """Once a request has committed: wake the delivery loop for the messages it queued, and start the work it
        left for later. Neither waits here."""
        keys = req.context.get(COMMITTED)
        if keys is None:
            return
        if keys:
            # A channel pmbot is not in, an archived one, a message too long: the person who caused it can act.
            told = functools.partial(self._tell_refused, req.body, req.context.client or self.runtime.client)
            self.delivery.wake(keys, told=told)
        self._start_later(req)

    def _tell_refused(self, body: dict[str, Any], client: WebClient, refused: list[tuple[str, str]]) -> None:
        self.later.submit(functools.partial(tell_refused, body, refused, client=client))

    def _start_later(self, req: BoltRequest) -> None:
        """Hand what the listeners left for after the answer to the background threads (the change is committed)."""
        jobs: list[Job] = req.context.get(LATER) or []
        if not jobs:
            return
        client = patient_copy(req.context.client or self.runtime.client)
        for job in jobs:
            self.later.submit(functools.partial(job, self.runtime.factory, client))


def answers_later(body: dict[str, Any]) -> bool:
    """Whether a request is acknowledged at once and answered after: slash commands, buttons, shortcuts and forms
    (once their check has passed).

    Not option lists (they are the acknowledgement), nor events (a failed one answers 500 so that Slack sends it
    again).
    """
    if body.get("ssl_check"):
        return False
    return bool(body.get("command")) or body.get("type") in ANSWERED_LATER


def respond(body: dict[str, Any], answer: str | bytes) -> None:
    """Post a slash command's answer to its response_url, as the acknowledgement would have carried it."""
    url = body.get("response_url")
    text = answer.decode() if isinstance(answer, bytes) else answer
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):  # a plain-text acknowledgement
        payload = {"text": text}
    if not url:
        return
    payload.setdefault("response_type", "ephemeral")
    try:
        webhook = WebhookClient(str(url), timeout=RESPOND_SECONDS, retry_handlers=RESPOND_RETRIES)
        sent = webhook.send_dict(payload)
        if sent.status_code != 200:
            log.warning("Slack refused a command's answer at its response_url: %s %s", sent.status_code, sent.body)
    except Exception:
        log.warning("could not post a command's answer to its response_url", exc_info=True)


def warm_up() -> None:
    """Load what the first request would otherwise pay for: dateparser's language data (a second or so)."""
    due_phrases.warm_up()


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
        # Listeners finish (and commit) before Bolt answers: the unit of work around `dispatch` sees the whole
        # request. Slash commands, buttons and shortcuts are acknowledged before that (PmbotApp.dispatch).
        "process_before_response": True,
        "request_verification_enabled": False,  # PmbotApp.dispatch checks signatures before anything runs
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
