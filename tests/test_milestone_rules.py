"""Milestones and change requests in the domain, on both databases: slips, baselines kept, status, dependencies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from domain import actions, changes, members, milestones, risks
from domain.changes import Proposal
from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.milestones import Facts
from domain.workspaces import project_for, workspace_for
from storage.models import (
    ChangeStatus,
    DecisionStatus,
    Milestone,
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
    project.is_private = False  # as Slack would have said; its lead a full member, so they may hear of it
    members.upsert_from_profile(session, workspace_id=ws.id, user={"id": "U0LEAD", "tz": tz}, now=NOW)
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
    other.is_private = None  # Slack has not said yet what kind of channel it is
    api = milestones.create(
        session, project=other, creator="U0LEAD", name="API ready", day=date(2027, 1, 10), owner="U0OWN", now=NOW
    )
    milestones.depend(session, m, upstream=api, actor="U0LEAD", now=NOW)
    with pytest.raises(InvalidInput):
        milestones.depend(session, api, upstream=m, actor="U0LEAD", now=NOW)  # a circle
    milestones.move(session, api, actor="U0OWN", day=date(2027, 1, 18), why="", now=NOW)
    facts = milestones.facts_for(session, [m], now=NOW)
    assert facts[m.id].late_upstreams == ["a milestone in another channel"]  # C0PAY not known to be public
    other.is_private = False
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


def test_a_status_names_another_channels_milestone_only_when_that_channel_is_public(session: Session) -> None:
    """M-UAT (public) waits for M-SECRET in a private channel and M-API in a public one, both late: its status, shown
    on its public card, names M-API and says only "a milestone in another channel" for M-SECRET."""
    web = _project(session)
    web.is_private = False
    secret, pay = _project(session, "C0SEC"), _project(session, "C0PAY")
    secret.is_private, pay.is_private = True, False

    def make(project: Project, name: str, day: date) -> Milestone:
        return milestones.create(session, project=project, creator="U0LEAD", name=name, day=day, owner="U0OWN", now=NOW)

    uat = make(web, "UAT", date(2027, 1, 15))
    hidden, api = make(secret, "SECRET launch", date(2027, 1, 10)), make(pay, "API ready", date(2027, 1, 10))
    for upstream in (hidden, api):
        milestones.depend(session, uat, upstream=upstream, actor="U0LEAD", now=NOW)
        milestones.move(session, upstream, actor="U0OWN", day=date(2027, 1, 20), why="", now=NOW)
    milestones.refresh(session, [hidden, api], now=NOW)
    milestones.refresh(session, [uat], now=NOW)
    assert (uat.status, uat.status_why) == (
        MilestoneStatus.AT_RISK,
        "waits for a milestone in another channel, waits for M-API",
    )
    assert "SECRET" not in uat.status_why


def test_read_day_and_why_a_leading_iso_date_or_a_colon_ends_the_date() -> None:
    """A number phrase at the start of the reason is not read into the date; two readings are refused."""
    project = Project(time_zone="Europe/London", workday_start_minute=540, workday_end_minute=1020,
                      working_days=[0, 1, 2, 3, 4])  # fmt: skip
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

    def read(text: str) -> tuple[date, str]:
        return milestones.read_day_and_why(text, project=project, now=monday)

    assert read("2027-01-22 2 weeks late: vendor") == (date(2027, 1, 22), "2 weeks late: vendor")
    assert read("2027-01-22: 2 weeks late") == (date(2027, 1, 22), "2 weeks late")
    assert read("2027-01-22, 2 people out") == (date(2027, 1, 22), "2 people out")
    assert read("monday 2 blockers") == (date(2026, 11, 23), "2 blockers")
    assert read("next monday 3 people out") == (date(2026, 11, 30), "3 people out")
    assert read("jan 22 — 2 weeks late") == (date(2027, 1, 22), "2 weeks late")
    assert read("friday because 2 people out") == (date(2026, 11, 27), "2 people out")
    assert read("jan 22 - 2 weeks") == (date(2027, 1, 22), "2 weeks")
    assert read("in 2 weeks: vendor") == (date(2026, 12, 7), "vendor")
    assert read("jan 22 vendor late: sandbox down") == (date(2027, 1, 22), "vendor late: sandbox down")
    with pytest.raises(InvalidInput, match="two ways") as refused:
        read("tomorrow 2 weeks late")
    assert "2026-12-08" in refused.value.message and "2026-11-24" in refused.value.message
    assert "`tomorrow: 2 weeks late`" in str(refused.value.hint)


def test_codes_never_run_out(session: Session) -> None:
    """A 100th "Sprint ..." and names without ASCII letters get `MS{number}`, free, never an error."""
    project = _project(session)

    def make(name: str) -> Milestone:
        return milestones.create(
            session, project=project, creator="U0LEAD", name=name, day=date(2027, 1, 15), owner="U0OWN", now=NOW
        )

    codes = [make(f"Sprint {n} demo").code for n in range(101)]
    assert codes[:3] == ["SPRINT", "SPRINT2", "SPRINT3"] and codes[98] == "SPRINT99"
    assert codes[99:] == ["MS100", "MS101"]
    assert make("リリース").code == "MS102"  # no ASCII letter: its number
    milestones.create(session, project=project, creator="U0LEAD", name="x", day=date(2027, 1, 15), owner="U0OWN",
                      now=NOW, code="MS104")  # fmt: skip
    assert make("2027 — 🚀").code == "MS105"  # its number, 104, was chosen by hand
    assert len({m.code for m in milestones.list_for(session, project_id=project.id)}) == 104


def test_a_cycle_of_any_length_is_refused(session: Session) -> None:
    """Thirteen gates each waiting for the one before: the first can't wait for the last."""
    project = _project(session)
    gates = [
        milestones.create(
            session, project=project, creator="U0LEAD", name=f"Gate {n}", day=date(2027, 1, 15), owner="U0LEAD", now=NOW
        )
        for n in range(13)
    ]
    for after, before in zip(gates[1:], gates[:-1], strict=True):
        milestones.depend(session, after, upstream=before, actor="U0LEAD", now=NOW)
    with pytest.raises(InvalidInput, match="circle"):
        milestones.depend(session, gates[0], upstream=gates[-1], actor="U0LEAD", now=NOW)


def test_a_done_milestone_keeps_its_baseline_and_a_baseline_never_moves_into_the_past(session: Session) -> None:
    project = _project(session)
    m = milestones.create(
        session, project=project, creator="U0LEAD", name="UAT", day=date(2027, 1, 15), owner="U0OWN", now=NOW
    )
    with pytest.raises(InvalidInput, match="has passed"):
        milestones.rebaseline(
            session, m, actor="U0LEAD", at=milestones.due_moment(date(2026, 11, 30), project), now=NOW
        )
    milestones.rebaseline(session, m, actor="U0LEAD", at=milestones.due_moment(date(2026, 12, 1), project), now=NOW)
    assert milestones.day_of(m.baseline_at, project) == date(2026, 12, 1)  # today is still ahead
    milestones.complete(session, m, actor="U0OWN", now=NOW)
    reached = m.baseline_at
    milestones.rebaseline(session, m, actor="U0LEAD", at=milestones.due_moment(date(2027, 2, 1), project), now=NOW)
    assert m.baseline_at == reached
    assert [e.kind for e in milestones.history(session, m)].count(MilestoneEventKind.REBASELINED) == 1
