"""Exports of a project's records: CSV files (one per kind) and one Markdown document."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import golive as golives
from domain import meetings as meeting_rules
from domain import retros
from domain.calendar import in_zone, local_text
from domain.risks import level
from storage.models import (
    ActionItem,
    ActionStatus,
    ChangeRequest,
    Decision,
    Lesson,
    Meeting,
    Milestone,
    Project,
    Risk,
)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ACTION_COLUMNS = ["id", "title", "owner_id", "owner_name", "creator_id", "creator_name", "status", "due_at",
                  "created_at", "completed_at", "notes"]  # fmt: skip
RISK_COLUMNS = ["id", "kind", "title", "category", "probability", "impact", "score", "level", "owner_id", "owner_name",
                "status", "mitigation", "contingency", "created_at"]  # fmt: skip
DECISION_COLUMNS = ["id", "status", "statement", "context", "options", "rationale", "decided_by_ids",
                    "decided_by_names", "approver_id", "approver_name", "created_at", "revision"]  # fmt: skip
MEETING_COLUMNS = ["id", "title", "started_at", "ended_at", "closed_automatically", "attendee_ids", "attendee_names",
                   "notes", "captured"]  # fmt: skip
MILESTONE_COLUMNS = ["id", "name", "owner_id", "owner_name", "baseline_at", "forecast_at", "status", "why", "done_at",
                     "channel"]  # fmt: skip
CHANGE_COLUMNS = ["id", "title", "category", "status", "requester_id", "requester_name", "approver_ids",
                  "approver_names", "impact_days", "impact_cost", "affected_milestones", "needed_by", "decided_by_id",
                  "decided_by_name", "decided_at", "decision"]  # fmt: skip
LESSON_COLUMNS = ["id", "learned", "happened", "tags", "related", "author_id", "author_name", "created_at"]


def _cell(value: Any, tz: str) -> str:
    """A CSV cell that a spreadsheet never runs as a formula; a moment in ISO 8601, to the second, in the zone `tz`."""
    if isinstance(value, datetime):
        text = in_zone(value, tz).replace(microsecond=0).isoformat()
    else:
        text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]], *, tz: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_cell(v, tz) for v in row] for row in rows)
    return out.getvalue()


def _records(session: Session, project: Project) -> tuple[list[ActionItem], list[Risk], list[Decision], list[Meeting]]:
    actions = list(
        session.scalars(
            select(ActionItem)
            .where(ActionItem.project_id == project.id, ActionItem.status != ActionStatus.DELETED)
            .order_by(ActionItem.number)
        )
    )
    risks = list(session.scalars(select(Risk).where(Risk.project_id == project.id).order_by(Risk.number)))
    decisions = list(
        session.scalars(select(Decision).where(Decision.project_id == project.id).order_by(Decision.number))
    )
    meetings = list(session.scalars(select(Meeting).where(Meeting.project_id == project.id).order_by(Meeting.number)))
    return actions, risks, decisions, meetings


@dataclass
class Plans:
    """A project's milestones and change requests, with the short ids their change requests point to."""

    milestones: list[Milestone]
    changes: list[ChangeRequest]
    milestone_refs: dict[int, str]  # id -> M-UAT, for every milestone a change request names
    decision_refs: dict[int, str]  # id -> D-4, for every decision an approval recorded

    def affected(self, change: ChangeRequest) -> str:
        return " ".join(self.milestone_refs.get(int(i), "") for i in change.milestone_ids).strip()

    def decision(self, change: ChangeRequest) -> str:
        return self.decision_refs.get(change.decision_id, "") if change.decision_id else ""


def _plans(session: Session, project: Project) -> Plans:
    milestones = list(
        session.scalars(
            select(Milestone).where(Milestone.project_id == project.id).order_by(Milestone.baseline_at, Milestone.id)
        )
    )
    changes = list(
        session.scalars(
            select(ChangeRequest).where(ChangeRequest.project_id == project.id).order_by(ChangeRequest.number)
        )
    )
    named = {int(i) for c in changes for i in c.milestone_ids}
    refs = {m.id: m.ref for m in milestones}
    if named - set(refs):  # a change request may name a milestone of another project
        others = session.scalars(select(Milestone).where(Milestone.id.in_(named - set(refs))))
        refs.update({m.id: m.ref for m in others})
    decided = [c.decision_id for c in changes if c.decision_id]
    decisions = {d.id: d.ref for d in session.scalars(select(Decision).where(Decision.id.in_(decided)))}
    return Plans(milestones, changes, refs, decisions)


