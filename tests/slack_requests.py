"""Send Slack-signed requests (slash commands, events, interactions) to the app's real HTTP endpoint.

    sender = SlackSender("http://127.0.0.1:3000", signing_secret="...")
    response = sender.command("/pm", "status", user_id="U1", channel_id="C1")
    assert response.status == 200

Bodies are shaped like Slack's own and signed the way slack_sdk.signature.SignatureVerifier checks:
X-Slack-Signature = "v0=" + hex(HMAC-SHA256(secret, f"v0:{timestamp}:{body}")).
Only urllib is used; a 4xx/5xx comes back as a Response, never raised.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from sandbox.signing import new_trigger_id, sign

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
_serial = itertools.count(1)


@dataclass
class Response:
    """What the app answered; header names are lower-cased."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    ack: bytes = b""  # a slash command's acknowledgement as the app sent it (see SlackSender.command)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


def _action_ts() -> str:
    return f"{time.time():.6f}"


class SlackSender:
    """Builds Slack's request bodies, signs them, and POSTs them to the app."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        team_id: str = "T0001",
        api_app_id: str = "A0001",
        bot_user_id: str = "UBOT",
        response_url_base: str = "https://hooks.slack.com/commands/T0001",
        timeout: float = 10.0,
        settle: Callable[[], object] | None = None,
        answers: Callable[[str], dict[str, Any] | None] | None = None,
    ) -> None:
        """`settle`, if given, is called after every answer: the fixture waits there for the work the app does
        after answering, so a test reads the end state (a deadline test sends without it).

        `answers` returns the first post to the response_url at a path (the stand-in's `answer_at`): a slash
        command's answer arrives there after its empty acknowledgement, and `command` returns it as the body."""
        self.base_url = base_url.rstrip("/")
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.api_app_id = api_app_id
        self.bot_user_id = bot_user_id
        self.response_url_base = response_url_base.rstrip("/")
        self.timeout = timeout
        self.settle = settle
        self.answers = answers
        self.verification_token = "fake-verification-token"

    # ---- transport

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
        path: str = "/slack/events",
    ) -> Response:
        """POST `body` signed with `secret` (default: the signing secret) at `timestamp` (default: now)."""
        ts = int(time.time()) if timestamp is None else timestamp
        sent = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sign(self.signing_secret if secret is None else secret, ts, body),
            **(headers or {}),
        }
        request = urllib.request.Request(self.base_url + path, data=body, headers=sent, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                response = Response(answer.status, _lower(answer.headers.items()), answer.read())
        except urllib.error.HTTPError as error:
            with error:
                response = Response(error.code, _lower(error.headers.items()), error.read())
        if self.settle is not None:
            self.settle()
        return response

    def get(self, path: str) -> Response:
        """GET a path of the app (health checks); unsigned, as a load balancer would ask."""
        request = urllib.request.Request(self.base_url + path, method="GET")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return Response(answer.status, _lower(answer.headers.items()), answer.read())
        except urllib.error.HTTPError as error:
            with error:
                return Response(error.code, _lower(error.headers.items()), error.read())

    def post_form(self, fields: dict[str, Any], **kwargs: Any) -> Response:
        return self.post(urlencode(fields).encode(), FORM, **kwargs)

    def post_json(self, payload: dict[str, Any], **kwargs: Any) -> Response:
        return self.post(json.dumps(payload).encode(), JSON, **kwargs)

    def post_interaction(self, payload: dict[str, Any], **kwargs: Any) -> Response:
        """Interactivity requests are form-encoded `payload=<json>`."""
        return self.post_form({"payload": json.dumps(payload)}, **kwargs)

    # ---- slash commands and events

    def command_fields(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str,
        channel_id: str,
        channel_name: str = "proj",
        trigger_id: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """The fields of a slash command as Slack sends them; `extra` adds or overrides fields."""
        fields = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": "fake",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self._response_url(),
            "trigger_id": trigger_id or new_trigger_id(),
            **extra,
        }
        return fields

    def command(self, command: str, text: str = "", **kwargs: Any) -> Response:
        """A slash command, form-encoded and signed like Slack's (see `command_fields`).

        The response's body is what the person sees: the acknowledgement's if it carried one, else the first
        answer posted to the command's response_url (`ack` keeps the acknowledgement as sent)."""
        fields = self.command_fields(command, text, **kwargs)
        response = self.post_form(fields)
        response.ack = response.body
        if response.status == 200 and not response.body.strip() and self.answers is not None:
            posted = self._answer_at(urlsplit(str(fields["response_url"])).path)
            if posted is not None:
                response.body = json.dumps(posted).encode()
                response.headers["content-type"] = JSON
        return response

    def _answer_at(self, path: str) -> dict[str, Any] | None:
        """The first post to the response_url at `path`; without `settle`, waited for up to the timeout."""
        assert self.answers is not None
        deadline = time.monotonic() + (0 if self.settle is not None else self.timeout)
        while True:
            posted = self.answers(path)
            if posted is not None or time.monotonic() >= deadline:
                return posted
            time.sleep(0.02)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        authorizations: list[dict[str, Any]] | None = None,
    ) -> Response:
        """An Events API event_callback envelope; `retry_num` sends it as Slack's retry."""
        now = time.time()
        envelope = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": {"event_ts": f"{now:.6f}", **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_serial):08d}{secrets.token_hex(3).upper()}",
            "event_time": int(now),
            "authorizations": authorizations
            if authorizations is not None
            else [
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
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.post_json(envelope, headers=headers)

    def url_verification(self, challenge: str) -> Response:
        payload = {"token": self.verification_token, "challenge": challenge, "type": "url_verification"}
        return self.post_json(payload)

    # ---- interactivity

    def _user(self, user_id: str) -> dict[str, Any]:
        return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": self.team_id}

    def _response_url(self) -> str:
        return f"{self.response_url_base}/{next(_serial)}/{secrets.token_hex(12)}"

    def _interaction(self, kind: str, user_id: str, trigger_id: str | None) -> dict[str, Any]:
        return {
            "type": kind,
            "token": self.verification_token,
            "api_app_id": self.api_app_id,
            "team": {"id": self.team_id, "domain": "fake"},
            "user": self._user(user_id),
            "enterprise": None,
            "is_enterprise_install": False,
            "trigger_id": trigger_id or new_trigger_id(),
        }

    def block_action(
        self,
        *,
        user_id: str,
        action_id: str,
        value: str = "",
        block_id: str = "b",
        channel_id: str | None = None,
        message_ts: str | None = None,
        message: dict[str, Any] | None = None,
        trigger_id: str | None = None,
        container: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        action: dict[str, Any] | None = None,
    ) -> Response:
        """A block_actions interaction: a button press (or `action`) in a message or in `view`."""
        payload = self._interaction("block_actions", user_id, trigger_id)
        message_ts = message_ts or (message or {}).get("ts")
        if container is None and view is not None:
            container = {"type": "view", "view_id": view.get("id", "V1")}
        elif container is None:
            container = {"type": "message", "message_ts": message_ts, "channel_id": channel_id,
                         "is_ephemeral": False}  # fmt: skip
        pressed = {"type": "button", "action_id": action_id, "block_id": block_id, "value": value,
                   "text": {"type": "plain_text", "text": value or action_id, "emoji": True}}  # fmt: skip
        pressed = {**pressed, **(action or {}), "action_ts": _action_ts()}
        payload["container"] = container
        if view is not None:
            payload["view"] = view
            payload["state"] = view.get("state", {"values": {}})
        else:
            payload["state"] = {"values": {}}
            payload["response_url"] = self._response_url()
        if channel_id is not None:
            payload["channel"] = {"id": channel_id, "name": "proj"}
        if message is not None or message_ts is not None:
            payload["message"] = message or {"type": "message", "ts": message_ts, "user": self.bot_user_id,
                                             "text": "", "blocks": []}  # fmt: skip
        payload["actions"] = [pressed]
        return self.post_interaction(payload)

    def view_submission(
        self,
        *,
        user_id: str,
        callback_id: str,
        values: dict[str, Any],
        private_metadata: str = "",
        view_id: str = "V1",
        trigger_id: str | None = None,
        view: dict[str, Any] | None = None,
    ) -> Response:
        """A modal's view_submission; `values` is view.state.values ({block_id: {action_id: {...}}}); `view` is the
        modal as opened (its title and blocks), else an empty one."""
        payload = self._interaction("view_submission", user_id, trigger_id)
        payload["view"] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "blocks": list((view or {}).get("blocks") or []),
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": (view or {}).get("title") or {"type": "plain_text", "text": "Modal", "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.api_app_id,
            "external_id": "",
            "app_installed_team_id": self.team_id,
            "bot_id": "B0001",
        }
        payload["response_urls"] = []
        return self.post_interaction(payload)

    def message_shortcut(
        self,
        *,
        user_id: str,
        callback_id: str,
        channel_id: str,
        message: dict[str, Any],
        trigger_id: str | None = None,
    ) -> Response:
        """A message shortcut (type message_action) on `message` in `channel_id`."""
        payload = self._interaction("message_action", user_id, trigger_id)
        payload.update(
            callback_id=callback_id,
            action_ts=_action_ts(),
            channel={"id": channel_id, "name": "proj"},
            message_ts=message.get("ts"),
            message=message,
            response_url=self._response_url(),
        )
        return self.post_interaction(payload)

    def global_shortcut(self, *, user_id: str, callback_id: str, trigger_id: str | None = None) -> Response:
        """A global shortcut (type shortcut)."""
        payload = self._interaction("shortcut", user_id, trigger_id)
        payload.update(callback_id=callback_id, action_ts=_action_ts())
        return self.post_interaction(payload)


def _lower(items: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in items}
