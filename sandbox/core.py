"""The sandbox's workspace: the stand-in, who is looking at which modal, notices, and news for the page.

Every Web API call the app makes lands in the stand-in (sandbox/standin); `Sandbox.on_call` watches them to
keep what Slack's client would know: which person a modal opened for (from the trigger_id it was
opened with), what a response_url post does, a file share's message, and any call the stand-in refused,
shown in the conversation as a red notice the way a Slack developer would want to see it.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlencode

from sandbox.signing import SignedPoster, new_trigger_id
from sandbox.standin import Call, FakeSlack

WRITE_PREFIXES = ("chat.", "views.", "files.", "reactions.")
ALWAYS_SHOWN = frozenset({"unknown_method", "not_authed", "invalid_auth", "invalid_arguments", "invalid_blocks"})
MAX_NOTICES = 500


class Changes:
    """A version number the page waits on (server-sent events): every change bumps it."""

    def __init__(self) -> None:
        self.version = 0
        self._changed = threading.Condition()

    def bump(self) -> None:
        with self._changed:
            self.version += 1
            self._changed.notify_all()

    def wait(self, after: int, timeout: float) -> int:
        """Block until the version passes `after` (or `timeout` seconds); answer the version."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != after, timeout=timeout)
            return self.version


class Sandbox:
    """The workspace as the page shows it, over the stand-in."""

    def __init__(self, fake: FakeSlack, poster: SignedPoster, manifest: dict[str, Any]) -> None:
        self.fake = fake
        self.poster = poster
        features = manifest.get("features", {})
        self.commands: dict[str, dict[str, Any]] = {c["command"]: c for c in features.get("slash_commands", [])}
        self.shortcuts = [s for s in features.get("shortcuts", []) if s.get("type") == "message"]
        self.bot_events = set(manifest.get("settings", {}).get("event_subscriptions", {}).get("bot_events", []))
        self.changes = Changes()
        self.notices: list[dict[str, Any]] = []
        self.stacks: dict[str, list[str]] = {}  # user -> the modal views open for them, bottom first
        self.view_errors: dict[str, dict[str, str]] = {}  # view id -> block_id -> the app's error
        self._triggers: dict[str, str] = {}  # trigger_id -> the user it was issued for
        self.where: dict[str, str] = {}  # user -> the conversation they last acted in
        self._lock = threading.RLock()
        fake.listeners.append(self.on_call)

    # ---- people and conversations

    def user(self, user_id: str) -> dict[str, Any]:
        found = next((u for u in self.fake.users_list() if u["id"] == user_id), None)
        if found is None:
            raise LookupError(f"no such person: {user_id}")
        return found

    def channel_name(self, channel_id: str) -> str:
        found = self.fake.conversation(channel_id)
        if found is None:
            raise LookupError(f"no such conversation: {channel_id}")
        return "directmessage" if found["kind"] == "im" else str(found["name"])

    def trigger_for(self, user_id: str) -> str:
        trigger = new_trigger_id()
        with self._lock:
            self._triggers[trigger] = user_id
            if len(self._triggers) > 1000:
                self._triggers.pop(next(iter(self._triggers)))
        return trigger

    def response_url(self, user_id: str, channel: str, message_ts: str | None = None, ephemeral: bool = False) -> str:
        """A response_url that the stand-in records; its query says what the post applies to."""
        query = {"u": user_id, "c": channel, "m": message_ts or "", "e": "1" if ephemeral else ""}
        return f"{self.fake.response_url_base}/{new_trigger_id().split('.')[0]}?{urlencode(query)}"

    # ---- notices

    def notice(self, text: str, *, channel: str | None, user: str | None = None, thread_ts: str | None = None) -> None:
        """A red system line in `channel` ("*": wherever the reader is), seen by `user` only if given."""
        with self._lock:
            ts = self.fake.next_ts()  # in order with the messages around it
            self.notices.append({"ts": ts, "channel": channel or "*", "user": user, "text": text,
                                 "thread_ts": thread_ts})  # fmt: skip
            del self.notices[:-MAX_NOTICES]
        self.changes.bump()

    def notices_in(self, channel: str, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(n) for n in self.notices if n["channel"] in (channel, "*") and n["user"] in (None, user_id)]

    # ---- modals

    def top_view(self, user_id: str) -> str | None:
        with self._lock:
            stack = self.stacks.get(user_id) or []
            return stack[-1] if stack else None

    def push_view(self, user_id: str, view_id: str, *, replace_stack: bool = False) -> None:
        with self._lock:
            stack = [] if replace_stack else self.stacks.get(user_id, [])
            self.stacks[user_id] = [*stack, view_id]
        self.changes.bump()

    def pop_view(self, user_id: str, *, everything: bool = False) -> None:
        with self._lock:
            stack = self.stacks.get(user_id, [])
            self.stacks[user_id] = [] if everything else stack[:-1]
        self.changes.bump()

    # ---- the stand-in's calls

    def on_call(self, call: Call) -> None:
        """Keep track of what the app did in the stand-in (called after each call is answered)."""
        answer = call.answer if isinstance(call.answer, dict) else {}
        if call.method == "response_url":
            if call.status == 200:
                self._responded(call.args)
        elif call.method == "upload":
            return
        elif call.status != 200 or answer.get("ok") is not True:
            self._refused(call, answer)
        elif call.method in ("views.open", "views.push"):
            user = self._triggers.get(str(call.args.get("trigger_id")))
            if user is not None:
                self.push_view(user, str(answer["view"]["id"]), replace_stack=call.method == "views.open")
        elif call.method == "views.update":
            self.view_errors.pop(str(answer["view"]["id"]), None)
        elif call.method == "files.completeUploadExternal":
            self._shared(call.args, answer)
        self.changes.bump()

    def _responded(self, args: dict[str, Any]) -> None:
        body = {k: v for k, v in args.items() if k not in ("u", "c", "m", "e")}
        channel, user = str(args.get("c") or ""), str(args.get("u") or "")
        if channel and user:
            message_ts = str(args.get("m") or "") or None
            self.fake.apply_response(
                body, channel=channel, user_id=user, message_ts=message_ts, ephemeral=bool(args.get("e"))
            )

    def _shared(self, args: dict[str, Any], answer: dict[str, Any]) -> None:
        channel = str(args.get("channel_id") or "")
        if channel:
            self.fake.add_file_message(channel, answer.get("files") or [], text=str(args.get("initial_comment") or ""),
                                       thread_ts=args.get("thread_ts"))  # fmt: skip

    def _refused(self, call: Call, answer: dict[str, Any]) -> None:
        error = str(answer.get("error") or f"HTTP {call.status}")
        if not call.method.startswith(WRITE_PREFIXES) and error not in ALWAYS_SHOWN:
            return  # a failed read (an unknown user, a channel pmbot cannot see) is the app's to handle
        details = "; ".join(str(m) for m in (answer.get("response_metadata") or {}).get("messages", []))
        text = f"Slack refused pmbot's {call.method}: {error}" + (f" ({details})" if details else "")
        channel: str | None = None
        user = self._triggers.get(str(call.args.get("trigger_id") or ""))
        if call.method.startswith(("chat.", "reactions.")):
            raw = str(call.args.get("channel") or "")
            channel = "D" + raw if raw[:1] in ("U", "W") else raw or None
        elif user is not None:
            channel = self.where.get(user, "D" + user)
        elif call.args.get("user_id"):
            channel = "D" + str(call.args["user_id"])
        self.notice(text, channel=channel, user=user, thread_ts=call.args.get("thread_ts"))

    # ---- saving and restoring

    def export_state(self) -> dict[str, Any]:
        with self._lock:
            return {"standin": self.fake.export_state(), "notices": list(self.notices)}

    def restore(self, state: dict[str, Any]) -> None:
        with self._lock:
            self.fake.import_state(state["standin"])
            self.notices = list(state.get("notices") or [])
