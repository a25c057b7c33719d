"""Logging set-up: one line per record, secrets redacted wherever they appear (tracebacks too)."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

TOKEN = re.compile(r"xox[abpre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Format a record, then replace Slack tokens and the configured secrets with a marker."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__(FORMAT)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = TOKEN.sub("[redacted]", super().format(record))
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text


def configure(level: str, secrets: Iterable[str]) -> None:
    """Send logs to stderr at `level`, redacting secrets."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Third-party chatter only at WARNING and above unless asked for DEBUG (storage.migrate says what changed).
    for noisy in ("slack_bolt", "slack_sdk", "apscheduler", "waitress", "alembic"):
        logging.getLogger(noisy).setLevel(level if level == "DEBUG" else "WARNING")
