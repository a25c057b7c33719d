"""The stand-up tick: the time rules as pure functions of an explicit `now`, then the tick on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from domain import members, standups
from domain.calendar import local_moment
from domain.outbox import Outgoing
from domain.standup_schedule import (
    Participant,
    Plan,
    Window,
    prompt_zones,
    reminder_due,
    summary_at,
    summary_days,
    zone_prompt,
)
from domain.workspaces import project_for, workspace_for
from handlers.standups.jobs import queue_standups
from storage.db import unit_of_work
from storage.models import Member, OutboxMessage, Standup, StandupAnswer

WEEKDAYS = Plan(days=frozenset(range(5)), prompt_minute=9 * 60 + 30)
MONDAY = date(2026, 11, 23)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def window(start: datetime | None, end: datetime) -> Window:
    return Window(start, end)


# The time rules, pure: no database, no Slack.


@pytest.mark.parametrize(
    ("tz", "day", "expected"),
    [
        # Berlin leaves summer time on Sunday 25 October 2026: 09:30 is 07:30 UTC before, 08:30 after.
        ("Europe/Berlin", date(2026, 10, 23), utc(2026, 10, 23, 7, 30)),
        ("Europe/Berlin", date(2026, 10, 26), utc(2026, 10, 26, 8, 30)),
        # Los Angeles leaves daylight time on Sunday 1 November 2026: 16:30 UTC before, 17:30 after.
        ("America/Los_Angeles", date(2026, 10, 30), utc(2026, 10, 30, 16, 30)),
        ("America/Los_Angeles", date(2026, 11, 2), utc(2026, 11, 2, 17, 30)),
        # Auckland enters daylight time on Sunday 27 September 2026: the day before in UTC, 21:30 then 20:30.
        ("Pacific/Auckland", date(2026, 9, 25), utc(2026, 9, 24, 21, 30)),
        ("Pacific/Auckland", date(2026, 9, 28), utc(2026, 9, 27, 20, 30)),
        # Quarter- and half-hour offsets.
        ("Asia/Kathmandu", MONDAY, utc(2026, 11, 23, 3, 45)),
        ("Asia/Kolkata", MONDAY, utc(2026, 11, 23, 4, 0)),
    ],
)
def test_the_prompt_is_at_0930_local_across_daylight_saving_changes(tz: str, day: date, expected: datetime) -> None:
    """A zone's prompt is 09:30 on its own wall clock, whichever side of a DST change (both hemispheres)."""
    assert (day, expected) == zone_prompt(WEEKDAYS, tz, expected)


def test_a_prompt_time_in_a_dst_gap_moves_forward() -> None:
    """02:30 does not exist in Berlin on 29 March 2026: the prompt comes at 03:30 summer time (01:30 UTC)."""
    assert utc(2026, 3, 29, 1, 30) == local_moment(date(2026, 3, 29), 2 * 60 + 30, "Europe/Berlin")


def test_weekends_and_holidays_ask_nobody() -> None:
    """Saturday and Sunday are not stand-up days, nor a project holiday; Monday in Auckland is Sunday in UTC."""
    holiday = Plan(days=WEEKDAYS.days, prompt_minute=WEEKDAYS.prompt_minute, holidays=frozenset({MONDAY}))
    assert zone_prompt(WEEKDAYS, "Europe/Berlin", utc(2026, 11, 21, 12, 0)) is None
    assert zone_prompt(WEEKDAYS, "Europe/Berlin", utc(2026, 11, 22, 12, 0)) is None
    assert zone_prompt(holiday, "Europe/Berlin", utc(2026, 11, 23, 12, 0)) is None
    assert (MONDAY, utc(2026, 11, 22, 20, 30)) == zone_prompt(WEEKDAYS, "Pacific/Auckland", utc(2026, 11, 22, 21, 0))


