"""Meetings: start and end, attendees, notes and captured items, recurring series, and the minutes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import sequences
from domain.calendar import local_text, working_days_between
from domain.errors import Conflict, InvalidInput, NotFound
from domain.text import escape, short_number
from domain.visibility import unseen
from domain.workspaces import working_hours
from storage.models import ActionItem, ActionStatus, Decision, Meeting, MeetingSeries, Project, Risk

AUTO_CLOSE_AFTER = timedelta(hours=3)
TITLE_LIMIT = 200
# A labelled line, forgiving of a list marker and Slack bold: `- ACTION: …`, `*Decision:* …`, `1. risk: …`.
LABELLED = re.compile(
    r"^\s*(?:[-*•>]\s+|\d{1,2}[.)]\s+)?\*?(ACTION(?:[ _]ITEM)?|DECISION|RISK|NOTE)\*?\s*:\*?\s*(.*)$", re.IGNORECASE
)
PROSE = ("decision", "note")  # kinds whose unlabelled following lines continue them (the others end with fields)
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def open_meeting(session: Session, *, project_id: int) -> Meeting | None:
    """Return the channel's open meeting, if any."""
    return session.scalar(select(Meeting).where(Meeting.project_id == project_id, Meeting.ended_at.is_(None)))


def start(
    session: Session,
    *,
    project: Project,
    by: str,
    title: str,
    now: datetime,
    invited: list[str] | None = None,
    agenda: str = "",
    series_id: int | None = None,
) -> Meeting:
    """Open a meeting in the project's channel (one at a time); titled as one of its recurring meetings, it is the
    next of that series."""
    if open_meeting(session, project_id=project.id) is not None:
        raise Conflict("A meeting is already open in this channel.", hint="End it with `/meeting end`.")
    title = " ".join(title.split())[:TITLE_LIMIT] or f"Meeting {now:%Y-%m-%d}"
    if series_id is None:
        series = series_named(session, project_id=project.id, title=title)
        series_id = series.id if series else None
    meeting = Meeting(
        workspace_id=project.workspace_id,
        project_id=project.id,
        series_id=series_id,
        number=sequences.next_number(session, workspace_id=project.workspace_id, kind="meeting"),
        title=title,
        agenda=agenda,
        started_by=by,
        started_at=now,
        attendees=[by],
        invited=list(invited or []),
        notes=[],
        captured=[],
    )
    meeting.project = project
    session.add(meeting)
    session.flush()
    return meeting


def end(session: Session, meeting: Meeting, *, now: datetime) -> Meeting:
    """Close the meeting."""
    if meeting.ended_at is not None:
        raise Conflict(f"{meeting.ref} has already ended.")
    meeting.ended_at = now
    return meeting


def attend(meeting: Meeting, user_id: str) -> None:
    """Note that someone took part."""
    if user_id not in meeting.attendees:
        meeting.attendees = [*meeting.attendees, user_id]


def note(meeting: Meeting, *, user_id: str, text: str, now: datetime) -> None:
    """Add a note to the minutes."""
    meeting.notes = [*meeting.notes, {"user": user_id, "text": text[:2900], "at": now.isoformat()}]


def record_capture(meeting: Meeting, *, kind: str, ref: str) -> None:
    """Remember an item captured during the meeting, for the minutes."""
    meeting.captured = [*meeting.captured, {"kind": kind, "ref": ref}]


@dataclass(frozen=True)
class Line:
    """One item said in a meeting message: its kind (action, decision, risk, note) and its text."""

    kind: str
    text: str


def captured_lines(message: str) -> list[Line]:
    """Read one item per labelled line of a message.

    An unlabelled line continues a decision or a note above it, or an item whose label stood alone on its line;
    anywhere else it is conversation and is not recorded.
    """
    found: list[list[str]] = []
    for raw in message.splitlines():
        match = LABELLED.match(raw)
        if match:
            found.append([match.group(1).split()[0].split("_")[0].lower(), match.group(2).strip()])
        elif found and raw.strip() and (found[-1][0] in PROSE or not found[-1][1]):
            found[-1][1] = f"{found[-1][1]}\n{raw.strip()}".strip()
    return [Line(kind, text) for kind, text in found if text]


def labelled_text(message: str, kind: str) -> str:
    """The text of the message's first line labelled `kind` (for a shortcut on a meeting message), else all of it."""
    return next((line.text for line in captured_lines(message) if line.kind == kind), message)


