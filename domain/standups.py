"""Stand-ups: configure, record answers and skips, time away and holidays, blockers, reports and stats."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import JSON, Integer, Select, Table, Text, bindparam, func, select, tuple_
from sqlalchemy import cast as cast_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.expression import Grouping

from domain import members
from domain.calendar import WorkingHours, local_day, local_moment, next_working_day
from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.outbox import Outgoing
from domain.standup_schedule import Participant, Plan, prompt_at
from storage.models import (
    ActionItem,
    ActionStatus,
    Away,
    Blocker,
    BlockerStatus,
    Holiday,
    OutboxMessage,
    Project,
    Standup,
    StandupAnswer,
)
from storage.models.standups import DEFAULT_QUESTIONS

ANSWER_LIMIT = 2900
NO_BLOCKER = re.compile(r"^\s*(no|none|nope|nothing|n/?a|-+|no blockers?|nothing blocking( me)?)\s*[.!]*\s*$", re.I)


@dataclass(frozen=True)
class Settings:
    """What `/standup setup` asks for."""

    questions: list[str]
    days: list[int]
    prompt_minute: int
    participants: list[str]
    summary_mode: str
    summary_minute: int
    summary_after_hours: int
    reminder_minutes: int
    mention_missing: bool


def find(session: Session, project: Project) -> Standup | None:
    """Return the project's stand-up, if it has one."""
    return session.scalar(select(Standup).where(Standup.project_id == project.id))


def require(session: Session, project: Project) -> Standup:
    """Return the project's stand-up or explain how to set one up."""
    standup = find(session, project)
    if standup is None:
        raise NotFound("This channel has no stand-up yet.", hint="Set one up with `/standup setup`.")
    return standup


def get(session: Session, standup_id: int, *, workspace_id: int) -> Standup:
    """Return a stand-up by id, within the workspace."""
    standup = session.get(Standup, standup_id)
    if standup is None or standup.workspace_id != workspace_id:
        raise NotFound("That stand-up no longer exists.")
    return standup


def configure(session: Session, project: Project, settings: Settings, *, now: datetime) -> Standup:
    """Create or change the project's stand-up."""
    questions = [" ".join(q.split())[:300] for q in settings.questions if q.strip()][:10]
    if not questions:
        raise InvalidInput("Ask at least one question.", field="questions")
    if not settings.days:
        raise InvalidInput("Pick at least one day.", field="days")
    if not settings.participants:
        raise InvalidInput("Pick at least one participant.", field="participants")
    if settings.summary_mode not in ("fixed", "after_last"):
        raise InvalidInput("Choose when the summary is posted.", field="summary_mode")
    standup = find(session, project) or Standup(
        workspace_id=project.workspace_id, project_id=project.id, created_at=now
    )
    standup.project = project
    standup.questions = questions
    standup.days = sorted(set(settings.days))
    standup.prompt_minute = settings.prompt_minute
    standup.participants = list(dict.fromkeys(settings.participants))
    standup.summary_mode = settings.summary_mode
    standup.summary_minute = settings.summary_minute
    standup.summary_after_hours = max(0, min(settings.summary_after_hours, 23))
    standup.reminder_minutes = max(0, min(settings.reminder_minutes, 24 * 60))
    standup.mention_missing = settings.mention_missing
    # Worked out afresh at the next tick: someone added after their prompt time today is still asked today.
    standup.queued_through = None
    session.add(standup)
    session.flush()
    return standup


def default_settings(participants: list[str]) -> Settings:
    """Return the settings a new stand-up starts with."""
    return Settings(
        questions=list(DEFAULT_QUESTIONS),
        days=[0, 1, 2, 3, 4],
        prompt_minute=9 * 60 + 30,
        participants=participants,
        summary_mode="after_last",
        summary_minute=17 * 60,
        summary_after_hours=3,
        reminder_minutes=60,
        mention_missing=False,
    )


def plan(session: Session, standup: Standup) -> Plan:
    """Return the stand-up's timing rules, holidays included."""
    return plan_of(standup, session.scalars(select(Holiday.day).where(Holiday.project_id == standup.project_id)))


def participants(session: Session, standup: Standup) -> list[Participant]:
    """Return the participants with their current time zones (project zone if unknown) and time away."""
    return participants_of(session, [standup])[standup.id]


