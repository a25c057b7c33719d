"""What people do in their Slack clients, and the workspace saved and restored (mixed into FakeSlack).

The Web API methods (sandbox/standin/methods.py) are what the bot does; these are what the people in the
workspace do and see: post a message, get an ephemeral answer to a slash command, see a response_url
post land, read a thread. `export_state` / `import_state` let `pmbot sandbox` keep a workspace across
restarts.
"""

from __future__ import annotations

import base64
import copy
import itertools
from contextlib import AbstractContextManager
from typing import Any

from sandbox.standin.methods import SlackError, SlackMethods, ts_key

STATE_VERSION = 1


class ClientSide(SlackMethods):
    """People's side of the fake workspace; every method takes the state lock."""

    _lock: AbstractContextManager[Any]

    # ---- reading

    def users_list(self) -> list[dict[str, Any]]:
        """Every person in the workspace (not the bot), as added."""
        with self._lock:
            return [copy.deepcopy(u) for u in self._users.values()]

    def conversations_of(self, user_id: str) -> list[dict[str, Any]]:
        """The channels `user_id` is a member of, then their DM with the bot (opened if need be)."""
        with self._lock:
            self._open_conversation([user_id])
            found = [c for c in self._channels.values() if user_id in c["members"]]
            found.sort(key=lambda c: (c["kind"] != "channel", c["name"]))
            return copy.deepcopy(found)

    def all_conversations(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(list(self._channels.values()))

    def conversation(self, channel_id: str) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._channels.get(channel_id))

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """One message as it stands now, or None."""
        with self._lock:
            found = self._messages.get((channel, ts))
            return copy.deepcopy(found) if found is not None else None

    def ephemeral(self, ts: str) -> dict[str, Any] | None:
        with self._lock:
            return next((copy.deepcopy(e) for e in self._ephemerals if e["ts"] == ts), None)

    def upload(self, file_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._uploads.get(file_id)
            return dict(found) if found is not None else None

    def next_ts(self) -> str:
        """A fresh message timestamp, after every one given so far (for a line the client shows itself)."""
        with self._lock:
            return self._next_ts()

    # ---- what people do

    def post_as_user(self, channel: str, user_id: str, text: str, *, thread_ts: str | None = None) -> dict[str, Any]:
        """A person's message, as Slack stores it (`text` already escaped and with <@U..> mentions)."""
        with self._lock:
            if user_id not in self._users:
                raise SlackError("user_not_found")
            if channel not in self._channels:
                raise SlackError("channel_not_found")
            ts = self._next_ts()
            message: dict[str, Any] = {"type": "message", "channel": channel, "ts": ts, "user": user_id,
                                       "text": text, "blocks": [], "thread_ts": thread_ts,
                                       "team": self.team_id}  # fmt: skip
            self._messages[(channel, ts)] = message
            self._count_reply(channel, thread_ts, ts)
            return copy.deepcopy(message)

    def add_ephemeral(
        self, channel: str, user_id: str, *, text: str, blocks: list[Any] | None = None, thread_ts: str | None = None
    ) -> str:
        """An ephemeral message only `user_id` sees (a slash command's answer, a response_url post)."""
        with self._lock:
            ts = self._next_ts()
            self._ephemerals.append({"channel": channel, "user": user_id, "ts": ts, "text": text,
                                     "blocks": blocks or [], "thread_ts": thread_ts})  # fmt: skip
            return ts

    def apply_response(
        self, body: dict[str, Any], *, channel: str, user_id: str, message_ts: str | None, ephemeral: bool
    ) -> None:
        """What a post to a response_url does: delete or replace the original, else a new (ephemeral) message."""
        with self._lock:
            original = None if ephemeral or not message_ts else self._messages.get((channel, message_ts))
            shown = next((e for e in self._ephemerals if ephemeral and e["ts"] == message_ts), None)
            target = original if original is not None else shown
            if target is not None and body.get("delete_original"):
                if original is not None:
                    del self._messages[(channel, original["ts"])]
                else:
                    self._ephemerals.remove(target)
                return
            if target is not None and body.get("replace_original"):
                target["text"] = body.get("text") or ""
                target["blocks"] = copy.deepcopy(body.get("blocks") or [])
                if original is not None:
                    original["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
                return
            thread_ts = body.get("thread_ts")
            if body.get("response_type") == "in_channel":
                self.api_chat_postMessage({"channel": channel, "text": body.get("text") or "",
                                           "blocks": body.get("blocks") or [], "thread_ts": thread_ts})  # fmt: skip
            else:
                self.add_ephemeral(channel, user_id, text=str(body.get("text") or ""), blocks=body.get("blocks"),
                                   thread_ts=thread_ts)  # fmt: skip

    def add_file_message(
        self, channel: str, files: list[dict[str, Any]], *, text: str = "", thread_ts: str | None = None
    ) -> dict[str, Any]:
        """The message Slack shows for files the bot shared (files.completeUploadExternal with a channel)."""
        with self._lock:
            ts = self._next_ts()
            message: dict[str, Any] = {"type": "message", "subtype": "file_share", "channel": channel, "ts": ts,
                                       "user": self.bot_user_id, "bot_id": self.bot_id, "text": text, "blocks": [],
                                       "files": copy.deepcopy(files), "thread_ts": thread_ts,
                                       "team": self.team_id}  # fmt: skip
            self._messages[(channel, ts)] = message
            self._count_reply(channel, thread_ts, ts)
            return copy.deepcopy(message)

    def put_view(self, view: dict[str, Any], *, view_id: str | None = None) -> dict[str, Any]:
        """Store a modal the app answered with (response_action push: a new id; update: `view_id`'s)."""
        with self._lock:
            previous = self._views.get(view_id or "")
            vid = view_id if previous is not None and view_id else self._new_id("V")
            return self._view_object(vid, view, previous["previous_view_id"] if previous else None)

    def _count_reply(self, channel: str, thread_ts: str | None, ts: str) -> None:
        parent = self._messages.get((channel, str(thread_ts or "")))
        if parent is not None and parent["ts"] != ts:
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            parent["latest_reply"] = ts

    # ---- saving and restoring

    def export_state(self) -> dict[str, Any]:
        """The workspace as JSON-ready data: people, conversations, messages, views, uploads."""
        with self._lock:
            serial = next(self._ids)
            self._ids = itertools.count(serial)
            uploads = []
            for upload in self._uploads.values():
                content = upload.get("content")
                encoded = base64.b64encode(content).decode() if isinstance(content, bytes) else None
                uploads.append({**upload, "content": encoded})
            return copy.deepcopy({
                "version": STATE_VERSION, "serial": serial, "last_ts_micros": self._last_ts_micros,
                "users": list(self._users.values()), "channels": list(self._channels.values()),
                "messages": sorted(self._messages.values(), key=lambda m: ts_key(m["ts"])),
                "ephemerals": self._ephemerals, "views": list(self._views.values()),
                "home_views": self._home_views, "uploads": uploads,
                "reactions": [[ch, ts, name, users] for (ch, ts), named in self._reactions.items()
                              for name, users in named.items()],
            })  # fmt: skip

    def import_state(self, state: dict[str, Any]) -> None:
        """Replace the workspace with one `export_state` answered."""
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unknown stand-in state version {state.get('version')!r}")
        state = copy.deepcopy(state)
        with self._lock:
            self._reset_state()
            self._ids = itertools.count(int(state["serial"]))
            self._last_ts_micros = int(state["last_ts_micros"])
            self._users = {u["id"]: u for u in state["users"]}
            self._channels = {c["id"]: c for c in state["channels"]}
            self._messages = {(m["channel"], m["ts"]): m for m in state["messages"]}
            self._ephemerals = list(state["ephemerals"])
            self._views = {v["id"]: v for v in state["views"]}
            self._home_views = dict(state["home_views"])
            for upload in state["uploads"]:
                content = upload.get("content")
                upload["content"] = base64.b64decode(content) if content is not None else None
                self._uploads[upload["file_id"]] = upload
            for ch, ts, name, users in state["reactions"]:
                self._reactions.setdefault((ch, ts), {})[name] = list(users)