def test_a_window_is_open_at_its_start_and_closed_at_its_end() -> None:
    """A tick answers for the instants after the previous tick up to and with its own; a repeat answers for none."""
    tick = window(utc(2026, 11, 23, 8, 15), utc(2026, 11, 23, 8, 30))
    assert utc(2026, 11, 23, 8, 30) in tick and utc(2026, 11, 23, 8, 15) not in tick
    assert window(utc(2026, 11, 23, 8, 30), utc(2026, 11, 23, 8, 30)).empty
    assert window(utc(2026, 11, 23, 9, 0), utc(2026, 11, 23, 8, 30)).empty  # the clock went back
    assert not window(None, utc(2026, 11, 23, 8, 30)).empty
    assert utc(2026, 11, 22, 8, 30) == window(None, utc(2026, 11, 23, 8, 30)).since(utc(2026, 11, 22, 8, 30)).start
    assert window(utc(2026, 11, 23, 7, 15), utc(2026, 11, 23, 7, 30)) == tick.shifted(-timedelta(hours=1))


def test_each_zone_is_due_at_the_tick_after_its_0930() -> None:
    """At the 08:30 UTC tick Berlin is due; Kolkata was due at 04:00, Los Angeles is due at 17:30."""
    zones = {"Europe/Berlin", "Asia/Kolkata", "America/Los_Angeles"}
    since = utc(2026, 11, 1, 0, 0)
    assert {"Europe/Berlin": (MONDAY, utc(2026, 11, 23, 8, 30))} == prompt_zones(
        WEEKDAYS, zones, window(utc(2026, 11, 23, 8, 15), utc(2026, 11, 23, 8, 30)), since=since
    )
    assert {} == prompt_zones(WEEKDAYS, zones, window(utc(2026, 11, 23, 8, 30), utc(2026, 11, 23, 8, 45)), since=since)
    # A late tick (nothing ran from 03:00 to 10:00) catches up everyone whose prompt time has come today.
    late = window(utc(2026, 11, 23, 3, 0), utc(2026, 11, 23, 10, 0))
    assert {"Europe/Berlin", "Asia/Kolkata"} == set(prompt_zones(WEEKDAYS, zones, late, since=since))


def test_a_first_tick_asks_for_today_only_and_not_before_the_stand_up_existed() -> None:
    """With no earlier tick, today's prompts whose time has come are due, never yesterday's; nor any set before
    the stand-up was set up."""
    first = window(None, utc(2026, 11, 24, 10, 0))  # Tuesday; Monday was missed entirely
    assert {"Europe/Berlin": (date(2026, 11, 24), utc(2026, 11, 24, 8, 30))} == prompt_zones(
        WEEKDAYS, {"Europe/Berlin"}, first, since=utc(2026, 11, 1, 0, 0)
    )
    assert {} == prompt_zones(WEEKDAYS, {"Europe/Berlin"}, first, since=utc(2026, 11, 24, 9, 0))


def _summary(day: date, people: list[Participant], **options: Any) -> datetime | None:
    settings = {"mode": "after_last", "project_tz": "Europe/Berlin", "fixed_minute": 17 * 60, "after_hours": 3}
    return summary_at(WEEKDAYS, day, people, **{**settings, **options})


def test_the_summary_comes_hours_after_the_last_prompt_of_who_is_asked() -> None:
    """After the last prompt of the day among those asked (someone away does not count), or at a fixed time in
    the project's zone; nobody asked, no summary."""
    berlin = Participant("U1", "Europe/Berlin")
    la = Participant("U2", "America/Los_Angeles")
    la_away = Participant("U2", "America/Los_Angeles", ((MONDAY, MONDAY),))
    assert utc(2026, 11, 23, 20, 30) == _summary(MONDAY, [berlin, la])
    assert utc(2026, 11, 23, 11, 30) == _summary(MONDAY, [berlin, la_away])
    assert utc(2026, 11, 23, 16, 0) == _summary(MONDAY, [berlin, la], mode="fixed")
    assert _summary(MONDAY, [la_away]) is None
    assert _summary(date(2026, 11, 22), [berlin, la]) is None


