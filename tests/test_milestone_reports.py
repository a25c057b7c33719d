"""Milestones and change requests where every record shows up: the status rules, the weekly digest, the Home tab,
the exports, `/pm forget` and a workspace's data deleted after an uninstall."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from domain import changes, lifecycle, milestones, status
from domain.changes import Proposal
from domain.lifecycle import Policy
from domain.text import FORMER_MEMBER
from domain.workspaces import find_project, workspace_for
from sandbox.standin import FakeSlack
from storage.models import (
    ActionItem,
    ChangeEvent,
    ChangeRequest,
    Decision,
    Milestone,
    MilestoneDependency,
    MilestoneEvent,
    MilestoneLink,
    Project,
    Workspace,
)
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_privacy import rows_mentioning

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday
EARLIER = NOW - timedelta(days=10)


def _project(slack: SlackSender, session: Session, channel: str = PROJECT_CHANNEL) -> Project:
    """The project of `channel`, made through Slack as a user would, in Berlin's zone, led by U0LEAD."""
    session.commit()  # the app's requests never wait on this session's transaction (SQLite's lock)
    with frozen(EARLIER):
        slack.command("/pm", "config tz Europe/Berlin", user_id="U0LEAD", channel_id=channel)
        slack.command("/pm", "config leads <@U0LEAD>", user_id="U0LEAD", channel_id=channel)
    found = find_project(session, workspace_id=workspace_for(session, team_id=FakeSlack.team_id, now=NOW).id,
                         channel_id=channel)  # fmt: skip
    assert found is not None
    return found


def _milestone(
    session: Session, project: Project, name: str, day: date, *, owner: str = "U0DEV1", now: datetime = EARLIER
) -> Milestone:
    return milestones.create(session, project=project, creator="U0LEAD", name=name, day=day, owner=owner, now=now)


def _change(
    session: Session, project: Project, title: str, *, now: datetime = NOW, category: str = "scope", **fields: Any
) -> ChangeRequest:
    proposal = Proposal(title=title, category=category, **fields)
    return changes.create(session, project=project, requester="U0DEV2", proposal=proposal, now=now)


@pytest.mark.parametrize(
    ("forecast", "expected", "reason"),
    [
        (
            date(2026, 12, 10),
            "green",
            "no critical or high risks, nothing overdue, no late decisions, change requests or milestones",
        ),
        (date(2026, 12, 14), "amber", "M-UAT UAT sign-off: forecast 2 working days past its baseline"),
        (date(2026, 12, 17), "amber", "M-UAT UAT sign-off: forecast 5 working days past its baseline"),
        (date(2026, 12, 18), "red", "M-UAT UAT sign-off: forecast 6 working days past its baseline"),
    ],
)
def test_a_slipped_milestone_turns_the_status_amber_and_a_long_slip_red(
    session: Session, slack: SlackSender, forecast: date, expected: str, reason: str
) -> None:
    """A forecast past its baseline makes the project Amber, more than 5 working days past it Red, each with the
    milestone named and the slip counted in working days; /pm status says so."""
    project = _project(slack, session)
    uat = _milestone(session, project, "UAT sign-off", date(2026, 12, 10))
    if forecast != date(2026, 12, 10):
        milestones.move(session, uat, actor="U0DEV1", day=forecast, why="vendor late", now=NOW)
    session.commit()
    snap = status.snapshot(session, project, now=NOW)
    [bounded] = status.snapshots(session, [project], now=NOW)
    [home] = status.snapshots(session, [project], now=NOW, listed=1)
    assert (expected, [reason]) == snap.computed == bounded.computed
    assert expected == home.computed[0]
    session.commit()
    with frozen(NOW):
        shown = str(slack.command("/pm", "status", user_id="U0DEV2", channel_id=PROJECT_CHANNEL).json()["blocks"])
    assert f"*{expected.capitalize()}* (computed)" in shown and reason in shown
    assert ("1 late milestone ·" in shown) == (expected != "green")


def test_a_milestone_whose_date_passed_is_red_and_a_done_one_counts_no_more(
    session: Session, slack: SlackSender
) -> None:
    """A milestone not done after its date makes the project Red whatever its baseline; marked done, it is not
    late any more."""
    project = _project(slack, session)
    cutover = _milestone(session, project, "Cutover", date(2026, 11, 30))
    late = status.snapshot(session, project, now=NOW)
    assert ("red", ["M-CUTOVER Cutover: its date has passed and it is not done"]) == late.computed
    assert 1 == late.late_milestone_count
    milestones.complete(session, cutover, actor="U0DEV1", now=NOW)
    assert "green" == status.snapshot(session, project, now=NOW).computed[0]
    assert 0 == status.snapshots(session, [project], now=NOW)[0].late_milestone_count