def participants_of(session: Session, standups: Iterable[Standup]) -> dict[int, list[Participant]]:
    """Return each stand-up's participants, loading zones and time away for all of them in two queries."""
    standups = list(standups)
    users = {u for s in standups for u in s.participants}
    workspaces = {s.workspace_id for s in standups}
    zones: dict[tuple[int, str], str] = {}
    deactivated: set[tuple[int, str]] = set()
    away: dict[tuple[int, str], list[tuple[date, date]]] = {}
    if users:
        zones, deactivated = members.zones_and_deactivated(session, user_ids=users, workspace_ids=workspaces)
        for a in session.scalars(select(Away).where(Away.workspace_id.in_(workspaces), Away.user_id.in_(users))):
            away.setdefault((a.workspace_id, a.user_id), []).append((a.first_day, a.last_day))
    return {
        s.id: [
            Participant(
                u, zones.get((s.workspace_id, u), s.project.time_zone), tuple(away.get((s.workspace_id, u), ()))
            )
            for u in s.participants
            if (s.workspace_id, u) not in deactivated  # nobody answers for a deactivated account
        ]
        for s in standups
    }


def active(session: Session) -> list[Standup]:
    """Return the stand-ups not paused, with their projects."""
    return list(session.scalars(select(Standup).options(joinedload(Standup.project)).where(Standup.paused.is_(False))))


@dataclass(frozen=True)
class Roster:
    """A workspace's members as stand-ups need them: zone (when known), deactivated, time away."""

    zones: dict[str, str]
    deactivated: frozenset[str]
    away: dict[str, tuple[tuple[date, date], ...]]

    def zones_of(self, standup: Standup) -> dict[str, str]:
        """Return each participant's zone (the project's for an unknown one), deactivated ones left out."""
        fallback = standup.project.time_zone
        return {user: self.zones.get(user) or fallback for user in standup.participants if user not in self.deactivated}

    def participant(self, user: str, tz: str) -> Participant:
        """Return the member as a participant in `tz`, with their time away."""
        return Participant(user, tz, self.away.get(user, ()))

    def participants(self, standup: Standup) -> list[Participant]:
        """Return the stand-up's participants (the project's zone for an unknown one), deactivated ones left out."""
        return [self.participant(user, tz) for user, tz in self.zones_of(standup).items()]


def roster(session: Session, *, workspace_id: int, first: date, last: date) -> Roster:
    """Return a workspace's members, with the time away that overlaps `first` to `last`, in two queries."""
    zones, deactivated = members.zones_in(session, workspace_id=workspace_id)
    away: dict[str, list[tuple[date, date]]] = {}
    for user, first_day, last_day in session.execute(
        select(Away.user_id, Away.first_day, Away.last_day).where(
            Away.workspace_id == workspace_id, Away.last_day >= first, Away.first_day <= last
        )
    ):
        away.setdefault(user, []).append((first_day, last_day))
    return Roster(zones, frozenset(deactivated), {user: tuple(spans) for user, spans in away.items()})


def holidays_of(session: Session, *, first: date, last: date) -> dict[int, frozenset[date]]:
    """Return the holidays from `first` to `last` of each project with a running stand-up, by project id."""
    rows = session.execute(
        select(Holiday.project_id, Holiday.day)
        .join(Standup, Standup.project_id == Holiday.project_id)
        .where(Standup.paused.is_(False), Holiday.day >= first, Holiday.day <= last)
    )
    days: dict[int, set[date]] = {}
    for row in rows:
        days.setdefault(row.project_id, set()).add(row.day)
    return {project: frozenset(found) for project, found in days.items()}


def plan_of(standup: Standup, holidays: Iterable[date] = ()) -> Plan:
    """Return the stand-up's timing rules with the holidays given."""
    return Plan(days=frozenset(standup.days), prompt_minute=standup.prompt_minute, holidays=frozenset(holidays))


def sent_between(
    session: Session, *, key_like: str, after: datetime, through: datetime
) -> list[tuple[int, str, datetime]]:
    """Return (workspace, key, sent at) of posts under keys like `key_like` delivered after `after` up to `through`.

    The delivery time bounds it (the pending index starts with it), however many were sent before.
    """
    rows = session.connection().execute(  # Core rows, one at a time: the ORM holds them all as objects at once
        select(OutboxMessage.workspace_id, OutboxMessage.key, OutboxMessage.sent_at).where(
            OutboxMessage.sent_at > after,
            OutboxMessage.sent_at <= through,
            OutboxMessage.method == "chat.postMessage",
            OutboxMessage.key.like(key_like),
        )
    )
    return [(row.workspace_id, row.key, row.sent_at) for row in rows if row.sent_at is not None]


