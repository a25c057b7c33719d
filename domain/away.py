"""Away means delegated: who is away (time away, the project's holidays, a holiday Slack status), whom their approvals
and escalations go to instead, what was held or redirected while they were away, and what their summary on return
tells them.

A person is away at a moment when that moment's day in their own zone is in one of their time-away ranges
(`/pm away`, `/standup away`), or is a holiday of the project in question, or when their Slack status says they
are on holiday (and has not expired).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from domain.calendar import WorkingHours, local_day
from domain.due_phrases import read_range
from domain.errors import InvalidInput
from domain.visibility import can_see
from storage.models import ActionItem, Away, Decision, DecisionStatus, Holiday, Member, Project
from storage.models.delegation import AwayLog, Delegation

HOLIDAY_EMOJI = frozenset(
    {
        ":palm_tree:",
        ":beach_with_umbrella:",
        ":desert_island:",
        ":airplane:",
        ":airplane_departure:",
        ":luggage:",
        ":sunny:",
        ":face_with_thermometer:",
        ":baby:",
        ":pregnant_woman:",
    }
)
HOLIDAY_WORDS = re.compile(
    r"\b(?:vacation|vacay|holiday|holidays|on\s+leave|annual\s+leave|parental\s+leave|sick\s+leave|ooo|"
    r"out\s+of\s+(?:the\s+)?office|pto|off\s+sick)\b",
    re.IGNORECASE,
)
TEXT_LIMIT = 500


class Kind:
    """What an away log row records (stored as these strings)."""

    AWAY = "away"  # they went away (the summary's start)
    HELD = "held"  # a reminder or a nudge not sent
    ROUTED = "routed"  # an approval or an escalation sent to someone else instead
    ACTED = "acted"  # someone approved or rejected on their behalf


def status_says_away(text: str, emoji: str, *, expires_at: datetime | None, now: datetime) -> bool:
    """Return whether a Slack status (its text and emoji) says its person is on holiday or out of office at `now`."""
    if expires_at is not None and expires_at <= now:
        return False
    return emoji.strip().lower() in HOLIDAY_EMOJI or HOLIDAY_WORDS.search(text or "") is not None


def choose(user: str, *, away: frozenset[str], delegate: str | None, leads: Iterable[str]) -> list[str]:
    """Return who receives what is meant for `user`: themself if present; else their delegate if present; else the
    leads who are present; else, nobody being there, `user` after all (it waits for them)."""
    if user not in away:
        return [user]
    if delegate and delegate != user and delegate not in away:
        return [delegate]
    present = [lead for lead in dict.fromkeys(leads) if lead != user and lead not in away]
    return present or [user]


@dataclass(frozen=True)
class Absent:
    """Why a person is away now: a range of days, a holiday status, or the project's holiday."""

    user_id: str
    reason: str
    until: date | None  # the last day of their time away, when pmbot knows it


def absent(
    session: Session, *, workspace_id: int, user_ids: Iterable[str], now: datetime, project: Project | None = None
) -> dict[str, Absent]:
    """Return those of these people who are away at `now` (with `project`, its holidays count too), by user id."""
    users = set(user_ids)
    if not users:
        return {}
    fallback = project.time_zone if project is not None else "UTC"
    people = {
        m.user_id: m
        for m in session.scalars(select(Member).where(Member.workspace_id == workspace_id, Member.user_id.in_(users)))
    }
    found: dict[str, Absent] = {}
    around = now.date()
    ranges = session.scalars(
        select(Away).where(
            Away.workspace_id == workspace_id,
            Away.user_id.in_(users),
            Away.first_day <= around + timedelta(days=1),
            Away.last_day >= around - timedelta(days=1),
        )
    )
    for span in ranges:
        member = people.get(span.user_id)
        today = local_day(now, (member.zone_name if member else "") or fallback)
        if span.first_day <= today <= span.last_day:
            known = found.get(span.user_id)
            until = max(span.last_day, known.until) if known and known.until else span.last_day
            found[span.user_id] = Absent(span.user_id, "time away", until)
    for user, member in people.items():
        if user not in found and status_says_away(
            member.status_text, member.status_emoji, expires_at=member.status_expires_at, now=now
        ):
            found[user] = Absent(user, f"Slack status: {member.status_emoji} {member.status_text}".strip(), None)
    if project is not None and _holiday(session, project, now):
        for user in users - set(found):
            found[user] = Absent(user, "project holiday", local_day(now, project.time_zone))
    return found


def _holiday(session: Session, project: Project, now: datetime) -> bool:
    day = local_day(now, project.time_zone)
    return session.scalar(select(Holiday.id).where(Holiday.project_id == project.id, Holiday.day == day)) is not None


