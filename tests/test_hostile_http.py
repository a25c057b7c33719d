"""Hostile traffic against the real server: huge bodies, slow clients, malformed bodies; and the secrets rules."""

from __future__ import annotations

import io
import logging
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.jobs import policy_of, run_due
from bot.settings import MAX_BODY_DEFAULT
from bot.slack_client import make_client
from bot.web import make_wsgi
from domain.clock import utcnow
from sandbox.standin import FakeSlack
from storage.models import OAUTH_STATES
from tests.conftest import PROJECT_CHANNEL, RunningServer
from tests.slack_requests import FORM, JSON, SlackSender
from tests.test_installs import get, oauth_settings
from tests.test_processes import _env, _free_port, _process

MB = 1024 * 1024


@contextmanager
def serving(engine: Engine, fake: FakeSlack, cwd: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A real `pmbot serve` process, once its /healthz answers; yield it and its base URL."""
    port = _free_port()
    with _process(["serve"], _env(engine, fake, PORT=str(port), HOST="127.0.0.1"), cwd) as proc:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "pmbot serve did not start"
                time.sleep(0.1)
        yield proc, url


def memory_kb(pid: int) -> dict[str, int]:
    """The process's resident memory now (VmRSS) and at its peak (VmHWM), in kB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return {name: int(fields[name].split()[0]) for name in ("VmRSS", "VmHWM")}


def status_of(sock: socket.socket, timeout: float = 5.0) -> int:
    """Read an HTTP answer's status code from a raw socket."""
    sock.settimeout(timeout)
    head = b""
    while b"\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return int(head.split(b" ", 2)[1])


def flood(sock: socket.socket, size: int, *, chunked: bool) -> None:
    """Send `size` bytes of body as fast as the server takes them, until it hangs up."""
    block = b"a" * (64 * 1024)
    try:
        for _ in range(size // len(block)):
            sock.sendall(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
    except OSError:  # the server answered and closed: what it was meant to do
        pass


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_32_mb_body_is_refused_at_once_with_bounded_memory(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path, chunked: bool
) -> None:
    """413 within a second for a 32 MB body (declared or chunked), and the server's memory barely moves."""
    size = 32 * MB
    with serving(engine, fake_slack, tmp_path) as (proc, url):
        before = memory_kb(proc.pid)
        framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % size
        with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1]))) as sock:
            started = time.monotonic()
            sock.sendall(
                b"POST /slack/events HTTP/1.1\r\nHost: pmbot\r\nContent-Type: %s\r\n%s\r\n\r\n"
                % (FORM.encode(), framing)
            )
            sender = threading.Thread(target=flood, args=(sock, size), kwargs={"chunked": chunked})
            sender.start()
            status = status_of(sock)
            elapsed = time.monotonic() - started
            sender.join(timeout=10)
        after = memory_kb(proc.pid)
        with urllib.request.urlopen(url + "/healthz", timeout=5) as health:
            assert 200 == health.status
    print(f"\n32 MB body ({'chunked' if chunked else 'declared'}): {status} in {elapsed * 1000:.0f} ms; "
          f"RSS {before['VmRSS']} -> {after['VmRSS']} kB, peak {before['VmHWM']} -> {after['VmHWM']} kB")  # fmt: skip
    assert 413 == status
    assert elapsed < 1.0
    assert after["VmHWM"] - before["VmRSS"] < 8 * 1024  # kB: far below the 32 MB sent


def test_slow_clients_holding_connections_do_not_stop_healthz(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """/healthz answers within a second while 300 clients hang on half-sent requests (105 used to stop it)."""
    with serving(engine, fake_slack, tmp_path) as (_proc, url), ExitStack() as hung:
        port = int(url.rsplit(":", 1)[1])
        for n in range(300):
            sock = hung.enter_context(socket.create_connection(("127.0.0.1", port)))
            half = (
                b"POST /slack/events HTTP/1.1\r\nHost: pmbot\r\nContent-Length: 1000\r\n\r\n{" if n % 2 else b"GET /he"
            )
            sock.sendall(half)
        latencies = []
        for _ in range(5):
            started = time.monotonic()
            with urllib.request.urlopen(url + "/healthz", timeout=5) as health:
                assert 200 == health.status
            latencies.append(time.monotonic() - started)
    print(f"\n/healthz under 300 slow clients: worst {max(latencies) * 1000:.0f} ms")
    assert max(latencies) < 1.0


class Endless(io.RawIOBase):
    """A request body that never ends, counting what was read of it."""

    def __init__(self) -> None:
        self.taken = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert size >= 0, "an unbounded read of a request body"
        self.taken += size
        return b"a" * size


def test_a_body_without_content_length_is_read_only_to_the_limit(app: Any, engine: Engine) -> None:
    """413 after reading the limit plus one byte of a body that declares no length (under any WSGI server)."""
    body = Endless()
    answered: list[str] = []
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "wsgi.input": body, "CONTENT_TYPE": FORM}
    make_wsgi(app, engine)(environ, lambda status, _headers: answered.append(status))
    assert ["413 Content Too Large"] == answered
    assert MAX_BODY_DEFAULT + 1 == body.taken