def answered(session: Session, days: Iterable[tuple[int, date]]) -> dict[int, dict[tuple[date, str], bool]]:
    """Return who answered (False) or skipped (True) on these (stand-up, day) pairs, by stand-up, then (day, user)."""
    pairs = set(days)
    found: dict[int, dict[tuple[date, str], bool]] = {}
    if not pairs:
        return found
    rows = session.connection().execute(  # Core rows, one at a time: the ORM holds them all as objects at once
        select(StandupAnswer.standup_id, StandupAnswer.day, StandupAnswer.user_id, StandupAnswer.skipped).where(
            tuple_(StandupAnswer.standup_id, StandupAnswer.day).in_(pairs)
        )
    )
    for row in rows:
        found.setdefault(row.standup_id, {})[(row.day, row.user_id)] = row.skipped
    return found


def queue_new(session: Session, messages: Sequence[tuple[int, Outgoing]], *, now: datetime) -> int:
    """Queue (workspace_id, message) pairs in one bulk INSERT ... ON CONFLICT DO NOTHING; return how many were new.

    For a tick that derives only what came due since the last one: nothing is looked up first, and a key already
    queued (the same instant run twice, a catch-up) is skipped by the unique index. (A bulk `domain.outbox`
    function in the making, kept here while that module is being reworked.)
    """
    if not messages:
        return 0
    table = cast(Table, OutboxMessage.__table__)
    constant = {"created_at": now, "attempts": 0, "gave_up": False}
    stmt: Any
    params: Any = None
    if session.get_bind().dialect.name == "postgresql":
        stmt = postgresql.insert(table).from_select(
            ["workspace_id", "key", "method", "channel", "not_before", "payload", *constant],
            _unnested(table, messages, constant),
        )
    else:
        stmt = sqlite.insert(table)
        params = [
            {
                "workspace_id": workspace_id,
                "key": m.key,
                "method": m.method,
                "channel": m.channel,
                "not_before": m.not_before,
                "payload": m.payload,
                **constant,
            }
            for workspace_id, m in messages
        ]
    stmt = stmt.on_conflict_do_nothing(index_elements=["workspace_id", "key"])
    # RETURNING says for certain which went in (as `storage.queries.insert_once`); recorded as `outbox.enqueue` does.
    new = [
        (row.workspace_id, row.key)
        for row in session.execute(stmt.returning(table.c.workspace_id, table.c.key), params)
    ]
    session.info.setdefault("outbox_keys", []).extend(new)
    return len(new)


def _unnested(table: Table, messages: Sequence[tuple[int, Outgoing]], constant: dict[str, Any]) -> Select[Any]:
    """The messages as rows for PostgreSQL: each column one array, zipped by unnest.

    A handful of parameters however many rows: a VALUES list of thousands costs more to send and parse than to insert.
    A payload is sent once for all the messages that share it but for its channel (the same prompt to everyone in a
    zone): as its JSON text before and after the channel, spliced round each row's channel in SQL.
    """

    def array(name: str, values: list[Any], type_: Any = None) -> Any:
        return func.unnest(bindparam(name, values, type_=ARRAY(type_ or table.c[name].type)))

    shapes, channels = _payload_shapes([m.payload for _, m in messages])
    heads = Grouping(bindparam("heads", [head for head, _ in shapes], type_=ARRAY(Text)))  # (...)[i], not ::TEXT[][i]
    tails = Grouping(bindparam("tails", [tail for _, tail in shapes], type_=ARRAY(Text)))
    shape = array("shape", [n for n, _ in channels], Integer)
    payload = heads[shape] + array("payload_channel", [c for _, c in channels], Text) + tails[shape]
    return select(
        array("workspace_id", [workspace_id for workspace_id, _ in messages]),
        array("key", [m.key for _, m in messages]),
        array("method", [m.method for _, m in messages]),
        array("channel", [m.channel for _, m in messages]),
        array("not_before", [m.not_before for _, m in messages]),
        cast_(payload, JSON),
        *(bindparam(name, value, type_=table.c[name].type) for name, value in constant.items()),
    )


_CHANNEL = "\x00channel\x00"  # stands for a payload's channel while its JSON text is cut round it


