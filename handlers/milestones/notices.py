"""What follows a milestone's slip: DMs to its owner and the project's leads, a notice in the project's channel,
and one message to each dependent project (its channel and its leads), the DMs in each person's working hours.
Only leads who can see a project's channel are DM'd about it (`visibility.may_hear`); the owner, a party, always is."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import members, milestones, outbox, visibility
from domain.calendar import local_day, next_working_moment
from domain.outbox import Outgoing
from domain.visibility import can_see
from domain.workspaces import working_hours
from handlers import outgoing
from handlers.milestones import alerts, keys
from storage.models import ChannelMember, Member, Milestone, Project

Chain = list[Milestone]
Rendered = tuple[str, list[dict[str, Any]]]


def slipped(session: Session, slip: milestones.Slip, *, now: datetime) -> None:
    """Tell the slip to its people and to every project whose milestones wait for it, once per slip; bring the
    statuses it touched up to date."""
    milestone = slip.milestone
    # A milestone reached (or one waiting only through a milestone reached) no longer waits for anything.
    found = [(d, chain) for d, chain in milestones.downstream(session, milestone) if _still_waiting(chain)]
    milestones.refresh_along(session, milestone, found, now=now)
    elsewhere: dict[int, list[tuple[Milestone, Chain]]] = {}
    for dependent, chain in found:
        if dependent.project_id != milestone.project_id:
            elsewhere.setdefault(dependent.project_id, []).append((dependent, chain))
    projects = [milestone.project, *(group[0][0].project for group in elsewhere.values())]
    zones = _Zones(session, projects, also=[milestone.owner_id])
    _tell_its_people(session, slip, found, zones, now=now)
    for group in elsewhere.values():
        _tell_dependents(session, slip, group, zones, now=now)


def _still_waiting(chain: Chain) -> bool:
    return all(m.done_at is None for m in chain[1:])


class _Zones:
    """Where the people to tell are, and whether they can still read Slack: one query for them all."""

    def __init__(self, session: Session, projects: list[Project], *, also: list[str]) -> None:
        users = {*also, *(lead for project in projects for lead in project.lead_user_ids or [])}
        self.workspace_id = projects[0].workspace_id
        self.zones, self.deactivated = members.zones_and_deactivated(
            session, user_ids=users, workspace_ids=[self.workspace_id]
        )

    def active(self, users: list[str]) -> list[str]:
        """These people without repeats, leaving out the deactivated."""
        return [u for u in dict.fromkeys(users) if (self.workspace_id, u) not in self.deactivated]

    def working_moment(self, user_id: str, project: Project, now: datetime) -> datetime:
        """The next moment of the person's working hours (the project's hours, in their zone, else its zone)."""
        tz = self.zones.get((self.workspace_id, user_id), project.time_zone)
        return next_working_moment(now, tz=tz, hours=working_hours(project))


def _tell_its_people(
    session: Session, slip: milestones.Slip, found: list[tuple[Milestone, Chain]], zones: _Zones, *, now: datetime
) -> None:
    """The owner and the leads, each in their working hours, and the milestone's channel at once."""
    milestone = slip.milestone
    project = milestone.project
    shown = channel_shown(session, project)

    def said(to: alerts.Shown) -> Rendered:
        named = [(d, c) for d, c in found if to(d)]
        return alerts.slip(slip, named, hidden=len(found) - len(named), shown=to)

    for user in zones.active(_told(session, milestone)):
        key = keys.slip_dm(milestone.id, slip.number, user)
        rendered = said(_seen_by(session, project, user))
        _post(session, milestone, key, user, rendered, now, not_before=zones.working_moment(user, project, now))
    _post(session, milestone, keys.slip_channel(milestone.id, slip.number), project.channel_id, said(shown), now)


def channel_shown(session: Session, project: Project) -> alerts.Shown:
    """Whether a message in the project's channel may name another milestone: one of its own, or one of a public
    channel that each guest Slack said is in this channel can see too (a guest sees only the channels they are in)."""
    guests = _guests_in(session, project)
    return _per_project(
        project,
        lambda other: (
            other.is_private is False and all(can_see(session, project=other, user_id=guest) for guest in guests)
        ),
    )


def _guests_in(session: Session, project: Project) -> list[str]:
    """The guests Slack said are in the project's channel."""
    return list(
        session.scalars(
            select(ChannelMember.user_id)
            .join(
                Member,
                (Member.workspace_id == ChannelMember.workspace_id) & (Member.user_id == ChannelMember.user_id),
            )
            .where(
                ChannelMember.workspace_id == project.workspace_id,
                ChannelMember.channel_id == project.channel_id,
                ChannelMember.present.is_(True),
                Member.is_guest.is_(True),
            )
        )
    )


