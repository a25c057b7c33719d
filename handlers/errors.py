"""The one error path: domain errors become an ephemeral answer; anything else is logged with an id."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import DBAPIError

from domain.errors import PmbotError
from domain.text import clip
from handlers.context import FAILED

log = logging.getLogger(__name__)

UNAVAILABLE = (
    ":hourglass: pmbot's database is temporarily unavailable. Nothing was saved; please try again in a minute."
)

SLOW_DOWN = (
    ":hourglass: Slack is asking pmbot to slow down right now. "
    "Nothing was saved; please try again in {seconds} seconds."
)

# What the person who caused a message hears when Slack refused it for good; {channel} is a channel reference.
REFUSED = {
    "channel_not_found": (
        ":lock: I couldn't post in {channel}: it is private and I'm not a member (or it no longer exists). "
        "Type `/invite @pmbot` there, then try again."
    ),
    "not_in_channel": (
        ":lock: I couldn't post in {channel}: I'm not a member. Type `/invite @pmbot` there, then try again."
    ),
    "is_archived": ":file_cabinet: I couldn't post in {channel}: it is archived. Unarchive it, or use another channel.",
    "msg_too_long": (
        ":scissors: What I had to post in {channel} was too long for Slack (over 40,000 characters), so I left it out. "
        "Ask for less at a time, for example one person's items or a shorter range."
    ),
}


def register(app: App) -> None:
    app.error(on_error)


def on_error(error: Exception, body: dict[str, Any], context: BoltContext, client: WebClient) -> BoltResponse:
    """Roll back the request and tell the person what went wrong, where they are looking."""
    context[FAILED] = error  # what went wrong, for whoever answers after the request (a form already closed)
    return failure_response(error, body, client=client)


def failure_response(error: Exception, body: dict[str, Any], *, client: WebClient | None) -> BoltResponse:
    """Turn an error into the answer Slack should get for this kind of request."""
    if isinstance(error, DBAPIError) and body.get("type") == "event_callback":
        # Answer 500 so Slack retries the event; its id was rolled back with everything else.
        log.warning("database error on an event; Slack will retry it")
        return BoltResponse(status=500, body="")
    if isinstance(error, PmbotError):
        text = error.user_text()
    elif isinstance(error, SlackApiError) and error.response.status_code == 429:
        wait = (error.response.headers or {}).get("Retry-After") or (error.response.headers or {}).get("retry-after")
        log.warning("Slack rate-limited a call while a person waited (retry after %ss)", wait)
        text = SLOW_DOWN.format(seconds=wait or "a few")
    elif isinstance(error, DBAPIError):
        log.exception("database error", exc_info=error)
        text = UNAVAILABLE
    else:
        error_id = uuid.uuid4().hex[:8]
        log.error("unhandled error %s", error_id, exc_info=error)
        text = (
            f":warning: Something went wrong on my side (error id `{error_id}`). Nothing was saved; please try again."
        )
    return _answer(body, text, client=client, field=getattr(error, "field", None))


def _answer(body: dict[str, Any], text: str, *, client: WebClient | None, field: str | None) -> BoltResponse:
    kind = body.get("type") or ("slash_command" if "command" in body else "")
    if kind == "slash_command":
        return _json({"response_type": "ephemeral", "text": text})
    if kind == "view_submission":
        if field:
            return form_errors({field: text})
        return _json({"response_action": "push", "view": _problem_view(text)})
    if kind in ("block_actions", "message_action", "shortcut") and client is not None:
        _tell(client, body, text)
    # Events and everything else: a 200 so Slack does not retry what would fail the same way.
    return BoltResponse(status=200, body="")


def _tell(client: WebClient, body: dict[str, Any], text: str) -> None:
    user = (body.get("user") or {}).get("id")
    channel = (body.get("channel") or {}).get("id")
    attempts: list[tuple[Any, dict[str, str]]] = []
    if user and channel:
        attempts.append((client.chat_postEphemeral, {"channel": channel, "user": user, "text": text}))
    if user:  # where pmbot cannot post in the channel, the DM still reaches the person
        attempts.append((client.chat_postMessage, {"channel": user, "text": text}))
    for method, arguments in attempts:
        try:
            method(**arguments)
            return
        except Exception:
            log.warning("could not tell the user about an error this way; trying the next")


def _problem_view(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Something is off"},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": clip(text, 3000)}}],
    }


def form_errors(errors: dict[str, str]) -> BoltResponse:
    """A form's answer that keeps it open with each error beside its field (block id)."""
    return _json({"response_action": "errors", "errors": errors})


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(payload), headers={"content-type": "application/json"})


def tell_refused(body: dict[str, Any], refusals: list[tuple[str, str]], *, client: WebClient | None) -> None:
    """Tell the person whose request queued them why Slack refused these (channel, error) messages.

    An ephemeral through the request's response_url reaches them even in a channel pmbot cannot post in;
    without one (a form), their DM with pmbot does.
    """
    texts = [REFUSED[error].format(channel=_where(channel)) for channel, error in dict.fromkeys(refusals)]
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    if not texts or not user:
        return
    text = "\n".join(texts)
    response_url = body.get("response_url")
    try:
        if response_url:
            WebhookClient(str(response_url), timeout=3).send(text=text, response_type="ephemeral")
        elif client is not None:
            client.chat_postMessage(channel=str(user), text=text)
    except Exception:
        log.warning("could not tell %s that Slack refused a message", user, exc_info=True)


def _where(channel: str) -> str:
    return f"<#{channel}>" if channel[:1] in ("C", "G") else "your DM with me"
