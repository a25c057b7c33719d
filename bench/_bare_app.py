"""The baseline for `bench.production`: a Bolt app that only acks, served the way `pmbot serve` serves pmbot.

python -m bench._bare_app --threads 8   (with SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL and PORT set)

Same waitress arguments and the same routing as bot/web.py, without importing it: bot/web.py pulls in
SQLAlchemy, which would blur the memory baseline. Requests are signature-checked (Bolt's default), and the one
Web API call Bolt makes (auth.test, on the first request) goes to SLACK_API_URL, as pmbot's calls do.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress import serve

SLACK_PATH = "/slack/events"  # bot.manifest.SLACK_PATH
StartResponse = Callable[..., Any]


def only_ack(ack: Ack) -> None:
    ack()


def make_wsgi(app: App) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Slack's endpoint, a health check that always answers, and 404 for the rest."""
    slack = SlackRequestHandler(app, path=SLACK_PATH)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == SLACK_PATH and method == "POST":
            return slack(environ, start_response)
        status = "200 OK" if path == "/healthz" and method in ("GET", "HEAD") else "404 Not Found"
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", "2")])
        return [b"{}"]

    return wsgi


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench._bare_app", description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, required=True, help="waitress threads, as many as `pmbot serve` has")
    args = parser.parse_args()
    app = App(
        # The token goes to the client only: Bolt would read SLACK_BOT_TOKEN too, and warn that it is unused.
        client=WebClient(token=os.environ.pop("SLACK_BOT_TOKEN"), base_url=os.environ["SLACK_API_URL"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=True,  # as pmbot: the listener finishes before the answer goes out
        token_verification_enabled=False,
    )
    app.command(re.compile(".*"))(only_ack)
    serve(
        make_wsgi(app),
        host="0.0.0.0",
        port=int(os.environ["PORT"]),
        threads=args.threads,
        ident="pmbot",
        clear_untrusted_proxy_headers=True,
    )


if __name__ == "__main__":
    main()
