"""The HTTP face: one WSGI app for `POST /slack/events` and `GET /healthz`, served by waitress."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine

from storage.db import database_is_reachable

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"  # "Add to Slack" (OAuth mode only)
REDIRECT_PATH = "/slack/oauth_redirect"
StartResponse = Callable[..., Any]


def make_wsgi(app: App, engine: Engine) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Return the WSGI application: Slack's endpoint, a health check, the OAuth install pages, 404 for the rest."""
    slack = SlackRequestHandler(app, path=SLACK_PATH)
    oauth_paths = (INSTALL_PATH, REDIRECT_PATH) if app.oauth_flow is not None else ()

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == SLACK_PATH and method == "POST":
            return slack(environ, start_response)
        if path in oauth_paths and method == "GET":
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


def serve(wsgi: Callable[..., Iterable[bytes]], *, host: str, port: int, threads: int = 8) -> None:
    """Serve until interrupted, with waitress (a production WSGI server, pure Python)."""
    from waitress import serve as waitress_serve

    log.info("pmbot listening on http://%s:%s%s", host, port, SLACK_PATH)
    waitress_serve(wsgi, host=host, port=port, threads=threads, ident="pmbot", clear_untrusted_proxy_headers=True)