def _payload_shapes(payloads: list[dict[str, Any]]) -> tuple[list[tuple[str, str]], list[tuple[int, str]]]:
    """Return the distinct payloads' JSON text before and after their channel, and each payload's shape (counted
    from 1, as SQL arrays are) and channel as JSON ("" without one). Payloads alike in all but their channel, down
    to the same text and blocks objects (a render cached for a day), share a shape: one `json.dumps` for them all."""
    seen: dict[tuple[Any, ...], int] = {}
    shapes: list[tuple[str, str]] = []
    rows: list[tuple[int, str]] = []
    for payload in payloads:
        like = tuple(k if k == "channel" else (k, id(v)) for k, v in payload.items())
        if like not in seen:
            text = json.dumps({k: _CHANNEL if k == "channel" else v for k, v in payload.items()})
            head, _, tail = text.partition(json.dumps(_CHANNEL))
            shapes.append((head, tail))
            seen[like] = len(shapes)
        rows.append((seen[like], json.dumps(payload["channel"]) if "channel" in payload else ""))
    return shapes, rows


def answers_for(session: Session, standup: Standup, days: Iterable[date]) -> dict[tuple[date, str], StandupAnswer]:
    """Return the answers (and skips) of the given days, by (day, user)."""
    rows = session.scalars(
        select(StandupAnswer).where(StandupAnswer.standup_id == standup.id, StandupAnswer.day.in_(set(days)))
    )
    return {(a.day, a.user_id): a for a in rows}


def record_answer(
    session: Session,
    standup: Standup,
    *,
    user_id: str,
    day: date,
    answers: list[str],
    now: datetime,
    late: bool,
) -> tuple[StandupAnswer, bool]:
    """Store a person's answers for a day (a second submission replaces the first); return it and whether it is new."""
    if user_id not in standup.participants:
        raise PermissionDenied(
            "You are not a participant of this stand-up.", hint="A lead can add you with `/standup setup`."
        )
    cleaned = [a.strip()[:ANSWER_LIMIT] for a in answers]
    if not any(cleaned):
        raise InvalidInput("Your answer is empty.", field="q0")
    existing = answers_for(session, standup, [day]).get((day, user_id))
    if existing is not None:
        if existing.skipped:  # a skip turned into an answer is judged on time or late now
            existing.late = late
        existing.answers, existing.skipped, existing.submitted_at = cleaned, False, now
        return existing, False
    answer = StandupAnswer(
        standup_id=standup.id, day=day, user_id=user_id, answers=cleaned, skipped=False, submitted_at=now, late=late
    )
    session.add(answer)
    session.flush()
    return answer, True


def skip(session: Session, standup: Standup, *, user_id: str, day: date, now: datetime) -> StandupAnswer:
    """Record that a person skips a day (not counted as missing)."""
    existing = answers_for(session, standup, [day]).get((day, user_id))
    if existing is not None:
        raise Conflict("You already answered that day." if not existing.skipped else "You already skipped that day.")
    answer = StandupAnswer(standup_id=standup.id, day=day, user_id=user_id, answers=[], skipped=True, submitted_at=now)
    session.add(answer)
    session.flush()
    return answer


def blocker_question(standup: Standup) -> int | None:
    """Return the index of the question that asks about blockers, if any."""
    return next((i for i, q in enumerate(standup.questions) if "block" in q.lower()), None)


def blocker_text(standup: Standup, answers: list[str]) -> str | None:
    """Return the blocker in a set of answers, or None if the person said they are not blocked."""
    index = blocker_question(standup)
    if index is None or index >= len(answers):
        return None
    text = answers[index].strip()
    return None if not text or NO_BLOCKER.match(text) else text


def same_blocker(text: str) -> str:
    """A blocker's text as compared with another's: case, spacing and closing punctuation aside."""
    return " ".join(text.split()).casefold().rstrip(".!")


def get_blocker(session: Session, blocker_id: int, *, workspace_id: int) -> Blocker:
    """Return a blocker of the workspace (NotFound otherwise)."""
    blocker = session.get(Blocker, blocker_id)
    if blocker is None or blocker.workspace_id != workspace_id:
        raise NotFound("That blocker no longer exists.")
    return blocker


