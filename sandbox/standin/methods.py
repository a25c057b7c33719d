"""The Slack Web API methods the local fake answers (mixed into sandbox/standin/server.py's FakeSlack).

A method "a.bC" is answered by `api_a_bC(args)`, called with the state lock held; it returns the
response fields besides "ok": true, or raises SlackError for {"ok": false, "error": ...}.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import itertools
import mimetypes
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

PERMALINK_BASE = "https://fake.slack.test"
APP_ID = "A0001"
MESSAGE_FIELDS = ("text", "blocks", "attachments", "metadata", "markdown_text")
# What conversations.history and conversations.replies show of a message ("metadata" only when asked for).
HISTORY_FIELDS = (
    "type", "user", "bot_id", "app_id", "team", "text", "blocks", "attachments", "ts", "thread_ts", "reply_count",
    "latest_reply", "edited", "metadata",
)  # fmt: skip


class SlackError(Exception):
    """A Slack API error, answered as {"ok": false, "error": error, **extra}."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def truthy(value: Any) -> bool:
    return value is True or str(value).lower() in {"1", "true"}


def require(args: dict[str, Any], *names: str, error: str = "invalid_arguments") -> None:
    missing = [n for n in names if args.get(n) in (None, "", [], {})]
    if missing:
        messages = [f"[ERROR] missing required field: {n}" for n in missing]
        raise SlackError(error, response_metadata={"messages": messages})


def ts_key(ts: str) -> tuple[int, ...]:
    return tuple(int(part) for part in ts.split("."))


def paginate(items: list[Any], args: dict[str, Any], default_limit: int) -> tuple[list[Any], dict[str, str]]:
    """Slice `items` by Slack's limit/cursor arguments; answer the page and response_metadata."""
    limit = max(1, min(int(args.get("limit") or default_limit), 1000))
    start = 0
    if args.get("cursor"):
        try:
            kind, _, offset = base64.b64decode(str(args["cursor"])).decode().partition(":")
            start = int(offset)
        except ValueError as exc:
            raise SlackError("invalid_cursor") from exc
        if kind != "offset" or start < 0:
            raise SlackError("invalid_cursor")
    end = start + limit
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return items[start:end], {"next_cursor": next_cursor}


