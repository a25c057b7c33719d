"""Scheduled digests: the weekly status digest, the daily escalation digest, program managers' roll-ups, and the
weekly status report's draft to the leads."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import away, members, outbox, status_reports, visibility
from domain import status as status_rules
from domain.digest_schedule import ESCALATION_MINUTE, WEEKLY_DAY, WEEKLY_MINUTE, escalation_day, weekly_day
from domain.workspaces import find_project, working_hours
from handlers import outgoing
from handlers.digests import keys, render, report
from storage.models import DigestSubscription, Project


def queue_digests(session: Session, now: datetime) -> int:
    """Queue each digest whose time has come (once per day or week, by key); return how many messages."""
    queued = 0
    for project in session.scalars(select(Project)):
        settings = project.settings or {}
        day = weekly_day(
            now,
            project.time_zone,
            weekday=int(settings.get("weekly_digest_day", WEEKLY_DAY)),
            minute=int(settings.get("weekly_digest_minute", WEEKLY_MINUTE)),
        )
        if day is not None:
            queued += _weekly(session, project, day, now)
        queued += _escalation(session, project, now)
    for subscription in session.scalars(select(DigestSubscription)):
        queued += _rollup(session, subscription, now)
    return queued


def queue_status_reports(session: Session, now: datetime) -> int:
    """Draft the week's status report of each project with a stakeholder channel, at its time, to its leads' DMs
    (once a week, by its row); return how many DMs were queued."""
    queued = 0
    for project in session.scalars(select(Project)):
        week = status_reports.due_week(project, now)
        if week is not None:
            queued += report.draft_week(session, project, week=week, now=now)
    return queued


def _weekly(session: Session, project: Project, day: date, now: datetime) -> int:
    key = keys.weekly(project.id, day)
    if outbox.find(session, workspace_id=project.workspace_id, key=key):
        return 0
    text, blocks = render.weekly(status_rules.snapshot(session, project, now=now))
    return outgoing.post_in_parts(
        session,
        workspace_id=project.workspace_id,
        key=key,
        channel=project.channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )


def _escalation(session: Session, project: Project, now: datetime) -> int:
    """To the escalation channel at 09:00 project time, or to each lead's DM at 09:00 their time; silent if empty.
    A lead away: their delegate (else the leads present) reads it in their stead, at 09:00 their own time, noted
    once for the lead's return; nobody to read it, it is held (and noted)."""
    minute = int((project.settings or {}).get("escalation_digest_minute", ESCALATION_MINUTE))
    hours = working_hours(project)
    readers, held = _digest_readers(session, project, now)
    queued, snap = 0, None
    ws = project.workspace_id
    for to, (tz, leads) in readers.items():
        day = escalation_day(now, tz, hours=hours, minute=minute)
        if day is None:
            continue
        key = keys.escalation(project.id, day, to)
        if outbox.find(session, workspace_id=ws, key=key):
            continue
        snap = snap or status_rules.snapshot(session, project, now=now)
        items = status_rules.escalations(snap)
        if items:
            text, blocks = render.escalation_digest(snap, items)
            if leads:
                blocks = [*blocks, render.standing_in(leads)]
            queued += outgoing.post_in_parts(
                session, workspace_id=ws, key=key, channel=to, text=text, blocks=blocks, now=now
            )
            for lead in leads:
                away.note_recurring(session, workspace_id=ws, user_id=lead, what=DIGEST, to=[to], now=now)
    for lead, tz in held:
        if escalation_day(now, tz, hours=hours, minute=minute) is None:
            continue
        snap = snap or status_rules.snapshot(session, project, now=now)
        if status_rules.escalations(snap):
            away.note_recurring(session, workspace_id=ws, user_id=lead, what=DIGEST, to=[], now=now)
    return queued


DIGEST = "daily escalation digest"


def _digest_readers(
    session: Session, project: Project, now: datetime
) -> tuple[dict[str, tuple[str, list[str]]], list[tuple[str, str]]]:
    """Who reads the project's escalation digest, each with their zone and the leads away they read it for; and
    the leads away whom nobody stands in for, with their zone. Only leads who can see the project's channel read
    it (nor does anyone stand in for one who cannot): with none such, and no escalation channel, nobody does."""
    if project.escalation_channel_id:
        return {project.escalation_channel_id: (project.time_zone, [])}, []
    ws = project.workspace_id
    leads = visibility.may_hear(session, project=project, user_ids=[str(lead) for lead in project.lead_user_ids or []])
    gone = away.absent(session, workspace_id=ws, user_ids=leads, now=now, project=project)
    routed = {lead: [lead] for lead in leads}
    for lead in gone:
        routed[lead] = away.stand_ins(session, workspace_id=ws, user_id=lead, project=project, now=now)
    people = {*leads, *(person for to in routed.values() for person in to)}
    zones, deactivated = members.zones_and_deactivated(session, user_ids=people, workspace_ids=[ws])
    readers: dict[str, tuple[str, list[str]]] = {}
    held: list[tuple[str, str]] = []
    for lead, to in routed.items():
        if (ws, lead) in deactivated:
            continue
        if not to:
            held.append((lead, zones.get((ws, lead), project.time_zone)))
        for person in to:
            if (ws, person) not in deactivated:
                _, stood_for = readers.setdefault(person, (zones.get((ws, person), project.time_zone), []))
                stood_for += [lead] if person != lead else []
    return readers, held


def _still_visible(session: Session, subscription: DigestSubscription) -> list[Project]:
    """The subscribed projects the subscriber can still see; those they can no longer see leave the subscription
    (one Slack has not told enough of yet to judge for them, its kind or, for a guest, its members, is skipped this
    week and kept)."""
    shown, kept = [], []
    for channel in subscription.channel_ids:
        project = find_project(session, workspace_id=subscription.workspace_id, channel_id=str(channel))
        if project is None or not visibility.settled(session, project=project, user_id=subscription.user_id):
            kept.append(channel)
        elif visibility.can_see(session, project=project, user_id=subscription.user_id):
            shown.append(project)
            kept.append(channel)
    if kept != list(subscription.channel_ids):
        subscription.channel_ids = kept
    return shown


def _rollup(session: Session, subscription: DigestSubscription, now: datetime) -> int:
    """One DM on Fridays at 16:00 in the subscriber's zone: each project's status and numbers."""
    member = members.find(session, workspace_id=subscription.workspace_id, user_id=subscription.user_id)
    if member is not None and member.deleted:  # nobody reads a deactivated account's DMs
        return 0
    day = weekly_day(now, members.zone_of(member, fallback="UTC"))
    if day is None:
        return 0
    key = keys.rollup(subscription.id, day)
    if outbox.find(session, workspace_id=subscription.workspace_id, key=key):
        return 0
    blocks: list[dict[str, object]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your projects this week"}}
    ]
    projects = _still_visible(session, subscription)
    if not projects:
        return 0
    for snap in status_rules.snapshots(session, projects, now=now):
        blocks += render.status(snap)[1]
        blocks.append({"type": "divider"})
    return outgoing.post_in_parts(
        session,
        workspace_id=subscription.workspace_id,
        key=key,
        channel=subscription.user_id,
        text="Weekly roll-up of your projects",
        blocks=blocks,
        now=now,
    )