def test_summary_days_find_a_summary_two_days_late_in_the_projects_zone() -> None:
    """Auckland's project, participants in Pago Pago and Berlin, summary 23 hours after: Monday's comes on Wednesday
    morning in Auckland, and only the tick whose window holds it sees Monday."""
    at = local_moment(MONDAY, 9 * 60 + 30, "Pacific/Pago_Pago") + timedelta(hours=23)
    settings: dict[str, Any] = {
        "mode": "after_last",
        "project_tz": "Pacific/Auckland",
        "fixed_minute": 17 * 60,
        "after_hours": 23,
    }
    zones = {"Pacific/Pago_Pago", "Europe/Berlin"}
    assert [MONDAY] == summary_days(WEEKDAYS, zones, window(at - timedelta(minutes=15), at), **settings)
    assert [] == summary_days(WEEKDAYS, zones, window(at, at + timedelta(minutes=15)), **settings)


def test_a_reminder_comes_once_the_configured_minutes_after_the_prompt_went_out_on_that_day() -> None:
    """Sent at 10:00 (a late tick), the reminder is due in the window holding 11:00, not with the prompt, not
    the next day, not for someone away."""
    berlin = Participant("U1", "Europe/Berlin")
    sent = utc(2026, 11, 23, 10, 0)

    def due(person: Participant, start: datetime, end: datetime) -> bool:
        return reminder_due(WEEKDAYS, person, MONDAY, sent, minutes=60, window=window(start, end))

    assert due(berlin, utc(2026, 11, 23, 10, 45), utc(2026, 11, 23, 11, 0))
    assert not due(berlin, utc(2026, 11, 23, 10, 30), utc(2026, 11, 23, 10, 45))
    assert not due(berlin, utc(2026, 11, 23, 11, 0), utc(2026, 11, 23, 11, 15))
    assert not due(berlin, utc(2026, 11, 23, 10, 0), utc(2026, 11, 23, 23, 30))  # Tuesday in Berlin by then
    assert not due(Participant("U1", "Europe/Berlin", ((MONDAY, MONDAY),)), sent, utc(2026, 11, 23, 11, 0))
    assert not reminder_due(WEEKDAYS, berlin, MONDAY, sent, minutes=0, window=window(sent, utc(2026, 11, 24)))


# The tick on both databases.

ZONES = ("Europe/Berlin", "Asia/Kolkata", "America/Los_Angeles")
SET_UP = utc(2026, 11, 20, 12, 0)


def _stand_up(session: Session, people: int, *, reminder: int = 60) -> Standup:
    """A stand-up of `people` participants spread over three zones, set up the Friday before."""
    workspace = workspace_for(session, team_id="T0TICK", now=SET_UP)
    project = project_for(session, workspace=workspace, channel_id="C0TICK", now=SET_UP)
    users = [f"U{n:05d}" for n in range(people)]
    session.add_all(
        Member(workspace_id=workspace.id, user_id=u, name=u.lower(), zone_name=ZONES[n % 3], fetched_at=SET_UP)
        for n, u in enumerate(users)
    )
    settings = replace(standups.default_settings(users), reminder_minutes=reminder)
    standup = standups.configure(session, project, settings, now=SET_UP)
    session.commit()
    return standup


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL statements sent to the database meanwhile."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN IMMEDIATE: the transaction, not the work
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def tick(factory: sessionmaker[Session], now: datetime) -> int:
    with unit_of_work(factory) as session:
        return queue_standups(session, now)


def _queued(session: Session, kind: str) -> list[tuple[str, datetime]]:
    session.expire_all()
    rows = session.execute(
        select(OutboxMessage.key, OutboxMessage.not_before).where(OutboxMessage.key.like(f"standup:%:{kind}:%"))
    )
    found = sorted((row.key, row.not_before) for row in rows)
    session.rollback()
    return found


