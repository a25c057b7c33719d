"""A local fake of Slack's Web API for tests, driven by a real slack_sdk.WebClient.

    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.url)
        client.chat_postMessage(channel="C1", text="hi")
        assert fake.messages("C1")[0]["text"] == "hi"

slack_sdk sends every Web API call as a POST: methods it calls with `json=` (chat.postMessage,
chat.postEphemeral, chat.update, views.*) as an application/json body, the others (including the
"GET" ones such as users.info) as an application/x-www-form-urlencoded body. GET with a query
string and multipart/form-data bodies are understood too. Method answers live in
sandbox/standin/methods.py, the payload rules in sandbox/standin/rules.py.
"""

from __future__ import annotations

import contextlib
import copy
import email.policy
import http
import json
import math
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from sandbox.standin import rules as fakeslack_rules
from sandbox.standin.clients import ClientSide
from sandbox.standin.methods import SlackError, ts_key

JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata")


@dataclass
class Call:
    """One request the fake answered."""

    method: str  # "chat.postMessage"; "upload" for a file upload, "response_url" for a response_url post
    args: dict[str, Any]  # query + body args, JSON-string blocks/attachments/view/files decoded
    token: str | None  # from "Authorization: Bearer ..." or a `token` arg
    at: float  # time.monotonic()
    status: int  # the HTTP status answered
    answer: Any = None  # the answer's JSON body (a dict), or its text
    path: str = ""  # the URL's path (which response_url a post went to)


RESPONSE_URL_USES = 5  # posts a response_url takes before Slack answers 404 "used_url"
RATE_LIMITED = frozenset({"chat.postMessage"})  # Slack's special per-conversation limit

# Slack's Web API rate tiers: calls a minute per method and workspace, with short bursts allowed.
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
# The published tier of each method pmbot calls (docs.slack.dev/reference/methods/<method>, "Rate limits").
# chat.postMessage is not here: its special limit is per conversation (see `rate_limit`).
METHOD_TIERS: dict[str, int] = {
    "auth.test": 4, "team.info": 3, "oauth.v2.access": 4,
    "chat.postEphemeral": 4, "chat.update": 3, "chat.delete": 3, "chat.getPermalink": 4,
    "conversations.info": 3, "conversations.members": 4, "conversations.list": 2, "conversations.open": 3,
    # Tier 3 as published; apps outside Slack's Marketplace get far less (a call a minute, 15 messages a page).
    "conversations.history": 3, "conversations.replies": 3,
    "users.info": 4, "users.list": 2,
    "views.open": 4, "views.push": 4, "views.update": 4, "views.publish": 4,
    "reactions.add": 3, "reactions.remove": 2,
    "files.getUploadURLExternal": 4, "files.completeUploadExternal": 4,
}  # fmt: skip


@dataclass
class _Outage:
    down: Callable[[], bool]
    status: int
    retry_after: int


@dataclass
class _Failure:
    method: str
    status: int
    retry_after: int
    remaining: int
    error: str | None


def _take(buckets: dict[Any, tuple[float, float]], key: Any, *, per_second: float, burst: int) -> int | None:
    """Take a token from `key`'s bucket; answer None, or the seconds until one is there (Retry-After)."""
    now = time.clock_gettime(time.CLOCK_MONOTONIC)  # real time, never frozen
    tokens, last = buckets.get(key, (float(burst), now))
    tokens = min(float(burst), tokens + (now - last) * per_second)
    if tokens < 1.0:
        buckets[key] = (tokens, now)
        return max(1, math.ceil((1.0 - tokens) / per_second))
    buckets[key] = (tokens - 1.0, now)
    return None


def _decode_args(handler: BaseHTTPRequestHandler, query: str, body: bytes) -> dict[str, Any]:
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    content_type = handler.headers.get("Content-Type") or ""
    mime = content_type.split(";")[0].strip().lower()
    if mime == "application/json":
        decoded = json.loads(body) if body.strip() else {}
        args.update(decoded if isinstance(decoded, dict) else {})
    elif mime == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        parsed = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            raw = part.get_payload(decode=True)
            data = raw if isinstance(raw, bytes) else b""
            args[str(name)] = data if part.get_filename() else data.decode()
    elif body:
        args.update(parse_qsl(body.decode(), keep_blank_values=True))
    for field in JSON_FIELDS:
        value = args.get(field)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):  # left as sent if not JSON; the rules answer for it
                args[field] = json.loads(value)
    return args


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.fake._handle(self)

    def do_POST(self) -> None:
        self.server.fake._handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: no request logging to stderr


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Slack takes as many connections as pmbot opens; the standard library's backlog of 5 overflows at a few hundred
    # calls a second (slack_sdk opens a connection per call) and drops them, which Slack never does.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], fake: FakeSlack) -> None:
        self.fake = fake
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.fake.server_errors.append(traceback.format_exc())


