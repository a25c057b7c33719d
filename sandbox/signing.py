"""Slack's side of the HTTP conversation: signed slash commands, events and interactions, posted to the app.

Bodies are shaped like Slack's own and signed the way slack_sdk's SignatureVerifier checks:
X-Slack-Signature = "v0=" + hex(HMAC-SHA256(secret, f"v0:{timestamp}:{body}")), with the real time as the
timestamp (Bolt refuses a request more than five minutes off the real clock, whatever the sandbox clock says).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
_serial = itertools.count(1)


@dataclass(frozen=True)
class Answer:
    """What the app answered, and how long it took (Slack gives up after 3 seconds)."""

    status: int
    content_type: str
    body: bytes
    seconds: float

    def json(self) -> dict[str, Any] | None:
        """The body as a JSON object, or None when it is empty or not JSON."""
        if not self.body.strip() or "json" not in self.content_type:
            return None
        try:
            data = json.loads(self.body)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """Slack's v0 request signature of `body` sent at `timestamp`, as slack_sdk computes it (the one signer of the
    sandbox, the tests and the benchmarks).

    slack_sdk signs text; a body that is not UTF-8 (only hostile tests send one) is signed over its bytes, as Slack
    and slack_sdk's verifier define the signature.
    """
    try:
        signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body.decode())
    except UnicodeDecodeError:
        base = b"v0:" + str(timestamp).encode() + b":" + body
        return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    assert signature is not None  # None only without a timestamp
    return signature


def new_trigger_id() -> str:
    """A fresh trigger_id shaped like Slack's ("<n>.<n>.<hex>")."""
    return f"{next(_serial)}{int(time.time())}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"


def new_event_id() -> str:
    return f"Ev{next(_serial):08d}{secrets.token_hex(3).upper()}"


class SignedPoster:
    """Posts Slack-signed requests to the app's `POST /slack/events`."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        *,
        team_id: str,
        api_app_id: str,
        bot_user_id: str,
        timeout: float = 30.0,
        settle: Callable[[], object] | None = None,
    ) -> None:
        """`settle`, if given, is called after each answer: it waits for the work the app does after answering
        (the app acknowledges commands and buttons first), so what a person did next sees the first's result."""
        self.settle = settle
        self.url = app_url.rstrip("/") + "/slack/events"
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.api_app_id = api_app_id
        self.bot_user_id = bot_user_id
        self.timeout = timeout
        self.verification_token = "sandbox-verification-token"

    def post(self, body: bytes, content_type: str) -> Answer:
        """POST `body`, signed now; a 4xx/5xx or a refused connection comes back as an Answer."""
        timestamp = int(time.time())
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": sign(self.signing_secret, timestamp, body),
        }
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                data, status, kind = answer.read(), answer.status, answer.headers.get("Content-Type") or ""
        except urllib.error.HTTPError as error:
            with error:
                data, status, kind = error.read(), error.code, error.headers.get("Content-Type") or ""
        except OSError as error:  # refused, reset, timed out: Slack would see no answer at all
            return Answer(0, "text/plain", str(error).encode(), time.monotonic() - started)
        answered = Answer(status, kind, data, time.monotonic() - started)
        if self.settle is not None:
            self.settle()
        return answered

    # ---- the three kinds of request

    def command(
        self,
        command: str,
        text: str,
        *,
        user_id: str,
        user_name: str,
        channel_id: str,
        channel_name: str,
        trigger_id: str,
        response_url: str,
    ) -> Answer:
        """A slash command, form-encoded as Slack sends it."""
        fields = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": "sandbox",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        return self.post(urlencode(fields).encode(), FORM)

    def event(self, event: dict[str, Any], *, event_ts: str) -> Answer:
        """An Events API event_callback envelope around `event`."""
        envelope = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": {**event, "event_ts": event_ts},
            "type": "event_callback",
            "event_id": new_event_id(),
            "event_time": int(float(event_ts)),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": secrets.token_hex(12),
        }
        return self.post(json.dumps(envelope).encode(), JSON)

    def interaction(self, payload: dict[str, Any]) -> Answer:
        """An interactivity request: form-encoded `payload=<json>`."""
        return self.post(urlencode({"payload": json.dumps(payload)}).encode(), FORM)

    def envelope(self, kind: str, user: dict[str, Any], trigger_id: str) -> dict[str, Any]:
        """The fields every interaction payload starts with."""
        return {
            "type": kind,
            "token": self.verification_token,
            "api_app_id": self.api_app_id,
            "team": {"id": self.team_id, "domain": "sandbox"},
            "user": {"id": user["id"], "username": user["name"], "name": user["name"], "team_id": self.team_id},
            "enterprise": None,
            "is_enterprise_install": False,
            "trigger_id": trigger_id,
        }