def test_a_tick_queues_a_zones_prompts_in_a_few_statements_and_an_idle_one_is_near_free(
    engine: Engine, factory: sessionmaker[Session], session: Session
) -> None:
    """1,200 participants (more than one old IN-list chunk): Berlin's 400 prompts go in one tick of a bounded
    number of statements; the next tick, with nothing due, reads three times and moves its watermark."""
    _stand_up(session, 1200)
    tick(factory, utc(2026, 11, 23, 8, 15))  # Kolkata's prompts, first tick
    with counting(engine) as busy:
        assert 400 == tick(factory, utc(2026, 11, 23, 8, 30))
    with counting(engine) as idle:
        assert 0 == tick(factory, utc(2026, 11, 23, 8, 45))
    queries = [s for s in busy if not s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    # stand-ups, zones, sent prompts, holidays, members, away, answers; for the prompts, everyone's open blockers
    # and action items due soon (one query each, however many people)
    assert len(queries) <= 9, busy
    assert all(s.count("?") + s.count("%(") < 50 for s in queries), "an IN list that grows with the people"
    # The stand-ups, their members' zones, prompts sent for reminders; the watermark.
    assert 4 == len(idle) and idle[-1].lstrip().upper().startswith("UPDATE"), idle
    assert 800 == len(_queued(session, "prompt"))


def test_each_prompt_once_at_its_zones_0930_whatever_the_ticks(
    factory: sessionmaker[Session], session: Session
) -> None:
    """Ticks every 15 minutes through Monday queue every prompt once, at 09:30 local; the same instant run again,
    or an earlier one (the clock set back), queues nothing."""
    _stand_up(session, 30)
    at = utc(2026, 11, 23, 0, 0)
    while at <= utc(2026, 11, 24, 0, 0):
        tick(factory, at)
        at += timedelta(minutes=15)
    assert 0 == tick(factory, utc(2026, 11, 24, 0, 0))
    assert 0 == tick(factory, utc(2026, 11, 23, 9, 0))
    prompts = _queued(session, "prompt")
    assert 30 == len(prompts)
    expected = {"Europe/Berlin": utc(2026, 11, 23, 8, 30), "Asia/Kolkata": utc(2026, 11, 23, 4, 0)}
    expected["America/Los_Angeles"] = utc(2026, 11, 23, 17, 30)
    assert all(at == expected[ZONES[int(key.rsplit(":U", 1)[1]) % 3]] for key, at in prompts)


def test_a_participant_added_after_their_prompt_time_is_asked_the_same_day(
    factory: sessionmaker[Session], session: Session
) -> None:
    """Changing the stand-up makes the next tick work today out afresh: a Berlin member added at 10:00 is asked at
    the 10:15 tick, and nobody already asked is asked again."""
    standup = _stand_up(session, 3)
    tick(factory, utc(2026, 11, 23, 10, 0))
    session.expire_all()  # as a request would, read the stand-up as the tick left it
    session.add(
        Member(workspace_id=standup.workspace_id, user_id="U0NEW", zone_name="Europe/Berlin", fetched_at=SET_UP)
    )
    settings = standups.default_settings([*standup.participants, "U0NEW"])
    standups.configure(session, standup.project, settings, now=utc(2026, 11, 23, 10, 5))
    session.commit()
    assert 1 == tick(factory, utc(2026, 11, 23, 10, 15))
    assert [f"standup:{standup.id}:prompt:2026-11-23:U0NEW"] == [
        k for k, _ in _queued(session, "prompt") if k.endswith("U0NEW")
    ]


def test_a_participant_whose_zone_changes_is_asked_today_in_the_new_one_and_never_twice(
    factory: sessionmaker[Session], session: Session
) -> None:
    """U00000 was in Berlin (09:30 = 08:30 UTC); at 06:05 UTC Slack says Kolkata, whose 09:30 has passed: the next
    tick asks them today all the same. U00001, asked in Kolkata already, moves to Los Angeles: not asked again."""
    standup = _stand_up(session, 3)
    tick(factory, utc(2026, 11, 23, 6, 0))  # Kolkata's 09:30 (04:00 UTC) has passed: U00001 is asked
    for user_id, tz, at in (("U00000", "Asia/Kolkata", utc(2026, 11, 23, 6, 5)),
                            ("U00001", "America/Los_Angeles", utc(2026, 11, 23, 6, 20))):  # fmt: skip
        with unit_of_work(factory) as request:  # what a request does with a fresh profile from users.info
            members.upsert_from_profile(request, workspace_id=standup.workspace_id, now=at,
                                        user={"id": user_id, "name": user_id.lower(), "tz": tz})  # fmt: skip
        tick(factory, at + timedelta(minutes=10))
    tick(factory, utc(2026, 11, 24, 0, 0))  # the rest of Monday in every zone
    prompts = sorted(k.rsplit(":", 1)[1] for k, _ in _queued(session, "prompt") if ":2026-11-23:" in k)
    assert ["U00000", "U00001", "U00002"] == prompts


def test_reminders_follow_the_delivery_and_skip_who_answered(factory: sessionmaker[Session], session: Session) -> None:
    """Prompts delivered at 08:30 (Kolkata's and Berlin's) are reminded at the tick holding 09:30, once each,
    except who answered meanwhile."""
    standup = _stand_up(session, 6)
    tick(factory, utc(2026, 11, 23, 8, 30))
    session.execute(update(OutboxMessage).values(sent_at=utc(2026, 11, 23, 8, 30)))  # as the sender records it
    session.add(StandupAnswer(standup_id=standup.id, day=MONDAY, user_id="U00000", answers=["x"], submitted_at=SET_UP))
    session.commit()
    assert 0 == tick(factory, utc(2026, 11, 23, 9, 15))
    assert 3 == tick(factory, utc(2026, 11, 23, 9, 30))
    assert 0 == tick(factory, utc(2026, 11, 23, 9, 45))
    reminded = [(k.rsplit(":", 1)[1], at) for k, at in _queued(session, "remind")]
    assert [(u, utc(2026, 11, 23, 9, 30)) for u in ("U00001", "U00003", "U00004")] == reminded


def test_one_summary_per_day_even_when_the_tick_after_it_is_late(
    factory: sessionmaker[Session], session: Session
) -> None:
    """The team's one summary of Monday (three hours after Los Angeles' prompt, 20:30 UTC) is queued by the first
    tick after it, a late one included, and never again; with its thread parent."""
    standup = _stand_up(session, 3, reminder=0)
    tick(factory, utc(2026, 11, 23, 20, 0))
    assert [] == _queued(session, "summary")
    tick(factory, utc(2026, 11, 24, 2, 0))  # the scheduler was down from 20:00 to 02:00
    tick(factory, utc(2026, 11, 24, 2, 15))
    assert [(f"standup:{standup.id}:summary:2026-11-23", utc(2026, 11, 23, 20, 30))] == _queued(session, "summary")
    assert 1 == session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.key.like("%:thread:2026-11-23"))
    )


