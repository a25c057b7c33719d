"""Milestones and change requests in the domain, on both databases: slips, baselines kept, status, dependencies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from domain import actions, changes, milestones, risks
from domain.changes import Proposal
from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.milestones import Facts
from domain.workspaces import project_for, workspace_for
from storage.models import (
    ChangeStatus,
    DecisionStatus,
    MilestoneEventKind,
    MilestoneStatus,
    Project,
)

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # a Tuesday


def _project(session: Session, channel: str = "C0PROJ", tz: str = "America/New_York") -> Project:
    ws = workspace_for(session, team_id="T0TEST", now=NOW)
    project = project_for(session, workspace=ws, channel_id=channel, now=NOW)
    project.time_zone = tz
    project.lead_user_ids = ["U0LEAD"]
    session.flush()
    return project


def test_a_milestone_is_due_at_the_end_of_its_working_day_in_the_projects_zone(session: Session) -> None:
    project = _project(session)
    m = milestones.create(
        session, project=project, creator="U0LEAD", name="UAT sign-off", day=date(2027, 1, 15), owner="U0OWN", now=NOW
    )
    assert m.ref == "M-UAT" and m.baseline_at == m.forecast_at == datetime(2027, 1, 15, 22, 0, tzinfo=UTC)
    second = milestones.create(
        session, project=project, creator="U0LEAD", name="UAT again", day=date(2027, 1, 20), owner="U0OWN", now=NOW
    )
    assert second.ref == "M-UAT2"
    with pytest.raises(Conflict):
        milestones.create(
            session,
            project=project,
            creator="U0LEAD",
            name="x",
            day=date(2027, 1, 20),
            owner="U0OWN",
            now=NOW,
            code="UAT",
        )
    with pytest.raises(InvalidInput):
        milestones.create(
            session, project=project, creator="U0LEAD", name="past", day=date(2026, 11, 30), owner="U0OWN", now=NOW
        )
    assert milestones.get(session, workspace_id=project.workspace_id, ref="m-uat", project_id=project.id) is m
    with pytest.raises(NotFound):
        milestones.get(session, workspace_id=project.workspace_id, ref="M-NOPE")
    with pytest.raises(InvalidInput):
        milestones.get(session, workspace_id=project.workspace_id, ref="M-3")  # a meeting's id


def test_moving_past_the_baseline_is_a_slip_and_moving_back_is_not(session: Session) -> None:
    project = _project(session)
    m = milestones.create(
        session, project=project, creator="U0LEAD", name="UAT", day=date(2027, 1, 15), owner="U0OWN", now=NOW
    )
    with pytest.raises(PermissionDenied):
        milestones.move(session, m, actor="U0OTHER", day=date(2027, 1, 22), why="", now=NOW)
    slip = milestones.move(session, m, actor="U0OWN", day=date(2027, 1, 22), why="vendor late", now=NOW)
    assert slip is not None and (slip.number, slip.working_days, slip.why) == (1, 5, "vendor late")
    assert milestones.move(session, m, actor="U0OWN", day=date(2027, 1, 14), why="", now=NOW) is None
    again = milestones.move(session, m, actor="U0OWN", day=date(2027, 1, 25), why="again", now=NOW)
    assert again is not None and again.number == 2
    assert [e.kind for e in milestones.history(session, m)] == ["created", "moved", "moved", "moved"]
    milestones.refresh(session, [m], now=NOW)
    assert m.status == MilestoneStatus.LATE and "6 working days past its baseline" in m.status_why


def test_status_from_linked_items_and_dependencies(session: Session) -> None:
    project = _project(session)
    m = milestones.create(
        session, project=project, creator="U0LEAD", name="UAT", day=date(2027, 1, 15), owner="U0OWN", now=NOW
    )
    assert milestones.assess(m, Facts(), now=NOW) == (MilestoneStatus.ON_TRACK, "")
    item = actions.create(
        session,
        project=project,
        title="test data",
        owner="U0OWN",
        creator="U0LEAD",
        due_at=NOW + timedelta(days=1),
        now=NOW,
    )
    fields = risks.Fields(title="vendor", probability=5, impact=4)
    risk = risks.create(session, project=project, creator="U0LEAD", fields=fields, now=NOW)
    milestones.link(session, m, kind="action", record_id=item.id, ref=item.ref, actor="U0OWN", now=NOW)
    assert not milestones.link(session, m, kind="action", record_id=item.id, ref=item.ref, actor="U0OWN", now=NOW)
    milestones.link(session, m, kind="risk", record_id=risk.id, ref=risk.ref, actor="U0OWN", now=NOW)
    later = NOW + timedelta(days=2)
    [(changed, before)] = milestones.refresh(session, [m], now=later)
    assert (changed, before, m.status) == (m, "on_track", MilestoneStatus.AT_RISK)
    assert m.status_why == f"{item.ref} overdue, {risk.ref} critical"
    assert [r.ref for r in milestones.links(session, m)] == [item.ref, risk.ref]

    other = _project(session, "C0PAY")
    api = milestones.create(
        session, project=other, creator="U0LEAD", name="API ready", day=date(2027, 1, 10), owner="U0OWN", now=NOW
    )
    milestones.depend(session, m, upstream=api, actor="U0LEAD", now=NOW)
    with pytest.raises(InvalidInput):
        milestones.depend(session, api, upstream=m, actor="U0LEAD", now=NOW)  # a circle
    milestones.move(session, api, actor="U0OWN", day=date(2027, 1, 18), why="", now=NOW)
    facts = milestones.facts_for(session, [m], now=NOW)
    assert facts[m.id].late_upstreams == ["M-API"]
    assert [(d.ref, [c.ref for c in chain]) for d, chain in milestones.downstream(session, api)] == [
        ("M-UAT", ["M-API", "M-UAT"])
    ]


def test_an_approved_change_moves_baselines_keeps_the_old_and_records_a_decision(session: Session) -> None:
    project = _project(session)
    m = milestones.create(
        session, project=project, creator="U0LEAD", name="UAT", day=date(2027, 1, 15), owner="U0OWN", now=NOW
    )
    proposal = Proposal(title="Add SSO", category="scope", impact_days=7, milestone_ids=[m.id], justification="asked")
    change = changes.create(session, project=project, requester="U0REQ", proposal=proposal, now=NOW)
    assert (change.ref, change.approver_ids, change.status) == ("CR-1", ["U0LEAD"], ChangeStatus.PENDING)
    with pytest.raises(PermissionDenied):
        changes.approve(session, change, actor="U0REQ", now=NOW)
    changes.ask_more(session, change, actor="U0LEAD", question="Which vendor?", now=NOW)
    with pytest.raises(Conflict):
        changes.approve(session, change, actor="U0LEAD", now=NOW)
    changes.update(session, change, actor="U0REQ", proposal=proposal, now=NOW, answer="Okta")
    assert (change.status, change.revision) == (ChangeStatus.PENDING, 2)
    approved = changes.approve(session, change, actor="U0LEAD", now=NOW, note="fine")
    assert m.baseline_at == datetime(2027, 1, 22, 22, 0, tzinfo=UTC)
    assert [b[0].date() for b in milestones.baselines(session, m)] == [date(2027, 1, 15), date(2027, 1, 22)]
    assert [e.kind for e in milestones.history(session, m)][-1] == MilestoneEventKind.REBASELINED
    assert approved.decision.status == DecisionStatus.APPROVED and approved.decision.links == ["CR-1"]
    assert change.decision_id == approved.decision.id
    with pytest.raises(Conflict):
        changes.reject(session, change, actor="U0LEAD", now=NOW)
    assert [e.kind for e in changes.history(session, change)] == ["raised", "asked", "updated", "approved"]
    assert changes.search(session, project_id=project.id, query="sso") == [change]


def test_a_change_needs_someone_to_approve_it(session: Session) -> None:
    project = _project(session)
    project.lead_user_ids = []
    with pytest.raises(InvalidInput, match="Nobody here approves"):
        changes.create(session, project=project, requester="U0REQ", proposal=Proposal("x", "cost"), now=NOW)
    changes.set_approvers(project, category="cost", user_ids=["U0CFO"], actor="U0X", is_admin=True)
    change = changes.create(session, project=project, requester="U0REQ", proposal=Proposal("x", "cost"), now=NOW)
    assert change.approver_ids == ["U0CFO"]
