"""Reads bounded by what is shown: App Home, /pm status and the weekly digest cost as many SQL statements with
500 items as with 50, and the bounded status reads show exactly what reading every row showed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from bot.app import PmbotApp
from domain import actions, channels, decisions, risks, status
from domain.decisions import Wording
from domain.risks import Fields
from domain.workspaces import project_for, workspace_for
from handlers.digests import render
from sandbox.standin import FakeSlack
from storage.models import Blocker, Project
from storage.models.actions import ActionStatus
from tests.actions_helpers import frozen
from tests.conftest import SIGNING_SECRET, RunningServer
from tests.slack_requests import SlackSender

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday
EARLIER = NOW - timedelta(days=30)
VIEWER = "U0DEV1"
CHANNELS = [f"C0SCALE{n}" for n in range(5)]


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    """Collect every SQL statement the engine runs meanwhile (from any thread)."""
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _projects(session: Session, fake: FakeSlack) -> list[Project]:
    workspace = workspace_for(session, team_id=FakeSlack.team_id, now=NOW)
    found = []
    for channel in CHANNELS:
        fake.add_channel(channel, name=f"proj-{channel.lower()}", members=["U0LEAD", VIEWER, "UBOT"])
        project = project_for(session, workspace=workspace, channel_id=channel, now=NOW, name=channel.lower())
        project.time_zone, project.is_private = "Europe/Berlin", False
        channels.replace_roster(session, workspace_id=workspace.id, channel_id=channel,
                                members=["U0LEAD", VIEWER, "UBOT"], asked_at=NOW)  # fmt: skip
        found.append(project)
    session.commit()
    return found


def _fill(session: Session, projects: list[Project], count: int, start: int) -> None:
    """Add `count` items spread over the projects: overdue long and lately, due soon, later, undated, done; with
    a risk, a proposed decision and a stale blocker every tenth."""
    for n in range(start, start + count):
        project = projects[n % len(projects)]
        due = [NOW - timedelta(days=20 + n % 9), NOW - timedelta(hours=3), NOW + timedelta(hours=4),
               NOW + timedelta(days=3), NOW + timedelta(days=40), None][n % 6]  # fmt: skip
        item = actions.create(session, project=project, creator="U0LEAD", owner=VIEWER if n % 2 else "U0LEAD",
                              title=f"task {n}", due_at=due, now=EARLIER)  # fmt: skip
        if n % 7 == 0:
            item.status, item.completed_at = ActionStatus.DONE, NOW - timedelta(days=1)
        if n % 10 == 0:
            fields = Fields(title=f"risk {n}", probability=1 + n % 5, impact=1 + (n // 10) % 5)
            risks.create(session, project=project, creator="U0LEAD", fields=fields, now=EARLIER)
            decisions.create(session, project=project, creator="U0LEAD", wording=Wording(f"pick {n}"), now=EARLIER,
                             status="proposed", approver=VIEWER, needed_by=NOW - timedelta(days=n % 3 - 1))  # fmt: skip
            opened = NOW - timedelta(days=n % 9)
            session.add(Blocker(workspace_id=project.workspace_id, project_id=project.id, owner_id=VIEWER,
                                text=f"blocked {n}", status="open", created_at=opened))  # fmt: skip
    session.commit()


def _reads(engine: Engine, slack: SlackSender, fake: FakeSlack) -> dict[str, int]:
    """Statements for opening the Home tab, `/pm status` and a weekly digest preview, each through HTTP."""
    calls: dict[str, Callable[[], Any]] = {
        "home": lambda: slack.event({"type": "app_home_opened", "user": VIEWER, "tab": "home"}),
        "status": lambda: slack.command("/pm", "status", user_id=VIEWER, channel_id=CHANNELS[0]),
        "weekly": lambda: slack.command("/digest", "preview weekly", user_id=VIEWER, channel_id=CHANNELS[0]),
    }
    found = {}
    for name, call in calls.items():
        with counted(engine) as statements:
            call()
        found[name] = len(statements)
    return found


def test_statements_do_not_grow_with_items(
    engine: Engine, slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Home, /pm status and the weekly digest run as many SQL statements with 500 items as with 50; the Home tab
    is published once, after the answer, with the counts of everything and the rows it shows."""
    projects = _projects(session, fake_slack)
    _fill(session, projects, 50, start=0)
    with frozen(NOW):
        _reads(engine, slack, fake_slack)  # warm-up: the workspace's first requests learn who people are
        small = _reads(engine, slack, fake_slack)
        _fill(session, projects, 450, start=50)
        publishes = len(fake_slack.calls_to("views.publish"))
        large = _reads(engine, slack, fake_slack)
    assert small == large
    assert large["home"] <= 40, large
    assert publishes + 1 == len(fake_slack.calls_to("views.publish"))
    home = json.dumps(fake_slack.home_view(VIEWER))
    mine = sum(1 for n in range(500) if n % 2 and n % 7)  # owned every other item, done every seventh
    assert f"My open action items ({mine})" in home
    assert home.count("action_done") == 20


def test_bounded_status_shows_what_reading_every_row_shows(session: Session, fake_slack: FakeSlack) -> None:
    """With more than a screenful of every reason, /pm status and the roll-up read from counts and the first rows
    render exactly what the weekly digest's full read renders for the same project and moment."""
    projects = _projects(session, fake_slack)
    _fill(session, projects[:1], 300, start=0)
    for moment in (NOW, NOW + timedelta(days=3), NOW + timedelta(days=30)):
        full = status.snapshot(session, projects[0], now=moment)
        [bounded] = status.snapshots(session, projects[:1], now=moment)
        [home] = status.snapshots(session, projects[:1], now=moment, listed=1)
        assert render.status(full) == render.status(bounded)
        assert full.computed[1][: status.LISTED] == bounded.computed[1][: status.LISTED]
        assert render.status_line(full) == render.status_line(home)
        assert render.headline_numbers(full) == render.headline_numbers(home)


def test_home_is_published_after_the_answer(
    server: RunningServer, app: PmbotApp, fake_slack: FakeSlack, session: Session
) -> None:
    """Opening the Home tab is answered without waiting on Slack: views.publish is called after the answer, even
    when every roster is to be read and each Web API call takes a second."""
    projects = _projects(session, fake_slack)
    _fill(session, projects, 50, start=0)
    quick = SlackSender(server.url, SIGNING_SECRET, team_id=FakeSlack.team_id)
    quick.event({"type": "app_home_opened", "user": VIEWER, "tab": "home"})  # Bolt's first auth.test, once
    assert app.settle(timeout=60)
    for channel in CHANNELS:
        channels.forget_roster(session, workspace_id=projects[0].workspace_id, channel_id=channel)
    session.commit()
    fake_slack.reset()
    fake_slack.slow(1.0)
    started = time.monotonic()
    answer = quick.event({"type": "app_home_opened", "user": VIEWER, "tab": "home"})
    took = time.monotonic() - started
    assert (200, True, []) == (answer.status, took < 1.0, fake_slack.calls)
    assert app.settle(timeout=60)
    assert 1 == len(fake_slack.calls_to("views.publish"))  # the rosters changed nothing the viewer sees
    assert len(CHANNELS) == len(fake_slack.calls_to("conversations.members"))