def test_queued_payloads_are_stored_exactly_as_given_whatever_they_share(session: Session) -> None:
    """Prompts sharing one rendered text and blocks, a payload whose channel is not its first key, one without a
    channel and one alike but for its own copy of the blocks all come back as they went in, each once."""
    workspace = workspace_for(session, team_id="T0PAYLOAD", now=SET_UP)
    blocks: list[dict[str, object]] = [{"type": "section", "text": {"type": "mrkdwn", "text": 'Ünïcode "quoted"'}}]
    payloads: list[dict[str, Any]] = [{"channel": f"U{n}", "text": "Stand-up", "blocks": blocks} for n in range(3)]
    payloads += [
        {"text": "Summary", "channel": "C1", "thread_ts_of": "standup:1:thread:2026-11-23", "reply_broadcast": True},
        {"ts": "1.2", "text": "no channel"},
        {"channel": "U9", "text": "Stand-up", "blocks": [dict(b) for b in blocks]},
    ]
    messages = [(workspace.id, Outgoing(f"k{n}", "chat.postMessage", "C", p, SET_UP)) for n, p in enumerate(payloads)]
    assert len(payloads) == standups.queue_new(session, messages, now=SET_UP)
    assert 0 == standups.queue_new(session, messages, now=SET_UP)
    stored = {key: payload for key, payload in session.execute(select(OutboxMessage.key, OutboxMessage.payload))}
    assert {f"k{n}": p for n, p in enumerate(payloads)} == stored
    assert [list(p) for p in payloads] == [list(stored[f"k{n}"]) for n in range(len(payloads))]  # keys in order