def _lessons(session: Session, project: Project) -> list[Lesson]:
    return list(session.scalars(select(Lesson).where(Lesson.project_id == project.id).order_by(Lesson.number)))


def csv_files(session: Session, project: Project, *, names: dict[str, str]) -> dict[str, str]:
    """Return {filename: CSV text} for actions, risks, decisions, meetings, milestones, change requests, lessons (and
    retros, where the channel had one): each person's id beside their name, times in the project's zone."""
    actions, risks, decisions, meetings = _records(session, project)
    plans = _plans(session, project)
    tz = project.time_zone
    channel = f"#{project.name}" if project.name else project.channel_id

    def name(user: str | None) -> str:
        return names.get(user, "") if user else ""

    def each_name(users: Iterable[str]) -> str:
        return " ".join(name(u) or u for u in users)

    files = {
        "actions.csv": _csv(
            ACTION_COLUMNS,
            [
                (
                    a.ref,
                    a.title,
                    a.owner_id,
                    name(a.owner_id),
                    a.creator_id,
                    name(a.creator_id),
                    a.status,
                    a.due_at,
                    a.created_at,
                    a.completed_at,
                    a.notes,
                )
                for a in actions
            ],
            tz=tz,
        ),
        "risks.csv": _csv(
            RISK_COLUMNS,
            [
                (
                    r.ref,
                    r.kind,
                    r.title,
                    r.category,
                    r.probability,
                    r.impact,
                    r.score,
                    level(r.score),
                    r.owner_id,
                    name(r.owner_id),
                    r.status,
                    r.mitigation,
                    r.contingency,
                    r.created_at,
                )
                for r in risks
            ],
            tz=tz,
        ),
        "decisions.csv": _csv(
            DECISION_COLUMNS,
            [
                (
                    d.ref,
                    d.status,
                    d.statement,
                    d.context,
                    d.options,
                    d.rationale,
                    " ".join(d.decided_by),
                    each_name(d.decided_by),
                    d.approver_id,
                    name(d.approver_id),
                    d.created_at,
                    d.revision,
                )
                for d in decisions
            ],
            tz=tz,
        ),
        "meetings.csv": _csv(
            MEETING_COLUMNS,
            [
                (
                    m.ref,
                    m.title,
                    m.started_at,
                    m.ended_at,
                    "yes" if meeting_rules.closed_automatically(m) else "no",
                    " ".join(m.attendees),
                    each_name(m.attendees),
                    " | ".join(str(n["text"]) for n in m.notes),
                    " ".join(c["ref"] for c in m.captured),
                )
                for m in meetings
            ],
            tz=tz,
        ),
        "milestones.csv": _csv(
            MILESTONE_COLUMNS,
            [
                (
                    m.ref,
                    m.name,
                    m.owner_id,
                    name(m.owner_id),
                    m.baseline_at,
                    m.forecast_at,
                    m.status,
                    m.status_why,
                    m.done_at,
                    channel,
                )
                for m in plans.milestones
            ],
            tz=tz,
        ),
        "change_requests.csv": _csv(
            CHANGE_COLUMNS,
            [
                (
                    c.ref,
                    c.title,
                    c.category,
                    c.status,
                    c.requester_id,
                    name(c.requester_id),
                    " ".join(c.approver_ids),
                    each_name(c.approver_ids),
                    c.impact_days,
                    c.impact_cost,
                    plans.affected(c),
                    c.needed_by,
                    c.decided_by,
                    name(c.decided_by),
                    c.decided_at,
                    plans.decision(c),
                )
                for c in plans.changes
            ],
            tz=tz,
        ),
        "lessons.csv": _csv(
            LESSON_COLUMNS,
            [
                (
                    lesson.ref,
                    lesson.learned,
                    lesson.happened,
                    " ".join(lesson.tags),
                    " ".join(str(ref) for ref in lesson.links),
                    lesson.author_id,
                    name(lesson.author_id),
                    lesson.created_at,
                )
                for lesson in _lessons(session, project)
            ],
            tz=tz,
        ),
    }
    retro_rows = retros.export_rows(session, project)
    if retro_rows is not None:  # only a channel that has had a retro: its notes once revealed, without authors
        files["retros.csv"] = _csv(retros.EXPORT_COLUMNS, retro_rows, tz=tz)
    golive_rows = golives.export_rows(session, project)
    if golive_rows is not None:  # only a channel that has had a go-live: each step, its outcome, who and when
        files["golive.csv"] = _csv(golives.EXPORT_COLUMNS, golive_rows, tz=tz)
    return files