class SlackMethods:
    """Slack state (users, channels, messages, views, uploads) and the API methods over it."""

    bot_user_id: str = "UBOT"
    team_id: str = "T0001"
    bot_id: str = "B0001"
    public_write: bool = True  # the chat:write.public scope pmbot's manifest asks for
    upload_base: str = ""  # "http://127.0.0.1:<port>/upload/", set once the server listens
    clock: Callable[[], float]  # seconds since the epoch that message timestamps are made from
    _caller_token: str | None = None  # the token of the call being answered

    def _init_state(self) -> None:
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self._last_ts_micros = 0
        self._reset_state()

    def _reset_state(self) -> None:
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._ephemerals: list[dict[str, Any]] = []
        self._reactions: dict[tuple[str, str], dict[str, list[str]]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._home_views: dict[str, str] = {}
        self._used_triggers: set[str] = set()
        self._uploads: dict[str, dict[str, Any]] = {}
        self._responses: list[dict[str, Any]] = []
        self._responses_at: dict[str, list[dict[str, Any]]] = {}  # the same posts by response_url path
        self._grants: dict[str, dict[str, str]] = {}  # OAuth code -> the installation it grants
        self._token_teams: dict[str, str] = {}  # bot token -> its team, for tokens granted over OAuth

    # ---- helpers

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _next_ts(self) -> str:
        micros = max(int(self.clock() * 1_000_000), self._last_ts_micros + 1)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _channel_id(self, args: dict[str, Any], key: str = "channel") -> str:
        """The conversation id for `args[key]`; a user id means the DM with that user."""
        channel = str(args.get(key) or "")
        if not channel:
            raise SlackError("channel_not_found")
        if channel[0] in "UW":
            return self._open_conversation([channel])
        return channel

    def _open_conversation(self, users: list[str]) -> str:
        if len(users) == 1:
            cid, kind, members = "D" + users[0], "im", [users[0], self.bot_user_id]
        else:
            digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
            cid, kind, members = "G" + digest, "mpim", [*sorted(users), self.bot_user_id]
        if cid not in self._channels:
            name = "mpdm-" + "--".join(members)
            self._channels[cid] = {
                "id": cid, "name": name, "members": members, "is_private": True,
                "kind": kind, "created": int(time.time()),
            }  # fmt: skip
        return cid

    def _check_can_post(self, channel_id: str) -> None:
        """Refuse a post the way Slack does: a private channel pmbot is not in is invisible to it (channel_not_found),
        a public one needs chat:write.public (not_in_channel), an archived one takes nothing (is_archived).

        A conversation the fake was never told about is let through, so tests need not declare every channel."""
        channel = self._channels.get(channel_id)
        if channel is None or channel["kind"] != "channel":
            return
        member = self.bot_user_id in channel["members"]
        if channel["is_private"] and not member:
            raise SlackError("channel_not_found")
        if channel.get("is_archived"):
            raise SlackError("is_archived")
        if not member and not self.public_write:
            raise SlackError("not_in_channel")

    def _visible_channel(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channels.get(str(args.get("channel") or ""))
        if channel is None or (channel["is_private"] and self.bot_user_id not in channel["members"]):
            raise SlackError("channel_not_found")
        return channel

    def _channel_object(self, ch: dict[str, Any]) -> dict[str, Any]:
        if ch["kind"] == "im":
            return {"id": ch["id"], "created": ch["created"], "is_im": True, "is_org_shared": False,
                    "user": ch["members"][0], "is_user_deleted": False, "priority": 0}  # fmt: skip
        blank = {"value": "", "creator": "", "last_set": 0}
        mpim = ch["kind"] == "mpim"
        return {
            "id": ch["id"], "name": ch["name"], "name_normalized": ch["name"],
            "is_channel": not ch["is_private"], "is_group": ch["is_private"] and not mpim,
            "is_im": False, "is_mpim": mpim, "is_private": ch["is_private"], "created": ch["created"],
            "is_archived": bool(ch.get("is_archived")), "is_general": False, "is_shared": False, "is_ext_shared": False,
            "is_org_shared": False, "is_member": self.bot_user_id in ch["members"],
            "creator": ch.get("creator") or (ch["members"][0] if ch["members"] else ""), "topic": dict(blank),
            "purpose": dict(blank), "num_members": len(ch["members"]),
        }  # fmt: skip

    def _user_object(self, user_id: str, include_locale: bool) -> dict[str, Any]:
        user = self._users.get(user_id)
        if user is None and user_id == self.bot_user_id:
            user = {"id": user_id, "name": "pmbot", "real_name": "pmbot", "tz": "UTC", "locale": "en-US",
                    "is_bot": True, "deleted": False, "is_admin": False}  # fmt: skip
        if user is None:
            raise SlackError("user_not_found")
        profile = {
            "real_name": user["real_name"], "real_name_normalized": user["real_name"],
            "display_name": user["name"], "display_name_normalized": user["name"],
            "email": f"{user['name']}@fake.slack.test", "team": self.team_id,
            # Slack always sends the status: "" and 0 (never expires) when none is set.
            "status_text": user.get("status_text", ""), "status_emoji": user.get("status_emoji", ""),
            "status_expiration": user.get("status_expiration", 0),
        }  # fmt: skip
        if user["is_bot"]:
            profile["bot_id"] = self.bot_id if user_id == self.bot_user_id else "B" + user_id[1:]
        obj = {
            "id": user_id, "team_id": self.team_id, "name": user["name"], "deleted": user["deleted"],
            "real_name": user["real_name"], "profile": profile,
            "is_admin": user["is_admin"], "is_owner": False, "is_primary_owner": False,
            "is_restricted": user.get("is_restricted", False),
            "is_ultra_restricted": user.get("is_ultra_restricted", False), "is_bot": user["is_bot"],
            "is_app_user": False, "updated": int(time.time()),
        }  # fmt: skip
        if user.get("tz"):  # Slack leaves the zone out for some accounts
            now = datetime.now(UTC).astimezone(ZoneInfo(user["tz"]))
            offset = now.utcoffset()
            obj.update(tz=user["tz"], tz_label=now.tzname(), tz_offset=int(offset.total_seconds()) if offset else 0)
        if include_locale:
            obj["locale"] = user["locale"]
        return obj

    def _view_object(self, vid: str, view: dict[str, Any], previous: str | None = None) -> dict[str, Any]:
        obj = {
            "id": vid, "team_id": self.team_id, "type": view.get("type"), "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""), "callback_id": view.get("callback_id", ""),
            "state": {"values": {}}, "hash": f"{int(time.time())}.{next(self._ids):08d}",
            "title": view.get("title"), "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False), "close": view.get("close"),
            "submit": view.get("submit"), "previous_view_id": previous, "root_view_id": vid,
            "app_id": APP_ID, "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id, "bot_id": self.bot_id,
        }  # fmt: skip
        self._views[vid] = obj
        return copy.deepcopy(obj)

    def _view_arg(self, args: dict[str, Any], *types: str) -> dict[str, Any]:
        view = args.get("view")
        if not isinstance(view, dict) or view.get("type") not in types:
            raise SlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] invalid view"]})
        return view

    def _use_trigger(self, args: dict[str, Any]) -> None:
        require(args, "trigger_id")
        if args["trigger_id"] in self._used_triggers:
            raise SlackError("exchanged_trigger_id")
        self._used_triggers.add(args["trigger_id"])

    def _message(self, channel: str, ts: str) -> dict[str, Any]:
        message = self._messages.get((channel, ts))
        if message is None:
            raise SlackError("message_not_found")
        return message

    # ---- auth / team

    def api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        team = self._token_teams.get(self._caller_token or "", self.team_id)
        return {"url": PERMALINK_BASE + "/", "team": "Fake Team", "user": "pmbot", "team_id": team,
                "user_id": self.bot_user_id, "bot_id": self.bot_id,
                "is_enterprise_install": False}  # fmt: skip

    # ---- OAuth ("Add to Slack")

    def grant_install(
        self, code: str, *, team_id: str, bot_token: str, team_name: str = "", installer: str = ""
    ) -> None:
        """Let `code` be exchanged once, by oauth.v2.access, for a bot token of `team_id`."""
        with self._lock:  # type: ignore[attr-defined]
            self._grants[code] = {"team_id": team_id, "team_name": team_name or team_id, "bot_token": bot_token,
                                  "installer": installer or "U0INSTALLER"}  # fmt: skip

    def api_oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("_client_auth"):
            raise SlackError("invalid_client_id")
        grant = self._grants.pop(str(args.get("code") or ""), None)
        if grant is None:
            raise SlackError("invalid_code")
        self._token_teams[grant["bot_token"]] = grant["team_id"]
        return {"app_id": APP_ID, "authed_user": {"id": grant["installer"]}, "scope": "chat:write,commands",
                "token_type": "bot", "access_token": grant["bot_token"], "bot_user_id": self.bot_user_id,
                "team": {"id": grant["team_id"], "name": grant["team_name"]}, "enterprise": None,
                "is_enterprise_install": False}  # fmt: skip

    def api_team_info(self, args: dict[str, Any]) -> dict[str, Any]:
        team = {"id": self.team_id, "name": "Fake Team", "domain": "fake", "email_domain": "fake.slack.test",
                "icon": {"image_default": True}}  # fmt: skip
        return {"team": team}

    # ---- chat

    def api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(args)
        self._check_can_post(channel)
        ts = self._next_ts()
        message = {**copy.deepcopy(args), "type": "message", "channel": channel, "ts": ts,
                   "text": args.get("text") or "", "blocks": args.get("blocks") or [],
                   "thread_ts": args.get("thread_ts"), "user": self.bot_user_id, "bot_id": self.bot_id,
                   "app_id": APP_ID, "team": self.team_id}  # fmt: skip
        self._messages[(channel, ts)] = message
        parent = self._messages.get((channel, str(args.get("thread_ts") or "")))
        if parent is not None:
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            parent["latest_reply"] = ts
        reply = {k: v for k, v in copy.deepcopy(message).items() if k != "channel"}
        return {"channel": channel, "ts": ts, "message": reply}

    def api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(args)
        self._check_can_post(channel)
        ts = self._next_ts()
        require(args, "user", error="user_not_in_channel")
        self._ephemerals.append({**copy.deepcopy(args), "channel": channel, "ts": ts,
                                 "text": args.get("text") or "", "blocks": args.get("blocks") or [],
                                 "thread_ts": args.get("thread_ts")})  # fmt: skip
        return {"message_ts": ts}

    def api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(args)
        self._check_can_post(channel)
        message = self._message(channel, str(args.get("ts") or ""))
        for field in MESSAGE_FIELDS:
            if field in args:
                message[field] = copy.deepcopy(args[field])
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        reply = {k: v for k, v in copy.deepcopy(message).items() if k != "channel"}
        return {"channel": channel, "ts": message["ts"], "text": message["text"], "message": reply}

    def api_chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(args)
        message = self._message(channel, str(args.get("ts") or ""))
        del self._messages[(channel, message["ts"])]
        return {"channel": channel, "ts": message["ts"]}

    def api_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(args)
        require(args, "message_ts", error="message_not_found")
        ts = str(args["message_ts"])
        link = f"{PERMALINK_BASE}/archives/{channel}/p{ts.replace('.', '')}"
        thread_ts = (self._messages.get((channel, ts)) or {}).get("thread_ts")
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={channel}"
        return {"channel": channel, "permalink": link}

    # ---- conversations

    def api_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = args.get("users") or ""
        users = [u.strip() for u in (users.split(",") if isinstance(users, str) else users) if u.strip()]
        if not users and args.get("channel"):
            return {"channel": {"id": self._visible_channel(args)["id"]}}
        if not users or len(users) > 8:
            raise SlackError("not_enough_users" if not users else "too_many_users")
        cid = self._open_conversation(users)
        if truthy(args.get("return_im")):
            return {"channel": self._channel_object(self._channels[cid])}
        return {"channel": {"id": cid}}

    def _readable_channel(self, args: dict[str, Any]) -> str:
        """The conversation whose messages the bot may read, refused as Slack refuses: a user's id is not a
        conversation, a private channel it is not in is invisible (channel_not_found), a public one it is not in
        answers not_in_channel. A conversation the fake was never told about is readable, as it is postable."""
        cid = str(args.get("channel") or "")
        channel = self._channels.get(cid)
        if not cid or cid[0] in "UW" or (channel is None and cid[0] == "D"):
            raise SlackError("channel_not_found")
        if channel is not None and channel["kind"] == "channel" and self.bot_user_id not in channel["members"]:
            raise SlackError("channel_not_found" if channel["is_private"] else "not_in_channel")
        return cid

    def _history_view(self, message: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        shown = {k: copy.deepcopy(message[k]) for k in HISTORY_FIELDS if message.get(k) is not None}
        if not truthy(args.get("include_all_metadata")):
            shown.pop("metadata", None)
        return shown

    @staticmethod
    def _in_window(ts: str, args: dict[str, Any]) -> bool:
        """Whether a message's ts is within the oldest/latest arguments (the bounds only with `inclusive`)."""
        key, inclusive = ts_key(ts), truthy(args.get("inclusive"))
        for bound, after in (("oldest", True), ("latest", False)):
            value = str(args.get(bound) or "")
            if not value:
                continue
            try:
                seconds, _, fraction = value.partition(".")
                limit = (int(seconds), int((fraction + "000000")[:6]))
            except ValueError as exc:
                raise SlackError(f"invalid_ts_{bound}") from exc
            if key == limit and not inclusive:
                return False
            if (key < limit) if after else (key > limit):
                return False
        return True

    def api_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        cid = self._readable_channel(args)
        found = [
            m for (ch, ts), m in self._messages.items()
            if ch == cid and m.get("thread_ts") in (None, ts) and self._in_window(ts, args)
        ]  # fmt: skip
        found.sort(key=lambda m: ts_key(m["ts"]), reverse=True)  # newest first
        page, meta = paginate([self._history_view(m, args) for m in found], args, 100)
        return {"messages": page, "has_more": bool(meta["next_cursor"]), "pin_count": 0, "response_metadata": meta}

    def api_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        cid = self._readable_channel(args)
        require(args, "ts", error="thread_not_found")
        parent = self._messages.get((cid, str(args["ts"])))
        if parent is None:
            raise SlackError("thread_not_found")
        root = str(parent.get("thread_ts") or parent["ts"])
        replies = [
            m for (ch, ts), m in self._messages.items()
            if ch == cid and ts != root and m.get("thread_ts") == root and self._in_window(ts, args)
        ]  # fmt: skip
        replies.sort(key=lambda m: ts_key(m["ts"]))  # the thread's parent first, then its replies, oldest first
        thread = [self._messages[(cid, root)], *replies]
        page, meta = paginate([self._history_view(m, args) for m in thread], args, 1000)
        return {"messages": page, "has_more": bool(meta["next_cursor"]), "response_metadata": meta}

    def api_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self._channel_object(self._visible_channel(args))}

    def api_conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        members, meta = paginate(list(self._visible_channel(args)["members"]), args, 100)
        return {"members": members, "response_metadata": meta}

    def api_conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        types = str(args.get("types") or "public_channel").split(",")
        kinds = {"public_channel": "channel", "private_channel": "private", "im": "im", "mpim": "mpim"}
        wanted = {kinds[t.strip()] for t in types if t.strip() in kinds}
        found = []
        for ch in self._channels.values():
            kind = "private" if ch["kind"] == "channel" and ch["is_private"] else ch["kind"]
            if kind in wanted and (not ch["is_private"] or self.bot_user_id in ch["members"]):
                found.append(self._channel_object(ch))
        page, meta = paginate(found, args, 100)
        return {"channels": page, "response_metadata": meta}

    # ---- users

    def api_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        require(args, "user", error="user_not_found")
        return {"user": self._user_object(str(args["user"]), truthy(args.get("include_locale")))}

    def api_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        locale = truthy(args.get("include_locale"))
        ids = list(self._users) + ([] if self.bot_user_id in self._users else [self.bot_user_id])
        page, meta = paginate([self._user_object(uid, locale) for uid in ids], args, 1000)
        return {"members": page, "cache_ts": int(time.time()), "response_metadata": meta}

    # ---- views

    def api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args, "modal")
        self._use_trigger(args)
        return {"view": self._view_object(self._new_id("V"), view)}

    def api_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args, "modal")
        self._use_trigger(args)
        return {"view": self._view_object(self._new_id("V"), view)}

    def api_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args, "modal", "home")
        vid = args.get("view_id")
        if not vid and args.get("external_id"):
            vid = next((k for k, v in self._views.items() if v["external_id"] == args["external_id"]), None)
        current = self._views.get(str(vid or ""))
        if current is None:
            raise SlackError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        return {"view": self._view_object(current["id"], view, current["previous_view_id"])}

    def api_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        require(args, "user_id")
        view = self._view_arg(args, "home")
        vid = self._home_views.get(str(args["user_id"]))
        if vid and args.get("hash") and args["hash"] != self._views[vid]["hash"]:
            raise SlackError("hash_conflict")
        vid = vid or self._new_id("V")
        self._home_views[str(args["user_id"])] = vid
        return {"view": self._view_object(vid, view)}

    # ---- reactions

    def api_reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        require(args, "channel", "timestamp", "name")
        users = self._reactions.setdefault((args["channel"], args["timestamp"]), {}).setdefault(args["name"], [])
        if self.bot_user_id in users:
            raise SlackError("already_reacted")
        users.append(self.bot_user_id)
        return {}

    def api_reactions_remove(self, args: dict[str, Any]) -> dict[str, Any]:
        require(args, "channel", "timestamp", "name")
        users = self._reactions.get((args["channel"], args["timestamp"]), {}).get(args["name"], [])
        if self.bot_user_id not in users:
            raise SlackError("no_reaction")
        users.remove(self.bot_user_id)
        return {}

    # ---- files (upload v2 flow)

    def api_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        require(args, "filename", "length")
        fid = self._new_id("F")
        self._uploads[fid] = {"file_id": fid, "filename": args["filename"], "length": int(args["length"]),
                              "title": None, "content": None, "channel_id": None, "initial_comment": None,
                              "thread_ts": None, "completed": False}  # fmt: skip
        return {"upload_url": f"{self.upload_base}{fid}", "file_id": fid}

    def _receive_upload(self, file_id: str, content: bytes) -> bool:
        upload = self._uploads.get(file_id)
        if upload is None:
            return False
        upload["content"] = content
        return True

    def api_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            raise SlackError("invalid_arguments")
        if args.get("channel_id"):
            self._check_can_post(str(args["channel_id"]))
        shared = []
        for item in files:
            upload = self._uploads.get(str(item.get("id") if isinstance(item, dict) else ""))
            if upload is None or upload["content"] is None:
                raise SlackError("file_not_found")
            upload.update(title=item.get("title") or upload["filename"], completed=True,
                          channel_id=args.get("channel_id"), initial_comment=args.get("initial_comment"),
                          thread_ts=args.get("thread_ts"))  # fmt: skip
            fid = upload["file_id"]
            shared.append({
                "id": fid, "created": int(time.time()), "name": upload["filename"], "title": upload["title"],
                "mimetype": mimetypes.guess_type(upload["filename"])[0] or "application/octet-stream",
                "user": self.bot_user_id, "size": len(upload["content"]),
                "url_private": f"{PERMALINK_BASE}/files-pri/{self.team_id}-{fid}/{upload['filename']}",
                "permalink": f"{PERMALINK_BASE}/files/{self.bot_user_id}/{fid}/{upload['filename']}",
            })  # fmt: skip
        return {"files": shared}
