"""The `pmbot` command: sandbox, serve, socket, scheduler, worker, status, run-due, migrate, manifest, new-key,
rotate-key."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.app import PmbotApp

log = logging.getLogger("pmbot")


def main(argv: Sequence[str] | None = None) -> int:
    """Run a pmbot command; return the process exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        needed = REQUIRES.get(args.command, ())
        # Installed over OAuth, each workspace's token comes from the database instead.
        settings.require(*(n for n in needed if not (settings.oauth and n == "SLACK_BOT_TOKEN")))
        if args.command in REQUIRES:
            settings.require_encryption()
    except SettingsError as err:
        print(f"pmbot: {err}", file=sys.stderr)
        return 2
    from bot.logs import configure

    configure(settings.log_level, settings.secrets())
    if args.command in REQUIRES and settings.oauth and not settings.encryption_keys:
        log.warning("PMBOT_ALLOW_PLAINTEXT_TOKENS is set: bot tokens are stored in the database IN CLEAR TEXT")
    return int(COMMANDS[args.command](settings, args) or 0)


ROTATE_KEY_SINGLE_WORKSPACE = (
    "pmbot rotate-key re-encrypts the bot tokens pmbot keeps in its database for workspaces installed over OAuth "
    "(SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set).\n"
    "This pmbot serves one workspace with SLACK_BOT_TOKEN, which lives in your environment, not in the database: "
    "there is nothing to re-encrypt. To replace that token, reinstall the app in Slack (OAuth & Permissions) "
    "and put the new token in SLACK_BOT_TOKEN."
)
REQUIRES = {
    "serve": ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
    "socket": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"),
    "scheduler": ("SLACK_BOT_TOKEN",),
    "worker": ("SLACK_BOT_TOKEN",),
    "run-due": ("SLACK_BOT_TOKEN",),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pmbot", description="pmbot: a Slack bot for IT project coordination")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    from sandbox.options import add_arguments

    sandbox = sub.add_parser("sandbox", help="try pmbot in a Slack-like page on port 3000: no Slack, no set-up")
    add_arguments(sandbox, instant=_instant)
    sub.add_parser("serve", help="serve the app over HTTP (POST /slack/events, GET /healthz) on $HOST:$PORT")
    sub.add_parser("socket", help="run the app over Socket Mode (needs SLACK_APP_TOKEN)")
    sub.add_parser("scheduler", help="run the scheduler process that does all timed work")
    worker = sub.add_parser(
        "worker", help="run a worker that shares the timed work and the sending with other workers (PostgreSQL)"
    )
    worker.add_argument("--concurrency", type=_positive, default=4, metavar="N", help="jobs run at once (default 4)")
    worker.add_argument(
        "--health-port", type=_positive, default=None, metavar="PORT", help="serve GET /healthz on this port"
    )
    sub.add_parser("status", help="print how much work waits: messages due, the oldest, jobs and workers")
    due = sub.add_parser("run-due", help="run the scheduled work due at an instant, once, and exit")
    due.add_argument(
        "--now",
        type=_instant,
        default=None,
        metavar="2026-11-23T17:00:00Z",
        help="the instant to run for (default: now); ISO 8601, UTC if no offset is given",
    )
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("new-key", help="print a new key for PMBOT_ENCRYPTION_KEY")
    sub.add_parser("rotate-key", help="re-encrypt every stored token with the first key of PMBOT_ENCRYPTION_KEY")
    manifest = sub.add_parser("manifest", help="print the Slack app manifest with request URLs filled in")
    manifest.add_argument("--url", default="https://pmbot.example.com", help="the public base URL of `pmbot serve`")
    manifest.add_argument("--socket", action="store_true", help="a manifest for Socket Mode (no request URLs)")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text!r}")
    return value


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {text!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _database(settings: Settings, *, migrate: bool = True):  # type: ignore[no-untyped-def]
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    return engine


STOP_GRACE_SECONDS = 10  # a stopping `serve` finishes the requests it acknowledged
SWITCH_SECONDS = 0.001


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    _database(settings)
    log.info("database schema is up to date")
    return 0


def cmd_serve(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.app import create_app, warm_up
    from bot.web import make_wsgi, serve

    engine = _database(settings)
    warm_up()  # dateparser's first call loads language data: pay for it now, not in a user's request
    signal.signal(signal.SIGTERM, _interrupt)  # a platform's stop is a clean stop, like Ctrl-C
    # The threads answering acknowledged requests keep the interpreter busy; a request arriving meanwhile must be
    # acknowledged at once, so the interpreter lets threads take turns sooner than its default 5 ms.
    sys.setswitchinterval(SWITCH_SECONDS)
    app = create_app(settings, engine)
    try:
        serve(make_wsgi(app, engine), host=settings.host, port=settings.port, max_body_bytes=settings.max_body_bytes)
    except KeyboardInterrupt:
        _finish(app, "serve")
    return 0


def _finish(app: PmbotApp, name: str) -> None:
    """Answer what was acknowledged and send what it queued (within STOP_GRACE_SECONDS), then stop the threads, so
    that no message Slack took goes unrecorded (it would be sent again)."""
    if not app.settle(timeout=STOP_GRACE_SECONDS):
        log.warning("pmbot %s stopped with work still running after %ss", name, STOP_GRACE_SECONDS)
    app.stop()
    log.info("pmbot %s stopped", name)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def cmd_socket(settings: Settings, _args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import create_app, warm_up

    engine = _database(settings)
    warm_up()
    signal.signal(signal.SIGTERM, _interrupt)
    app = create_app(settings, engine)
    try:
        SocketModeHandler(app, settings.app_token).start()  # type: ignore[no-untyped-call]
    except KeyboardInterrupt:
        _finish(app, "socket")
    return 0


def cmd_scheduler(settings: Settings, _args: argparse.Namespace) -> int:
    from bot import scheduler
    from bot.app import make_tokens
    from bot.jobs import policy_of
    from storage.db import session_factory

    engine = _database(settings)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    # The outbox retries failed sends itself (honouring Retry-After), so the sender's client does not.
    clients = make_tokens(settings, engine, patient=False).client_for
    factory = session_factory(engine)
    scheduler.run(engine, factory, clients, every=settings.tick_seconds, stop=stop, policy=policy_of(settings))
    return 0


WORKER_NEEDS_POSTGRESQL = (
    "pmbot worker shares the timed work and the sending among many processes through PostgreSQL, and DATABASE_URL "
    "is SQLite here.\n"
    "With SQLite there is nothing to start: `pmbot serve` (or `pmbot sandbox`) and `pmbot scheduler` do the same "
    "work in-process. To scale out, set DATABASE_URL to a PostgreSQL database "
    "(postgresql+psycopg://user:password@host/db), then run `pmbot worker` on as many machines as you like."
)


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.database_url.startswith("postgresql"):
        print(WORKER_NEEDS_POSTGRESQL, file=sys.stderr)
        return 2
    from bot import worker
    from bot.app import make_tokens
    from bot.jobs import policy_of
    from storage.db import session_factory

    engine = _database(settings)
    clients = make_tokens(settings, engine, patient=False).client_for
    runtime = worker.Runtime(engine, session_factory(engine), clients, policy=policy_of(settings))
    log.info("pmbot worker starting: %d jobs at once", args.concurrency)
    worker.run(
        settings.database_url,
        runtime,
        concurrency=args.concurrency,
        tick_seconds=settings.tick_seconds,
        health_port=args.health_port,
    )
    log.info("pmbot worker stopped")
    return 0


def cmd_status(settings: Settings, _args: argparse.Namespace) -> int:
    import json

    from bot.worker import queue_state
    from domain.clock import utcnow
    from storage.db import session_factory

    engine = _database(settings, migrate=False)  # a look, never a schema change
    now = utcnow()
    print(json.dumps(queue_state(session_factory(engine), now=now).as_dict(now), indent=2))
    return 0


def cmd_run_due(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import make_tokens
    from bot.jobs import policy_of, run_due
    from domain.clock import utcnow
    from storage.db import session_factory

    engine = _database(settings)
    clients = make_tokens(settings, engine, patient=False).client_for
    report = run_due(session_factory(engine), clients, now=args.now or utcnow(), policy=policy_of(settings))
    print(report.summary())
    return 0  # failed sends stay queued and are retried; the summary says how many


def cmd_sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from sandbox.runner import run

    return run(args, log_level=settings.log_level)


def cmd_new_key(_settings: Settings, _args: argparse.Namespace) -> int:
    from cryptography.fernet import Fernet

    print(Fernet.generate_key().decode())
    return 0


def cmd_rotate_key(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.app import make_tokens

    if not settings.oauth:
        print(ROTATE_KEY_SINGLE_WORKSPACE, file=sys.stderr)
        return 2
    if not settings.encryption_keys:
        print("pmbot: PMBOT_ENCRYPTION_KEY is not set: nothing to encrypt with", file=sys.stderr)
        return 2
    store = make_tokens(settings, _database(settings), patient=False).store
    assert store is not None  # REQUIRES makes sure pmbot is in OAuth mode
    log.info("re-encrypted the tokens of %d installations with the first key", store.reseal_all())
    return 0


def cmd_manifest(_settings: Settings, args: argparse.Namespace) -> int:
    from bot.manifest import render

    print(render(base_url=args.url, socket_mode=args.socket), end="")
    return 0


COMMANDS = {
    "sandbox": cmd_sandbox,
    "serve": cmd_serve,
    "socket": cmd_socket,
    "scheduler": cmd_scheduler,
    "worker": cmd_worker,
    "status": cmd_status,
    "run-due": cmd_run_due,
    "migrate": cmd_migrate,
    "manifest": cmd_manifest,
    "new-key": cmd_new_key,
    "rotate-key": cmd_rotate_key,
}

if __name__ == "__main__":
    sys.exit(main())
