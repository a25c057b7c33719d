"""Scheduled work for stand-ups: each person's prompt at their own local time, one reminder, the day's summary."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.jobs import producer
from domain import outbox, standups
from domain.outbox import Outgoing
from domain.standup_schedule import Participant, Plan, current_day, local_day, prompt_at, summary_at
from handlers import standup_posts
from handlers.render import standups as render
from storage.models import Member, Standup, StandupAnswer

SUMMARY_GRACE = timedelta(hours=24)  # a summary missed in downtime still goes out within a day


@producer("stand-ups")
def queue_standups(session: Session, now: datetime) -> int:
    """Queue due prompts and reminders for every participant, and due summaries; return how many were new."""
    active = list(
        session.scalars(select(Standup).options(joinedload(Standup.project)).where(Standup.paused.is_(False)))
    )
    people = standups.participants_of(session, active)
    messages: list[tuple[int, Outgoing]] = []
    for standup in active:
        plan = standups.plan(session, standup)
        participants = people[standup.id]
        days = {local_day(now, p.tz) for p in participants}
        project_today = local_day(now, standup.project.time_zone)
        # Two days back: with a late summary ("after_last" up to 23 h) a day's summary can fall two days later.
        summary_days = [project_today + timedelta(days=n) for n in (-2, -1, 0, 1)]
        answers = standups.answers_for(session, standup, days | set(summary_days))
        messages += _prompts(session, standup, plan, participants, answers, now)
        for day in summary_days:
            messages += _summary(session, standup, plan, participants, answers, day, now)
    return outbox.enqueue_many(session, messages, now=now)


def _prompts(
    session: Session,
    standup: Standup,
    plan: Plan,
    participants: list[Participant],
    answers: dict[tuple[date, str], StandupAnswer],
    now: datetime,
) -> list[tuple[int, Outgoing]]:
    """Each participant whose prompt time has come today (their today) and who has not answered is asked, then
    reminded once, the configured minutes after the prompt actually went out (never together with it)."""
    due: list[tuple[str, date, str, datetime]] = []  # (user, day, prompt key, prompt time)
    for person in participants:
        day = current_day(plan, person, now)
        if day is None or (day, person.user_id) in answers:
            continue
        asked = prompt_at(plan, person, day)
        if asked < standup.created_at:  # set up after today's prompt time: the first prompt is the next one
            continue
        due.append((person.user_id, day, standup_posts.key(standup, "prompt", day, person.user_id), asked))
    # Exact keys, not a prefix scan: the unique (workspace, key) index answers this however big the outbox grows.
    prompted = outbox.sent_times(session, workspace_id=standup.workspace_id, keys=[key for _, _, key, _ in due])
    rendered: dict[tuple[date, bool], tuple[str, list[dict[str, object]]]] = {}  # the same for everyone on a day

    def message(day: date, reminder: bool) -> tuple[str, list[dict[str, object]]]:
        if (day, reminder) not in rendered:
            rendered[day, reminder] = render.prompt(standup, day, reminder=reminder)
        return rendered[day, reminder]

    out: list[tuple[int, Outgoing]] = []
    for user, day, key, asked in due:
        text, blocks = message(day, False)
        out.append((standup.workspace_id, _dm(key, user, text, blocks, asked)))
        sent = prompted.get(key)
        if standup.reminder_minutes and sent and now >= sent + timedelta(minutes=standup.reminder_minutes):
            text, blocks = message(day, True)
            remind = standup_posts.key(standup, "remind", day, user)
            out.append((standup.workspace_id, _dm(remind, user, text, blocks, now)))
    return out


def _dm(key: str, user: str, text: str, blocks: list[dict[str, object]], at: datetime) -> Outgoing:
    return Outgoing(key, "chat.postMessage", user, {"channel": user, "text": text, "blocks": blocks}, at)


def _summary(
    session: Session,
    standup: Standup,
    plan: Plan,
    participants: list[Participant],
    answers: dict[tuple[date, str], StandupAnswer],
    day: date,
    now: datetime,
) -> list[tuple[int, Outgoing]]:
    """The day's summary, once its time has come: answered, away, not yet, and every open blocker."""
    at = summary_at(
        plan,
        day,
        participants,
        mode=standup.summary_mode,
        project_tz=standup.project.time_zone,
        fixed_minute=standup.summary_minute,
        after_hours=standup.summary_after_hours,
    )
    if at is None or not at <= now < at + SUMMARY_GRACE or standup_posts.summary_sent(session, standup, day):
        return []
    # Only who was asked before the summary counts: not before the stand-up existed, and (at a fixed time)
    # not those further west whose prompt comes later that day.
    asked = {
        p.user_id for p in participants if plan.asks(p, day) and standup.created_at <= prompt_at(plan, p, day) <= at
    }
    answered = [p.user_id for p in participants if (a := answers.get((day, p.user_id))) and not a.skipped]
    if not asked and not answered:
        return []
    away = [p.user_id for p in participants if p.is_away(day) and p.user_id not in answered]
    skipped = {p.user_id for p in participants if (a := answers.get((day, p.user_id))) and a.skipped}
    missing = [u for u in (p.user_id for p in participants) if u in asked and u not in answered and u not in skipped]
    blockers = standups.open_blockers(session, project_id=standup.project_id)
    rows = session.execute(
        select(Member.user_id, Member.name).where(
            Member.workspace_id == standup.workspace_id,
            Member.user_id.in_(away + missing + answered + [b.owner_id for b in blockers]),
        )
    )
    names = {row.user_id: row.name for row in rows}
    text, blocks = render.summary(
        day,
        answered=answered,
        away=away,
        missing=missing,
        blockers=blockers,
        mention_missing=standup.mention_missing,
        names=names,
    )
    thread = standup_posts.ensure_thread(session, standup, day, now=now)
    channel = standup.project.channel_id
    payload = {"channel": channel, "text": text, "blocks": blocks, "thread_ts_of": thread, "reply_broadcast": True}
    return [
        (
            standup.workspace_id,
            Outgoing(standup_posts.key(standup, "summary", day), "chat.postMessage", channel, payload, at),
        )
    ]
