"""What the benchmarks share: throwaway databases, a real `pmbot serve` process, figures and tables."""

from __future__ import annotations

import json
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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
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
    with _postgres_database("") as url:
        yield url


@contextmanager
def postgres_copy(source_url: str) -> Iterator[str]:
    """Yield the URL of a new PostgreSQL database copied from the one at `source_url` (a template: nobody may be
    connected to it), faster than filling it again; drop it afterwards."""
    source = source_url.rsplit("/", 1)[1]
    with _postgres_database(f' TEMPLATE "{source}"') as url:
        yield url


@contextmanager
def _postgres_database(options: str) -> Iterator[str]:
    name = f"pmbot_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{options}'))
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


def serve_env(database_url: str, slack_api_url: str) -> dict[str, str]:
    """The environment of a pmbot process: this one's, with the bench's settings instead of any others."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT", "LOG_"))}
    return {
        **base,
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
    }


@dataclass(frozen=True)
class Served:
    """An HTTP process that answers: where, its process id (to read /proc/<pid>/status), how long it took to."""

    base_url: str
    pid: int
    startup_seconds: float


@dataclass(frozen=True)
class Child:
    """A process the bench started, and the file its output goes to."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def child(
    name: str, args: Sequence[str], env: dict[str, str], workdir: Path, *, unsummarized: tuple[str, ...] = ()
) -> Iterator[Child]:
    """Run `python <args>` with its output in a log file; stop it afterwards and print what it logged, counted.

    Lines holding any of `unsummarized` are left out of that count.
    """
    log_path = workdir / f"{name.replace(' ', '-')}-{uuid.uuid4().hex[:6]}.log"
    with log_path.open("wb") as log:
        # cwd: no stray .env or pmbot.db from the checkout
        proc = subprocess.Popen([sys.executable, *args], env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield Child(name, proc, log_path)
        finally:
            _stop(proc)
            lines = log_path.read_text(errors="replace").splitlines()
            summary = summarize_log("\n".join(line for line in lines if not any(s in line for s in unsummarized)))
            if summary:
                progress(f"{name} logged:\n" + summary)


@contextmanager
def serving(
    name: str, args: Sequence[str], env: dict[str, str], workdir: Path, timeout: float = 60
) -> Iterator[Served]:
    """Run `python <args>` with PORT set to a free port; yield it once GET /healthz answers 200; stop it afterwards."""
    port = free_port()
    started = time.monotonic()
    with child(name, args, {**env, "PORT": str(port)}, workdir) as process:
        base_url = f"http://127.0.0.1:{port}"
        _wait_healthy(process, base_url, timeout)
        yield Served(base_url, process.proc.pid, time.monotonic() - started)


PMBOT_SERVE = ("-m", "bot.cli", "serve")


@contextmanager
def pmbot_serve(database_url: str, slack_api_url: str, workdir: Path, timeout: float = 60) -> Iterator[str]:
    """Run a real `pmbot serve` process; yield its base URL once GET /healthz answers 200; stop it afterwards."""
    with serving("pmbot serve", PMBOT_SERVE, serve_env(database_url, slack_api_url), workdir, timeout) as served:
        yield served.base_url


def _wait_healthy(process: Child, base_url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.proc.poll() is not None:
            raise BenchError(f"{process.name} exited with {process.proc.returncode}:\n{_tail(process.log())}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    raise BenchError(f"{process.name} was not healthy within {timeout:.0f}s:\n{_tail(process.log())}")


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


def machine(kinds: Sequence[str] = ()) -> dict[str, Any]:
    """The facts about this machine that the figures depend on (with the PostgreSQL version when it is measured)."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    facts = {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg()[0],
    }
    if "postgresql" in kinds:
        facts["postgresql"] = postgres_version()
    return facts


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


RESULTS = ROOT / "bench" / "results"


def write_results(benchmark: str, results: dict[str, Any], info: dict[str, Any], params: dict[str, Any],
                  **extra: Any) -> Path:  # fmt: skip
    """Write a run's figures to bench/results/<benchmark>-<timestamp>.json (git-ignored); return the path."""
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{benchmark}-{stamp}.json"
    document = {"benchmark": benchmark, "at": stamp, "machine": info, "parameters": params, "results": results}
    path.write_text(json.dumps({**document, **extra}, indent=2, default=str) + "\n")
    return path


def finish(
    benchmark: str, results: dict[str, Any], info: dict[str, Any], params: dict[str, Any], failures: list[str]
) -> int:
    """Write the figures, say where, print each failed sanity check; return the exit status (1 if one failed)."""
    path = write_results(benchmark, results, info, params, failures=failures)
    print(f"figures written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


def run_main(main: Callable[[], int]) -> None:
    """A benchmark's entry point: its exit status, or 2 with one line when it cannot run."""
    try:
        sys.exit(main())
    except BenchError as err:
        print(f"bench: {err}", file=sys.stderr)
        sys.exit(2)
