"""When a retro asks each person for notes and when it reveals them: pure rules, in each person's own zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from random import Random

from domain import retros
from domain.calendar import WorkingHours
from domain.retro_schedule import REMIND_BEFORE, Person, Rules, ask_at, collect_until, remind_at
from storage.models.retros import RetroNote

RULES = Rules(hours=WorkingHours())  # 09:00-17:00, Monday to Friday; asked at 10:00
TUESDAY_0600 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
UNTIL = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)


def _utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def test_each_person_is_asked_at_ten_their_time_at_once_in_their_working_day_or_the_next_morning() -> None:
    """Berlin's 10:00 is still ahead; Kolkata's has passed but its working day lasts: at once; in Los Angeles it is
    Monday night: Tuesday 10:00 there; Auckland's Tuesday is over (18:00... 19:00): Wednesday 10:00 there."""
    asked = {
        tz: ask_at(RULES, Person("U1", tz), now=TUESDAY_0600, until=UNTIL)
        for tz in ("Europe/Berlin", "Asia/Kolkata", "America/Los_Angeles", "Pacific/Auckland")
    }
    assert {
        "Europe/Berlin": _utc(1, 9),
        "Asia/Kolkata": TUESDAY_0600,
        "America/Los_Angeles": _utc(1, 18),
        "Pacific/Auckland": _utc(1, 21),  # Wednesday 10:00 NZDT
    } == asked


def test_weekends_holidays_and_days_away_are_skipped_and_after_the_reveal_nobody_is_asked() -> None:
    """Friday evening in Berlin: Monday 10:00; a holiday on Monday and a day away on Tuesday move it on; a prompt
    that would come only after the reveal is none."""
    friday_evening = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    far = datetime(2026, 12, 31, tzinfo=UTC)
    person = Person("U1", "Europe/Berlin")
    assert _utc(7, 9) == ask_at(RULES, person, now=friday_evening, until=far)
    holiday = Rules(hours=WorkingHours(), holidays=frozenset({date(2026, 12, 7)}))
    assert _utc(8, 9) == ask_at(holiday, person, now=friday_evening, until=far)
    away = Person("U1", "Europe/Berlin", ((date(2026, 12, 8), date(2026, 12, 8)),))
    assert _utc(9, 9) == ask_at(holiday, away, now=friday_evening, until=far)
    assert ask_at(holiday, away, now=friday_evening, until=_utc(9, 9)) is None


def test_the_reveal_is_the_end_of_the_projects_next_working_day() -> None:
    """Started on a Tuesday: Wednesday 17:00 in the project's zone; on a Friday: Monday's; a stand-up's prompt time
    is everyone's prompt time."""
    assert UNTIL == collect_until(RULES, start=TUESDAY_0600, project_tz="UTC")
    assert _utc(7, 16) == collect_until(RULES, start=_utc(4, 12), project_tz="Europe/Berlin")
    at_0930 = Rules(hours=WorkingHours(), prompt_minute=9 * 60 + 30)
    assert _utc(1, 8, 30) == ask_at(at_0930, Person("U1", "Europe/Berlin"), now=TUESDAY_0600, until=UNTIL)


def test_titles_and_notes_read_as_people_write_them() -> None:
    """ "sprint 15" is "Sprint 15 retro" (never "retro retro"); nothing is the day's retro; notes are one per line,
    blank lines and spaces dropped, and the limits name themselves."""
    assert "Sprint 15 retro" == retros.title_of("sprint   15", now=TUESDAY_0600, tz="UTC")
    assert "Q4 Retrospective" == retros.title_of("q4 Retrospective", now=TUESDAY_0600, tz="UTC")
    assert "Retro Tue 1 Dec 2026" == retros.title_of("", now=TUESDAY_0600, tz="UTC")
    notes = retros.read_notes({"went_well": " a  b \n\n c ", "idea": "d"})
    assert {"went_well": ["a b", "c"], "to_improve": [], "idea": ["d"]} == notes