def is_away(
    session: Session, *, workspace_id: int, user_id: str, now: datetime, project: Project | None = None
) -> bool:
    """Return whether the person is away at `now`."""
    return user_id in absent(session, workspace_id=workspace_id, user_ids=[user_id], now=now, project=project)


def delegate_of(session: Session, *, workspace_id: int, user_id: str) -> str | None:
    """Return the person's named delegate, if any."""
    return session.scalar(
        select(Delegation.delegate_id).where(Delegation.workspace_id == workspace_id, Delegation.user_id == user_id)
    )


def set_delegate(session: Session, *, workspace_id: int, user_id: str, delegate: str | None, now: datetime) -> None:
    """Name the person's delegate (None: nobody; their project's leads then stand in)."""
    if delegate == user_id:
        raise InvalidInput("You can't be your own delegate.", hint="Name a colleague: `/pm delegate @bob`.")
    row = session.scalar(
        select(Delegation).where(Delegation.workspace_id == workspace_id, Delegation.user_id == user_id)
    )
    if delegate is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(Delegation(workspace_id=workspace_id, user_id=user_id, delegate_id=delegate, created_at=now))
    else:
        row.delegate_id, row.created_at = delegate, now


def route(session: Session, *, workspace_id: int, user_id: str, project: Project, now: datetime) -> list[str]:
    """Return who should get an approval or escalation meant for `user_id` in `project` at `now`."""
    return stand_ins(session, workspace_id=workspace_id, user_id=user_id, project=project, now=now) or [user_id]


def stand_ins(session: Session, *, workspace_id: int, user_id: str, project: Project, now: datetime) -> list[str]:
    """Like `route`, but empty when `user_id` is away and nobody stands in for them: what is meant for them then
    waits (a nudge, a digest or a report's draft is held rather than sent to someone away).

    Only someone who can see the project's channel stands in (its records are for them alone): a delegate outside
    a private channel (a guest: outside any channel, public too) is passed over for the leads who can see it, and
    with none of them, it waits."""
    delegate = delegate_of(session, workspace_id=workspace_id, user_id=user_id)
    leads = [str(lead) for lead in project.lead_user_ids or []]
    people = {user_id, *leads, *([delegate] if delegate else [])}
    away = frozenset(absent(session, workspace_id=workspace_id, user_ids=people, now=now, project=project))
    if user_id not in away:
        return [user_id]
    seeing = {person for person in people - away - {user_id} if can_see(session, project=project, user_id=person)}
    to = choose(
        user_id,
        away=away,
        delegate=delegate if delegate in seeing else None,
        leads=[lead for lead in leads if lead in seeing],
    )
    return [] if to == [user_id] else to


def acting_for(
    session: Session, *, workspace_id: int, actor: str, user_ids: Iterable[str], project: Project, now: datetime
) -> str | None:
    """Return which of `user_ids` (an approver or approvers) `actor` stands in for now, being their delegate or a
    lead while they are away; None if none."""
    for user in user_ids:
        if user != actor and actor in route(session, workspace_id=workspace_id, user_id=user, project=project, now=now):
            return user
    return None


def log(
    session: Session,
    *,
    workspace_id: int,
    user_id: str,
    kind: str,
    now: datetime,
    ref: str = "",
    text: str = "",
    by: str | None = None,
    once: bool = False,
) -> bool:
    """Note what happened to an away person, for their summary on return; with `once`, only if no note of this kind
    about `ref` waits for that summary yet. Return whether it was noted."""
    if once and _open(session, workspace_id, user_id, kind=kind, ref=ref):
        return False
    session.add(
        AwayLog(
            workspace_id=workspace_id,
            user_id=user_id,
            at=now,
            kind=kind,
            ref=ref[:32],
            text=text[:TEXT_LIMIT],
            by_id=by,
        )
    )
    return True


def _open(session: Session, workspace_id: int, user_id: str, *, kind: str, ref: str | None = None) -> bool:
    stmt = select(AwayLog.id).where(
        AwayLog.workspace_id == workspace_id,
        AwayLog.user_id == user_id,
        AwayLog.kind == kind,
        AwayLog.summarized_at.is_(None),
    )
    if ref is not None:
        stmt = stmt.where(AwayLog.ref == ref)
    return session.scalar(stmt.limit(1)) is not None


def hold(session: Session, *, workspace_id: int, user_id: str, ref: str, what: str, now: datetime) -> None:
    """Note a reminder or nudge not sent to an away person (once per record until their summary)."""
    log(session, workspace_id=workspace_id, user_id=user_id, kind=Kind.HELD, ref=ref, text=what, now=now, once=True)


def note_routed(
    session: Session, *, workspace_id: int, user_id: str, to: Iterable[str], ref: str, what: str, now: datetime
) -> None:
    """Note that something meant for an away person went to others instead."""
    for person in to:
        if person != user_id:
            log(session, workspace_id=workspace_id, user_id=user_id, kind=Kind.ROUTED, ref=ref, text=what, by=person,
                now=now)  # fmt: skip


