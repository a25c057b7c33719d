"""The weekly stakeholder update: drafted from the records for its audience, edited, sent or skipped by a lead.

Rules:
* A project with a stakeholder channel (`/pm config stakeholders #channel`) and leads gets one draft a week, at
  the weekly digest's time in its zone (`report_day` / `report_minute` in its settings move it); the draft goes to
  every lead, and any one of them edits, sends or skips it. Nothing reaches the stakeholder channel without Send.
* Two audiences (`report_audience`, executive by default): the executive update has the status with its reasons,
  what changed since last week, the milestones, the decisions and change requests decided this week and at most
  three risks; the team update has up to five risks and the action lists besides.
* A report is sent or skipped once: its row is locked, and the second click finds it decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain import members
from domain import status as status_rules
from domain.calendar import local_day
from domain.digest_schedule import WEEKLY_DAY, WEEKLY_MINUTE, weekly_day
from domain.errors import Conflict, InvalidInput, PermissionDenied
from domain.text import user_mention
from domain.visibility import unseen
from domain.workspaces import is_lead
from storage.models import ActionItem, ChangeRequest, Decision, Milestone, Project, ReportStatus, Risk, StatusReport

AUDIENCES = ("executive", "team")
AUDIENCE_SETTING = "report_audience"
TEXT_LIMIT = 3000  # what a form's text field holds
SUMMARY_LIMIT = 150
TOP_RISKS = {"executive": 3, "team": 5}
REASONS = {"executive": 5, "team": 10}


def audience_of(project: Project) -> str:
    """The audience the project's updates are written for: executive unless a lead chose team."""
    chosen = str((project.settings or {}).get(AUDIENCE_SETTING) or "")
    return chosen if chosen in AUDIENCES else AUDIENCES[0]


def read_audience(word: str) -> str:
    """An audience named by a person, or InvalidInput."""
    if word.strip().lower() not in AUDIENCES:
        raise InvalidInput("The audience is `executive` or `team`.", hint="Like `/pm config report team`.")
    return word.strip().lower()


def stakeholder_channel(project: Project) -> str | None:
    """Where the approved update goes, if the project named a stakeholder channel."""
    channel = (project.settings or {}).get("stakeholder_channel")
    return str(channel) if channel else None


def week_of(day: date) -> str:
    """The ISO week a day is in, as a report's week: `2026-W48`."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def this_week(project: Project, now: datetime) -> str:
    """The project's week at `now`, in its zone."""
    return week_of(local_day(now, project.time_zone))


def due_week(project: Project, now: datetime) -> str | None:
    """The week whose draft is due at `now` (the weekly digest's day and time unless the report has its own), or
    None; never for a project without a stakeholder channel or leads."""
    if stakeholder_channel(project) is None or not project.lead_user_ids:
        return None
    settings = project.settings or {}
    day = weekly_day(
        now,
        project.time_zone,
        weekday=int(settings.get("report_day", settings.get("weekly_digest_day", WEEKLY_DAY))),
        minute=int(settings.get("report_minute", settings.get("weekly_digest_minute", WEEKLY_MINUTE))),
    )
    return week_of(day) if day is not None else None


@dataclass
class Facts:
    """What one week's update says, as data, for its audience (lists already cut to what it shows)."""

    project: Project
    now: datetime
    audience: str
    status: str
    computed: str
    reasons: list[str]
    override_note: str = ""
    previous_status: str | None = None  # last week's report's status, if there was one
    done_count: int = 0  # actions done this week
    opened_count: int = 0  # actions opened this week
    milestones_due: list[Milestone] = field(default_factory=list)
    milestones_slipped: list[Milestone] = field(default_factory=list)
    milestones_done: list[Milestone] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    changes_decided: list[ChangeRequest] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    done: list[ActionItem] = field(default_factory=list)  # the team's only, like the two below
    overdue: list[ActionItem] = field(default_factory=list)
    due_next_week: list[ActionItem] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # people by user id, for the plain text

    @property
    def with_actions(self) -> bool:
        return self.audience == "team"

    def name(self, user_id: str | None) -> str:
        """A person's name as pmbot last saw it ("" when it never did: the plain text names nobody then)."""
        return self.names.get(user_id or "", "")

    def day(self, moment: datetime) -> date:
        return local_day(moment, self.project.time_zone)


def gather(session: Session, project: Project, *, now: datetime, audience: str | None = None) -> Facts:
    """Draw the week's update from the records at `now` for `audience` (the project's own by default)."""
    audience = audience or audience_of(project)
    snap = status_rules.snapshot(session, project, now=now)
    week_ago = now - timedelta(days=7)
    opened = session.scalar(
        select(func.count()).where(ActionItem.project_id == project.id, ActionItem.created_at >= week_ago)
    )
    override = snap.override or {}
    facts = Facts(
        project=project,
        now=now,
        audience=audience,
        status=snap.status,
        computed=snap.computed[0],
        reasons=snap.computed[1][: REASONS[audience]],
        override_note=str(override.get("note") or ""),
        previous_status=_previous_status(session, project, this_week(project, now)),
        done_count=len(snap.done_this_week),
        opened_count=int(opened or 0),
        milestones_due=snap.milestones_due,
        milestones_slipped=snap.milestones_slipped,
        milestones_done=snap.milestones_done,
        decisions=snap.decisions_made,
        changes_decided=sorted(
            snap.changes_approved + snap.changes_rejected, key=lambda c: (c.decided_at or now, c.number)
        ),
        risks=[r for r in snap.open_risks if r.kind == "risk"][: TOP_RISKS[audience]],
    )
    if facts.with_actions:
        facts.done, facts.overdue, facts.due_next_week = snap.done_this_week, snap.overdue, snap.due_next_week
    people = {a.owner_id for a in facts.done + facts.overdue + facts.due_next_week if a.owner_id}
    people |= {m.owner_id for m in facts.milestones_due + facts.milestones_slipped}
    facts.names = members.names(session, workspace_id=project.workspace_id, user_ids=people) if people else {}
    return facts