def get(session: Session, *, workspace_id: int, ref: str) -> Meeting:
    """Return a meeting by its short id (M-3)."""
    number = short_number(ref, "M")
    if number is None:
        raise InvalidInput(f"`{escape(ref[:20])}` is not a meeting id.", hint="Meeting ids look like `M-3`.")
    meeting = session.scalar(select(Meeting).where(Meeting.workspace_id == workspace_id, Meeting.number == number))
    if meeting is None:
        raise unseen(f"M-{number}")
    return meeting


def latest(session: Session, *, project_id: int) -> Meeting:
    """Return the channel's most recent meeting."""
    meeting = session.scalar(select(Meeting).where(Meeting.project_id == project_id).order_by(Meeting.id.desc()))
    if meeting is None:
        raise NotFound("This channel has had no meeting yet.", hint="Start one with `/meeting start <title>`.")
    return meeting


def overdue_open(session: Session, *, now: datetime) -> list[Meeting]:
    """Meetings left open for more than three hours."""
    return list(
        session.scalars(select(Meeting).where(Meeting.ended_at.is_(None), Meeting.started_at < now - AUTO_CLOSE_AFTER))
    )


@dataclass(frozen=True)
class CapturedItem:
    """An item captured in a meeting, as the minutes show it."""

    kind: str
    ref: str
    text: str
    owner: str | None
    due: datetime | None


def captured_items(session: Session, meeting: Meeting) -> list[CapturedItem]:
    """Look up each captured item as it stands now."""
    found: list[CapturedItem] = []
    for entry in meeting.captured:
        kind, ref = str(entry["kind"]), str(entry["ref"])
        number = int(ref.split("-")[1])
        if kind == "action":
            a = session.scalar(
                select(ActionItem).where(ActionItem.workspace_id == meeting.workspace_id, ActionItem.number == number)
            )
            if a:
                found.append(CapturedItem(kind, ref, a.title, a.owner_id, a.due_at))
        elif kind == "risk":
            r = session.scalar(select(Risk).where(Risk.workspace_id == meeting.workspace_id, Risk.number == number))
            if r:
                found.append(CapturedItem(kind, ref, f"{r.title} (score {r.score})", r.owner_id, r.review_at))
        elif kind == "decision":
            d = session.scalar(
                select(Decision).where(Decision.workspace_id == meeting.workspace_id, Decision.number == number)
            )
            if d:
                found.append(CapturedItem(kind, ref, d.statement, d.decided_by[0] if d.decided_by else None, None))
    return found


def series_named(session: Session, *, project_id: int, title: str) -> MeetingSeries | None:
    """Return the project's recurring meeting of this title (case and spacing aside), if any."""
    wanted = " ".join(title.split()).casefold()
    if not wanted:
        return None
    found = session.scalars(
        select(MeetingSeries).where(MeetingSeries.project_id == project_id).order_by(MeetingSeries.id)
    )
    return next((s for s in found if " ".join(s.title.split()).casefold() == wanted), None)


def carried_over(
    session: Session, *, series_id: int, workspace_id: int, before: Meeting | None = None
) -> list[ActionItem]:
    """Return the action items captured in the series' ended meetings (before `before`) that are still open, each
    once, oldest first; with `before`, those closed since it started too (what it opened with)."""
    held = select(Meeting.captured).where(Meeting.series_id == series_id, Meeting.ended_at.is_not(None))
    if before is not None:
        held = held.where(Meeting.id < before.id)
    numbers = {
        number
        for captured in session.scalars(held)
        for entry in captured or []
        if entry.get("kind") == "action" and (number := short_number(str(entry.get("ref")), "A")) is not None
    }
    if not numbers:
        return []
    still = ActionItem.status == ActionStatus.OPEN
    if before is not None:
        still = still | ((ActionItem.status == ActionStatus.DONE) & (ActionItem.completed_at >= before.started_at))
    return list(
        session.scalars(
            select(ActionItem)
            .where(ActionItem.workspace_id == workspace_id, ActionItem.number.in_(numbers), still)
            .order_by(ActionItem.created_at, ActionItem.number)
        )
    )


@dataclass(frozen=True)
class Carried:
    """An action item a meeting opens with, from an earlier meeting of its series, and its age in working days."""

    item: ActionItem
    age: int


