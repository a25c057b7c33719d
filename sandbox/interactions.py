"""Clicks, message shortcuts and modal submissions, sent to the app as Slack's interactivity payloads.

Payload shapes follow Slack's: block_actions carry `container`, `trigger_id`, `state`, and for a message
`channel`, `message` (not for an ephemeral one) and `response_url`; for a modal or the Home tab the whole
`view` with its current `state.values`. A view_submission's answer is applied as Slack does: field
`errors` shown beside the inputs, `update` / `push` / `clear`, or (an empty answer) the modal closes.
"""

from __future__ import annotations

import time
from typing import Any

from sandbox.core import Sandbox
from sandbox.people import check
from sandbox.standin import rules


def _action_ts() -> str:
    return f"{time.time():.6f}"


def click(sb: Sandbox, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """A button, select, picker or overflow in a message, a modal or the Home tab: `block_actions`."""
    action = dict(body["action"])
    if not action.get("action_id") or not action.get("type"):
        raise ValueError("an action needs its type and action_id")
    payload = sb.poster.envelope("block_actions", sb.user(user_id), sb.trigger_for(user_id))
    values = body.get("values") or {}
    where = ""
    if body.get("view_id"):
        view = sb.fake.view(str(body["view_id"]))
        if view is None:
            raise LookupError("no such view")
        view["state"] = {"values": values}
        payload.update(container={"type": "view", "view_id": view["id"]}, view=view, state={"values": values})
        where = f"D{user_id}" if view["type"] == "home" else sb.where.get(user_id, f"D{user_id}")
    else:
        where = channel = str(body["channel"])
        ts, ephemeral = str(body["ts"]), bool(body.get("ephemeral"))
        container = {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": ephemeral}
        payload.update(container=container, channel={"id": channel, "name": sb.channel_name(channel)})
        if not ephemeral:
            message = sb.fake.message(channel, ts)
            if message is None:
                raise LookupError("no such message")
            message.pop("channel", None)
            payload["message"] = message
        payload.update(state={"values": values}, response_url=sb.response_url(user_id, channel, ts, ephemeral))
        sb.where[user_id] = channel
    payload["actions"] = [{**action, "action_ts": _action_ts()}]
    answer = sb.poster.interaction(payload)
    return {"ok": check(sb, answer, "pmbot did not answer the click:", channel=where, user_id=user_id)}


def shortcut(sb: Sandbox, user_id: str, channel: str, ts: str, callback_id: str) -> dict[str, Any]:
    """A message shortcut from a message's menu: `message_action`."""
    if callback_id not in {s["callback_id"] for s in sb.shortcuts}:
        raise ValueError(f"no such message shortcut: {callback_id}")
    message = sb.fake.message(channel, ts)
    if message is None:
        raise LookupError("no such message")
    message.pop("channel", None)
    payload = sb.poster.envelope("message_action", sb.user(user_id), sb.trigger_for(user_id))
    payload.update(
        callback_id=callback_id,
        action_ts=_action_ts(),
        channel={"id": channel, "name": sb.channel_name(channel)},
        message_ts=ts,
        message=message,
        response_url=sb.response_url(user_id, channel, ts),
    )
    sb.where[user_id] = channel
    answer = sb.poster.interaction(payload)
    return {"ok": check(sb, answer, "pmbot did not answer the shortcut:", channel=channel, user_id=user_id)}


def submit(sb: Sandbox, user_id: str, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """The modal's submit button: `view_submission`, then what its answer asks for."""
    view = sb.fake.view(view_id)
    if view is None or sb.top_view(user_id) != view_id:
        raise LookupError("that modal is not open")
    view["state"] = {"values": values}
    payload = sb.poster.envelope("view_submission", sb.user(user_id), sb.trigger_for(user_id))
    payload.update(view=view, response_urls=[])
    answer = sb.poster.interaction(payload)
    where = sb.where.get(user_id, f"D{user_id}")
    if not check(sb, answer, "The form could not be sent:", channel=where, user_id=user_id):
        sb.view_errors[view_id] = {"": "We had some trouble connecting. Try again?"}
        sb.changes.bump()
        return {"ok": False}
    body = answer.json() or {}
    kind = body.get("response_action")
    if kind == "errors":
        sb.view_errors[view_id] = {str(k): str(v) for k, v in (body.get("errors") or {}).items()}
        sb.changes.bump()
        return {"ok": False, "errors": sb.view_errors[view_id]}
    sb.view_errors.pop(view_id, None)
    if kind in ("update", "push"):
        refused = (
            rules.check("views.update", {"view": body.get("view")})
            if isinstance(body.get("view"), dict)
            else "invalid_arguments"
        )
        if refused is not None:
            sb.notice(f"Slack refused pmbot's response_action {kind}: {refused}", channel=where, user=user_id)
            return {"ok": False}
        if kind == "update":
            sb.fake.put_view(body["view"], view_id=view_id)
            sb.changes.bump()
        else:
            sb.push_view(user_id, sb.fake.put_view(body["view"])["id"])
    else:
        sb.pop_view(user_id, everything=kind == "clear")
    return {"ok": True}


def close(sb: Sandbox, user_id: str, view_id: str, *, everything: bool) -> dict[str, Any]:
    """Cancel (back to the view below) or the X (every view): `view_closed` if the app asked for it."""
    view = sb.fake.view(view_id)
    if view is None or view_id not in sb.stacks.get(user_id, []):
        raise LookupError("that modal is not open")
    sb.pop_view(user_id, everything=everything)
    sb.view_errors.pop(view_id, None)
    if view.get("notify_on_close"):
        payload = sb.poster.envelope("view_closed", sb.user(user_id), sb.trigger_for(user_id))
        payload.update(view=view, is_cleared=everything)
        payload.pop("trigger_id")
        answer = sb.poster.interaction(payload)
        check(
            sb,
            answer,
            "pmbot did not answer view_closed:",
            channel=sb.where.get(user_id, f"D{user_id}"),
            user_id=user_id,
        )
    return {"ok": True}