def markdown(session: Session, project: Project, *, names: dict[str, str], now: datetime) -> str:
    """Return one Markdown document with every record and each meeting's minutes, times in the project's zone."""
    actions, risks, decisions, meetings = _records(session, project)
    tz = project.time_zone

    def who(user: str | None) -> str:
        return f"@{names.get(user, user)}" if user else "-"

    def row(cells: Sequence[Any]) -> str:
        return "| " + " | ".join(_md(c, tz) for c in cells) + " |"

    lines = [f"# #{project.name or project.channel_id}: pmbot export", ""]
    lines += [f"Exported {local_text(now, tz)}; times are in the project's zone, {tz}.", ""]
    lines += ["## Action items", "", row(["Id", "Title", "Owner", "Status", "Due"]), row(["---"] * 5)]
    lines += [row([a.ref, a.title, who(a.owner_id), a.status, a.due_at or ""]) for a in actions]
    lines += ["", "## RAID log", "", row(["Id", "Kind", "Title", "Score", "Owner", "Status"]), row(["---"] * 6)]
    lines += [row([r.ref, r.kind, r.title, f"{r.score} ({level(r.score)})", who(r.owner_id), r.status]) for r in risks]
    lines += ["", "## Decisions", "", row(["Id", "Status", "Decision", "Rationale"]), row(["---"] * 4)]
    lines += [row([d.ref, d.status, d.statement, d.rationale]) for d in decisions]
    plans = _plans(session, project)
    lines += ["", "## Milestones", "", row(["Id", "Milestone", "Owner", "Baseline", "Forecast", "Status", "Done"])]
    lines += [row(["---"] * 7)]
    lines += [
        row([m.ref, m.name, who(m.owner_id), m.baseline_at, m.forecast_at, _status(m.status, m.status_why),
             m.done_at or ""])
        for m in plans.milestones
    ]  # fmt: skip
    lines += ["", "## Change requests", ""]
    lines += [row(["Id", "Change", "Category", "Status", "Requester", "Impact", "Milestones", "Decision"])]
    lines += [row(["---"] * 8)]
    lines += [
        row([c.ref, c.title, c.category, c.status.replace("_", " "), who(c.requester_id), _impact(c),
             plans.affected(c), plans.decision(c)])
        for c in plans.changes
    ]  # fmt: skip
    lines += ["", "## Lessons learned", "", row(["Id", "What we learned", "What happened", "Tags", "By", "Recorded"])]
    lines += [row(["---"] * 6)]
    lines += [
        row([lesson.ref, lesson.learned, lesson.happened, " ".join(f"#{t}" for t in lesson.tags),
             who(lesson.author_id), lesson.created_at])
        for lesson in _lessons(session, project)
    ]  # fmt: skip
    golive_rows = golives.export_rows(session, project) or []
    if golive_rows:  # each go-live's runbook and timeline: a step a row
        lines += ["", "## Go-lives", "", row(golives.MARKDOWN_HEADER), row(["---"] * len(golives.MARKDOWN_HEADER))]
        lines += [
            row([g.golive, g.step, g.offset, g.at, g.step_title, who(g.owner_id), g.status, who(g.by or None),
                 g.changed_at or "", g.note])
            for g in golive_rows
        ]  # fmt: skip
    held = retros.revealed(session, project)
    if held:  # each revealed retro's notes by kind, their votes and the action items they became; never who wrote
        lines += ["", "## Retrospectives"]
        for retro, notes in held:
            revealed = local_text(retro.revealed_at or now, tz)
            lines += ["", f"### {retro.ref} {_md(retro.title, tz)}", "", f"Revealed {revealed}; {retro.status}.", ""]
            lines += [row(["Note", "Kind", "Text", "Votes", "Action item"]), row(["---"] * 5)]
            lines += [row([f"#{n.position}", retros.KIND_WORDS.get(n.kind, n.kind), n.text, votes, n.action_ref or ""])
                      for n, votes in notes]  # fmt: skip
    for meeting in meetings:  # a section of the document each, its own sections one level below
        items = meeting_rules.captured_items(session, meeting)
        lines += ["", meeting_rules.minutes_markdown(meeting, items, names=names, tz=tz, level=2)]
    return "\n".join(lines) + "\n"


def _status(status: str, why: str) -> str:
    return f"{status.replace('_', ' ')} ({why})" if why else status.replace("_", " ")


def _impact(change: ChangeRequest) -> str:
    days = f"{change.impact_days:+d} days" if change.impact_days else ""
    return "; ".join(part for part in (days, change.impact_cost) if part)


def _md(value: Any, tz: str) -> str:
    text = local_text(value, tz) if isinstance(value, datetime) else str(value)
    return " ".join(text.split()).replace("|", "\\|")
