"""What the benchmarks share: throwaway databases, a real `pmbot serve` process, figures and tables."""

from __future__ import annotations

import os
import platform
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-bench-token"
PG_ADMIN_URL = os.environ.get("PMBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATABASES = ("sqlite", "postgresql")
_STARTED = time.monotonic()


class BenchError(Exception):
    """A benchmark could not run, or a sanity check failed."""


def progress(message: str) -> None:
    """Print one progress line, stamped with the seconds since the benchmark started."""
    print(f"[{time.monotonic() - _STARTED:7.1f}s] {message}", flush=True)


@contextmanager
def fresh_database(kind: str, workdir: Path) -> Iterator[str]:
    """Yield the URL of a new, empty database of `kind`; a PostgreSQL one is dropped afterwards."""
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="sqlite-", dir=workdir)) / "pmbot-bench.db"
        yield f"sqlite:///{path}"
        return
    name = f"pmbot_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def free_port() -> int:
    """Return a TCP port that is free on the loopback interface right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_env(database_url: str, slack_api_url: str, port: int) -> dict[str, str]:
    """The environment of a `pmbot serve` process: this one's, with the bench's settings instead of any others."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT", "LOG_"))}
    return {
        **base,
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api_url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }


@contextmanager
def pmbot_serve(database_url: str, slack_api_url: str, workdir: Path, timeout: float = 60) -> Iterator[str]:
    """Run a real `pmbot serve` process; yield its base URL once GET /healthz answers 200; stop it afterwards."""
    port = free_port()
    log_path = workdir / f"serve-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve"],
            env=serve_env(database_url, slack_api_url, port),
            cwd=workdir,  # no stray .env or pmbot.db from the checkout
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_healthy(proc, base_url, timeout, log_path)
            yield base_url
        finally:
            _stop(proc)
            summary = summarize_log(log_path.read_text(errors="replace"))
            if summary:
                progress("pmbot serve logged:\n" + summary)


def _wait_healthy(proc: subprocess.Popen[bytes], base_url: str, timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"pmbot serve exited with {proc.returncode}:\n{_tail(log_path.read_text())}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    raise BenchError(f"pmbot serve was not healthy within {timeout:.0f}s:\n{_tail(log_path.read_text())}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def summarize_log(text_: str, top: int = 8) -> str:
    """Count a log's lines by message, timestamps and numbers left out: "  120x WARNING waitress.queue: ..."."""
    counts: Counter[str] = Counter()
    for line in text_.splitlines():
        message = re.sub(r"^\d{4}-\d\d-\d\d [\d:,]+ ", "", line.strip())
        if message:
            counts[re.sub(r"\d+", "N", message)[:160]] += 1
    return "\n".join(f"  {n:6d}x {message}" for message, n in counts.most_common(top))


def _tail(text_: str, lines: int = 25) -> str:
    return "\n".join(text_.splitlines()[-lines:])


def percentile(values: Sequence[float], pct: float) -> float:
    """Return the `pct` percentile of `values` (nearest rank); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def machine() -> dict[str, Any]:
    """The facts about this machine that the figures depend on."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg()[0],
    }


def postgres_version() -> str:
    """Return the PostgreSQL server's version, or why it is unknown."""
    admin = create_engine(PG_ADMIN_URL)
    try:
        with admin.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar())
    except Exception as err:
        return f"unreachable ({type(err).__name__})"
    finally:
        admin.dispose()


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Render rows as a plain-text table: the first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in header], *[[_cell(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        first = row[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))]).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