class FakeSlack(ClientSide):
    """Slack's Web API on 127.0.0.1, recording every call; see the module docstring.

    `clock` (default time.time) makes message timestamps; `listeners` are called with every Call
    once it is recorded (outside the state lock), e.g. to refresh a page that shows the workspace.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, clock: Callable[[], float] | None = None) -> None:
        self.host, self.port = host, port
        self.clock = clock or time.time
        self.listeners: list[Callable[[Call], None]] = []
        self.calls: list[Call] = []
        self.server_errors: list[str] = []
        self._failures: list[_Failure] = []
        self._outage: _Outage | None = None
        self._limits: tuple[float, int] | None = None
        self._buckets: dict[str, tuple[float, float]] = {}  # conversation -> (tokens, when counted)
        self._tiers = False
        self._tier_buckets: dict[tuple[str, str], tuple[float, float]] = {}  # (token, method) -> (tokens, when)
        self._latency: dict[str, float] = {}  # method ("*": any) -> seconds each call takes
        self._open = threading.Event()  # cleared by hold(): every call waits until it is set again
        self._open.set()
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._init_state()

    # ---- lifecycle

    @property
    def url(self) -> str:
        """The base_url for slack_sdk: "http://127.0.0.1:<port>/api/"."""
        return f"{self.root_url}/api/"

    @property
    def root_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def response_url_base(self) -> str:
        """Where SlackSender can point response_url, so respond() posts are recorded here."""
        return f"{self.root_url}/hooks"

    def start(self) -> FakeSlack:
        if self._server is None:
            self._server = _Server((self.host, self.port), self)
            self.upload_base = f"{self.root_url}/upload/"
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- set-up

    def reset(self) -> None:
        """Forget calls, messages, views, uploads, pending failures and rate limits; keep users and channels."""
        with self._lock:
            self.calls.clear()
            self._failures.clear()
            self._outage = None
            self._limits = None
            self._buckets.clear()
            self._tiers = False
            self._tier_buckets.clear()
            self.public_write = True
            self._latency.clear()
            self._reset_state()

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        tz: str | None = "UTC",
        locale: str = "en-US",
        real_name: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
        is_admin: bool = False,
        is_restricted: bool = False,
        is_ultra_restricted: bool = False,
    ) -> None:
        """Add a person; `tz=None` leaves tz, tz_label and tz_offset out of their profile, as Slack does for some
        accounts; `deleted` is a deactivated account; `is_restricted` / `is_ultra_restricted` a multi- or
        single-channel guest."""
        if tz is not None:
            ZoneInfo(tz)  # an unknown zone fails here, not inside a request
        with self._lock:
            self._users[user_id] = {"id": user_id, "name": name, "real_name": real_name or name, "tz": tz,
                                    "locale": locale, "is_bot": is_bot, "deleted": deleted, "is_admin": is_admin,
                                    "is_restricted": is_restricted or is_ultra_restricted,
                                    "is_ultra_restricted": is_ultra_restricted}  # fmt: skip

    def set_user_status(self, user_id: str, text: str, emoji: str = "", *, expiration: int = 0) -> None:
        """Set a person's Slack status (users.profile.set): its text, emoji and Unix expiry (0: never)."""
        with self._lock:
            self._users[user_id].update(status_text=text, status_emoji=emoji, status_expiration=expiration)

    def user_object(self, user_id: str) -> dict[str, Any]:
        """The user as Slack shows them in users.info and in a user_change event."""
        with self._lock:
            return self._user_object(user_id, include_locale=True)

    def set_user_tz(self, user_id: str, tz: str) -> None:
        ZoneInfo(tz)
        with self._lock:
            self._users[user_id]["tz"] = tz

    def add_channel(
        self, channel_id: str, *, name: str, members: list[str], is_private: bool = False, creator: str | None = None
    ) -> None:
        """A channel with its members; its creator is `creator`, else its first member."""
        with self._lock:
            self._channels[channel_id] = {"id": channel_id, "name": name, "members": list(members),
                                          "is_private": is_private, "kind": "channel",
                                          "creator": creator or (members[0] if members else ""),
                                          "created": int(time.time())}  # fmt: skip

    def make_private(self, channel_id: str, *, private: bool = True) -> None:
        """Convert a channel to private (or, with `private=False`, back to public): conversations.info says so."""
        with self._lock:
            self._channels[channel_id]["is_private"] = private

    def archive_channel(self, channel_id: str) -> None:
        """Archive a channel: conversations.info says is_archived, and posts into it answer is_archived."""
        with self._lock:
            self._channels[channel_id]["is_archived"] = True

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        error: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` ("*": any) with `status` (429, 5xx, or 200 + error)."""
        with self._lock:
            self._failures.append(_Failure(method, status, retry_after, times, error))

    def fail_while(self, down: Callable[[], bool], *, status: int = 503, retry_after: int = 30) -> None:
        """Answer every Web API call with `status` (429 with Retry-After, or a 5xx) for as long as `down()` is true."""
        with self._lock:
            self._outage = _Outage(down, status, retry_after)

    def rate_limit(self, *, per_second: float = 1.0, burst: int = 3) -> None:
        """Emulate Slack's posting limit: per conversation, `burst` messages at once, then `per_second`; a call
        over it gets 429 with Retry-After (chat.postMessage's special limit)."""
        with self._lock:
            self._limits = (per_second, burst)
            self._buckets.clear()

    def slow(self, seconds: float, *, method: str = "*") -> None:
        """Take `seconds` to answer every Web API call of `method` ("*": of every method), as a distant Slack does."""
        with self._lock:
            self._latency[method] = seconds

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Answer no request (Web API, response_url, upload) until the block ends: Slack unreachable for a while."""
        self._open.clear()
        try:
            yield
        finally:
            self._open.set()

    def _delay(self, method: str) -> float:
        with self._lock:
            return self._latency.get(method, self._latency.get("*", 0.0))

    def enforce_tiers(self, on: bool = True) -> None:
        """Hold every method in METHOD_TIERS to its tier, per workspace token: a burst of a minute's calls, then
        the tier's pace; a call over it gets 429 with Retry-After. Off by default: the suite calls faster."""
        with self._lock:
            self._tiers = on
            self._tier_buckets.clear()

    # ---- inspection

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until `method` was called `count` times; answer those calls, else AssertionError."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := self.calls_to(method)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"{method} called {len(found)}/{count} times in {timeout}s; saw {seen}")
                self._changed.wait(left)
            return found

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages in `channel` (a user id means the DM), as they stand now, in ts order."""
        with self._lock:
            if channel[:1] in ("U", "W"):
                channel = "D" + channel
            found = [copy.deepcopy(m) for (ch, _), m in self._messages.items() if ch == channel]
            for message in found:
                reactions = self._reactions.get((channel, message["ts"]), {})
                listed = [{"name": n, "users": list(u), "count": len(u)} for n, u in reactions.items() if u]
                if listed:
                    message["reactions"] = listed
            return sorted(found, key=lambda m: ts_key(m["ts"]))

    def ephemerals(self, user: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(e) for e in self._ephemerals if user is None or e.get("user") == user]

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            vid = self._home_views.get(user_id)
            return copy.deepcopy(self._views[vid]) if vid else None

    def view(self, view_id: str) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._views.get(view_id))

    def uploads(self) -> list[dict[str, Any]]:
        """Files begun with files.getUploadURLExternal, with the bytes received and how they were shared."""
        with self._lock:
            return [dict(u) for u in self._uploads.values()]

    def answer_at(self, path: str) -> dict[str, Any] | None:
        """The first JSON body posted to the response_url at `path`, if any."""
        with self._lock:
            found = self._responses_at.get(path)
            return {k: v for k, v in copy.deepcopy(found[0]).items() if k != "path"} if found else None

    def _await_answer(self, path: str, timeout: float = 60.0) -> dict[str, Any] | None:
        """The first post to the response_url at `path`, waited for up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self._responses_at.get(path) and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)
        return self.answer_at(path)

    def responses(self) -> list[dict[str, Any]]:
        """JSON bodies posted to response_url_base (respond() from slash commands and actions)."""
        with self._lock:
            return copy.deepcopy(self._responses)

    # ---- HTTP

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        self._open.wait()
        if handler.command == "GET" and parts.path.startswith("/hooks/"):  # not Slack's: how a load generator in
            found = self._await_answer(parts.path)  # another process learns that a command was answered
            self._respond(handler, 200 if found is not None else 404, {}, found if found is not None else "not_yet")
            return
        method, token = parts.path, None
        args: dict[str, Any] = {}
        headers: dict[str, str] = {}
        status, payload = 404, "Not Found"
        try:
            if parts.path.startswith("/api/"):
                method = parts.path[len("/api/") :]
                args = _decode_args(handler, parts.query, body)
                token = self._token(handler, args)
                time.sleep(self._delay(method))  # outside the lock: slow calls overlap, as Slack's would
                with self._lock:
                    status, headers, payload = self._answer(method, args, token)
            elif parts.path.startswith("/upload/"):
                method, args = "upload", {"file_id": parts.path[len("/upload/") :], "length": len(body)}
                with self._lock:
                    if self._receive_upload(args["file_id"], body):
                        status, payload = 200, f"OK - {len(body)}"
            elif parts.path.startswith("/hooks/"):
                method, args = "response_url", _decode_args(handler, parts.query, body)
                with self._lock:
                    posted = self._responses_at.setdefault(parts.path, [])
                    if len(posted) >= RESPONSE_URL_USES:  # Slack: "up to five times within 30 minutes"
                        status, payload = 404, "used_url"
                    else:
                        self._responses.append({"path": parts.path, **copy.deepcopy(args)})
                        posted.append(self._responses[-1])
                        status, payload = 200, "ok"
        except Exception:  # a bug of the fake's own, or an undecodable body: 500, trace kept for the test
            self.server_errors.append(traceback.format_exc())
            status, headers, payload = 500, {}, "fake error"
        self._record(Call(method, args, token, time.monotonic(), status, copy.deepcopy(payload), parts.path))
        self._respond(handler, status, headers, payload)

    @staticmethod
    def _token(handler: BaseHTTPRequestHandler, args: dict[str, Any]) -> str | None:
        auth = handler.headers.get("Authorization") or ""
        arg_token = args.pop("token", None)
        if auth.lower().startswith("basic "):  # oauth.v2.access: the app's client id and secret
            args["_client_auth"] = auth[len("basic ") :].strip()
        if auth.lower().startswith("bearer "):
            return auth[len("bearer ") :].strip() or None
        return arg_token or None

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        for listener in list(self.listeners):
            try:
                listener(call)
            except Exception:  # a listener's bug must not break the API answer
                self.server_errors.append(traceback.format_exc())

    def _take_failure(self, method: str) -> _Failure | None:
        for failure in self._failures:
            if failure.method in (method, "*"):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _over_limit(self, method: str, args: dict[str, Any]) -> int | None:
        """Seconds to wait when this post would go over the conversation's rate limit (a token bucket)."""
        if self._limits is None or method not in RATE_LIMITED:
            return None
        per_second, burst = self._limits
        return _take(self._buckets, str(args.get("channel") or ""), per_second=per_second, burst=burst)

    def _over_tier(self, method: str, token: str | None) -> int | None:
        """Seconds to wait when this call would go over its method's tier for the workspace (a token bucket)."""
        tier = METHOD_TIERS.get(method)
        if not self._tiers or tier is None:
            return None
        per_minute = TIER_PER_MINUTE[tier]
        return _take(self._tier_buckets, (token or "", method), per_second=per_minute / 60.0, burst=per_minute)

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> tuple[int, dict[str, str], Any]:
        outage = self._outage
        if outage is not None and outage.down():
            if outage.status == 429:
                return 429, {"Retry-After": str(outage.retry_after)}, {"ok": False, "error": "ratelimited"}
            return outage.status, {}, http.HTTPStatus(outage.status).phrase
        wait = self._over_limit(method, args) or self._over_tier(method, token)
        if wait is not None:
            return 429, {"Retry-After": str(wait)}, {"ok": False, "error": "ratelimited"}
        failure = self._take_failure(method)
        if failure is not None:
            if failure.status == 429:
                limited = {"ok": False, "error": failure.error or "ratelimited"}
                return 429, {"Retry-After": str(failure.retry_after)}, limited
            if failure.status >= 500:
                return failure.status, {}, http.HTTPStatus(failure.status).phrase
            return failure.status, {}, {"ok": False, "error": failure.error or "internal_error"}
        api = getattr(self, "api_" + method.replace(".", "_"), None)
        if api is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        if method == "oauth.v2.access":  # authenticated by the app's client id and secret, not a token
            token = "xoxb-client-credentials" if args.get("_client_auth") else None
        if not token:
            return 200, {}, {"ok": False, "error": "not_authed"}
        if not token.startswith("xox"):
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        try:
            error = fakeslack_rules.check(method, args)
            if error is not None:
                raise SlackError(error)
            self._caller_token = token  # under the state lock, like the call itself
            return 200, {}, {"ok": True, **api(args)}
        except SlackError as exc:
            return 200, {}, {"ok": False, "error": exc.error, **exc.extra}

    @staticmethod
    def _respond(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], payload: Any) -> None:
        if isinstance(payload, str):
            data, content_type = payload.encode(), "text/plain; charset=utf-8"
        else:
            data, content_type = json.dumps(payload).encode(), "application/json; charset=utf-8"
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