def test_the_worst_late_milestone_decides_even_when_only_one_is_read(session: Session, slack: SlackSender) -> None:
    """With several late milestones, the Home tab (one row read per list) and /pm status reach the same status as
    reading them all: the longest slip is found though an earlier milestone slipped less."""
    project = _project(slack, session)
    small = _milestone(session, project, "Alpha", date(2026, 12, 7))
    big = _milestone(session, project, "Beta", date(2026, 12, 8))
    milestones.move(session, small, actor="U0DEV1", day=date(2026, 12, 9), why="", now=NOW)
    milestones.move(session, big, actor="U0DEV1", day=date(2026, 12, 21), why="", now=NOW)
    full = status.snapshot(session, project, now=NOW)
    [home] = status.snapshots(session, [project], now=NOW, listed=1)
    assert ("red", "red") == (full.computed[0], home.computed[0])
    assert ["M-BETA", "M-ALPHA"] == [m.ref for m in full.late_milestones]
    assert full.computed[1] == ["M-BETA Beta: forecast 9 working days past its baseline"]
    assert 2 == full.late_milestone_count == home.late_milestone_count


def test_the_weekly_digest_has_milestones_and_change_requests(session: Session, slack: SlackSender) -> None:
    """`/digest preview weekly` lists milestones due in the next 14 days, slipped ones with baseline against
    forecast and the slip, those done this week; change requests raised, approved, rejected and waiting with their
    age; dates as tokens each reader sees in their zone; far and old ones are left out."""
    project = _project(slack, session)
    _milestone(session, project, "Design freeze", date(2026, 12, 11))
    _milestone(session, project, "Pilot", date(2026, 12, 4))
    slipped = _milestone(session, project, "UAT sign-off", date(2026, 12, 10))
    milestones.move(session, slipped, actor="U0DEV1", day=date(2026, 12, 18), why="vendor late", now=NOW)
    _milestone(session, project, "Go-live", date(2027, 3, 1))
    done = _milestone(session, project, "Kickoff", date(2026, 12, 3))
    milestones.complete(session, done, actor="U0DEV1", now=NOW - timedelta(days=1))
    old = _milestone(session, project, "Charter", date(2026, 11, 13), now=datetime(2026, 11, 1, tzinfo=UTC))
    milestones.complete(session, old, actor="U0DEV1", now=datetime(2026, 11, 10, tzinfo=UTC))
    _change(session, project, "Add SSO", now=NOW - timedelta(days=4))
    asked = _change(session, project, "Second vendor", now=EARLIER)
    changes.ask_more(session, asked, actor="U0LEAD", question="Which one?", now=NOW - timedelta(days=2))
    approved = _change(session, project, "Extend UAT", now=NOW - timedelta(days=3), impact_days=7,
                       milestone_ids=[slipped.id], category="schedule")  # fmt: skip
    changes.approve(session, approved, actor="U0LEAD", now=NOW - timedelta(days=1))
    rejected = _change(session, project, "Gold plating", now=NOW - timedelta(days=2))
    changes.reject(session, rejected, actor="U0LEAD", now=NOW - timedelta(days=1), note="no budget")
    session.commit()
    with frozen(NOW):
        answer = slack.command("/digest", "preview weekly", user_id="U0DEV2", channel_id=PROJECT_CHANNEL).json()
    sections = {b["text"]["text"].split("\n")[0]: b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"}
    assert "*Milestones due in the next 14 days (2)*" in sections
    due = sections["*Milestones due in the next 14 days (2)*"]
    assert "*M-DESIGN* Design freeze" in due and "*M-KICKOFF*" not in due and "Go-live" not in due
    assert due.index("M-PILOT") < due.index("M-DESIGN") and "M-UAT" not in due  # soonest forecast first
    # Approving CR-3 moved the baseline a week: 2026-12-17, one working day before the forecast.
    slip = sections["*Milestones slipped (1)*"]
    baseline, forecast = slipped.baseline_at, slipped.forecast_at
    assert f"baseline <!date^{int(baseline.timestamp())}^{{date_short_pretty}}|" in slip
    assert f"forecast <!date^{int(forecast.timestamp())}^{{date_short_pretty}}|" in slip
    assert "(+1 working day)" in slip and "<@U0DEV1>" in slip
    assert "*M-KICKOFF* Kickoff" in sections["*Milestones done this week (1)*"]
    assert "Charter" not in json.dumps(answer["blocks"])
    raised = sections["*Change requests raised this week (3)*"]
    assert "CR-1" in raised and "CR-3" in raised and "CR-4" in raised and "CR-2" not in raised
    assert (
        "*CR-3* Extend UAT · schedule · by <@U0DEV2> · approved by <@U0LEAD>"
        in sections["*Change requests approved this week (1)*"]
    )
    assert "*CR-4* Gold plating" in sections["*Change requests rejected this week (1)*"]
    waiting = sections["*Change requests waiting (2)*"]
    assert "*CR-1* Add SSO · scope · by <@U0DEV2> · pending with <@U0LEAD> for 4 days" in waiting
    assert "*CR-2* Second vendor · scope · by <@U0DEV2> · asked for more 2 days ago, waiting on the requester" in (
        waiting
    )


def test_a_digest_without_milestones_or_changes_says_so_calmly(session: Session, slack: SlackSender) -> None:
    """A project with no milestones and no change requests gets one line for each, nothing more."""
    _project(slack, session)
    session.commit()
    with frozen(NOW):
        answer = slack.command("/digest", "preview weekly", user_id="U0DEV2", channel_id=PROJECT_CHANNEL).json()
    texts = [b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"]
    assert "*Milestones:* none due in the next 14 days, none slipped." in texts
    assert "*Change requests:* none raised, decided or waiting." in texts
    assert not [t for t in texts if t.startswith(("*Milestones ", "*Change requests "))]


def test_home_shows_owned_milestones_and_waiting_changes_only_from_channels_the_viewer_is_in(
    session: Session, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """The Home tab lists the viewer's open milestones by forecast with their status, and the change requests
    waiting for their decision with Approve / Reject / Ask for more (the request's id as value); none from a
    private channel they are not in, nor done ones, nor requests already decided or waiting on someone else."""
    fake_slack.add_channel("C0PRIV", name="proj-secret", members=["U0LEAD", "U0DEV2", "UBOT"], is_private=True)
    public, secret = _project(slack, session), _project(slack, session, "C0PRIV")
    for project in (public, secret):
        changes.set_approvers(project, category="scope", user_ids=["U0DEV1"], actor="U0LEAD", is_admin=False)
    later = _milestone(session, public, "Go-live", date(2027, 2, 1))
    soon = _milestone(session, public, "UAT sign-off", date(2026, 12, 10))
    milestones.move(session, soon, actor="U0DEV1", day=date(2026, 12, 21), why="", now=NOW)
    done = _milestone(session, public, "Kickoff", date(2026, 12, 3))
    milestones.complete(session, done, actor="U0DEV1", now=NOW)
    _milestone(session, public, "Someone else's", date(2026, 12, 20), owner="U0DEV2")
    _milestone(session, secret, "Secret launch", date(2026, 12, 15))
    waiting = _change(session, public, "Add SSO", needed_by=NOW + timedelta(days=5))
    decided = _change(session, public, "Decided already")
    changes.reject(session, decided, actor="U0DEV1", now=NOW)
    _change(session, secret, "Secret change")
    _change(session, public, "For the leads", category="cost")
    session.commit()
    with frozen(NOW):
        slack.event({"type": "app_home_opened", "user": "U0DEV1", "tab": "home"}, event_id="EvMH1")
        slack.event({"type": "app_home_opened", "user": "U0DEV2", "tab": "home"}, event_id="EvMH2")
    home = fake_slack.home_view("U0DEV1")
    assert home is not None
    shown = json.dumps(home)
    assert "Milestones I own (2)" in shown and "Change requests waiting for me (1)" in shown
    assert shown.index(soon.name) < shown.index(later.name)  # by forecast
    assert ":red_circle: *M-UAT* UAT sign-off" in shown and ":large_green_circle: *M-GOLIVE* Go-live" in shown
    assert f"(baseline <!date^{int(soon.baseline_at.timestamp())}^{{date_short_pretty}}|" in shown
    assert "Kickoff" not in shown and "Someone else" not in shown and "Secret" not in shown and "C0PRIV" not in shown
    assert "Decided already" not in shown and "For the leads" not in shown
    buttons = [e for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]]
    change_buttons = [(e["action_id"], e["value"]) for e in buttons if e["action_id"].startswith("change_")]
    value = f"{waiting.ref}:r1"  # the revision shown, so a click after it changed is refused
    assert [("change_approve", value), ("change_reject", value), ("change_ask", value)] == change_buttons
    other = json.dumps(fake_slack.home_view("U0DEV2"))
    assert "Milestones I own (1)" in other and "Someone else" in other and "Change requests waiting for me (0)" in other


def test_exports_include_milestones_and_change_requests_never_as_formulas(
    session: Session, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """`/pm export csv` adds milestones.csv and change_requests.csv (names beside ids, ISO dates in the project's
    zone, the affected milestones and the approval's decision by id), `md` a section of each; text that starts like
    a formula is never one."""
    project = _project(slack, session)
    session.commit()
    with frozen(EARLIER):  # the people named, as pmbot knows them
        slack.command("/action", "<@U0DEV1|dev-la> read the export", user_id="U0DEV2", channel_id=PROJECT_CHANNEL)
    uat = milestones.create(session, project=project, creator="U0LEAD", name='=HYPERLINK("x") UAT', owner="U0DEV1",
                            day=date(2026, 12, 10), now=EARLIER, code="UAT")  # fmt: skip
    milestones.move(session, uat, actor="U0DEV1", day=date(2026, 12, 14), why="vendor", now=EARLIER)
    milestones.refresh(session, [uat], now=EARLIER)
    change = _change(session, project, "@SUM(1) more time", impact_days=7, impact_cost="-5000 EUR",
                     milestone_ids=[uat.id], category="schedule", needed_by=NOW + timedelta(days=3))  # fmt: skip
    approved = changes.approve(session, change, actor="U0LEAD", now=NOW)
    milestones.refresh(session, [m for m, _old in approved.moved], now=NOW)  # as the milestones feature does after
    session.commit()
    with frozen(NOW):
        slack.command("/pm", "export csv", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/pm", "export md", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    uploads = {u["filename"]: u["content"].decode() for u in fake_slack.uploads()}
    assert {"milestones.csv", "change_requests.csv"} <= set(uploads)
    [milestone] = list(csv.DictReader(io.StringIO(uploads["milestones.csv"])))
    assert {
        "id": "M-UAT",
        "name": '\'=HYPERLINK("x") UAT',
        "owner_id": "U0DEV1",
        "owner_name": "dev-la",
        "baseline_at": "2026-12-17T17:00:00+01:00",
        "forecast_at": "2026-12-14T17:00:00+01:00",
        "status": "on_track",
        "why": "",
        "done_at": "",
        "channel": "#proj",
    } == milestone
    [row] = list(csv.DictReader(io.StringIO(uploads["change_requests.csv"])))
    assert ("CR-1", "'@SUM(1) more time", "schedule", "approved") == (
        row["id"],
        row["title"],
        row["category"],
        row["status"],
    )
    assert ("U0DEV2", "dev-kolkata", "U0LEAD", "lead-berlin") == (
        row["requester_id"],
        row["requester_name"],
        row["approver_ids"],
        row["approver_names"],
    )
    assert ("7", "'-5000 EUR", "M-UAT", "D-1") == (
        row["impact_days"],
        row["impact_cost"],
        row["affected_milestones"],
        row["decision"],
    )
    assert ("U0LEAD", "lead-berlin", "2026-12-02T10:00:00+01:00") == (
        row["decided_by_id"],
        row["decided_by_name"],
        row["decided_at"],
    )
    document = uploads["pmbot-export.md"]
    assert "## Milestones" in document and "## Change requests" in document
    assert '| M-UAT | =HYPERLINK("x") UAT | @dev-la | Thu 2026-12-17 17:00 CET |' in document
    assert "| CR-1 | @SUM(1) more time | schedule | approved | @dev-kolkata | +7 days; -5000 EUR | M-UAT | D-1 |" in (
        document
    )


def test_forgetting_a_person_hands_over_their_open_milestones_and_approvals_and_leaves_no_trace(
    session: Session, slack: SlackSender, fake_slack: FakeSlack, engine: Engine, factory: sessionmaker[Session]
) -> None:
    """After `/pm forget`, the person's open milestone and their seat on a pending change request go to the
    successor; their name on a done milestone, its history, links, dependencies and decided change requests
    becomes a former member; no row holds their id."""
    person = "U0DEV1"
    fake_slack.add_user("U0ADMIN", name="workspace-admin", tz="Europe/Berlin", is_admin=True)
    project = _project(slack, session)
    session.commit()
    with frozen(EARLIER):
        slack.command("/action", "prepare the UAT data", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    action_id = session.scalar(select(ActionItem.id))
    assert action_id is not None
    changes.set_approvers(project, category="scope", user_ids=[person, "U0DEV3"], actor="U0LEAD", is_admin=False)
    mine = milestones.create(session, project=project, creator=person, name="Mine", day=date(2026, 12, 10),
                             owner=person, now=EARLIER)  # fmt: skip
    finished = milestones.create(session, project=project, creator=person, name="Finished", day=date(2026, 12, 3),
                                 owner=person, now=EARLIER)  # fmt: skip
    milestones.complete(session, finished, actor=person, now=NOW)
    milestones.link(session, mine, kind="action", record_id=action_id, ref="A-1", actor=person, now=NOW)
    milestones.depend(session, mine, upstream=finished, actor=person, now=NOW)
    pending = _change(session, project, "Pending", milestone_ids=[mine.id], impact_days=3)
    own = changes.create(session, project=project, requester=person, proposal=Proposal("Theirs", "scope"), now=NOW)
    changes.approve(session, own, actor="U0DEV3", now=NOW)  # raised by them, so the other approver decides it
    other = changes.create(session, project=project, requester="U0DEV3", proposal=Proposal("Others'", "scope"),
                           now=NOW)  # fmt: skip
    changes.approve(session, other, actor=person, now=NOW)  # moves nothing; their decision is recorded
    session.commit()
    assert rows_mentioning(engine, person)
    with frozen(NOW):
        answer = slack.command("/pm", f"forget <@{person}> to <@U0LEAD> confirm", user_id="U0ADMIN",
                               channel_id=PROJECT_CHANNEL).json()  # fmt: skip
    assert "forgotten" in answer["text"]
    with factory() as s:
        owners = {m.name: (m.owner_id, m.creator_id) for m in s.scalars(select(Milestone))}
        assert {"Mine": ("U0LEAD", FORMER_MEMBER), "Finished": (FORMER_MEMBER, FORMER_MEMBER)} == owners
        by_title = {c.title: c for c in s.scalars(select(ChangeRequest))}
        assert ["U0LEAD", "U0DEV3"] == by_title["Pending"].approver_ids
        theirs = by_title["Theirs"]
        assert (FORMER_MEMBER, ["U0DEV3"], "U0DEV3") == (theirs.requester_id, theirs.approver_ids, theirs.decided_by)
        others = by_title["Others'"]
        assert ("U0DEV3", [FORMER_MEMBER], FORMER_MEMBER) == (others.requester_id, others.approver_ids,
                                                              others.decided_by)  # fmt: skip
        actors = select(ChangeEvent.actor_id).where(ChangeEvent.change_id.in_([own.id, other.id]))
        assert {FORMER_MEMBER, "U0DEV3"} == set(s.scalars(actors))
        assert FORMER_MEMBER in set(s.scalars(select(MilestoneEvent.actor_id)))
        assert [FORMER_MEMBER] == list(s.scalars(select(MilestoneLink.created_by)))
        assert [FORMER_MEMBER] == list(s.scalars(select(MilestoneDependency.created_by)))
        assert pending.id in {c.id for c in s.scalars(select(ChangeRequest))}
    assert [] == rows_mentioning(engine, person)


def test_an_uninstalled_workspaces_milestones_and_change_requests_are_deleted_with_it(
    session: Session, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """Past the grace period after an uninstall, the workspace goes with its milestones, their history, links and
    dependencies across projects, and its change requests with the decisions they recorded (on both databases)."""
    fake_slack.add_channel("C0OTHER", name="proj-payments", members=["U0LEAD", "UBOT"])
    project, other = _project(slack, session), _project(slack, session, "C0OTHER")
    uat = _milestone(session, project, "UAT", date(2026, 12, 10))
    api = _milestone(session, other, "API", date(2026, 12, 8))
    milestones.depend(session, uat, upstream=api, actor="U0LEAD", now=NOW)
    milestones.link(session, uat, kind="action", record_id=1, ref="A-1", actor="U0LEAD", now=NOW)
    change = _change(session, project, "More time", impact_days=7, milestone_ids=[uat.id])
    changes.approve(session, change, actor="U0LEAD", now=NOW)
    changes.approve(session, _change(session, other, "API later", impact_days=7, milestone_ids=[api.id]),
                    actor="U0LEAD", now=NOW)  # fmt: skip
    workspace = session.get(Workspace, project.workspace_id)
    assert workspace is not None
    lifecycle.uninstalled(session, workspace, now=NOW)
    session.commit()
    tables = (Milestone, MilestoneEvent, MilestoneLink, MilestoneDependency, ChangeRequest, ChangeEvent, Decision)
    assert all(session.scalar(select(func.count()).select_from(t)) for t in tables)
    assert [] == lifecycle.purge_uninstalled(session, now=NOW + timedelta(days=29), policy=Policy())
    gone = lifecycle.purge_uninstalled(session, now=NOW + timedelta(days=31), policy=Policy())
    session.commit()
    assert [FakeSlack.team_id] == gone
    assert [0] * len(tables) == [session.scalar(select(func.count()).select_from(t)) for t in tables]
