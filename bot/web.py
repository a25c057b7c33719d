"""The HTTP face: one WSGI app for `POST /slack/events` and `GET /healthz`, served by waitress.

Hostile traffic is turned away as early and as cheaply as possible: waitress refuses a body over the limit
from its Content-Length alone (413) and closes connections that idle; the app reads at most the limit,
checks Slack's signature over the raw bytes, and only then lets anything parse them (400 if they do not).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine

from bot.manifest import INSTALL_PATH, REDIRECT_PATH, SLACK_PATH
from storage.db import database_is_reachable

if TYPE_CHECKING:
    from bot.app import PmbotApp

log = logging.getLogger(__name__)

MAX_DEPTH = 64  # Slack's payloads nest a dozen levels; deeper is an attack on the parser
StartResponse = Callable[..., Any]
Environ = dict[str, Any]

# Waitress buffers each request whole before a worker thread sees it, so slow clients cost connections,
# not threads. These keep /healthz answering while hundreds of them hang; beyond that, a proxy in front.
WAITRESS = {
    "threads": 8,
    "connection_limit": 500,  # waitress's default of 100 is filled by 100 half-sent requests
    "channel_timeout": 20,  # seconds a connection may idle before it is closed (Slack waits 3 s at most)
    "cleanup_interval": 5,  # how often idle connections are looked for
    "asyncore_use_poll": True,  # select() cannot watch more than 1024 sockets
    "max_request_header_size": 32 * 1024,
    "inbuf_overflow": 64 * 1024,  # a body larger than this waits in a temporary file, not in memory
    "ident": "pmbot",
    "clear_untrusted_proxy_headers": True,
}


class Refusal(Exception):
    """A request answered with an error before Bolt sees it."""

    def __init__(self, status: str, error: str) -> None:
        super().__init__(error)
        self.status, self.error = status, error


class BodyGuard:
    """Reads a request's body within the limit, checks its signature, then checks that Bolt can parse it."""

    def __init__(self, signing_secret: str | None, max_bytes: int) -> None:
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self.max_bytes = max_bytes

    def check(self, environ: Environ, *, signed: bool) -> None:
        """Raise Refusal, or leave the body in `environ` for Bolt to read again."""
        body = self.read(environ)
        try:
            body.decode("utf-8")  # Slack sends UTF-8 only, and slack_sdk's verifier cannot check anything else
        except UnicodeDecodeError:
            raise Refusal("400 Bad Request", "invalid_encoding") from None
        if signed and self.verifier is not None and not self.is_signed(environ, body):
            raise Refusal("401 Unauthorized", "invalid_signature")
        if signed:
            _parseable(body, environ.get("CONTENT_TYPE"))
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))

    def read(self, environ: Environ) -> bytes:
        declared = (environ.get("CONTENT_LENGTH") or "").strip()
        if declared and not declared.isdigit():
            raise Refusal("400 Bad Request", "invalid_content_length")
        if declared and int(declared) > self.max_bytes:
            raise Refusal("413 Content Too Large", "body_too_large")
        stream = environ.get("wsgi.input")
        body = stream.read(int(declared) if declared else self.max_bytes + 1) if stream is not None else b""
        if len(body) > self.max_bytes:
            raise Refusal("413 Content Too Large", "body_too_large")
        return bytes(body)

    def is_signed(self, environ: Environ, body: bytes) -> bool:
        assert self.verifier is not None
        timestamp, signature = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"), environ.get("HTTP_X_SLACK_SIGNATURE")
        try:
            return self.verifier.is_valid(body, timestamp, signature)
        except ValueError:  # a timestamp that is not a number
            return False


def _parseable(body: bytes, content_type: str | None) -> None:
    """Raise Refusal (400) unless Bolt's own parsing (slack_bolt.request.internals) would give it a mapping."""
    try:
        text = body.decode("utf-8")
        if not text:
            return
        if content_type == "application/json" or text.startswith("{"):
            parsed: Any = json.loads(text)
        else:
            form = dict(parse_qsl(text, keep_blank_values=True))
            parsed = json.loads(form["payload"]) if "payload" in form else form
    except (ValueError, RecursionError):
        raise Refusal("400 Bad Request", "malformed_body") from None
    if not isinstance(parsed, dict) or _depth(parsed) > MAX_DEPTH:
        raise Refusal("400 Bad Request", "malformed_body")


def _depth(value: Any) -> int:
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, depth = todo.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            todo.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            todo.extend((v, depth + 1) for v in item)
    return deepest


def make_wsgi(app: PmbotApp, engine: Engine) -> Callable[[Environ, StartResponse], Iterable[bytes]]:
    """Return the WSGI application: Slack's endpoint, a health check, the OAuth install pages, 404 for the rest."""
    slack = SlackRequestHandler(app, path=SLACK_PATH)
    settings = app.runtime.settings
    guard = BodyGuard(settings.signing_secret, settings.max_body_bytes)
    oauth_paths = (INSTALL_PATH, REDIRECT_PATH) if app.oauth_flow is not None else ()

    def wsgi(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if (path == SLACK_PATH and method == "POST") or (path in oauth_paths and method == "GET"):
            try:
                guard.check(environ, signed=method == "POST")
            except Refusal as refusal:
                log.debug("refused a request to %s: %s", path, refusal.error)
                return _json(start_response, refusal.status, {"ok": False, "error": refusal.error})
            return slack(environ, start_response)
        if path == "/healthz" and method in ("GET", "HEAD"):
            healthy = database_is_reachable(engine)
            body = {"ok": healthy, "database": "ok" if healthy else "unreachable"}
            return _json(start_response, "200 OK" if healthy else "503 Service Unavailable", body)
        return _json(start_response, "404 Not Found", {"ok": False, "error": "not_found"})

    return wsgi


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


WsgiApp = Callable[..., Iterable[bytes]]


def make_server(wsgi: WsgiApp, *, host: str, port: int, max_body_bytes: int, **extra: Any) -> Any:
    """A waitress server with pmbot's limits (`extra` overrides them), listening but not yet serving."""
    from waitress.server import create_server

    # waitress refuses a body of max_request_body_size bytes or more; the limit itself is allowed
    options = {**WAITRESS, "max_request_body_size": max_body_bytes + 1, **extra}
    return create_server(wsgi, host=host, port=port, **options)


def serve(wsgi: WsgiApp, *, host: str, port: int, max_body_bytes: int) -> None:
    """Serve until interrupted, with waitress (a production WSGI server, pure Python)."""
    server = make_server(wsgi, host=host, port=port, max_body_bytes=max_body_bytes)
    log.info("pmbot listening on http://%s:%s%s", host, port, SLACK_PATH)
    server.run()