def test_the_reminder_comes_two_hours_before_the_reveal_inside_each_persons_working_hours() -> None:
    """The reveal Wednesday 17:00 UTC: Berlin is reminded at 16:00 its time (two hours before, in its working
    hours); in Kolkata that moment is 20:30, after hours: at the end of its Wednesday, 17:00 there; in Los Angeles it
    is 07:00, before hours: at the end of its Tuesday, 17:00 there."""
    asked = {"Europe/Berlin": _utc(1, 9), "Asia/Kolkata": TUESDAY_0600, "America/Los_Angeles": _utc(1, 18)}
    reminded = {tz: remind_at(RULES, Person("U1", tz), asked=at, until=UNTIL) for tz, at in asked.items()}
    assert {
        "Europe/Berlin": _utc(2, 15),
        "Asia/Kolkata": _utc(2, 11, 30),
        "America/Los_Angeles": _utc(2, 1),  # Tuesday 17:00 PST
    } == reminded
    assert _utc(2, 15) + REMIND_BEFORE == UNTIL


def test_no_reminder_before_the_prompt_nor_on_a_day_away_and_weekends_and_holidays_are_skipped() -> None:
    """A reveal Monday 17:00 UTC: Los Angeles' last working moment before 07:00 Monday is Friday 17:00, before
    its Monday prompt: no reminder; someone never asked is not reminded; Berlin away on Monday is not reminded;
    a holiday on Monday in Kolkata moves its reminder to Friday's end there."""
    monday = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)
    assert remind_at(RULES, Person("U1", "America/Los_Angeles"), asked=_utc(7, 18), until=monday) is None
    assert _utc(5, 1) == remind_at(RULES, Person("U1", "America/Los_Angeles"), asked=_utc(4, 18), until=monday)
    assert remind_at(RULES, Person("U1", "Europe/Berlin"), asked=None, until=monday) is None
    away = Person("U1", "Europe/Berlin", ((date(2026, 12, 7), date(2026, 12, 7)),))
    assert remind_at(RULES, away, asked=_utc(4, 9), until=monday) is None
    assert _utc(7, 15) == remind_at(RULES, Person("U1", "Europe/Berlin"), asked=_utc(4, 9), until=monday)
    holiday = Rules(hours=WorkingHours(), holidays=frozenset({date(2026, 12, 7)}))
    assert _utc(4, 11, 30) == remind_at(holiday, Person("U1", "Asia/Kolkata"), asked=_utc(4, 4, 30), until=monday)


def _arrived(batches: list[tuple[str, str, int]]) -> list[RetroNote]:
    """Notes in the order they came in: each (author, kind, how many) one person's batch."""
    notes: list[RetroNote] = []
    for author, kind, count in batches:
        notes += [RetroNote(id=len(notes) + n, author_id=author, kind=kind, text=f"{author} {kind} {n}",
                            position=len(notes) + n) for n in range(1, count + 1)]  # fmt: skip
    return notes


def test_the_board_numbers_notes_by_kind_in_a_shuffled_order_that_does_not_tell_whose_they_are() -> None:
    """Three people's batches, one after another (as prompts go out zone by zone): the board's order keeps the kinds
    together (went well, to improve, ideas) but within a kind is not the order they came in, and no person's notes
    make one run of numbers; another shuffle gives another order."""
    notes = _arrived([("U0DEV2", "to_improve", 4), ("U0DEV2", "idea", 1), ("U0LEAD", "to_improve", 4),
                      ("U0LEAD", "went_well", 2), ("U0DEV1", "to_improve", 4), ("U0DEV1", "went_well", 2)])  # fmt: skip
    ordered = retros.board_order(notes, Random(2025))
    assert sorted(n.id for n in notes) == sorted(n.id for n in ordered)  # every note once
    assert ["went_well"] * 4 + ["to_improve"] * 12 + ["idea"] == [n.kind for n in ordered]
    improve = [n for n in ordered if n.kind == "to_improve"]
    assert improve != sorted(improve, key=lambda n: n.position)
    for author in ("U0DEV2", "U0LEAD", "U0DEV1"):
        places = [i for i, n in enumerate(ordered) if n.author_id == author and n.kind == "to_improve"]
        assert places != list(range(places[0], places[0] + len(places))), author
    assert [n.id for n in ordered] != [n.id for n in retros.board_order(notes, Random(2026))]