def track_blocker(session: Session, standup: Standup, answer: StandupAnswer, *, now: datetime) -> Blocker | None:
    """Open (or update) the tracked blocker raised by an answer."""
    text = blocker_text(standup, list(answer.answers))
    existing = session.scalar(select(Blocker).where(Blocker.answer_id == answer.id))
    if text is None:
        if existing is not None and existing.status == BlockerStatus.OPEN:
            existing.status, existing.resolved_at, existing.resolved_by = BlockerStatus.RESOLVED, now, answer.user_id
        return None
    if existing is not None:
        existing.text = text
        return existing
    same = same_blocker(text)
    for still in session.scalars(
        select(Blocker)
        .where(
            Blocker.project_id == standup.project_id,
            Blocker.owner_id == answer.user_id,
            Blocker.status == BlockerStatus.OPEN,
        )
        .order_by(Blocker.id)
    ):
        if same_blocker(still.text) == same:  # the same blocker said again: still the one from its first day
            return still
    blocker = Blocker(
        workspace_id=standup.workspace_id,
        project_id=standup.project_id,
        answer_id=answer.id,
        owner_id=answer.user_id,
        text=text,
        status=BlockerStatus.OPEN,
        created_at=now,
    )
    session.add(blocker)
    session.flush()
    return blocker


def resolve_blocker(
    session: Session, blocker_id: int, *, workspace_id: int, user_id: str, is_lead: bool, now: datetime
) -> Blocker:
    """Mark a blocker resolved (by the person blocked or a lead)."""
    blocker = get_blocker(session, blocker_id, workspace_id=workspace_id)
    if user_id != blocker.owner_id and not is_lead:
        raise PermissionDenied("Only the person blocked or a project lead can resolve a blocker.")
    if blocker.status != BlockerStatus.OPEN:
        raise Conflict("That blocker is already resolved.")
    blocker.status, blocker.resolved_at, blocker.resolved_by = BlockerStatus.RESOLVED, now, user_id
    return blocker


def still_blocked(session: Session, blocker_id: int, *, workspace_id: int, user_id: str) -> Blocker:
    """Confirm a blocker is still open (the person blocked alone says so); return it."""
    blocker = get_blocker(session, blocker_id, workspace_id=workspace_id)
    if user_id != blocker.owner_id:
        raise PermissionDenied("Only the person blocked can say they are still blocked.")
    if blocker.status != BlockerStatus.OPEN:
        raise Conflict("That blocker is already resolved.")
    return blocker


def open_blockers(session: Session, *, project_id: int) -> list[Blocker]:
    """Return a project's unresolved blockers, oldest first."""
    return list(
        session.scalars(
            select(Blocker)
            .where(Blocker.project_id == project_id, Blocker.status == BlockerStatus.OPEN)
            .order_by(Blocker.id)
        )
    )


def open_blockers_of(session: Session, *, project_ids: Iterable[int]) -> dict[int, list[Blocker]]:
    """Return the unresolved blockers of these projects, oldest first, by project, in one query."""
    found: dict[int, list[Blocker]] = {}
    for blocker in session.scalars(
        select(Blocker)
        .where(Blocker.project_id.in_(set(project_ids)), Blocker.status == BlockerStatus.OPEN)
        .order_by(Blocker.id)
    ):
        found.setdefault(blocker.project_id, []).append(blocker)
    return found


@dataclass(frozen=True)
class Plate:
    """What a participant's prompt reminds them of: their open action items due within two working days (overdue
    ones first) and their open blockers."""

    actions: tuple[ActionItem, ...] = ()
    blockers: tuple[Blocker, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.actions or self.blockers)


def soon_until(day: date, *, tz: str, hours: WorkingHours, holidays: Iterable[date] = ()) -> datetime:
    """The end of the next working day after the stand-up `day` in `tz` (the project's holidays are no working
    days): what is due before it is due within two working days (that day and the next)."""
    off, nxt = frozenset(holidays), next_working_day(day, hours)
    while nxt in off:
        nxt = next_working_day(nxt, hours)
    return local_moment(nxt + timedelta(days=1), 0, tz)


def open_actions_due(
    session: Session, *, project_ids: Iterable[int], before: datetime
) -> dict[tuple[int, str], list[ActionItem]]:
    """Return the open action items of these projects due before `before` (overdue ones too), soonest first, by
    (project, owner), in one query."""
    found: dict[tuple[int, str], list[ActionItem]] = {}
    for item in session.scalars(
        select(ActionItem)
        .where(
            ActionItem.project_id.in_(set(project_ids)),
            ActionItem.status == ActionStatus.OPEN,
            ActionItem.due_at < before,
        )
        .order_by(ActionItem.due_at, ActionItem.number)
    ):
        found.setdefault((item.project_id, item.owner_id), []).append(item)
    return found


