"""`pmbot sandbox` as a new user starts it: no credentials, a free port, answering within seconds, and a
second start showing what the first one left; Ctrl-C stops it cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storage.db import make_engine
from storage.models import Project

PMBOT = Path(sys.executable).parent / "pmbot"
# The first start opens on the whole seeded conversation, sent at Slack's pace: #proj-apollo's twelve cards take about
# ten seconds after a burst of three. Later starts answer at once. The bound catches a start that waits on something
# it should not (a lock, Slack, the network) with room for a busy machine: a loaded CI run once took 16 s.
START_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as answer:
        body = answer.read()
        return json.loads(body) if "json" in answer.headers.get("Content-Type", "") else body.decode()


@contextmanager
def sandbox(cwd: Path, *args: str) -> Iterator[tuple[str, float]]:
    """Start `pmbot sandbox` in `cwd` without any Slack setting; yield its URL and how long it took to answer."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT"))}
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(PMBOT), "sandbox", "--port", str(port), "--no-browser", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            try:
                get(url + "api/workspace")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() - started > 2 * START_SECONDS:
                    raise AssertionError(f"pmbot sandbox did not answer: {proc.communicate()[0]}") from None
                time.sleep(0.1)
        yield url, time.monotonic() - started
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
            raise AssertionError(f"Ctrl-C did not stop pmbot sandbox:\n{output}") from None
    assert 0 == proc.returncode, output
    assert f"pmbot sandbox: {url}" in output


def conversation(url: str) -> list[str]:
    snap = get(url + "api/snapshot?user=U0BER&channel=C0APOLLO")
    return [f"{m['ts']} {m['text']}" for m in snap["messages"]]


@pytest.mark.slow
def test_sandbox_starts_without_set_up_and_keeps_its_workspace(tmp_path: Path) -> None:
    with sandbox(tmp_path) as (url, seconds):
        assert seconds < START_SECONDS
        page = get(url)
        assert "<title>pmbot sandbox</title>" in page and "you-are" in page
        assert "static/app.js" in page and "http" not in page.split("<body>")[0].replace("http-equiv", "")
        workspace = get(url + "api/workspace")
        zones = {u["tz"] for u in workspace["users"]}
        assert {"America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Auckland"} == zones
        first = conversation(url)
        assert any("A-1 send the vendor contract draft" in m for m in first)
        assert any("R-1 vendor may slip" in m for m in first) and any("D-1" in m for m in first)
        clock = get(url + "api/snapshot?user=U0BER")["now"]
    assert (tmp_path / "pmbot-sandbox.db").is_file()
    assert not (tmp_path / "pmbot.db").exists()  # never the production default
    engine = make_engine(f"sqlite:///{tmp_path / 'pmbot-sandbox.db'}")
    with engine.connect() as db:  # seeded in the lead's zone, as `/pm config tz` set it; nobody works in UTC
        projects = sorted(db.execute(select(Project.channel_id, Project.time_zone)))
        assert [("C0APOLLO", "Europe/Berlin"), ("C0PAYMENTS", "America/Los_Angeles")] == projects
    engine.dispose()
    with sandbox(tmp_path) as (url, _):
        assert first == conversation(url)[: len(first)]  # the same conversation, nothing seeded twice
        assert get(url + "api/snapshot?user=U0BER")["now"] >= clock
    with sandbox(tmp_path, "--reset", "--now", "2026-11-23T06:00:00Z") as (url, _):
        again = conversation(url)  # seeded afresh on a Monday morning (what is due then differs from a Friday's)
        assert again != first and again[0].split(" ", 1)[1] == first[0].split(" ", 1)[1]
        assert any("A-1 send the vendor contract draft" in m for m in again)
        assert get(url + "api/snapshot?user=U0BER")["now"].startswith("2026-11-23T06:00")


@pytest.mark.slow
def test_the_seeded_lead_is_the_projects_lead(tmp_path: Path) -> None:
    """The seed's `/pm config leads @lead-berlin` is taken: she created the channel, so nobody sees a refusal; and
    `@pm-la` leads #proj-payments, which he created."""
    with sandbox(tmp_path) as (url, _):
        said = conversation(url)
    assert [] == [m for m in said if "first leads are named" in m]
    engine = make_engine(f"sqlite:///{tmp_path / 'pmbot-sandbox.db'}")
    with engine.connect() as db:
        leads = {channel: users for channel, users in db.execute(select(Project.channel_id, Project.lead_user_ids))}
        assert {"C0APOLLO": ["U0BER"], "C0PAYMENTS": ["U0LAX"]} == leads
    engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.0, 0.3, 0.8])
def test_ctrl_c_during_start_up_still_stops_cleanly(tmp_path: Path, after: float) -> None:
    """A Ctrl-C that lands while the sandbox is still migrating, seeding or starting its threads (`after` seconds
    after it said it is starting) ends it with status 0 and leaves a database a later start opens."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT"))}
    args = [str(PMBOT), "sandbox", "--port", str(port), "--no-browser"]
    proc = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    seen = [proc.stdout.readline()]
    while "pmbot sandbox: starting" not in seen[-1] and seen[-1]:
        seen.append(proc.stdout.readline())
    time.sleep(after)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=30)
    assert 0 == proc.returncode, "".join(seen) + output
    assert "Traceback" not in output
    with sandbox(tmp_path) as (url, _):
        assert get(url + "api/workspace")["users"]
