"""What a person does in the page, turned into what Slack would send the app: commands, messages, events.

Text is escaped (&, <, >) and @names / #channels become <@U..> / <#C..> references, as Slack's client
does before it sends anything. The app's HTTP answer is handled as Slack handles it: an ephemeral or
in-channel response, and a red notice when the answer was late (over 3 seconds) or an error.
"""

from __future__ import annotations

import re
from typing import Any

from bot import manifest
from sandbox.core import Sandbox
from sandbox.signing import Answer
from sandbox.standin.rules import answered_too_late

SUBSCRIPTIONS = {"im": "message.im", "channel": "message.channels", "private": "message.groups", "mpim": "message.mpim"}
CHANNEL_TYPES = {"im": "im", "channel": "channel", "private": "group", "mpim": "mpim"}


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def encode(sb: Sandbox, text: str, *, with_names: bool) -> str:
    """`text` as Slack's client sends it: escaped, with @name, #channel, @here and @channel as references."""
    users = {u["name"].lower(): u for u in sb.fake.users_list()}
    channels = {c["name"].lower(): c for c in sb.fake.all_conversations() if c["kind"] == "channel"}

    def mention(match: re.Match[str]) -> str:
        sigil, name = match.group(1), match.group(2)
        if sigil == "@" and name.lower() in ("here", "channel", "everyone"):
            return f"<!{name.lower()}>"
        if sigil == "@" and name.lower() in users:
            user = users[name.lower()]
            return f"<@{user['id']}|{user['name']}>" if with_names else f"<@{user['id']}>"
        if sigil == "#" and name.lower() in channels:
            return f"<#{channels[name.lower()]['id']}|{channels[name.lower()]['name']}>"
        return match.group(0)

    return re.sub(r"(?<![\w&])([@#])([\w.\-]+)", mention, escape(text))


def kind_of(sb: Sandbox, channel: str) -> str:
    found = sb.fake.conversation(channel)
    if found is None:
        raise LookupError(f"no such conversation: {channel}")
    return "private" if found["kind"] == "channel" and found["is_private"] else str(found["kind"])


def send(sb: Sandbox, user_id: str, channel: str, text: str, thread_ts: str | None = None) -> dict[str, Any]:
    """The composer: a slash command (outside threads, as in Slack) or a plain message."""
    sb.where[user_id] = channel
    if text.startswith("/") and thread_ts:  # Slack sends the app nothing and tells only the person
        name = text.strip().partition(" ")[0]
        sb.notice(f"{name} is not supported in threads. Sorry!", channel=channel, user=user_id, thread_ts=thread_ts)
        return {"ok": False, "error": "not_supported_in_threads"}
    if text.startswith("/"):
        return command(sb, user_id, channel, text)
    return message(sb, user_id, channel, text, thread_ts)


def command(sb: Sandbox, user_id: str, channel: str, line: str) -> dict[str, Any]:
    name, _, rest = line.strip().partition(" ")
    if name in manifest.BUILT_IN_COMMANDS:  # Slack runs its own command and sends the app nothing
        sb.notice(f"{name} is one of Slack's own commands, so pmbot never sees it. Try `/pm help` for pmbot's "
                  "commands (the project's status is `/pm status`).", channel=channel, user=user_id)  # fmt: skip
        return {"ok": False, "error": "built_in_command"}
    if name not in sb.commands:
        sb.notice(f"{name} is not a valid command. In Slack, all messages that start with the \"/\" character are "
                  "interpreted as commands.", channel=channel, user=user_id)  # fmt: skip
        return {"ok": False, "error": "unknown_command"}
    user = sb.user(user_id)
    answer = sb.poster.command(
        name,
        encode(sb, rest.strip(), with_names=True),
        user_id=user_id,
        user_name=user["name"],
        channel_id=channel,
        channel_name=sb.channel_name(channel),
        trigger_id=sb.trigger_for(user_id),
        response_url=sb.response_url(user_id, channel),
    )
    if not check(sb, answer, f"{name} failed with the error", channel=channel, user_id=user_id):
        return {"ok": False}
    body = answer.json()
    if body is None and answer.body.strip() and answer.content_type.startswith("text/"):
        body = {"text": answer.text}
    if body and (body.get("text") or body.get("blocks")):
        if body.get("response_type") == "in_channel":
            sb.fake.post_as_user(channel, user_id, escape(line.strip()))
        sb.fake.apply_response(body, channel=channel, user_id=user_id, message_ts=None, ephemeral=False)
        sb.changes.bump()
    return {"ok": True}


def message(sb: Sandbox, user_id: str, channel: str, text: str, thread_ts: str | None) -> dict[str, Any]:
    """A plain message; sent to the app as a `message` event when the manifest subscribes to that kind."""
    if not text.strip():
        return {"ok": False, "error": "no_text"}
    kind = kind_of(sb, channel)
    stored = sb.fake.post_as_user(channel, user_id, encode(sb, text, with_names=False), thread_ts=thread_ts)
    sb.changes.bump()
    if SUBSCRIPTIONS.get(kind) not in sb.bot_events:
        return {"ok": True}
    event = {
        "type": "message",
        "channel": channel,
        "user": user_id,
        "text": stored["text"],
        "ts": stored["ts"],
        "team": stored["team"],
        "channel_type": CHANNEL_TYPES[kind],
        "blocks": [{"type": "rich_text", "block_id": stored["ts"][-5:], "elements": [
            {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}]}],
    }  # fmt: skip
    if thread_ts:
        event["thread_ts"] = thread_ts
    answer = sb.poster.event(event, event_ts=stored["ts"])
    check(sb, answer, "pmbot did not take the message event:", channel=channel, user_id=user_id)
    return {"ok": True}


def open_home(sb: Sandbox, user_id: str) -> dict[str, Any]:
    """The App Home tab opened: `app_home_opened`, with the view published before if there is one."""
    event: dict[str, Any] = {"type": "app_home_opened", "user": user_id, "channel": f"D{user_id}", "tab": "home"}
    view = sb.fake.home_view(user_id)
    if view is not None:
        event["view"] = view
    if "app_home_opened" not in sb.bot_events:
        return {"ok": True}
    answer = sb.poster.event(event, event_ts=sb.fake.next_ts())
    check(sb, answer, "pmbot did not take app_home_opened:", channel=f"D{user_id}", user_id=user_id)
    return {"ok": True}


def check(sb: Sandbox, answer: Answer, what: str, *, channel: str, user_id: str) -> bool:
    """Whether Slack would take the app's answer; if not, say so in the conversation, as Slack does."""
    error = answered_too_late(answer.seconds)
    if error is None and answer.status != 200:
        error = "dispatch_failed" if answer.status else "connection_refused"
    if error is not None:
        sb.notice(f'{what} "{error}"', channel=channel, user=user_id)
        return False
    return True
