"""What a new user gets: pmbot installed as the README says, with no extras, into a fresh virtual environment.

The suite's own environment has the test tools (playwright brings greenlet, for one), so it cannot see a runtime
dependency that only a test tool happens to install. These tests copy the working tree, run the README's install
command in the copy, and start the commands a user starts: `pmbot sandbox`, `pmbot serve`, `pmbot run-due` and
`pmbot manifest`. A second environment pins every runtime dependency to the lowest version pyproject.toml allows
(requirements/lowest.txt), so the lower bounds stay true.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from sandbox.standin.server import FakeSlack
from tests.test_sandbox_process import free_port

ROOT = Path(__file__).resolve().parent.parent
README_RUN = re.compile(
    r"^(python3 -m venv \.venv && \.venv/bin/pip install -q \.) && (\.venv/bin/pmbot sandbox)$", re.MULTILINE
)
INSTALL_SECONDS = 600
START_SECONDS = 60.0


def readme_commands() -> tuple[str, str]:
    """The README's one-line "try it" command, split into its install part and its start part."""
    found = README_RUN.search((ROOT / "README.md").read_text("utf-8"))
    assert found, "the README no longer shows `python3 -m venv .venv && .venv/bin/pip install -q . && ...`"
    return found.group(1), found.group(2)


def copy_of_the_tree(into: Path) -> Path:
    """The project's files as a clone would have them (tracked and new files, nothing ignored), in `into`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    return into


def user_env(**extra: str) -> dict[str, str]:
    """This machine's environment without the suite's settings: what a user's shell would have."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PMBOT_", "DATABASE_URL", "PORT"))}
    env.pop("VIRTUAL_ENV", None)
    return {**env, **extra}


@pytest.fixture(scope="module", params=["readme", "lowest"])
def installed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the tree with `.venv` made by the README's command (`lowest`: with the lowest versions pinned)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know which files a clone has")
    home = copy_of_the_tree(tmp_path_factory.mktemp(f"user-{request.param}"))
    install, _ = readme_commands()
    if request.param == "lowest":
        install += " -c requirements/lowest.txt"
    done = subprocess.run(
        ["bash", "-c", install], cwd=home, env=user_env(), capture_output=True, text=True, timeout=INSTALL_SECONDS
    )
    assert 0 == done.returncode, f"`{install}` failed:\n{done.stdout}\n{done.stderr}"
    frozen = subprocess.run(
        [str(home / ".venv/bin/pip"), "freeze", "--exclude", "pmbot"], capture_output=True, text=True
    )
    print(f"$ {install}\ninstalled: {' '.join(frozen.stdout.split())}")  # the CI log shows what a user gets
    yield home


def start(home: Path, args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(home / ".venv/bin/pmbot"), *args],
        cwd=home, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def wait_until_answered(url: str, proc: subprocess.Popen[str]) -> tuple[int, str]:
    """Poll `url` until it answers; the process dying or taking over a minute fails the test with its output."""
    started = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return int(answer.status), answer.read().decode()
        except OSError:
            if proc.poll() is not None or time.monotonic() - started > START_SECONDS:
                raise AssertionError(f"{url} never answered:\n{stop(proc)}") from None
            time.sleep(0.2)


def stop(proc: subprocess.Popen[str], signum: int = signal.SIGTERM) -> str:
    """Stop the process as a user (Ctrl-C) or a platform (SIGTERM) would; answer its output."""
    if proc.poll() is None:
        proc.send_signal(signum)
    try:
        return proc.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"pmbot did not stop on signal {signum}:\n{proc.communicate()[0]}") from None


@pytest.mark.slow
def test_the_readme_install_starts_the_sandbox(installed: Path) -> None:
    """After the README's install, `pmbot sandbox` serves its page with the seeded workspace and stops on Ctrl-C."""
    _, run = readme_commands()
    port = free_port()
    proc = subprocess.Popen(
        ["bash", "-c", f"exec {run} --port {port} --no-browser"],
        cwd=installed, env=user_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    status, page = wait_until_answered(f"http://127.0.0.1:{port}/", proc)
    _, workspace = wait_until_answered(f"http://127.0.0.1:{port}/api/workspace", proc)
    output = stop(proc, signal.SIGINT)
    assert 200 == status and "<html" in page.lower()
    assert "proj-apollo" in workspace
    assert 0 == proc.returncode, output
    assert "alembic" not in output.lower(), "a first start shows no migration log lines"
    assert "Traceback" not in output


@pytest.mark.slow
def test_the_readme_install_serves_slack_and_runs_due_work(installed: Path, tmp_path: Path) -> None:
    """After the README's install, `pmbot serve` answers /healthz 200 and stops on SIGTERM; `run-due` and
    `manifest` run to completion."""
    with FakeSlack() as fake:
        env = user_env(
            SLACK_BOT_TOKEN="xoxb-first-contact",
            SLACK_SIGNING_SECRET="0123456789abcdef0123456789abcdef",
            SLACK_API_URL=fake.url,
            DATABASE_URL=f"sqlite:///{tmp_path / 'pmbot.db'}",
            PORT=str(free_port()),
        )
        serve = start(installed, ["serve"], env)
        status, body = wait_until_answered(f"http://127.0.0.1:{env['PORT']}/healthz", serve)
        output = stop(serve)
        assert (200, {"ok": True, "database": "ok"}) == (status, json.loads(body))
        assert 0 == serve.returncode, output
        due = subprocess.run(
            [str(installed / ".venv/bin/pmbot"), "run-due"], cwd=installed, env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert 0 == due.returncode, due.stdout + due.stderr
    manifest = subprocess.run(
        [str(installed / ".venv/bin/pmbot"), "manifest", "--url", "https://pmbot.example.org"],
        cwd=installed, env=user_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert 0 == manifest.returncode, manifest.stderr
    commands = yaml.safe_load(manifest.stdout)["features"]["slash_commands"]
    assert {"https://pmbot.example.org/slack/events"} == {c["url"] for c in commands}
