"""Status rules, digests at the right local times, splitting, and each person's Home tab."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from domain import actions, decisions, risks, status
from domain.decisions import Wording
from domain.risks import Fields
from domain.workspaces import project_for, workspace_for
from handlers.render.split import fit
from sandbox.standin import FakeSlack
from storage.models import Blocker, OutboxMessage, Project
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _project(session: Session, **settings: object) -> Project:
    project = project_for(
        session,
        workspace=workspace_for(session, team_id="T0001", now=MONDAY),
        channel_id=PROJECT_CHANNEL,
        now=MONDAY,
        time_zone="Europe/Berlin",
    )
    project.time_zone = "Europe/Berlin"
    project.settings = dict(settings)
    return project


def _action(session: Session, project: Project, title: str, due: datetime | None, created: datetime = MONDAY) -> None:
    actions.create(session, project=project, creator="U0LEAD", owner="U0DEV1", title=title, due_at=due, now=created)


def _risk(session: Session, project: Project, p: int, i: int) -> None:
    risks.create(
        session,
        project=project,
        creator="U0LEAD",
        fields=Fields(title=f"risk {p}x{i}", probability=p, impact=i),
        now=MONDAY,
    )


CASES = [
    ("nothing", "green"),
    ("high risk", "amber"),
    ("overdue action", "amber"),
    ("late decision", "amber"),
    ("critical risk", "red"),
    ("long overdue action", "red"),
    ("stale blocker", "red"),
]


@pytest.mark.parametrize(("case", "expected"), CASES)
def test_each_status_rule(session: Session, case: str, expected: str) -> None:
    """Green, Amber and Red follow the stated rules, with a reason for each."""
    project = _project(session)
    later = MONDAY + timedelta(days=2)
    if case == "high risk":
        _risk(session, project, 3, 4)
    elif case == "critical risk":
        _risk(session, project, 4, 5)
    elif case == "overdue action":
        _action(session, project, "late", MONDAY + timedelta(hours=1), created=MONDAY - timedelta(days=1))
    elif case == "long overdue action":
        _action(session, project, "very late", MONDAY - timedelta(days=10), created=MONDAY - timedelta(days=20))
    elif case == "late decision":
        decisions.create(
            session,
            project=project,
            creator="U0LEAD",
            wording=Wording("pick a vendor"),
            now=MONDAY,
            status="proposed",
            approver="U0DEV2",
            needed_by=MONDAY + timedelta(days=1),
        )
    elif case == "stale blocker":
        session.add(
            Blocker(
                workspace_id=project.workspace_id,
                project_id=project.id,
                owner_id="U0DEV2",
                text="VPN",
                status="open",
                created_at=MONDAY - timedelta(days=7),
            )
        )
    session.flush()
    snap = status.snapshot(session, project, now=later)
    computed, reasons = snap.computed
    assert expected == computed
    assert reasons and all(isinstance(r, str) and r for r in reasons)


def test_status_command_and_a_leads_override(slack: SlackSender, session: Session) -> None:
    """`/pm status` shows the computed status; a lead's `/pm status set` is shown beside it; others are refused."""
    project = _project(session)
    _risk(session, project, 4, 5)
    project.lead_user_ids = ["U0LEAD"]
    session.commit()
    with frozen(MONDAY):
        first = slack.command("/pm", "status", user_id="U0DEV1", channel_id=PROJECT_CHANNEL).json()
        refused = slack.command("/pm", "status set green all fine", user_id="U0DEV1", channel_id=PROJECT_CHANNEL).json()
        slack.command("/pm", "status set amber vendor confirmed a fix", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        after = slack.command("/pm", "status", user_id="U0DEV1", channel_id=PROJECT_CHANNEL).json()
    assert "*Red* (computed)" in str(first["blocks"])
    assert "Only this project's leads" in refused["text"]
    shown = str(after["blocks"])
    assert "*Amber* (set by <@U0LEAD>: vendor confirmed a fix) · computed: red" in shown


def test_escalation_digest_has_exactly_what_is_over_threshold_and_is_silent_otherwise(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """At 09:00 Berlin the escalation channel gets the items over a threshold, oldest first; on a day with none
    nothing is sent."""
    project = _project(session)
    project.escalation_channel_id = "C0ESC"
    session.commit()
    client = make_client(settings, patient=False)
    run_due(factory, client, now=datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # Tuesday 09:00 Berlin: nothing
    assert [] == fake_slack.messages("C0ESC")
    with factory() as s:
        p = s.get(Project, project.id)
        assert p is not None
        _risk(s, p, 3, 5)  # 15: over the escalation score
        _risk(s, p, 2, 2)  # low: not included
        decisions.create(
            s,
            project=p,
            creator="U0LEAD",
            wording=Wording("pick a vendor"),
            now=MONDAY,
            status="proposed",
            approver="U0DEV2",
            needed_by=MONDAY + timedelta(days=1),
        )
        s.commit()
    run_due(factory, client, now=datetime(2026, 11, 25, 8, 0, tzinfo=UTC))  # Wednesday 09:00 Berlin
    run_due(factory, client, now=datetime(2026, 11, 25, 8, 30, tzinfo=UTC))
    digests = [m for m in fake_slack.messages("C0ESC") if "Escalation digest" in str(m["text"])]
    assert 1 == len(digests)
    body = json.dumps(digests[0]["blocks"])
    assert "D-1" in body and "R-1" in body and "R-2" not in body
    assert body.index("R-1") < body.index("D-1")  # the risk is older than the decision's needed-by
    assert "Acknowledge" in body and "Reassign" in body


def test_weekly_digest_at_friday_1600_project_time(
    fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """The weekly digest goes to the project channel on Friday at 16:00 Berlin (15:00 UTC), once."""
    _project(session)
    session.commit()
    client = make_client(settings, patient=False)
    sent = []
    at = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    while at <= datetime(2026, 11, 27, 20, 0, tzinfo=UTC):
        before = len(fake_slack.messages(PROJECT_CHANNEL))
        run_due(factory, client, now=at)
        if len(fake_slack.messages(PROJECT_CHANNEL)) > before:
            sent.append(at)
        at += timedelta(minutes=30)
    assert [datetime(2026, 11, 27, 15, 0, tzinfo=UTC)] == sent
    assert "Weekly status" in str(fake_slack.messages(PROJECT_CHANNEL)[0]["blocks"])


def test_escalation_digest_reaches_each_lead_at_0900_their_time(
    fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """Without an escalation channel, each lead gets the digest at 09:00 in their own zone."""
    project = _project(session)
    project.lead_user_ids = ["U0DEV2"]  # Kolkata: 09:00 is 03:30 UTC
    project.is_private = False  # as conversations.info would have said of #proj-apollo
    from storage.models import Member

    session.add(
        Member(
            workspace_id=project.workspace_id,
            user_id="U0DEV2",
            name="dev-kolkata",
            time_zone="Asia/Kolkata",
            fetched_at=MONDAY,
        )
    )
    _risk(session, project, 5, 5)
    session.commit()
    client = make_client(settings, patient=False)
    for minutes in range(0, 6 * 60, 30):
        run_due(factory, client, now=datetime(2026, 11, 24, 0, 0, tzinfo=UTC) + timedelta(minutes=minutes))
    with factory() as s:
        sent = s.scalars(select(OutboxMessage.sent_at).where(OutboxMessage.key.startswith("digest:escalation"))).all()
    assert [datetime(2026, 11, 24, 3, 30, tzinfo=UTC)] == sent


def test_an_oversized_digest_is_split_and_every_part_is_accepted(
    fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """A weekly digest with hundreds of items goes out in several messages within Slack's limits, none refused."""
    project = _project(session)
    next_week = MONDAY + timedelta(days=10)  # in the digest, but no reminder is due yet (800 DMs would be paced)
    for n in range(800):
        _action(session, project, f"a long task title number {n} " + "x" * 250, next_week)
    session.commit()
    run_due(factory, make_client(settings, patient=False), now=datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    messages = fake_slack.messages(PROJECT_CHANNEL)
    assert len(messages) > 1
    assert all(len(m["blocks"]) <= 50 for m in messages)
    with factory() as s:
        assert [] == s.scalars(select(OutboxMessage.key).where(OutboxMessage.gave_up.is_(True))).all()
    assert sum(str(m["blocks"]).count("a long task title") for m in messages) == 800


def test_fit_keeps_every_line() -> None:
    """Splitting never loses a line, and every part is within the limits."""
    lines = [f"line {n} " + "y" * 80 for n in range(500)]
    parts = fit([{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}] * 3)
    texts = [b["text"]["text"] for part in parts for b in part]
    assert all(len(part) <= 50 for part in parts) and all(len(t) <= 3000 for t in texts)
    assert 1500 == sum(t.count("line ") for t in texts)


def test_home_shows_only_what_the_viewer_may_see(slack: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """Two people, one of them not in a private channel: each Home tab shows only their own work from channels
    they are in (an item assigned to someone in a channel they have left stays out of their Home)."""
    fake_slack.add_channel("C0PRIV", name="proj-secret", members=["U0LEAD", "U0DEV2", "UBOT"], is_private=True)
    with frozen(MONDAY):
        slack.command(
            "/action", "<@U0DEV2|dev-kolkata> public task by friday", user_id="U0LEAD", channel_id=PROJECT_CHANNEL
        )
        slack.command("/action", "<@U0DEV2|dev-kolkata> secret task by friday", user_id="U0LEAD", channel_id="C0PRIV")
        slack.command("/action", "<@U0DEV1|dev-la> hidden task by friday", user_id="U0LEAD", channel_id="C0PRIV")
        slack.command("/action", "<@U0DEV1|dev-la> dev task by friday", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.event({"type": "app_home_opened", "user": "U0DEV2", "tab": "home"}, event_id="EvH1")
        slack.event({"type": "app_home_opened", "user": "U0DEV1", "tab": "home"}, event_id="EvH2")
    kolkata = json.dumps(fake_slack.home_view("U0DEV2"))
    dev = json.dumps(fake_slack.home_view("U0DEV1"))
    assert "public task" in kolkata and "secret task" in kolkata and "dev task" not in kolkata, kolkata[:4000]
    assert "dev task" in dev and "hidden task" not in dev and "C0PRIV" not in dev
    assert "action_done" in dev and "My projects" in dev


def test_done_on_the_home_tab_refreshes_it(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """Done clicked on the Home tab completes the item and publishes the refreshed dashboard."""
    with frozen(MONDAY):
        slack.command("/action", "<@U0DEV1|dev-la> dev task by friday", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.event({"type": "app_home_opened", "user": "U0DEV1", "tab": "home"}, event_id="EvH3")
        home = fake_slack.home_view("U0DEV1")
        assert home is not None and "dev task" in json.dumps(home)
        slack.block_action(
            user_id="U0DEV1",
            action_id="action_done",
            value="A-1",
            container={"type": "view", "view_id": home["id"]},
            view=home,
        )
    refreshed = json.dumps(fake_slack.home_view("U0DEV1"))
    assert "dev task" not in refreshed and "Nothing open" in refreshed
