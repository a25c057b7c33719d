"""Workspaces and projects: find or create the records a request belongs to."""

from __future__ import annotations

import re
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.calendar import WorkingHours, is_zone
from domain.errors import InvalidInput
from domain.text import escape
from storage.models import Project, Workspace


def find(session: Session, *, team_id: str) -> Workspace | None:
    """The workspace of a Slack team id, if pmbot has seen it."""
    return session.scalar(select(Workspace).where(Workspace.team_id == team_id))


def workspace_for(session: Session, *, team_id: str, now: datetime, name: str = "") -> Workspace:
    """Return the workspace for a Slack team id, creating it on first sight."""
    found = find(session, team_id=team_id)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            workspace = Workspace(team_id=team_id, name=name, created_at=now)
            session.add(workspace)
        return workspace
    except IntegrityError:  # another request created it first
        return session.scalars(select(Workspace).where(Workspace.team_id == team_id)).one()


def project_for(
    session: Session,
    *,
    workspace: Workspace,
    channel_id: str,
    now: datetime,
    name: str = "",
    time_zone: str = "UTC",
) -> Project:
    """Return the project for a channel, creating it (with default settings) on first use."""
    found = find_project(session, workspace_id=workspace.id, channel_id=channel_id)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            project = Project(
                workspace_id=workspace.id,
                channel_id=channel_id,
                name=name,
                time_zone=time_zone,
                created_at=now,
            )
            session.add(project)
        return project
    except IntegrityError:
        return session.scalars(
            select(Project).where(Project.workspace_id == workspace.id, Project.channel_id == channel_id)
        ).one()


def find_project(session: Session, *, workspace_id: int, channel_id: str) -> Project | None:
    """Return the project for a channel, if the channel uses pmbot."""
    return session.scalar(select(Project).where(Project.workspace_id == workspace_id, Project.channel_id == channel_id))


def working_hours(project: Project) -> WorkingHours:
    """Return a project's working hours and days."""
    start, end = project.workday_start_minute, project.workday_end_minute
    return WorkingHours(
        start=time(start // 60, start % 60),
        end=time(end // 60, end % 60),
        days=frozenset(int(d) for d in project.working_days),
    )


def is_lead(project: Project, user_id: str) -> bool:
    """Return whether the user is one of the project's leads."""
    return user_id in (project.lead_user_ids or [])


def validate_time_zone(name: str) -> str:
    """Return an IANA time zone name, or raise InvalidInput."""
    if not is_zone(name):
        raise InvalidInput(
            f"`{escape(name[:64])}` is not a time zone I know.",
            hint="Use an IANA name such as Europe/Berlin.",
        )
    return name


_DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def parse_hours(text: str) -> tuple[int, int]:
    """Read working hours such as `09:00-17:00` or `9-17.30`; return (start, end) minutes after midnight."""
    match = re.fullmatch(r"\s*(\d{1,2})(?:[:.](\d{2}))?\s*-\s*(\d{1,2})(?:[:.](\d{2}))?\s*", text)
    if not match:
        raise InvalidInput(f"I can't read `{escape(text[:40])}` as working hours.", hint="Say it like `09:00-17:00`.")
    h1, m1, h2, m2 = (int(g or 0) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if not (h1 < 24 and h2 <= 24 and m1 < 60 and m2 < 60 and start < end <= 24 * 60):
        raise InvalidInput("Working hours must start before they end, within one day.", hint="Like `09:00-17:00`.")
    return start, min(end, 24 * 60 - 1)


def parse_days(text: str) -> list[int]:
    """Read working days such as `mon-fri`, `sun-thu` or `mon,tue,thu`; return weekday numbers (Monday=0)."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        ends = part.split("-")
        if not part or len(ends) > 2 or any(e[:3] not in _DAY_NAMES for e in ends):
            raise InvalidInput(
                f"I can't read `{escape(text[:40])}` as days.", hint="Say it like `mon-fri` or `sun-thu`."
            )
        first, last = _DAY_NAMES.index(ends[0][:3]), _DAY_NAMES.index(ends[-1][:3])
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    return sorted(days)


def describe_days(days: list[int]) -> str:
    """Render weekday numbers as names."""
    return ", ".join(_DAY_NAMES[d].capitalize() for d in sorted(days))


def may_configure(project: Project, user_id: str, *, is_admin: bool) -> bool:
    """Return whether a user may change the project's settings (a lead, an admin, or anyone before leads)."""
    return not project.lead_user_ids or is_lead(project, user_id) or is_admin