def test_a_declared_length_over_the_limit_is_refused_before_reading(app: Any, engine: Engine) -> None:
    """413 from the Content-Length alone: not a byte of the body is read."""
    body = Endless()
    answered: list[str] = []
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "wsgi.input": body,
               "CONTENT_LENGTH": str(32 * MB), "CONTENT_TYPE": FORM}  # fmt: skip
    make_wsgi(app, engine)(environ, lambda status, _headers: answered.append(status))
    assert ["413 Content Too Large"] == answered
    assert 0 == body.taken


NESTED = b"[" * 100_000 + b"]" * 100_000
MALFORMED = {
    "deeply nested json": (b'{"a":' + NESTED + b"}", JSON),
    "nested past the depth limit": (b'{"a":' + b"[" * 200 + b"]" * 200 + b"}", JSON),
    "json that is not an object": (b"[1, 2]", JSON),
    "bad json": (b'{"type": ', JSON),
    "bad form payload": (b"payload=%7Bnot-json", FORM),
    "nested form payload": (b"payload=" + NESTED, FORM),
}


@pytest.mark.parametrize("body, kind", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_bodies_are_401_unsigned_and_400_signed_without_a_traceback(
    slack: SlackSender, caplog: pytest.LogCaptureFixture, body: bytes, kind: str
) -> None:
    """Unsigned: 401 before any parsing; signed: 400; never a 500 or a logged error."""
    caplog.set_level(logging.DEBUG)
    unsigned = slack.post(body, kind, secret="0123456789abcdef")
    signed = slack.post(body, kind)
    assert (401, 400) == (unsigned.status, signed.status)
    assert [] == [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_a_body_that_is_not_utf8_is_400_signed_or_not(slack: SlackSender) -> None:
    """400 for invalid UTF-8, which Slack never sends and no signature can vouch for."""
    body = b"token=\xff\xfe&command=/pm"
    assert (400, 400) == (slack.post(body, FORM).status, slack.post(body, FORM, secret="0123456789abcdef").status)


def test_a_timestamp_that_is_not_a_number_is_401(slack: SlackSender) -> None:
    """401 for X-Slack-Request-Timestamp: soon, whatever the signature."""
    answer = slack.post(b"command=/pm", FORM, headers={"X-Slack-Request-Timestamp": "soon"})
    assert 401 == answer.status


def test_a_request_without_signature_headers_is_401(server: RunningServer) -> None:
    """401 for a POST carrying no X-Slack-Signature at all."""
    request = urllib.request.Request(server.url + "/slack/events", data=b"command=/pm", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    assert 401 == status


def test_a_signed_request_still_works(slack: SlackSender) -> None:
    """200 for a well-formed signed `/pm help` after all the checks."""
    answer = slack.command("/pm", "help", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    assert (200, "ephemeral") == (answer.status, answer.json()["response_type"])


# ---- secrets


def _run_due(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "bot.cli", "run-due"], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    return done.returncode, done.stdout + done.stderr


OAUTH_WITHOUT_KEY = {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "client-secret"}


def test_oauth_mode_refuses_to_start_without_an_encryption_key(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """Exit 2 with one line naming PMBOT_ENCRYPTION_KEY, for serve and the scheduled work alike."""
    env = _env(engine, fake_slack, **OAUTH_WITHOUT_KEY)
    status, output = _run_due(env, tmp_path)
    assert 2 == status
    assert 1 == len(output.strip().splitlines())
    assert output.startswith("pmbot: PMBOT_ENCRYPTION_KEY is not set")
    served = subprocess.run([sys.executable, "-m", "bot.cli", "serve"], env=env, cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert (2, output) == (served.returncode, served.stderr)


def test_oauth_mode_starts_without_a_key_only_with_the_loud_opt_out(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """PMBOT_ALLOW_PLAINTEXT_TOKENS=1 lets it run, with a warning that tokens are stored in clear text."""
    env = _env(engine, fake_slack, **OAUTH_WITHOUT_KEY, PMBOT_ALLOW_PLAINTEXT_TOKENS="1")
    status, output = _run_due(env, tmp_path)
    assert 0 == status, output
    assert "WARNING" in output and "IN CLEAR TEXT" in output


def test_expired_oauth_states_are_purged_by_the_scheduled_work(
    engine: Engine, factory: sessionmaker[Session], session: Session, fake_slack: FakeSlack
) -> None:
    """Each unauthenticated GET /slack/install leaves a state; the scheduled work deletes it once expired."""
    settings = oauth_settings(engine, fake_slack)
    running = RunningServer(make_wsgi(create_app(settings, engine), engine))
    try:
        for _ in range(3):
            assert 200 == get(running.url + "/slack/install").status
    finally:
        running.stop()
    count = select(func.count()).select_from(OAUTH_STATES)
    client, policy = make_client(settings, patient=False), policy_of(settings)
    kept = run_due(factory, client, now=utcnow(), policy=policy)
    assert (3, {}) == (session.scalar(count), kept.purged)
    session.rollback()  # SQLite: let the scheduled work write
    later = run_due(factory, client, now=utcnow() + timedelta(minutes=11), policy=policy)
    assert (0, {"oauth_states": 3}) == (session.scalar(count), later.purged)
