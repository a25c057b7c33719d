"""The page's HTTP server on 127.0.0.1: the page and its static files, server-sent events, and a JSON API.

GET  /                       the page          GET /static/<file>   its CSS and JS (package data)
GET  /events                 server-sent events: {"version": n} after every change
GET  /api/workspace          people, channels, commands and shortcuts
GET  /api/snapshot?user=U..&channel=C..&thread=ts&home=1
GET  /api/file/<id>          a file pmbot uploaded (the risk heat map, an export, minutes)
POST /api/send | click | shortcut | submit | close | home | clock    (JSON bodies, JSON answers)

Only the page itself may use it: every request must name the server's own Host (127.0.0.1 or localhost at
its port, so a rebound DNS name gets nothing), and a POST must come from the page's own Origin (or Referer)
with a JSON body, which another web page cannot send without a CORS preflight this server never grants.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox import interactions, people
from sandbox.clock import ScheduledWork, next_local
from sandbox.core import Sandbox
from sandbox.snapshot import snapshot, workspace

log = logging.getLogger(__name__)

STATIC = files("sandbox").joinpath("static")
KEEPALIVE_SECONDS = 15.0
MAX_BODY_BYTES = 1024 * 1024
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


class PageServer(ThreadingHTTPServer):
    """Serves the page for one sandbox; `stopping` ends the event streams."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sb: Sandbox, work: ScheduledWork) -> None:
        self.sb = sb
        self.work = work
        self.stopping = threading.Event()
        super().__init__(address, _Handler)

    @property
    def origins(self) -> frozenset[str]:
        """The page's own origins: what Origin and Host may say."""
        port = self.server_address[1]
        return frozenset(f"http://{name}:{port}" for name in LOOPBACK_NAMES)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that went away mid-answer (a closed tab, a timed-out wait) is not an error worth a traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def stop(self) -> None:
        self.stopping.set()
        self.sb.changes.bump()  # wakes the event streams, which then end
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: PageServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("page: " + format, *args)

    # ---- GET

    def do_GET(self) -> None:
        if not self._for_this_page():
            self._send(403, "application/json", b'{"ok":false,"error":"wrong_host"}')
            return
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        path = parts.path
        if path in ("/", "/index.html"):
            self._static("index.html")
        elif path.startswith("/static/"):
            self._static(path[len("/static/") :])
        elif path == "/events":
            self._events()
        elif path == "/api/workspace":
            self._answer(lambda: workspace(self.server.sb))
        elif path == "/api/snapshot":
            self._answer(lambda: self._snapshot(query))
        elif path.startswith("/api/file/"):
            self._file(path[len("/api/file/") :])
        else:
            self._send(404, "application/json", b'{"ok":false,"error":"not_found"}')

    def _snapshot(self, query: dict[str, str]) -> dict[str, Any]:
        sb = self.server.sb
        now = self.server.work.clock.now().isoformat()
        channel, thread = query.get("channel") or None, query.get("thread") or None
        return snapshot(
            sb, query.get("user", ""), channel=channel, thread_ts=thread, home=bool(query.get("home")), now=now
        )

    def _static(self, name: str) -> None:
        if "/" in name or name.startswith(".") or not STATIC.joinpath(name).is_file():
            self._send(404, "text/plain", b"not found")
            return
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        self._send(200, kind + ("; charset=utf-8" if kind.startswith("text/") or kind.endswith("javascript") else ""),
                   STATIC.joinpath(name).read_bytes(), cache=False)  # fmt: skip

    def _file(self, file_id: str) -> None:
        upload = self.server.sb.fake.upload(file_id)
        if upload is None or upload.get("content") is None:
            self._send(404, "text/plain", b"not found")
            return
        kind = mimetypes.guess_type(upload["filename"])[0] or "application/octet-stream"
        self._send(200, kind + ("; charset=utf-8" if kind.startswith("text/") else ""), upload["content"])

    def _events(self) -> None:
        """Server-sent events: the version after each change; a comment now and then keeps the line open."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        changes, stopping = self.server.sb.changes, self.server.stopping
        seen = -1
        try:
            self.wfile.write(b"retry: 1000\n\n")
            while not stopping.is_set():
                version = changes.wait(seen, KEEPALIVE_SECONDS) if seen >= 0 else changes.version
                if stopping.is_set():
                    break
                if version != seen:
                    self.wfile.write(f"data: {json.dumps({'version': version})}\n\n".encode())
                    seen = version
                else:
                    self.wfile.write(b": keepalive\n\n")
                self.wfile.flush()
        except OSError:  # the page went away
            pass

    # ---- POST

    def do_POST(self) -> None:
        refused = self._refusal()
        if refused is not None:
            self.close_connection = True  # the body, if any, is left unread
            status, error = refused
            self._send(status, "application/json", json.dumps({"ok": False, "error": error}).encode())
            return
        try:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        except (ValueError, RecursionError):
            self._send(400, "application/json", b'{"ok":false,"error":"invalid_json"}')
            return
        route = ROUTES.get(urlsplit(self.path).path)
        if route is None or not isinstance(body, dict):
            self._send(404, "application/json", b'{"ok":false,"error":"not_found"}')
            return
        self._answer(lambda: route(self.server, body))

    def _for_this_page(self) -> bool:
        return f"http://{self.headers.get('Host', '')}" in self.server.origins

    def _refusal(self) -> tuple[int, str] | None:
        """Why a POST is refused (status, error), or None: it must be the page's own, in JSON, of a sane size."""
        if not self._for_this_page():
            return 403, "wrong_host"
        origin = self.headers.get("Origin")
        if origin is None:  # some browsers leave Origin out of same-origin requests; Referer then says it
            referer = urlsplit(self.headers.get("Referer", ""))
            origin = f"{referer.scheme}://{referer.netloc}"
        if origin not in self.server.origins:
            return 403, "cross_origin"
        if self.headers.get_content_type() != "application/json":
            return 403, "not_json"
        length = self.headers.get("Content-Length", "")
        if not length.isdigit():
            return 411, "length_required"
        if int(length) > MAX_BODY_BYTES:
            return 413, "body_too_large"
        return None

    # ---- answers

    def _answer(self, make: Callable[[], dict[str, Any]]) -> None:
        try:
            status, data = 200, make()
        except (LookupError, ValueError, TypeError) as err:
            status, data = 400, {"ok": False, "error": str(err)}
        except Exception:
            log.error("sandbox page request failed:\n%s", traceback.format_exc())
            status, data = 500, {"ok": False, "error": "internal_error"}
        self._send(status, "application/json", json.dumps(data).encode())

    def _send(self, status: int, kind: str, data: bytes, *, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "max-age=60" if cache else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")  # an uploaded file is never read as a page
        self.end_headers()
        self.wfile.write(data)


def _clock(server: PageServer, body: dict[str, Any]) -> dict[str, Any]:
    """+1 hour, +1 day, or the next 09:00 in the viewer's zone; the due work runs on the way."""
    now = server.work.clock.now()
    step = body.get("step")
    if step == "hour":
        to = now + timedelta(hours=1)
    elif step == "day":
        to = now + timedelta(days=1)
    elif step == "next0900":
        to = next_local(now, server.sb.user(str(body["user"]))["tz"] or "UTC", 9, 0)  # Slack may give no zone
    elif isinstance(body.get("to"), str):
        to = datetime.fromisoformat(body["to"].replace("Z", "+00:00"))
    else:
        raise ValueError("step is one of hour, day, next0900 (or give `to`)")
    if to.tzinfo is None:
        raise ValueError("`to` needs a UTC offset")
    reports = server.work.advance(to)
    server.sb.changes.bump()
    sent = sum(r.delivery.sent for r in reports)
    return {"ok": True, "now": server.work.clock.now().isoformat(), "runs": len(reports), "sent": sent}


def _user(body: dict[str, Any]) -> str:
    user = body.get("user")
    if not isinstance(user, str) or not user:
        raise ValueError("`user` is required")
    return user


ROUTES: dict[str, Callable[[PageServer, dict[str, Any]], dict[str, Any]]] = {
    "/api/send": lambda s, b: people.send(s.sb, _user(b), str(b["channel"]), str(b["text"]), b.get("thread_ts")),
    "/api/home": lambda s, b: people.open_home(s.sb, _user(b)),
    "/api/click": lambda s, b: interactions.click(s.sb, _user(b), b),
    "/api/shortcut": lambda s, b: interactions.shortcut(
        s.sb, _user(b), str(b["channel"]), str(b["ts"]), str(b["callback_id"])
    ),
    "/api/submit": lambda s, b: interactions.submit(s.sb, _user(b), str(b["view_id"]), dict(b.get("values") or {})),
    "/api/close": lambda s, b: interactions.close(s.sb, _user(b), str(b["view_id"]), everything=bool(b.get("all"))),
    "/api/clock": _clock,
}