def carried_into(session: Session, meeting: Meeting, *, now: datetime) -> list[Carried]:
    """Return what a meeting of a series opens with: the earlier meetings' open items (and those closed since it
    started), each once, aged in the project's working days."""
    if meeting.series_id is None:
        return []
    tz, hours = meeting.project.time_zone, working_hours(meeting.project)
    return [
        Carried(item, working_days_between(item.created_at, now, tz=tz, hours=hours))
        for item in carried_over(
            session, series_id=meeting.series_id, workspace_id=meeting.workspace_id, before=meeting
        )
    ]


def parse_schedule(text: str) -> tuple[str, int, int]:
    """Read `"Weekly sync" every tuesday 10:00` into (title, weekday, minute)."""
    match = re.match(r'^\s*"([^"]+)"\s+every\s+(\w+)\s+(\d{1,2})[:.](\d{2})\s*$', text, re.IGNORECASE)
    if not match:
        raise InvalidInput(
            "I can't read that schedule.", hint='Say it like `/meeting schedule "Weekly sync" every tuesday 10:00`.'
        )
    title, day, hour, minute = match.group(1), match.group(2).lower(), int(match.group(3)), int(match.group(4))
    weekday = next((i for i, name in enumerate(WEEKDAYS) if name.startswith(day[:3])), None)
    if weekday is None or hour > 23 or minute > 59:
        raise InvalidInput("I can't read that day or time.", hint="A weekday and a 24-hour time, like `tuesday 10:00`.")
    return " ".join(title.split())[:TITLE_LIMIT], weekday, hour * 60 + minute


def schedule(session: Session, *, project: Project, by: str, text: str, now: datetime) -> MeetingSeries:
    """Create a recurring meeting."""
    title, weekday, minute = parse_schedule(text)
    series = MeetingSeries(
        project_id=project.id, title=title, weekday=weekday, minute=minute, created_by=by, created_at=now
    )
    series.project = project
    session.add(series)
    session.flush()
    return series


def closed_automatically(meeting: Meeting) -> bool:
    """Whether the scheduled work closed the meeting: nobody can keep one open longer than `AUTO_CLOSE_AFTER`."""
    return meeting.ended_at is not None and meeting.ended_at - meeting.started_at >= AUTO_CLOSE_AFTER


def duration_text(meeting: Meeting) -> str:
    """`45 min`, or that nobody ended it and it was closed automatically (its length then says nothing)."""
    if closed_automatically(meeting):
        return f"closed automatically after {AUTO_CLOSE_AFTER.seconds // 3600} hours (nobody ran `/meeting end`)"
    ended = meeting.ended_at or meeting.started_at
    return f"{round((ended - meeting.started_at).total_seconds() / 60)} min"


def minutes_markdown(
    meeting: Meeting, items: list[CapturedItem], *, names: dict[str, str], tz: str, level: int = 1
) -> str:
    """The minutes as a Markdown document, times in the zone `tz` (names in plain text: a file pings nobody).

    `level` is the heading level of the title, its sections one below (2 when the minutes sit inside an export).
    """
    title, section = "#" * level, "#" * (level + 1)

    def who(user: str | None) -> str:
        return f"@{names.get(user, user)}" if user else "-"

    lines = [
        f"{title} {meeting.title} ({meeting.ref})",
        "",
        f"- Date: {local_text(meeting.started_at, tz)}",
        f"- Duration: {duration_text(meeting)}",
        f"- Attendees: {', '.join(who(u) for u in dict.fromkeys([*meeting.attendees, *meeting.invited]))}",
        "",
    ]
    if meeting.agenda:
        lines += [f"{section} Agenda", "", meeting.agenda, ""]
    notes = [f"- {n['text']} ({who(str(n['user']))})" for n in meeting.notes] or ["- none"]
    lines += [f"{section} Notes", "", *notes, ""]
    for kind, heading in (("decision", "Decisions"), ("action", "Action items"), ("risk", "Risks")):
        rows = [i for i in items if i.kind == kind]
        lines += [f"{section} {heading}", ""]
        lines += [
            f"- {i.ref}: {i.text} (owner {who(i.owner)}"
            + (f", {'review' if kind == 'risk' else 'due'} {local_text(i.due, tz)}" if i.due else "")
            + ")"
            for i in rows
        ] or ["- none"]
        lines.append("")
    return "\n".join(lines)