def note_recurring(
    session: Session, *, workspace_id: int, user_id: str, what: str, to: Iterable[str], now: datetime
) -> None:
    """Note, once per absence, that a recurring message meant for an away person (the daily escalation digest, a
    weekly report's draft: `what`) went to each of `to` instead; with `to` empty, that it was held."""
    people: list[str | None] = [person for person in to if person != user_id]
    kind = Kind.ROUTED if people else Kind.HELD
    for person in people or [None]:
        stmt = select(AwayLog.id).where(
            AwayLog.workspace_id == workspace_id,
            AwayLog.user_id == user_id,
            AwayLog.kind == kind,
            AwayLog.ref == "",
            AwayLog.text == what[:TEXT_LIMIT],
            AwayLog.summarized_at.is_(None),
            AwayLog.by_id.is_(None) if person is None else AwayLog.by_id == person,
        )
        if session.scalar(stmt.limit(1)) is None:
            log(session, workspace_id=workspace_id, user_id=user_id, kind=kind, text=what, by=person, now=now)


def stood_in_for(session: Session, *, workspace_id: int, ref: str) -> list[tuple[str, str]]:
    """Return each (person away, who got it in their stead) about the record `ref`, once each (to keep true)."""
    rows = session.execute(
        select(AwayLog.user_id, AwayLog.by_id)
        .where(AwayLog.workspace_id == workspace_id, AwayLog.kind == Kind.ROUTED, AwayLog.ref == ref)
        .order_by(AwayLog.id)
    )
    return list(dict.fromkeys((user, by) for user, by in rows if by))


def stood_in(session: Session, *, workspace_id: int, ref: str) -> list[str]:
    """Return everyone something about the record `ref` was sent to in an away person's stead (to keep true)."""
    rows = session.scalars(
        select(AwayLog.by_id)
        .where(AwayLog.workspace_id == workspace_id, AwayLog.kind == Kind.ROUTED, AwayLog.ref == ref)
        .order_by(AwayLog.id)
    )
    return list(dict.fromkeys(by for by in rows if by))


# ---------------------------------------------------------------------------------------------------------
# Time away set with `/pm away`


_DAYS_THEN_MONTH = re.compile(r"^(\d{1,2})\s*[-\u2013]\s*(\d{1,2})\s+([a-z]{3,9}\.?)$", re.IGNORECASE)
_MONTH_THEN_DAYS = re.compile(r"^([a-z]{3,9}\.?)\s+(\d{1,2})\s*[-\u2013]\s*(\d{1,2})$", re.IGNORECASE)


def spelled_out(phrase: str) -> str:
    """Spell a span of days in one month (`21-31 dec`, `Dec 21-31`) as the range reader reads it (`21 dec - 31
    dec`); anything else is returned as it is."""
    text = " ".join(phrase.split())
    if found := _DAYS_THEN_MONTH.match(text):
        first, last, month = found.groups()
        return f"{first} {month} - {last} {month}"
    if found := _MONTH_THEN_DAYS.match(text):
        month, first, last = found.groups()
        return f"{month} {first} - {month} {last}"
    return text


def ahead(session: Session, *, workspace_id: int, user_id: str, today: date) -> list[Away]:
    """Return the person's time away that is not over by `today` (their local date), soonest first."""
    return list(
        session.scalars(
            select(Away)
            .where(Away.workspace_id == workspace_id, Away.user_id == user_id, Away.last_day >= today)
            .order_by(Away.first_day)
        )
    )


def cancel(session: Session, *, workspace_id: int, user_id: str, today: date) -> tuple[int, list[Away]]:
    """End the time away the person is in (by `today`, their local date): begun before today, it ends yesterday;
    begun today, it goes. Time away still to come stays planned. Return how many changed, and what stays."""
    changed, kept = 0, []
    for span in ahead(session, workspace_id=workspace_id, user_id=user_id, today=today):
        if span.first_day > today:
            kept.append(span)
            continue
        if span.first_day == today:
            session.delete(span)
        else:
            span.last_day = today - timedelta(days=1)
        changed += 1
    return changed, kept


_WEEK = re.compile(r"^(this|next)\s+week$", re.IGNORECASE)


def read_when(phrase: str, *, at: datetime, tz: str, hours: WorkingHours) -> tuple[date, date]:
    """Read the days of time away: `this week` (from today) and `next week` are that week's working days; else
    what the range reader reads (`Dec 21 - Dec 31`, `21-31 dec`, `until Dec 3`, `tomorrow`)."""
    text = " ".join(phrase.split())
    if found := _WEEK.match(text):
        today = local_day(at, tz)
        monday = today - timedelta(days=today.weekday())
        if found.group(1).lower() == "next":
            monday += timedelta(days=7)
        days = sorted(hours.days)
        first, last = monday + timedelta(days=days[0]), monday + timedelta(days=days[-1])
        return (max(first, today), last) if monday <= today else (first, last)
    return read_range(spelled_out(text), at=at, tz=tz, hours=hours)