def _previous_status(session: Session, project: Project, week: str) -> str | None:
    found = session.scalar(
        select(StatusReport)
        .where(StatusReport.project_id == project.id, StatusReport.week < week)
        .order_by(StatusReport.week.desc())
        .limit(1)
    )
    return str(found.facts.get("status")) if found is not None and found.facts.get("status") else None


def for_week(session: Session, *, project_id: int, week: str) -> StatusReport | None:
    """The project's report for a week, if it was drafted."""
    return session.scalar(select(StatusReport).where(StatusReport.project_id == project_id, StatusReport.week == week))


def create(
    session: Session, *, project: Project, week: str, facts: Facts, summary: str, text: str, now: datetime
) -> StatusReport:
    """Record a week's draft, addressed to the project's leads now."""
    summary, text = validate(summary, text)
    report = StatusReport(
        workspace_id=project.workspace_id,
        project_id=project.id,
        week=week,
        audience=facts.audience,
        summary=summary,
        text=text,
        facts={"status": facts.status, "computed": facts.computed, "reasons": facts.reasons},
        status=ReportStatus.DRAFTED,
        lead_ids=list(project.lead_user_ids or []),
        created_at=now,
        updated_at=now,
    )
    session.add(report)
    session.flush()
    return report


UNSEEN = "that status report"  # a missing report and one the person may not read are answered alike


def get(session: Session, *, workspace_id: int, report_id: int, for_update: bool = False) -> StatusReport:
    """A report by id, locked with `for_update` (a second click waits for the first), or NotFound."""
    stmt = select(StatusReport).where(StatusReport.id == report_id, StatusReport.workspace_id == workspace_id)
    found = session.scalar(stmt.with_for_update() if for_update else stmt)
    if found is None:
        raise unseen(UNSEEN)
    return found


def validate(summary: str, text: str) -> tuple[str, str]:
    """The summary and text as they are kept, or InvalidInput beside the field that is wrong."""
    summary, text = " ".join(summary.split()), text.strip()
    if not summary:
        raise InvalidInput("Write the summary line.", field="title")
    if len(summary) > SUMMARY_LIMIT:
        raise InvalidInput(f"Keep the summary under {SUMMARY_LIMIT} characters.", field="title")
    if not text:
        raise InvalidInput("The update is empty: write what the stakeholders should read.", field="report_text")
    if len(text) > TEXT_LIMIT:
        raise InvalidInput(f"Keep the update under {TEXT_LIMIT} characters.", field="report_text")
    return summary, text


def require_lead(report: StatusReport, user_id: str, *, for_lead: str | None = None) -> None:
    """Only the project's leads edit, send or skip its update, and whoever it was sent to in the stead of a lead
    who is away (`for_lead`, while they are)."""
    standing_in = for_lead is not None and is_lead(report.project, for_lead) and user_id in report.lead_ids
    if not is_lead(report.project, user_id) and not standing_in:
        raise PermissionDenied("Only this project's leads can edit, send or skip its status report.")


def require_open(report: StatusReport) -> None:
    """A report sent or skipped stays so."""
    if report.status != ReportStatus.DRAFTED:
        who = f" by {user_mention(report.decided_by)}" if report.decided_by else ""
        raise Conflict(f"This status report was already {report.status}{who}.")


def edit(
    report: StatusReport, *, actor: str, summary: str, text: str, now: datetime, for_lead: str | None = None
) -> None:
    """A lead's edit (or their stand-in's, `for_lead`): the text sent will be this one."""
    require_lead(report, actor, for_lead=for_lead)
    require_open(report)
    report.summary, report.text = validate(summary, text)
    report.edited_by, report.revision, report.updated_at = actor, report.revision + 1, now


def send(report: StatusReport, *, actor: str, now: datetime, key: str, for_lead: str | None = None) -> str:
    """A lead (or their stand-in, `for_lead`) approves: the report is sent (once) to the stakeholder channel it
    returns, under `key`."""
    require_lead(report, actor, for_lead=for_lead)
    require_open(report)
    channel = stakeholder_channel(report.project)
    if channel is None:
        raise InvalidInput(
            "This project has no stakeholder channel now.", hint="Name one with `/pm config stakeholders #channel`."
        )
    _decide(report, ReportStatus.SENT, actor=actor, now=now)
    report.channel_id, report.sent_key = channel, key
    return channel


def skip(report: StatusReport, *, actor: str, now: datetime, for_lead: str | None = None) -> None:
    """A lead (or their stand-in, `for_lead`) skips this week's update: nothing is posted."""
    require_lead(report, actor, for_lead=for_lead)
    require_open(report)
    _decide(report, ReportStatus.SKIPPED, actor=actor, now=now)


def _decide(report: StatusReport, status: ReportStatus, *, actor: str, now: datetime) -> None:
    report.status, report.decided_by, report.decided_at, report.updated_at = status, actor, now, now
