"""`pmbot sandbox`: the real app, a Slack stand-in, a Slack-like page and a sandbox clock, in one process.

No Slack credentials and no set-up: the app gets a sandbox token and a fresh signing secret, its Web
API calls go to the stand-in (SLACK_API_URL), and the page's server signs every request it forwards,
as Slack does. The database is `./pmbot-sandbox.db` unless `--db` says otherwise.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import sys
import threading
import webbrowser
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from sandbox import seed, store
from sandbox.clock import SandboxClock, ScheduledWork
from sandbox.core import Sandbox
from sandbox.page import PageServer
from sandbox.signing import SignedPoster
from sandbox.standin import FakeSlack
from sandbox.standin.methods import APP_ID

log = logging.getLogger("pmbot")

SAVE_EVERY = 1.0  # seconds
TICK_EVERY = 15.0  # seconds of real time between runs of the due work while the clock just ticks


class AppServer:
    """The app's WSGI endpoint (`pmbot serve`'s) on waitress, on a free loopback port."""

    def __init__(self, wsgi: Any) -> None:
        from bot.settings import MAX_BODY_DEFAULT
        from bot.web import make_server

        self.server = make_server(wsgi, host="127.0.0.1", port=0, max_body_bytes=MAX_BODY_DEFAULT,
                                  asyncore_loop_timeout=0.05)  # fmt: skip
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-app", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # Drive waitress's loop here so that closing happens on this thread (closing from another races select()).
        while not self._stopping.is_set():
            self.server.asyncore.loop(timeout=0.05, map=self.server._map, count=1)
        self.server.close()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)


class Saver:
    """Saves the clock and the workspace whenever they changed (at most once a second), and at the end."""

    def __init__(self, engine: Engine, sb: Sandbox, clock: SandboxClock) -> None:
        self.engine, self.sb, self.clock = engine, sb, clock
        self._saved = -1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sandbox-saver", daemon=True)
        self._thread.start()

    def save(self) -> None:
        version = self.sb.changes.version
        store.save(self.engine, {"clock": self.clock.now().isoformat(), **self.sb.export_state()})
        self._saved = version

    def _loop(self) -> None:
        while not self._stop.wait(SAVE_EVERY):
            if self.sb.changes.version != self._saved:
                try:
                    self.save()
                except Exception:
                    log.exception("saving the sandbox failed; trying again in a second")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.save()


def run(args: argparse.Namespace, *, log_level: str = "INFO") -> int:
    """Run the sandbox until Ctrl-C (SIGINT) or SIGTERM; answer the exit status."""
    from bot import manifest
    from bot.app import create_app, warm_up
    from bot.settings import load_settings
    from bot.slack_client import make_client
    from bot.web import make_wsgi
    from storage.db import make_engine, session_factory
    from storage.migrate import upgrade

    # Ctrl-C or SIGTERM at any moment, start-up included, ends in the same orderly stop below.
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print("pmbot sandbox: starting", flush=True)
    url = args.db or store.default_url(Path.cwd())
    others = store.foreign_teams(url, FakeSlack.team_id)
    if others:
        print(
            f"pmbot sandbox: refusing --db: it holds the data of other workspaces ({', '.join(others)}); "
            "the sandbox needs a database of its own (leave out --db, or give a new one)",
            file=sys.stderr,
        )
        return 2
    if args.reset:
        store.reset(url)
    engine = make_engine(url)
    upgrade(engine)
    saved = store.load(engine)
    start = datetime.fromisoformat(saved["clock"]) if saved else (args.now or datetime.now(UTC))
    clock = SandboxClock(start)
    fake = FakeSlack(clock=clock.timestamp).start()
    fake.enforce_tiers()  # Slack's per-method limits, as a real workspace would hold pmbot to them
    secret = secrets.token_hex(16)
    env = {"SLACK_BOT_TOKEN": "xoxb-sandbox-token", "SLACK_SIGNING_SECRET": secret, "SLACK_API_URL": fake.url,
           "DATABASE_URL": url, "LOG_LEVEL": log_level}  # fmt: skip
    settings = load_settings(env, dotenv=None)
    warm_up()
    app = create_app(settings, engine, clock=clock.now)
    app_server = AppServer(make_wsgi(app, engine))
    poster = SignedPoster(app_server.url, secret, team_id=fake.team_id, api_app_id=APP_ID,
                          bot_user_id=fake.bot_user_id, settle=app.settle)  # fmt: skip
    sb = Sandbox(fake, poster, manifest.load())
    if saved:
        sb.restore(saved)
    else:
        seed.people_and_channels(fake)
    work = ScheduledWork(clock, session_factory(engine), make_client(settings, patient=False),
                         delivery=app.delivery, on_step=lambda _at: sb.changes.bump())  # fmt: skip
    try:
        page = PageServer(("127.0.0.1", args.port), sb, work)
    except OSError as err:
        print(f"pmbot sandbox: cannot listen on 127.0.0.1:{args.port} ({err.strerror}); try --port", file=sys.stderr)
        app_server.stop()
        fake.stop()
        engine.dispose()
        return 1
    if not saved:
        seed.conversation(sb)
    work.tick()
    app.delivery.drain()  # the page opens on the whole seeded conversation, sent at Slack's pace
    saver = Saver(engine, sb, clock)
    work.start(every=TICK_EVERY)
    # Serve only now, with everything running: a browser that came early waits in the listen queue.
    threading.Thread(target=page.serve_forever, kwargs={"poll_interval": 0.1}, name="sandbox-page", daemon=True).start()
    print(f"pmbot sandbox: {page.url}  (app at {app_server.url}/slack/events; Ctrl-C stops it)", flush=True)
    if args.browser and _can_open_a_browser():
        webbrowser.open(page.url)
    stop.wait()
    print("pmbot sandbox: stopping", flush=True)
    page.stop()
    work.stop()
    saver.stop()
    app_server.stop()
    app.stop()
    fake.stop()
    engine.dispose()
    return 0


def _can_open_a_browser() -> bool:
    """Only where a person sits at a graphical session: never a text browser over the terminal, never in CI."""
    if not sys.stdout.isatty() or os.environ.get("CI"):
        return False
    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