def _seen_by(session: Session, project: Project, user: str) -> alerts.Shown:
    """Whether one person is shown another milestone in a DM about this project: one of its own, or one of a channel
    they can see (a public one only for a full member: a guest sees only the channels they are in)."""
    return _per_project(project, lambda other: can_see(session, project=other, user_id=user))


def _per_project(project: Project, shows: Callable[[Project], bool]) -> alerts.Shown:
    """Whether a milestone may be named in a message about `project`: one of its own, or one of another project
    that `shows` allows (asked once per project)."""
    seen: dict[int, bool] = {}

    def to(other: Milestone) -> bool:
        if other.project_id not in seen:
            seen[other.project_id] = other.project_id == project.id or shows(other.project)
        return seen[other.project_id]

    return to


def _told(session: Session, milestone: Milestone) -> list[str]:
    """Whom a milestone's own news goes to by DM: its owner, and those of its project's leads who can see its channel
    (a lead who is not in a private channel, or left it, is told nothing of it unless it is theirs)."""
    project = milestone.project
    return visibility.may_hear(
        session,
        project=project,
        user_ids=[str(milestone.owner_id), *map(str, project.lead_user_ids or [])],
        parties=visibility.parties(milestone),
    )


def _tell_dependents(
    session: Session, slip: milestones.Slip, group: list[tuple[Milestone, Chain]], zones: _Zones, *, now: datetime
) -> None:
    """One message to a dependent project's channel (at once) and one to each of its leads (in working hours).

    A milestone of another channel (the slipped one, or a step of a chain) is named, with its dates and the reason,
    only to a lead who can see its channel (a guest only if they are in it), and in the dependent channel only if it
    is public and each guest in that channel can see it; otherwise they hear that "a milestone in a private channel"
    moved, by how many working days, and what that means for their own milestones."""
    milestone = slip.milestone
    project = group[0][0].project

    in_channel = channel_shown(session, project)
    channel_key = keys.slip_downstream(milestone.id, slip.number, project.id)
    _post(session, milestone, channel_key, project.channel_id, alerts.downstream(slip, group, shown=in_channel), now)
    seeing = visibility.may_hear(session, project=project, user_ids=map(str, project.lead_user_ids or []))
    for lead in zones.active(seeing):
        key = keys.slip_downstream_lead(milestone.id, slip.number, project.id, lead)
        rendered = alerts.downstream(slip, group, shown=_seen_by(session, project, lead))
        _post(session, milestone, key, lead, rendered, now, not_before=zones.working_moment(lead, project, now))


def _post(
    session: Session,
    milestone: Milestone,
    key: str,
    channel: str,
    rendered: Rendered,
    now: datetime,
    *,
    not_before: datetime | None = None,
) -> None:
    text, blocks = rendered
    outgoing.post(
        session,
        workspace_id=milestone.workspace_id,
        key=key,
        channel=channel,
        text=text,
        blocks=blocks,
        now=now,
        not_before=not_before,
    )


def troubled(session: Session, found: list[Milestone], *, now: datetime, heard: Collection[str] = ()) -> int:
    """Tell the owner and the leads of each milestone become at risk or late, in their working hours, once a status,
    day and person (the job and a request that changed a status share the key), but not those who `heard` it from
    the slip that caused it; return how many were queued."""
    if not found:
        return 0
    people = {m.owner_id for m in found} | {lead for m in found for lead in m.project.lead_user_ids or []}
    zones, deactivated = members.zones_and_deactivated(session, user_ids=people)
    messages: list[tuple[int, Outgoing]] = []
    for milestone in found:
        project = milestone.project
        ws = milestone.workspace_id
        text, blocks = alerts.status(milestone)
        day = local_day(now, project.time_zone)
        for user in _told(session, milestone):
            if (ws, user) in deactivated or user in heard:
                continue
            tz = zones.get((ws, user), project.time_zone)
            at = next_working_moment(now, tz=tz, hours=working_hours(project))
            payload = {"channel": user, "text": text, "blocks": blocks, "unfurl_links": False}
            key = keys.status_alert(milestone.id, milestone.status, day, user)
            messages.append((ws, Outgoing(key, "chat.postMessage", user, payload, at)))
    return outbox.enqueue_many(session, messages, now=now)
