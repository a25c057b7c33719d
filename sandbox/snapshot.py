"""What the page shows one person: their sidebar, a conversation, a thread, their modal and their Home tab."""

from __future__ import annotations

from typing import Any

from sandbox.core import Sandbox
from sandbox.standin.methods import ts_key

UNREAD_WINDOW = 50


def workspace(sb: Sandbox) -> dict[str, Any]:
    """Who is in the workspace, and the app's commands and message shortcuts (from the manifest)."""
    return {
        "team": {"id": sb.fake.team_id, "name": "pmbot sandbox"},
        "bot": {"id": sb.fake.bot_user_id, "name": "pmbot"},
        "users": [{k: u[k] for k in ("id", "name", "real_name", "tz", "locale")} for u in sb.fake.users_list()],
        "channels": [{"id": c["id"], "name": c["name"]} for c in sb.fake.all_conversations() if c["kind"] == "channel"],
        "commands": [
            {"command": c["command"], "description": c.get("description", ""), "usage_hint": c.get("usage_hint", "")}
            for c in sb.commands.values()
        ],
        "shortcuts": [{"callback_id": s["callback_id"], "name": s["name"]} for s in sb.shortcuts],
    }


def _item(message: dict[str, Any]) -> dict[str, Any]:
    """A message as the page draws it."""
    files = [{k: f.get(k) for k in ("id", "name", "title", "mimetype")} for f in message.get("files") or []]
    return {
        "ts": message["ts"],
        "user": message.get("user"),
        "bot": bool(message.get("bot_id")),
        "text": message.get("text") or "",
        "blocks": message.get("blocks") or [],
        "attachments": message.get("attachments") or [],
        "thread_ts": message.get("thread_ts"),
        "reply_count": message.get("reply_count", 0),
        "latest_reply": message.get("latest_reply"),
        "edited": bool(message.get("edited")),
        "files": files,
        "reactions": message.get("reactions") or [],
        "kind": "message",
    }


def _top_level(message: dict[str, Any]) -> bool:
    return not message.get("thread_ts") or message["thread_ts"] == message["ts"]


def conversation(sb: Sandbox, user_id: str, channel: str, thread_ts: str | None = None) -> list[dict[str, Any]]:
    """The conversation's messages (or one thread's) with the viewer's ephemerals and notices, in order."""

    def shown(item: dict[str, Any]) -> bool:
        if thread_ts is None:
            return _top_level(item)
        return item["ts"] == thread_ts or item.get("thread_ts") == thread_ts

    found = [_item(m) for m in sb.fake.messages(channel) if shown(m)]
    for eph in sb.fake.ephemerals(user_id):
        if eph["channel"] == channel and shown(eph):
            found.append({**_item(eph), "user": sb.fake.bot_user_id, "bot": True, "kind": "ephemeral"})
    for notice in sb.notices_in(channel, user_id):
        if shown(notice):
            found.append({"ts": notice["ts"], "text": notice["text"], "kind": "notice", "blocks": [],
                          "thread_ts": notice.get("thread_ts"), "files": []})  # fmt: skip
    return sorted(found, key=lambda m: ts_key(m["ts"]))


def sidebar(sb: Sandbox, user_id: str) -> list[dict[str, Any]]:
    """The viewer's channels, then their DM with pmbot; with recent timestamps of others' messages (unread)."""
    found = []
    for conv in sb.fake.conversations_of(user_id):
        recent = [m["ts"] for m in sb.fake.messages(conv["id"]) if m.get("user") != user_id and _top_level(m)]
        name = "pmbot" if conv["kind"] == "im" else conv["name"]
        found.append({"id": conv["id"], "name": name, "kind": conv["kind"], "private": conv["is_private"],
                      "members": conv["members"], "recent": recent[-UNREAD_WINDOW:]})  # fmt: skip
    return found


def modal(sb: Sandbox, user_id: str) -> dict[str, Any] | None:
    view_id = sb.top_view(user_id)
    view = sb.fake.view(view_id) if view_id else None
    if view is None:
        return None
    return {"view": view, "errors": dict(sb.view_errors.get(view["id"], {})), "depth": len(sb.stacks[user_id])}


def snapshot(
    sb: Sandbox, user_id: str, *, channel: str | None, thread_ts: str | None, home: bool, now: str
) -> dict[str, Any]:
    """Everything the page needs to redraw for one person, in one answer."""
    sb.user(user_id)  # an unknown person is a LookupError (404)
    found: dict[str, Any] = {"version": sb.changes.version, "now": now, "sidebar": sidebar(sb, user_id)}
    if channel:
        found["messages"] = conversation(sb, user_id, channel)
        if thread_ts:
            found["thread"] = conversation(sb, user_id, channel, thread_ts)
    if home:
        found["home"] = sb.fake.home_view(user_id)
    found["modal"] = modal(sb, user_id)
    return found
