"""The sandbox page obeys only itself: its own Host, its own Origin, JSON bodies; and it keeps off real databases."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Workspace
from tests.test_sandbox_process import PMBOT, sandbox

SEND = {"user": "U0BER", "channel": "C0APOLLO", "text": "hello from the page"}


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with sandbox(tmp_path_factory.mktemp("sandbox")) as (address, _seconds):
        yield address


def request(url: str, path: str, *, method: str = "POST", kind: str = "application/json", **headers: str) -> int:
    """Send one request with exactly these headers (Host too, if given); answer the status."""
    data = json.dumps(SEND).encode() if method == "POST" else None
    sent = urllib.request.Request(url + path, data=data, method=method, headers={"Content-Type": kind, **headers})
    try:
        with urllib.request.urlopen(sent, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code)


def test_the_pages_own_requests_work(url: str) -> None:
    """200 for a JSON POST from the page's origin, by Origin or (if a browser leaves it out) by Referer."""
    own = url.rstrip("/")
    assert 200 == request(url, "api/send", Origin=own)
    assert 200 == request(url, "api/send", Referer=url + "?as=U0BER")
    localhost = own.replace("127.0.0.1", "localhost")
    assert 200 == request(url, "api/send", Origin=localhost, Host=localhost[7:])


def test_another_sites_post_is_refused(url: str) -> None:
    """403 for a POST from another origin, or with no origin at all."""
    assert 403 == request(url, "api/send", Origin="https://evil.example")
    assert 403 == request(url, "api/clock", Referer="https://evil.example/x")
    assert 403 == request(url, "api/send")


def test_a_text_plain_post_is_refused_even_from_the_page(url: str) -> None:
    """403 for text/plain, the body type any page may send across sites without asking first."""
    assert 403 == request(url, "api/send", Origin=url.rstrip("/"), kind="text/plain")


def test_a_wrong_host_gets_nothing(url: str) -> None:
    """403 for a GET or POST naming another Host, as a DNS-rebound page would."""
    port = url.rstrip("/").rsplit(":", 1)[1]
    evil = f"evil.example:{port}"
    assert 403 == request(url, "api/workspace", method="GET", Host=evil)
    assert 403 == request(url, "api/send", Host=evil, Origin=f"http://{evil}")


def test_a_cors_preflight_is_never_granted(url: str) -> None:
    """No OPTIONS answer that would let another site send JSON."""
    assert 200 != request(url, "api/send", method="OPTIONS", Origin="https://evil.example")


def test_a_database_holding_other_workspaces_is_refused(tmp_path: Path) -> None:
    """Exit 2 with a clear line for --db naming a real pmbot's database, even with --reset, which then drops nothing."""
    url = f"sqlite:///{tmp_path / 'production.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(insert(Workspace).values(team_id="T0REAL", name="Real", created_at=datetime.now(UTC)))
    engine.dispose()
    done = subprocess.run([str(PMBOT), "sandbox", "--db", url, "--reset", "--no-browser"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert 2 == done.returncode
    assert "refusing --db: it holds the data of other workspaces (T0REAL)" in done.stderr
    with engine.connect() as conn:
        assert 1 == conn.scalar(select(func.count()).select_from(Workspace))
