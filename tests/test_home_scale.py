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
from domain import actions, changes, channels, decisions, milestones, risks, status
from domain.changes import Proposal
from domain.decisions import Wording
from domain.home import Dashboard, RetroTodo
from domain.risks import Fields
from domain.workspaces import project_for, workspace_for
from handlers.changes.commands import HELP
from handlers.digests import render
from handlers.home.render import home_view
from sandbox.standin import FakeSlack, rules
from storage.models import ActionItem, Blocker, ChangeRequest, Decision, Milestone, Project, Risk, Standup
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
        changes.set_approvers(project, category="scope", user_ids=[VIEWER], actor="U0LEAD", is_admin=True)
        found.append(project)
    session.commit()
    return found


def _fill(session: Session, projects: list[Project], count: int, start: int) -> None:
    """Add `count` items spread over the projects: overdue long and lately, due soon, later, undated, done; with
    a risk, a proposed decision, a stale blocker, a milestone (past its date, slipped, due soon or later, done) and
    a change request (pending, or decided) every tenth."""
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
            _plans(session, project, n)
    session.commit()


def _plans(session: Session, project: Project, n: int) -> None:
    """A milestone owned by the viewer every other time, and a change request the viewer approves."""
    day = (EARLIER + timedelta(days=1 + (n // 10) % 45)).date()  # some past by NOW, some ahead
    m = milestones.create(session, project=project, creator="U0LEAD", name=f"gate{n} review", day=day,
                          owner=VIEWER if n % 20 else "U0LEAD", now=EARLIER)  # fmt: skip
    if n % 30 == 0:
        milestones.move(session, m, actor="U0LEAD", day=day + timedelta(days=n % 13 + 1), why="", now=EARLIER)
    if n % 70 == 0:
        milestones.complete(session, m, actor="U0LEAD", now=NOW - timedelta(days=2))
    change = changes.create(session, project=project, requester="U0LEAD", proposal=Proposal(f"change {n}", "scope"),
                            now=EARLIER)  # fmt: skip
    if n % 40 == 0:
        changes.reject(session, change, actor=VIEWER, now=NOW - timedelta(days=1))


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
    owned = sum(1 for n in range(0, 500, 10) if n % 20 and n % 70)
    waiting = sum(1 for n in range(0, 500, 10) if n % 40)
    assert f"Milestones I own ({owned})" in home and f"Change requests waiting for me ({waiting})" in home
    assert home.count("change_approve") == 5


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


def test_a_home_tab_with_every_list_full_keeps_to_slacks_rules() -> None:
    """The worst case: every list the Home tab shows over full (retros waiting too), with the longest texts; what is
    published keeps to Slack's rules (at most 100 blocks, sections under 3000 characters) and still shows each
    heading."""
    long = "x" * 400
    projects = [
        Project(id=n, channel_id=f"C0P{n:03d}", name=f"p{n}", time_zone="Europe/Berlin", settings={}) for n in range(20)
    ]
    project = projects[0]
    board = Dashboard(
        actions=[
            ActionItem(number=n, title=long, owner_id=VIEWER, due_at=EARLIER, project=project, status="open")
            for n in range(30)
        ],
        action_count=30,
        reviews=[
            Risk(number=n, title=long, probability=5, impact=4, owner_id=VIEWER, project=project, kind="risk")
            for n in range(30)
        ],
        standups_owed=[(Standup(id=n, project=p), NOW.date()) for n, p in enumerate(projects)],
        approvals=[
            Decision(number=n, statement=long, status="proposed", project=project, approver_id=VIEWER)
            for n in range(30)
        ],
        approval_count=30,
        milestones=[
            Milestone(
                code=f"M{n}",
                name=long,
                project=project,
                owner_id=VIEWER,
                baseline_at=EARLIER,
                forecast_at=NOW,
                status="late",
            )
            for n in range(30)
        ],
        milestone_count=30,
        changes=[
            ChangeRequest(
                number=n,
                title=long,
                category="scope",
                project=project,
                requester_id="U0LEAD",
                approver_ids=[VIEWER],
                revision=2,
                needed_by=NOW,
                status="pending",
            )
            for n in range(30)
        ],
        change_count=30,
        projects=[status.Snapshot(project=p, now=NOW) for p in projects],
        retros=[RetroTodo(n, f"RT-{n}", long, "C0P000", NOW, bool(n % 2)) for n in range(10)],
    )
    view = home_view(board, [HELP] * 12, now=NOW, links={1: "https://example.slack.com/archives/C0P000/p1"})
    assert rules.check("views.publish", {"user_id": VIEWER, "view": view}) is None
    assert len(view["blocks"]) <= rules.MAX_VIEW_BLOCKS
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert any(h.startswith("Change requests waiting for me") for h in headers) and "Commands" in headers
    assert "Retros waiting for me" in headers
    blocks = view["blocks"]
    start = blocks.index({"type": "header", "text": {"type": "plain_text", "text": "My projects"}})
    end = blocks.index({"type": "header", "text": {"type": "plain_text", "text": "Commands"}})
    assert 15 + 2 == end - start  # every project shown is there whole (then the divider before Commands)
    assert all(len(b["text"]["text"]) < 3000 for b in view["blocks"] if b["type"] == "section")