# ---------------------------------------------------------------------------------------------------------
# The summary on return


def mark_gone(session: Session, *, now: datetime) -> int:
    """Note the start of each absence under way at `now` that has no open note yet; return how many were noted."""
    candidates: dict[int, set[str]] = {}
    day = now.date()
    for ws, user in session.execute(
        select(Away.workspace_id, Away.user_id).where(
            Away.first_day <= day + timedelta(days=1), Away.last_day >= day - timedelta(days=1)
        )
    ):
        candidates.setdefault(ws, set()).add(user)
    for ws, user in session.execute(
        select(Member.workspace_id, Member.user_id).where((Member.status_text != "") | (Member.status_emoji != ""))
    ):
        candidates.setdefault(ws, set()).add(user)
    noted = 0
    for ws, users in candidates.items():
        for user, why in absent(session, workspace_id=ws, user_ids=users, now=now).items():
            text = f"until {why.until.isoformat()}" if why.until else why.reason
            noted += log(session, workspace_id=ws, user_id=user, kind=Kind.AWAY, text=text, now=now, once=True)
    return noted


@dataclass(frozen=True)
class Returned:
    """What happened while a person was away, for their one message on return."""

    workspace_id: int
    user_id: str
    since: datetime
    first_note: int
    notes: list[AwayLog]
    assigned: list[ActionItem]  # items given to them by others while away, still open
    due: list[ActionItem]  # their open items due by now (reminders held among them)
    decisions: list[Decision]  # decided in the projects of their items or that they lead, while away


def returned(session: Session, *, now: datetime) -> list[Returned]:
    """Return those with notes from their time away who are no longer away at `now`, with what happened."""
    notes: dict[tuple[int, str], list[AwayLog]] = {}
    for note in session.scalars(select(AwayLog).where(AwayLog.summarized_at.is_(None)).order_by(AwayLog.id)):
        notes.setdefault((note.workspace_id, note.user_id), []).append(note)
    found: list[Returned] = []
    for (ws, user), rows in notes.items():
        if is_away(session, workspace_id=ws, user_id=user, now=now):
            continue
        since = min(r.at for r in rows)
        found.append(_what_happened(session, ws, user, rows, since=since, now=now))
    return found


def _what_happened(
    session: Session, ws: int, user: str, rows: list[AwayLog], *, since: datetime, now: datetime
) -> Returned:
    mine = list(
        session.scalars(
            select(ActionItem)
            .where(ActionItem.workspace_id == ws, ActionItem.owner_id == user, ActionItem.status == "open")
            .order_by(ActionItem.number)
        )
    )
    assigned = [i for i in mine if i.created_at >= since and i.creator_id != user]
    due = [i for i in mine if i.due_at is not None and i.due_at <= now and i not in assigned]
    led = session.scalars(select(Project).where(Project.workspace_id == ws))
    projects = {i.project_id for i in mine} | {p.id for p in led if user in (p.lead_user_ids or [])}
    decided = [
        decision
        for decision in session.scalars(
            select(Decision)
            .where(
                Decision.project_id.in_(projects),
                Decision.status == DecisionStatus.APPROVED,
                Decision.decided_at.is_not(None),
                Decision.decided_at >= since,
            )
            .order_by(Decision.number)
        )
        if can_see(session, project=decision.project, user_id=user)  # a channel they have left: not theirs to read
    ]
    return Returned(ws, user, since, rows[0].id, rows, assigned, due, decided)


def summarized(session: Session, summary: Returned, *, now: datetime) -> None:
    """Mark the notes of a summary as told."""
    session.execute(
        update(AwayLog)
        .where(AwayLog.id.in_([n.id for n in summary.notes]))
        .values(summarized_at=now)
        .execution_options(synchronize_session=False)
    )


def forget(session: Session, *, workspace_id: int, user_id: str) -> int:
    """Remove a person's delegation, the delegations naming them and their away notes, and their name from others'
    notes; return how many rows."""
    gone = 0
    for stmt in (
        delete(Delegation).where(
            Delegation.workspace_id == workspace_id,
            (Delegation.user_id == user_id) | (Delegation.delegate_id == user_id),
        ),
        delete(AwayLog).where(AwayLog.workspace_id == workspace_id, AwayLog.user_id == user_id),
        update(AwayLog).where(AwayLog.workspace_id == workspace_id, AwayLog.by_id == user_id).values(by_id=None),
    ):
        gone += int(session.execute(stmt.execution_options(synchronize_session=False)).rowcount)  # type: ignore[attr-defined]
    return gone