def plate_of(actions: Iterable[ActionItem], blockers: Iterable[Blocker], *, until: datetime) -> Plate:
    """A participant's plate from their open items and blockers: the items due before `until`, each once, and
    each blocker once (the oldest of those saying the same)."""
    due = {a.id: a for a in actions if a.due_at is not None and a.due_at < until}
    said: dict[str, Blocker] = {}
    for blocker in sorted(blockers, key=lambda b: b.id):
        said.setdefault(same_blocker(blocker.text), blocker)
    return Plate(tuple(sorted(due.values(), key=lambda a: (a.due_at, a.number))), tuple(said.values()))


def add_away(session: Session, *, workspace_id: int, user_id: str, first: date, last: date, now: datetime) -> Away:
    """Record time away (inclusive dates)."""
    if last < first:
        raise InvalidInput("The end of your time away is before its start.")
    if (last - first).days > 366:
        raise InvalidInput("Time away can be at most a year at once.")
    away = Away(workspace_id=workspace_id, user_id=user_id, first_day=first, last_day=last, created_at=now)
    session.add(away)
    return away


def add_holiday(session: Session, project: Project, day: date) -> bool:
    """Mark a project holiday; return False if it already was one."""
    if session.scalar(select(Holiday).where(Holiday.project_id == project.id, Holiday.day == day)) is not None:
        return False
    session.add(Holiday(project_id=project.id, day=day))
    return True


def answers_between(
    session: Session, standup: Standup, *, first: date, last: date, user_id: str | None = None
) -> list[StandupAnswer]:
    """Return answers (not skips) in a date range, by day then person."""
    stmt = select(StandupAnswer).where(
        StandupAnswer.standup_id == standup.id,
        StandupAnswer.day >= first,
        StandupAnswer.day <= last,
        StandupAnswer.skipped.is_(False),
    )
    if user_id:
        stmt = stmt.where(StandupAnswer.user_id == user_id)
    return list(session.scalars(stmt.order_by(StandupAnswer.day, StandupAnswer.user_id)))


@dataclass(frozen=True)
class MemberStats:
    """A participant's response over a period."""

    user_id: str
    asked: int
    answered: int
    on_time: int
    late: int
    skipped: int

    @property
    def rate(self) -> float:
        return self.answered / self.asked if self.asked else 0.0


def response_rate(rows: list[MemberStats]) -> float | None:
    """The stand-up response rate: answers over prompts sent, everyone's together (None when nobody was asked).

    The one definition /pm status, the digests, the Home tab and /standup stats all show, over `stats`' period.
    """
    asked = sum(row.asked for row in rows)
    return sum(row.answered for row in rows) / asked if asked else None


def stats(session: Session, standup: Standup, *, now: datetime, working_days: int = 30) -> list[MemberStats]:
    """Return each participant's response rate over their last `working_days` stand-up days before today."""
    the_plan = plan(session, standup)
    result = []
    people = participants(session, standup)
    earliest = now.date() - timedelta(days=working_days * 2 + 14)
    answers = {
        (a.day, a.user_id): a
        for a in session.scalars(
            select(StandupAnswer).where(StandupAnswer.standup_id == standup.id, StandupAnswer.day >= earliest)
        )
    }
    for person in people:
        day = local_day(now, person.tz)
        if prompt_at(the_plan, person, day) > now:  # today's prompt has not come yet: count from yesterday
            day -= timedelta(days=1)
        asked_days: list[date] = []
        while len(asked_days) < working_days and day >= max(earliest, standup.created_at.date()):
            # A day counts once its prompt was sent: planned, and not before the stand-up was set up.
            if the_plan.asks(person, day) and prompt_at(the_plan, person, day) >= standup.created_at:
                asked_days.append(day)
            day -= timedelta(days=1)
        mine = [answers.get((d, person.user_id)) for d in asked_days]
        answered = [a for a in mine if a is not None and not a.skipped]
        result.append(
            MemberStats(
                person.user_id,
                asked=len(asked_days) - sum(1 for a in mine if a is not None and a.skipped),
                answered=len(answered),
                on_time=sum(1 for a in answered if not a.late),
                late=sum(1 for a in answered if a.late),
                skipped=sum(1 for a in mine if a is not None and a.skipped),
            )
        )
    return result
