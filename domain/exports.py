"""Exports of a project's records: CSV files (one per kind) and one Markdown document."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import meetings as meeting_rules
from domain.risks import level
from storage.models import ActionItem, Decision, Meeting, Project, Risk

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet never runs as a formula."""
    text = value.isoformat() if isinstance(value, datetime) else "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def _records(session: Session, project: Project) -> tuple[list[ActionItem], list[Risk], list[Decision], list[Meeting]]:
    actions = list(
        session.scalars(
            select(ActionItem)
            .where(ActionItem.project_id == project.id, ActionItem.status != "deleted")
            .order_by(ActionItem.number)
        )
    )
    risks = list(session.scalars(select(Risk).where(Risk.project_id == project.id).order_by(Risk.number)))
    decisions = list(
        session.scalars(select(Decision).where(Decision.project_id == project.id).order_by(Decision.number))
    )
    meetings = list(session.scalars(select(Meeting).where(Meeting.project_id == project.id).order_by(Meeting.number)))
    return actions, risks, decisions, meetings


def csv_files(session: Session, project: Project) -> dict[str, str]:
    """Return {filename: CSV text} for actions, risks, decisions and meetings."""
    actions, risks, decisions, meetings = _records(session, project)
    return {
        "actions.csv": _csv(
            ["id", "title", "owner", "creator", "status", "due_at", "created_at", "completed_at", "notes"],
            [
                (a.ref, a.title, a.owner_id, a.creator_id, a.status, a.due_at, a.created_at, a.completed_at, a.notes)
                for a in actions
            ],
        ),
        "risks.csv": _csv(
            [
                "id",
                "kind",
                "title",
                "category",
                "probability",
                "impact",
                "score",
                "level",
                "owner",
                "status",
                "mitigation",
                "contingency",
                "created_at",
            ],
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
                    r.status,
                    r.mitigation,
                    r.contingency,
                    r.created_at,
                )
                for r in risks
            ],
        ),
        "decisions.csv": _csv(
            [
                "id",
                "status",
                "statement",
                "context",
                "options",
                "rationale",
                "decided_by",
                "approver",
                "created_at",
                "revision",
            ],
            [
                (
                    d.ref,
                    d.status,
                    d.statement,
                    d.context,
                    d.options,
                    d.rationale,
                    " ".join(d.decided_by),
                    d.approver_id,
                    d.created_at,
                    d.revision,
                )
                for d in decisions
            ],
        ),
        "meetings.csv": _csv(
            ["id", "title", "started_at", "ended_at", "attendees", "notes", "captured"],
            [
                (
                    m.ref,
                    m.title,
                    m.started_at,
                    m.ended_at,
                    " ".join(m.attendees),
                    " | ".join(str(n["text"]) for n in m.notes),
                    " ".join(c["ref"] for c in m.captured),
                )
                for m in meetings
            ],
        ),
    }


def markdown(session: Session, project: Project, *, names: dict[str, str], now: datetime) -> str:
    """Return one Markdown document with every record and each meeting's minutes."""
    actions, risks, decisions, meetings = _records(session, project)

    def who(user: str | None) -> str:
        return f"@{names.get(user, user)}" if user else "-"

    def row(cells: Sequence[Any]) -> str:
        return "| " + " | ".join(_md(c) for c in cells) + " |"

    lines = [f"# #{project.name or project.channel_id}: pmbot export", "", f"Exported {now:%Y-%m-%d %H:%M} UTC.", ""]
    lines += ["## Action items", "", row(["Id", "Title", "Owner", "Status", "Due"]), row(["---"] * 5)]
    lines += [row([a.ref, a.title, who(a.owner_id), a.status, a.due_at or ""]) for a in actions]
    lines += ["", "## RAID log", "", row(["Id", "Kind", "Title", "Score", "Owner", "Status"]), row(["---"] * 6)]
    lines += [row([r.ref, r.kind, r.title, f"{r.score} ({level(r.score)})", who(r.owner_id), r.status]) for r in risks]
    lines += ["", "## Decisions", "", row(["Id", "Status", "Decision", "Rationale"]), row(["---"] * 4)]
    lines += [row([d.ref, d.status, d.statement, d.rationale]) for d in decisions]
    for meeting in meetings:
        lines += [
            "",
            meeting_rules.minutes_markdown(
                meeting, meeting_rules.captured_items(session, meeting), names=names
            ).replace("# ", "## ", 1),
        ]
    return "\n".join(lines) + "\n"


def _md(value: Any) -> str:
    text = value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value)
    return " ".join(text.split()).replace("|", "\\|")
