"""`pmbot sandbox`'s options (kept apart so that `pmbot --help` imports nothing heavy)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime


def add_arguments(parser: argparse.ArgumentParser, *, instant: Callable[[str], datetime]) -> None:
    """--port, --db, --reset, --now and --no-browser; `instant` reads an ISO 8601 instant."""
    parser.add_argument("--port", type=int, default=3000, help="the page's port on 127.0.0.1 (default 3000)")
    parser.add_argument(
        "--db", default=None, metavar="URL", help="a database URL (default sqlite:///./pmbot-sandbox.db)"
    )
    parser.add_argument("--reset", action="store_true", help="start again from an empty workspace and database")
    parser.add_argument(
        "--now",
        type=instant,
        default=None,
        metavar="2026-11-23T08:00:00Z",
        help="the instant the sandbox clock starts at on a first start (default: now)",
    )
    parser.add_argument("--no-browser", dest="browser", action="store_false", help="do not open a web browser")
