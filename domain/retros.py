"""Retrospectives: started in a channel, notes collected privately from each person in their own time, revealed
together (without authors), voted on, and the top notes made action items with owners.

One retro at a time is open in a channel. Only its author sees a note before the reveal; after it, whoever may see
the channel sees every note, never who wrote it. The starter and the project's leads reveal and close it. Each
person has `votes_each` votes (one per note); voting twice for a note counts once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from random import Random, SystemRandom

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from domain import away, retro_schedule, sequences
from domain.calendar import WEEKDAY_NAMES, local_day, local_moment
from domain.errors import Conflict, InvalidInput, PermissionDenied
from domain.retro_schedule import Person, Rules
from domain.text import FORMER_MEMBER, escape, plain_from_slack, short_number, without_control
from domain.visibility import unseen
from domain.workspaces import is_lead, working_hours
from storage.models import Away, Holiday, Project, Standup
from storage.models.retros import NoteKind, Retro, RetroNote, RetroParticipant, RetroStatus, RetroVote

TITLE_LIMIT = 120
NOTE_LIMIT = 280  # characters in one note (one line)
NOTES_EACH = 10  # notes of one kind in one go
NOTES_PER_PERSON = 30  # notes in all, per person and retro
VOTES_EACH = 3
TOP = 3  # notes offered as action items at the close
SHOWN = 20  # a list shows at most this many retros
FEW = 3  # notes from fewer people than this are easy to tell apart, names or not
BY_ID_UNSEEN = "that retro"  # a retro named by its row id, missing or refused alike: never its RT- number

KIND_WORDS: dict[str, str] = {
    NoteKind.WENT_WELL: "Went well",
    NoteKind.TO_IMPROVE: "To improve",
    NoteKind.IDEA: "Ideas",
}
# The notes form's fields, spelled as its block ids, so an error is shown beside its field.
FIELDS: dict[str, str] = {
    NoteKind.WENT_WELL: "retro_went_well",
    NoteKind.TO_IMPROVE: "retro_to_improve",
    NoteKind.IDEA: "retro_ideas",
}
OPEN = (RetroStatus.COLLECTING, RetroStatus.REVEALED)


def title_of(said: str, *, now: datetime, tz: str, typed: bool = True) -> str:
    """The retro's title from `/retro start <words>`: "sprint 15" is "Sprint 15 retro"; nothing: "Retro Tue 1 Dec".

    `typed`: the words as Slack delivers a command (its mentions and escaping undone, so `R&D` is stored as typed and
    escaped once when shown); else plain words already (an offer's title)."""
    words = " ".join((plain_from_slack(said) if typed else without_control(said)).split())
    if not words:
        day = local_day(now, tz)
        return f"Retro {WEEKDAY_NAMES[day.weekday()][:3]} {day.day} {day:%b %Y}"
    if len(words) > TITLE_LIMIT - 6:
        raise InvalidInput(f"A retro's name can be at most {TITLE_LIMIT - 6} characters ({len(words)} now).")
    if not re.search(r"\bretro(spective)?$", words, re.IGNORECASE):
        words += " retro"
    return words[:1].upper() + words[1:]


def rules_for(session: Session, project: Project, *, first: date) -> Rules:
    """The project's timing: working days and hours, holidays from `first`, and its stand-up's prompt time."""
    standup = session.scalar(select(Standup).where(Standup.project_id == project.id))
    holidays = session.scalars(select(Holiday.day).where(Holiday.project_id == project.id, Holiday.day >= first))
    minute = standup.prompt_minute if standup is not None else retro_schedule.DEFAULT_PROMPT_MINUTE
    return Rules(hours=working_hours(project), holidays=frozenset(holidays), prompt_minute=minute)


def standup_people(session: Session, project: Project) -> list[str] | None:
    """The project's stand-up participants, if it has a stand-up running (they are the retro's people too)."""
    standup = session.scalar(select(Standup).where(Standup.project_id == project.id))
    if standup is None or standup.paused:
        return None
    return list(standup.participants or [])


def people(session: Session, project: Project, zones: dict[str, str], *, first: date) -> list[Person]:
    """These people (user id -> zone) with their days away from `first` on."""
    away: dict[str, list[tuple[date, date]]] = {}
    if zones:
        for row in session.execute(
            select(Away.user_id, Away.first_day, Away.last_day).where(
                Away.workspace_id == project.workspace_id, Away.user_id.in_(list(zones)), Away.last_day >= first
            )
        ):
            away.setdefault(row.user_id, []).append((row.first_day, row.last_day))
    return [Person(user, tz, tuple(away.get(user, ()))) for user, tz in zones.items()]


def open_in(session: Session, project: Project) -> Retro | None:
    """The channel's open retro (collecting or revealed), if there is one."""
    stmt = select(Retro).where(Retro.project_id == project.id, Retro.status.in_(OPEN)).order_by(Retro.number.desc())
    return session.scalar(stmt.limit(1))


def titled(session: Session, project: Project, title: str) -> Retro | None:
    """The channel's latest retro of this name (an offer's button starts its retro once)."""
    stmt = select(Retro).where(Retro.project_id == project.id, Retro.title == title[:TITLE_LIMIT])
    return session.scalar(stmt.order_by(Retro.number.desc()).limit(1))


def start(
    session: Session,
    *,
    project: Project,
    title: str,
    started_by: str,
    persons: Sequence[Person],
    rules: Rules,
    now: datetime,
) -> Retro:
    """Start a retro: each person is asked at their own local prompt time until the reveal (the next working day's
    end in the project's zone); refuse while the channel has one open."""
    # The project's row is the channel's lock: two starts at once (a double click on an offer) make one retro.
    session.execute(select(Project.id).where(Project.id == project.id).with_for_update())
    found = open_in(session, project)
    if found is not None:
        raise Conflict(f"{found.ref} _{escape(found.title)}_ is still open in this channel.",
                       hint=f"Close it first with `/retro close {found.ref}`.")  # fmt: skip
    if not persons:
        raise InvalidInput("Nobody here to ask for notes.", hint="Invite the team to the channel first.")
    until = retro_schedule.collect_until(rules, start=now, project_tz=project.time_zone)
    retro = Retro(
        workspace_id=project.workspace_id,
        project_id=project.id,
        number=sequences.next_number(session, workspace_id=project.workspace_id, kind="retro"),
        title=title[:TITLE_LIMIT],
        started_by=started_by,
        created_at=now,
        collect_until=until,
        status=RetroStatus.COLLECTING,
        votes_each=VOTES_EACH,
        revision=0,
    )
    retro.project = project
    asked = retro_schedule.plan(rules, persons, now=now, until=until)
    retro.participants = [
        RetroParticipant(user_id=p.user_id, zone=p.tz, asked_at=asked[p.user_id], done=False) for p in persons
    ]
    session.add(retro)
    session.flush()
    return retro


def replan(session: Session, retro: Retro, persons: Sequence[Person], *, gone: Iterable[str], now: datetime) -> None:
    """Work out again, with zones Slack has told since the start, when those not asked yet are asked; leave out
    who pmbot cannot ask (bots, deactivated accounts)."""
    gone = set(gone)
    rules = rules_for(session, retro.project, first=local_day(now, retro.project.time_zone))
    by_user = {p.user_id: p for p in persons}
    for participant in list(retro.participants):
        if participant.prompted_at is not None or retro.status != RetroStatus.COLLECTING:
            continue
        if participant.user_id in gone:
            retro.participants.remove(participant)
        elif participant.user_id in by_user:
            person = by_user[participant.user_id]
            participant.zone = person.tz
            participant.asked_at = retro_schedule.ask_at(rules, person, now=now, until=retro.collect_until)


def get(session: Session, *, workspace_id: int, ref: str, for_update: bool = False) -> Retro:
    """The retro for a short id like `RT-3` (whoever may read it: the caller decides)."""
    number = short_number(ref, "RT")
    if number is None:
        raise InvalidInput(f"`{escape(ref[:20])}` is not a retro id.", hint="Retro ids look like `RT-3`.")
    stmt = select(Retro).where(Retro.workspace_id == workspace_id, Retro.number == number)
    found = session.scalar(stmt.with_for_update() if for_update else stmt)
    if found is None:
        raise unseen(f"RT-{number}")
    return found


def by_id(session: Session, *, workspace_id: int, retro_id: int, for_update: bool = False) -> Retro:
    """The retro a button or form names by its row id."""
    found = session.get(Retro, retro_id, with_for_update=for_update)
    if found is None or found.workspace_id != workspace_id:
        raise unseen(BY_ID_UNSEEN)
    return found


def named_or_open(session: Session, project: Project, ref: str, *, workspace_id: int) -> Retro:
    """The retro `ref` names, or without one the channel's open retro (else its latest)."""
    if ref:
        return get(session, workspace_id=workspace_id, ref=ref)
    found = open_in(session, project) or next(iter(list_for(session, project_id=project.id, limit=1)), None)
    if found is None:
        raise InvalidInput("This channel has had no retro yet.", hint="Start one with `/retro start sprint 15`.")
    return found


def list_for(session: Session, *, project_id: int, limit: int = SHOWN + 1) -> list[Retro]:
    """The project's retros, newest first."""
    stmt = select(Retro).where(Retro.project_id == project_id).order_by(Retro.number.desc()).limit(limit)
    return list(session.scalars(stmt))


def require_may_run(retro: Retro, user_id: str, what: str) -> None:
    """Only the retro's starter and the project's leads reveal and close it."""
    if user_id != retro.started_by and not is_lead(retro.project, user_id):
        raise PermissionDenied(f"Only whoever started {retro.ref} or a lead of this project can {what} it.")


def participant(retro: Retro, user_id: str) -> RetroParticipant | None:
    """The person's place in the retro, if they were asked."""
    return next((p for p in retro.participants if p.user_id == user_id), None)


# ---------------------------------------------------------------------------------------------------------
# Notes


def read_notes(texts: dict[str, str]) -> dict[str, list[str]]:
    """The notes of a form (kind -> its text): one note per line, blank lines left out; raise what is wrong."""
    notes: dict[str, list[str]] = {}
    for kind in NoteKind:
        lines = [" ".join(line.split()) for line in without_control(texts.get(kind, "")).splitlines()]
        lines = [line for line in lines if line]
        field = FIELDS[kind]
        if len(lines) > NOTES_EACH:
            raise InvalidInput(f"At most {NOTES_EACH} notes at a time here ({len(lines)} lines now).", field=field)
        for line in lines:
            if len(line) > NOTE_LIMIT:
                raise InvalidInput(f"A note can be at most {NOTE_LIMIT} characters; one line has {len(line)}.",
                                   hint="One note per line.", field=field)  # fmt: skip
        notes[kind] = lines
    if not any(notes.values()):
        raise InvalidInput("Write at least one note: one per line, in any of the three boxes.",
                           field=FIELDS[NoteKind.WENT_WELL])  # fmt: skip
    return notes


def add_notes(
    session: Session, retro: Retro, *, user_id: str, notes: dict[str, list[str]], now: datetime
) -> list[RetroNote]:
    """Add a participant's notes (the retro locked by the caller: positions are handed out in order)."""
    if retro.status != RetroStatus.COLLECTING:
        raise Conflict(f"{retro.ref} was revealed already: notes can no longer be added.")
    person = participant(retro, user_id)
    if person is None:
        raise PermissionDenied(f"You were not asked for notes in {retro.ref}.")
    had = len(own_notes(session, retro, user_id))
    new = sum(len(lines) for lines in notes.values())
    if had + new > NOTES_PER_PERSON:
        raise InvalidInput(f"A person can add at most {NOTES_PER_PERSON} notes to a retro "
                           f"(you have {had}, and these are {new}).")  # fmt: skip
    last = session.scalar(select(func.max(RetroNote.position)).where(RetroNote.retro_id == retro.id)) or 0
    added = []
    for kind in NoteKind:
        for text in notes.get(kind, []):
            last += 1
            added.append(RetroNote(retro_id=retro.id, author_id=user_id, kind=kind, text=text, created_at=now,
                                   position=last))  # fmt: skip
    session.add_all(added)
    person.done = True
    session.flush()
    return added


def own_notes(session: Session, retro: Retro, user_id: str) -> list[RetroNote]:
    """The notes this person wrote in the retro."""
    stmt = select(RetroNote).where(RetroNote.retro_id == retro.id, RetroNote.author_id == user_id)
    return list(session.scalars(stmt.order_by(RetroNote.position)))


def notes_of(session: Session, retro: Retro) -> list[RetroNote]:
    """Every note of the retro by its number: once revealed, the board's order (before, the order they came in,
    which nobody but the notes' authors ever sees)."""
    return list(session.scalars(select(RetroNote).where(RetroNote.retro_id == retro.id).order_by(RetroNote.position)))


def note_count(session: Session, retro: Retro) -> int:
    """How many notes the retro holds (all that may be said of them before the reveal)."""
    return int(session.scalar(select(func.count()).where(RetroNote.retro_id == retro.id)) or 0)


# ---------------------------------------------------------------------------------------------------------
# Reveal and votes


def reveal(session: Session, retro: Retro, *, now: datetime, rng: Random | None = None) -> None:
    """Show the notes, numbered afresh in the board's order (`board_order`, shuffled by `rng`, else by the system's
    randomness): voting opens."""
    if retro.status != RetroStatus.COLLECTING:
        raise Conflict(f"{retro.ref} was revealed already.")
    notes = board_order(notes_of(session, retro), rng or SystemRandom())
    for position, note in enumerate(notes, start=1):
        note.position = position
    retro.status = RetroStatus.REVEALED
    retro.revealed_at = now
    session.flush()


def authors(session: Session, retro: Retro) -> int:
    """How many people wrote the retro's notes (said only to whoever may reveal it, and on the board)."""
    stmt = select(func.count(func.distinct(RetroNote.author_id))).where(RetroNote.retro_id == retro.id)
    return int(session.scalar(stmt) or 0)


def few_authors(session: Session, retro: Retro) -> int:
    """How many wrote its notes when they are too few for notes without names to be anonymous (1 or 2); else 0."""
    found = authors(session, retro)
    return found if 0 < found < FEW else 0


def board_order(notes: Sequence[RetroNote], rng: Random) -> list[RetroNote]:
    """The notes by kind as the board shows them, in a random order within each kind.

    Never the order they came in: each person adds theirs in one go, and people are asked one zone after another,
    so numbers in that order would tell whose notes are whose."""
    order: dict[str, int] = {kind: n for n, kind in enumerate(NoteKind)}
    by_kind: dict[int, list[RetroNote]] = {}
    for note in notes:
        by_kind.setdefault(order.get(note.kind, len(order)), []).append(note)
    shuffled: list[RetroNote] = []
    for _, group in sorted(by_kind.items()):
        rng.shuffle(group)
        shuffled += group
    return shuffled


def due_reveals(session: Session, *, now: datetime) -> list[Retro]:
    """The retros still collecting whose time is up."""
    stmt = select(Retro).where(Retro.status == RetroStatus.COLLECTING, Retro.collect_until <= now)
    return list(session.scalars(stmt.order_by(Retro.id).with_for_update()))


def due_prompts(session: Session, *, now: datetime) -> list[tuple[Retro, RetroParticipant]]:
    """The participants whose prompt time has come and who were not asked yet, with their retro.

    Checked at `now`, not only at the start: whoever is away now (time away or a holiday added since) is not asked
    today, but on their next working day that is no day away, or not at all if that comes after the reveal."""
    rows = session.execute(
        select(Retro, RetroParticipant)
        .join(RetroParticipant, RetroParticipant.retro_id == Retro.id)
        .where(
            RetroParticipant.prompted_at.is_(None),
            RetroParticipant.asked_at <= now,
            Retro.status == RetroStatus.COLLECTING,
            Retro.collect_until > now,
        )
        .order_by(RetroParticipant.asked_at)
    )
    due = []
    for retro, found in _by_retro((row[0], row[1]) for row in rows).items():
        rules, persons, gone = _present_at(session, retro, found, now=now)
        for participant in found:
            if participant.done:  # notes given already (`/retro notes`, the Home tab): nothing to ask for
                participant.prompted_at = now
                continue
            person = persons[participant.user_id]
            if participant.user_id in gone:  # from their next local day on
                tomorrow = local_moment(local_day(now, person.tz) + timedelta(days=1), 0, person.tz)
                participant.asked_at = retro_schedule.ask_at(rules, person, now=tomorrow, until=retro.collect_until)
                continue
            at = retro_schedule.ask_at(rules, person, now=now, until=retro.collect_until)
            if at is not None and at <= now:
                due.append((retro, participant))
            else:
                participant.asked_at = at
    return due


def due_reminders(session: Session, *, now: datetime) -> tuple[list[tuple[Retro, RetroParticipant]], list[Held]]:
    """Those asked who have not added notes and whose reminder (`retro_schedule.remind_at`) is due today in their
    zone, with their retro; and the reminders held because the person is away now (checked at `now`)."""
    rows = session.execute(
        select(Retro, RetroParticipant)
        .join(RetroParticipant, RetroParticipant.retro_id == Retro.id)
        .where(
            RetroParticipant.done.is_(False),
            RetroParticipant.prompted_at.is_not(None),
            Retro.status == RetroStatus.COLLECTING,
            Retro.collect_until > now,
        )
        .order_by(Retro.id, RetroParticipant.user_id)
    )
    due: list[tuple[Retro, RetroParticipant]] = []
    held: list[Held] = []
    for retro, found in _by_retro((row[0], row[1]) for row in rows).items():
        rules, persons, gone = _present_at(session, retro, found, now=now)
        for participant in found:
            person = persons[participant.user_id]
            # Its moment regardless of days away: who is away then is held below, for their summary on return.
            anyway = replace(person, away=())
            at = retro_schedule.remind_at(rules, anyway, asked=participant.prompted_at, until=retro.collect_until)
            if at is None or at > now or local_day(at, person.tz) != local_day(now, person.tz):
                continue  # not yet, or its day has passed (they were away then): once, that day, or never
            if participant.user_id in gone:
                held.append(Held(retro, participant.user_id))
            else:
                due.append((retro, participant))
    return due, held


@dataclass(frozen=True)
class Held:
    """A reminder not sent because its person is away."""

    retro: Retro
    user_id: str


def _by_retro(rows: Iterable[tuple[Retro, RetroParticipant]]) -> dict[Retro, list[RetroParticipant]]:
    grouped: dict[Retro, list[RetroParticipant]] = {}
    for retro, participant in rows:
        grouped.setdefault(retro, []).append(participant)
    return grouped


def _present_at(
    session: Session, retro: Retro, found: Sequence[RetroParticipant], *, now: datetime
) -> tuple[Rules, dict[str, Person], set[str]]:
    """The retro's timing as it stands at `now` (holidays and days away added since the start count), these
    participants as the timing sees them, and which of them are away at `now` (days away, a holiday status)."""
    project = retro.project
    first = local_day(now, project.time_zone) - timedelta(days=1)
    rules = rules_for(session, project, first=first)
    persons = {p.user_id: p for p in people(session, project, {f.user_id: f.zone for f in found}, first=first)}
    gone = away.absent(session, workspace_id=retro.workspace_id, user_ids=persons, now=now)
    return rules, persons, set(gone) | {u for u, p in persons.items() if p.is_away(local_day(now, p.tz))}


def votes_of(session: Session, retro: Retro) -> Counter[int]:
    """Each note's votes, by note id."""
    rows = session.execute(select(RetroVote.note_id).where(RetroVote.retro_id == retro.id))
    return Counter(row.note_id for row in rows)


def my_votes(session: Session, retro: Retro, user_id: str) -> list[RetroNote]:
    """The notes this person voted for."""
    stmt = (
        select(RetroNote)
        .join(RetroVote, RetroVote.note_id == RetroNote.id)
        .where(RetroVote.retro_id == retro.id, RetroVote.user_id == user_id)
        .order_by(RetroNote.position)
    )
    return list(session.scalars(stmt))


class Voted(StrEnum):
    """What a click on Vote did."""

    ADDED = "added"
    ALREADY = "already"  # voted for this note before: nothing changes
    FULL = "full"  # all of their votes are used


@dataclass(frozen=True)
class VoteResult:
    outcome: Voted
    note: RetroNote
    mine: list[RetroNote]  # the notes they voted for, after the click


def vote(session: Session, retro: Retro, *, number: int, user_id: str, now: datetime) -> VoteResult:
    """Vote for a note by its number on the board (the retro locked by the caller, so two clicks never pass the
    limit together)."""
    note = _note(session, retro, number)
    mine = my_votes(session, retro, user_id)
    if any(n.id == note.id for n in mine):
        return VoteResult(Voted.ALREADY, note, mine)
    if len(mine) >= retro.votes_each:
        return VoteResult(Voted.FULL, note, mine)
    session.add(RetroVote(retro_id=retro.id, note_id=note.id, user_id=user_id, created_at=now))
    retro.revision += 1
    session.flush()
    return VoteResult(Voted.ADDED, note, [*mine, note])


def unvote(session: Session, retro: Retro, *, number: int, user_id: str) -> bool:
    """Take back a vote for the note of this number; return whether there was one."""
    note = _note(session, retro, number)
    result = session.execute(delete(RetroVote).where(RetroVote.note_id == note.id, RetroVote.user_id == user_id))
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    retro.revision += 1
    return True


def _note(session: Session, retro: Retro, number: int) -> RetroNote:
    if retro.status != RetroStatus.REVEALED:
        raise Conflict(f"Voting in {retro.ref} is over." if retro.status == RetroStatus.CLOSED
                       else f"{retro.ref} is not revealed yet: voting starts with the reveal.")  # fmt: skip
    note = session.scalar(select(RetroNote).where(RetroNote.retro_id == retro.id, RetroNote.position == number))
    if note is None:
        raise Conflict("That note is no longer on the board.")
    return note


def top(session: Session, retro: Retro, *, count: int = TOP) -> list[tuple[RetroNote, int]]:
    """The notes with the most votes (at least one), in the board's order among equals."""
    votes = votes_of(session, retro)
    ranked = sorted((n for n in notes_of(session, retro) if votes[n.id]), key=lambda n: (-votes[n.id], n.position))
    return [(n, votes[n.id]) for n in ranked[:count]]


def close(retro: Retro, *, actor: str, now: datetime) -> None:
    """Close the retro: voting ends."""
    require_open_to_close(retro)
    retro.status = RetroStatus.CLOSED
    retro.closed_at = now
    retro.closed_by = actor
    retro.revision += 1


def require_open_to_close(retro: Retro) -> None:
    """Refuse to offer the close of a retro that is not revealed, or closed already."""
    if retro.status == RetroStatus.CLOSED:
        raise Conflict(f"{retro.ref} is closed already.")
    if retro.status != RetroStatus.REVEALED:
        raise Conflict(f"{retro.ref} is still collecting notes.", hint=f"Reveal it first: `/retro reveal {retro.ref}`.")


def forget(session: Session, *, workspace_id: int, user_id: str) -> int:
    """A person forgotten (`/pm forget`): their votes and their place among the asked go, their notes stay without
    them (as the team's), and they no longer started or closed a retro; return how many rows changed."""
    ids = select(Retro.id).where(Retro.workspace_id == workspace_id).scalar_subquery()
    statements = [
        delete(RetroVote).where(RetroVote.retro_id.in_(ids), RetroVote.user_id == user_id),
        delete(RetroParticipant).where(RetroParticipant.retro_id.in_(ids), RetroParticipant.user_id == user_id),
        update(RetroNote).where(RetroNote.retro_id.in_(ids), RetroNote.author_id == user_id)
        .values(author_id=FORMER_MEMBER),
        update(Retro).where(Retro.workspace_id == workspace_id, Retro.started_by == user_id)
        .values(started_by=FORMER_MEMBER),
        update(Retro).where(Retro.workspace_id == workspace_id, Retro.closed_by == user_id)
        .values(closed_by=FORMER_MEMBER),
    ]  # fmt: skip
    changed = 0
    for statement in statements:
        result = session.execute(statement.execution_options(synchronize_session=False))
        changed += int(result.rowcount)  # type: ignore[attr-defined]
    return changed


EXPORT_COLUMNS = ["retro", "title", "status", "note", "kind", "text", "votes", "action_item", "revealed_at"]


def export_rows(session: Session, project: Project) -> list[tuple[object, ...]] | None:
    """The project's revealed notes with their votes, for an export (never who wrote them, never a note still
    private); None when the project never had a retro."""
    found = list(session.scalars(select(Retro).where(Retro.project_id == project.id).order_by(Retro.number)))
    if not found:
        return None
    rows: list[tuple[object, ...]] = []
    for retro in found:
        if retro.status == RetroStatus.COLLECTING:
            rows.append((retro.ref, retro.title, retro.status, "", "", "", "", "", ""))
            continue
        votes = votes_of(session, retro)
        rows += [
            (retro.ref, retro.title, retro.status, f"#{n.position}", KIND_WORDS.get(n.kind, n.kind), n.text,
             votes[n.id], n.action_ref or "", retro.revealed_at)
            for n in notes_of(session, retro)
        ]  # fmt: skip
    return rows


def revealed(session: Session, project: Project) -> list[tuple[Retro, list[tuple[RetroNote, int]]]]:
    """The project's retros once revealed, oldest first, each with its notes by kind (in the board's order) and
    their votes; never who wrote them."""
    found = session.scalars(
        select(Retro)
        .where(Retro.project_id == project.id, Retro.status != RetroStatus.COLLECTING)
        .order_by(Retro.number)
    )
    order: dict[str, int] = {kind: n for n, kind in enumerate(NoteKind)}
    shown = []
    for retro in found:
        votes = votes_of(session, retro)
        notes = sorted(notes_of(session, retro), key=lambda n: (order.get(n.kind, len(order)), n.position))
        shown.append((retro, [(n, votes[n.id]) for n in notes]))
    return shown
