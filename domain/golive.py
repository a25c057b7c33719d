"""Go-live runbooks: a plan from a template of steps at T-minus times, its owners and conditions, the approvers'
go/no-go poll, and the live timeline of what was done, failed or skipped, by whom and when; a failed step becomes an
action item for its owner, once.

When the steps fall and when their owners hear of them: `domain.golive_schedule`. Anyone who may read the project
may read its go-lives; a step is marked done, failed or skipped by its owner, the planner or a project's lead (a step
at T or after only once the cutover is live); the planner and the project's leads change the plan, start and end it
(the last step finished by one of them ends it too); only the approvers named on it vote. Steps are numbered once:
a number removed is never given again, and buttons name a step by its id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import actions, due_phrases, sequences
from domain.calendar import in_zone, local_to_utc
from domain.errors import Conflict, InvalidInput, PermissionDenied
from domain.golive_schedule import Offset, parse_offset, step_moment
from domain.sources import Source
from domain.text import (
    FORMER_MEMBER,
    date_token,
    escape,
    plain_from_slack,
    short_number,
    user_ids_in,
    user_mention,
    without_control,
)
from domain.visibility import unseen
from domain.workspaces import is_lead
from storage.models import ActionItem, Holiday, Meeting, Project, SourceKind
from storage.models.golive import GoLive, GoLiveStatus, GoLiveStep, GoLiveVote, StepStatus, Vote

TITLE_LIMIT = 200
CONDITION_LIMIT = 500
NOTE_LIMIT = 500
STEP_COUNT = 40
APPROVER_COUNT = 10
SHOWN = 30
FURTHEST = timedelta(days=2 * 366)  # a go-live's T at most this far ahead (its steps stay within reach)
REASON = "golive_reason"  # the no-go form's field, spelled as its block id so an error shows beside it

# The runbook every go-live starts from; each step's owner is the planner until given to someone.
TEMPLATE: tuple[tuple[str, str], ...] = (
    ("T-7d", "Freeze scope and confirm the runbook"),
    ("T-2d", "Dry run signed off"),
    ("T-2h", "Backups verified"),
    ("T-0", "Cutover starts"),
    ("T+30m", "Smoke tests"),
    ("T+2h", "Hypercare check"),
)

Names = Callable[[str], str]  # a person's name for their Slack id (see domain.text.plain_from_slack)

OPEN = (GoLiveStatus.PLANNED, GoLiveStatus.GO, GoLiveStatus.NO_GO, GoLiveStatus.LIVE)
FINISHED = (StepStatus.DONE, StepStatus.FAILED, StepStatus.SKIPPED)

_QUOTED = re.compile(r"[\"“”]([^\"“”]*)[\"“”]")
_WHEN = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})\s+(\d{1,2}):(\d{2})")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_TIME_OF_DAY = re.compile(  # a phrase that says the time of day, or hours from now
    r"\d{1,2}[:.h]\d{2}|\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.)|\b(?:noon|midnight)\b"
    r"|\bin\s+\d+\s*(?:h|hrs?|hours?|mins?|minutes?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Draft:
    """A go-live as `/golive plan "<title>" <YYYY-MM-DD> <HH:MM> [@approvers]` says it."""

    title: str
    day: date
    at: time
    approvers: tuple[str, ...] = ()


@dataclass(frozen=True)
class StepDraft:
    """A step as `/golive step G-1 add <T-offset> "<title>" @owner [if <condition>]` says it."""

    offset: Offset
    title: str
    owner: str | None
    condition: str = ""


PLAN_HINT = 'Like `/golive plan "Payments cutover" 2027-02-06 22:00` or `saturday 22:00` (your time zone).'


def _title(said: str, *, what: str, hint: str, name_of: Names | None = None) -> str:
    title = " ".join(plain_from_slack(said, name_of=name_of).split())
    if not title:
        raise InvalidInput(f"What is the {what} called?", hint=hint)
    if len(title) > TITLE_LIMIT:
        raise InvalidInput(f"A {what}'s title can be at most {TITLE_LIMIT} characters ({len(title)} now).")
    return title


def read_plan(said: str, *, now: datetime, tz: str, locale: str | None = None, name_of: Names | None = None) -> Draft:
    """Read `"<title>" <when> [@approvers]`; raise what is wrong with it. `<when>` is `2027-02-06 22:00` or a phrase
    with a time of day (`saturday 22:00`, `in 2 weeks at 10pm`), read in `tz` (the planner's) as of `now`. People
    named in the title are written by the name `name_of` gives them."""
    quoted = _QUOTED.search(said)
    if quoted is None:
        raise InvalidInput("Put the go-live's title in quotes, then its date and time.", hint=PLAN_HINT)
    title = _title(quoted.group(1), what="go-live", hint=PLAN_HINT, name_of=name_of)
    rest = said[quoted.end() :].strip()
    approvers = tuple(user_ids_in(rest))
    when = _WHEN.match(rest)
    if when is None:
        phrase = _MENTION.sub(" ", rest).strip()
        if not phrase or not _TIME_OF_DAY.search(phrase):
            shown = f"`{escape(phrase[:30])}` is" if phrase else "That is"
            raise InvalidInput(f"{shown} not a date and time: a go-live needs the time of day too.", hint=PLAN_HINT)
        moment = in_zone(due_phrases.parse_when(phrase, now=now, tz=tz, locale=locale), tz)  # or what is wrong
        return Draft(title, moment.date(), moment.time().replace(second=0, microsecond=0), approvers=approvers)
    year, month, day, hour, minute = (int(n) for n in when.groups())
    try:
        moment_parts = (date(year, month, day), time(hour, minute))
    except ValueError:
        raise InvalidInput(f"{escape(when.group(0))} is no date and time.", hint=PLAN_HINT) from None
    leftover = _MENTION.sub(" ", rest[when.end() :]).strip()
    if leftover:
        raise InvalidInput(f"I don't know what `{escape(leftover[:30])}` is here.",
                           hint=PLAN_HINT + " Add the approvers as @mentions after it.")  # fmt: skip
    return Draft(title, *moment_parts, approvers=approvers)


def read_step(said: str, *, name_of: Names | None = None) -> StepDraft:
    """Read `<T-offset> "<title>" [@owner] [if <condition>]`; raise what is wrong with it. People named in the title
    or the condition are written by the name `name_of` gives them."""
    hint = 'Like `/golive step G-1 add T-3h "Notify support" @owner if the release notes are out`.'
    word, _, rest = said.strip().partition(" ")
    offset = parse_offset(word)
    quoted = _QUOTED.match(rest.strip())
    if quoted is None:
        raise InvalidInput("Put the step's title in quotes after its time.", hint=hint)
    title = _title(quoted.group(1), what="step", hint=hint, name_of=name_of)
    rest = rest.strip()[quoted.end() :].strip()
    owners = _MENTION.match(rest)
    owner = owners.group(1) if owners else None
    rest = rest[owners.end() :].strip() if owners else rest
    condition = ""
    if rest:
        first, _, condition = rest.partition(" ")
        if first.lower() != "if" or not condition.strip():
            raise InvalidInput(f"I don't know what `{escape(rest[:30])}` is here.", hint=hint)
    return StepDraft(offset, title, owner, _limited(condition, CONDITION_LIMIT, "A condition", name_of))


def _limited(said: str, limit: int, what: str, name_of: Names | None = None) -> str:
    text = without_control(plain_from_slack(said, name_of=name_of)).strip()
    if len(text) > limit:
        raise InvalidInput(f"{what} can be at most {limit} characters ({len(text)} now).")
    return text


def note_of(said: str, *, name_of: Names | None = None) -> str:
    """A note on a step's outcome, as typed (people by the name `name_of` gives); refused past its limit."""
    return _limited(said, NOTE_LIMIT, "A note", name_of)


def create(session: Session, *, project: Project, author: str, draft: Draft, zone: str, now: datetime) -> GoLive:
    """Plan a go-live at the draft's wall time in `zone`, with the template's steps (owned by the planner) and the
    approvers named (else the project's leads, else the planner)."""
    at = local_to_utc(draft.day, draft.at, zone)
    if at <= now:
        raise InvalidInput("That moment has passed: a go-live is planned ahead.", hint=PLAN_HINT)
    if at > now + FURTHEST:
        raise InvalidInput(f"That is too far ahead: plan a go-live at most {FURTHEST.days // 366} years ahead.")
    approvers = list(draft.approvers) or [str(u) for u in project.lead_user_ids or []] or [author]
    _require_approver_count(approvers)
    golive = GoLive(
        workspace_id=project.workspace_id,
        project_id=project.id,
        number=sequences.next_number(session, workspace_id=project.workspace_id, kind="golive"),
        title=draft.title,
        at=at,
        zone=zone,
        created_by=author,
        approver_ids=list(dict.fromkeys(approvers)),
        status=GoLiveStatus.PLANNED,
        revision=0,
        next_position=len(TEMPLATE) + 1,
        created_at=now,
        steps=_template_steps(author),
        votes=[],
    )
    golive.project = project
    session.add(golive)
    session.flush()
    return golive


def _template_steps(owner: str) -> list[GoLiveStep]:
    steps = []
    for number, (word, title) in enumerate(TEMPLATE, start=1):
        offset = parse_offset(word)
        steps.append(GoLiveStep(position=number, title=title, owner_id=owner, offset_days=offset.days,
                                offset_minutes=offset.minutes, condition="", note="", status=StepStatus.PENDING,
                                revision=0))  # fmt: skip
    return steps


def _require_approver_count(approvers: Iterable[str]) -> None:
    if len(set(approvers)) > APPROVER_COUNT:
        raise InvalidInput(f"A go-live has at most {APPROVER_COUNT} approvers.")


def get(session: Session, *, workspace_id: int, ref: str, for_update: bool = False) -> GoLive:
    """The go-live for a short id like `G-3` (whoever may read it: the caller decides)."""
    number = short_number(ref, "G")
    if number is None:
        raise InvalidInput(f"`{escape(ref[:20])}` is not a go-live id.", hint="Go-live ids look like `G-3`.")
    stmt = select(GoLive).where(GoLive.workspace_id == workspace_id, GoLive.number == number)
    found = session.scalar(stmt.with_for_update() if for_update else stmt)
    if found is None:
        raise unseen(f"G-{number}")
    return found


def list_for(session: Session, *, project_id: int, limit: int = SHOWN + 1) -> list[GoLive]:
    """The project's go-lives, the latest planned first."""
    stmt = select(GoLive).where(GoLive.project_id == project_id).order_by(GoLive.number.desc()).limit(limit)
    return list(session.scalars(stmt))


def open_golives(session: Session) -> list[GoLive]:
    """Every go-live not yet ended, for the scheduled work."""
    return list(session.scalars(select(GoLive).where(GoLive.status.in_(list(OPEN))).order_by(GoLive.id)))


def offset_of(step: GoLiveStep) -> Offset:
    return Offset(step.offset_days, step.offset_minutes)


def moment_of(golive: GoLive, step: GoLiveStep) -> datetime:
    """The aware-UTC moment a step falls."""
    return step_moment(golive.at, golive.zone, offset_of(step))


def ordered(golive: GoLive) -> list[GoLiveStep]:
    """The steps in the order they fall (then by number)."""
    return sorted(golive.steps, key=lambda s: (offset_of(s).sort_key(), s.position))


def step(golive: GoLive, number: str) -> GoLiveStep:
    """The step numbered `number` (as `show` lists it)."""
    said = number.strip().lstrip("#")
    found = next((s for s in golive.steps if said.isascii() and said.isdigit() and s.position == int(said)), None)
    if found is None:
        raise InvalidInput(f"{golive.ref} has no step `{escape(said[:10])}`.", hint=f"See `/golive show {golive.ref}`.")
    return found


def step_by_id(golive: GoLive, step_id: int, *, position: int) -> GoLiveStep:
    """The step a button names by its id and number; a step since removed is refused, with where to see the
    runbook."""
    found = next((s for s in golive.steps if (s.id, s.position) == (step_id, position)), None)
    if found is None:
        raise Conflict(
            f"That step is no longer in the runbook of {golive.ref}.", hint=f"See `/golive show {golive.ref}`."
        )
    return found


def may_change_plan(golive: GoLive, user_id: str) -> bool:
    return user_id == golive.created_by or is_lead(golive.project, user_id)


def require_planner(golive: GoLive, user_id: str, what: str) -> None:
    if not may_change_plan(golive, user_id):
        raise PermissionDenied(f"Only whoever planned {golive.ref} or the project's leads can {what}.")


def require_open(golive: GoLive) -> None:
    if golive.status == GoLiveStatus.ABORTED:
        raise Conflict(f"{golive.ref} was called off: {outcome(golive)}.")
    if golive.status not in OPEN:
        raise Conflict(f"{golive.ref} has ended: {outcome(golive)}.")


def _require_unstarted(golive: GoLive) -> None:
    if golive.status not in (GoLiveStatus.PLANNED, GoLiveStatus.GO, GoLiveStatus.NO_GO):
        raise Conflict(f"{golive.ref} is {golive.status}: its runbook can no longer change.")


def add_step(golive: GoLive, *, actor: str, draft: StepDraft) -> GoLiveStep:
    """Add a step to the runbook (its owner: the one named, else whoever adds it)."""
    require_planner(golive, actor, "change its runbook")
    _require_unstarted(golive)
    if len(golive.steps) >= STEP_COUNT:
        raise InvalidInput(f"A runbook has at most {STEP_COUNT} steps.")
    position = max(golive.next_position or 1, max((s.position for s in golive.steps), default=0) + 1)
    golive.next_position = position + 1  # a number once given (even to a step since removed) is never given again
    added = GoLiveStep(
        position=position,
        title=draft.title,
        offset_days=draft.offset.days,
        offset_minutes=draft.offset.minutes,
        owner_id=draft.owner or actor,
        condition=draft.condition,
        note="",
        status=StepStatus.PENDING,
        revision=0,
    )
    golive.steps.append(added)
    golive.revision += 1
    return added


def set_owner(golive: GoLive, number: str, *, actor: str, owner: str) -> GoLiveStep:
    """Give a step to someone."""
    require_planner(golive, actor, "change its runbook")
    _require_unstarted(golive)
    found = step(golive, number)
    found.owner_id = owner
    golive.revision += 1
    return found


def remove_step(golive: GoLive, number: str, *, actor: str) -> GoLiveStep:
    """Take a step out of the runbook (the others keep their numbers)."""
    require_planner(golive, actor, "change its runbook")
    _require_unstarted(golive)
    found = step(golive, number)
    golive.steps.remove(found)
    golive.revision += 1
    return found


def set_approvers(golive: GoLive, *, actor: str, approvers: list[str]) -> None:
    """Name who answers the go/no-go poll (before it is decided)."""
    require_planner(golive, actor, "name its approvers")
    if golive.status != GoLiveStatus.PLANNED or golive.decided_at is not None:
        raise Conflict(f"The go/no-go for {golive.ref} is decided already.")
    if not approvers:
        raise InvalidInput("Name the approvers with @mentions.", hint="Like `/golive approvers G-1 @ana @raj`.")
    _require_approver_count(approvers)
    golive.approver_ids = list(dict.fromkeys(approvers))
    golive.votes = [v for v in golive.votes if v.user_id in golive.approver_ids]
    golive.revision += 1


# ------------------------------------------------------------------------------------------------------------
# The go/no-go poll


def cast(golive: GoLive, *, user_id: str, vote: Vote, comment: str, now: datetime) -> bool:
    """Record an approver's vote (changed until the poll is decided); return whether anything changed."""
    cast_allowed(golive, user_id=user_id)
    if vote == Vote.NO_GO and not comment.strip():
        raise InvalidInput("Say why it is a no-go.", field=REASON)
    if vote == Vote.GO:
        comment = ""
    mine = next((v for v in golive.votes if v.user_id == user_id), None)
    if mine is not None and (mine.vote, mine.comment) == (vote, comment):
        return False
    if mine is None:
        golive.votes.append(GoLiveVote(user_id=user_id, vote=vote, comment=comment, at=now))
    else:
        mine.vote, mine.comment, mine.at = vote, comment, now
    golive.revision += 1
    return True


def cast_allowed(golive: GoLive, *, user_id: str) -> None:
    """Refuse a vote from someone who is not an approver, or after the poll was decided."""
    if user_id not in golive.approver_ids:
        raise PermissionDenied(f"Only the approvers of {golive.ref} answer its go/no-go. Thank you for looking!")
    if golive.decided_at is not None or golive.status != GoLiveStatus.PLANNED:
        raise Conflict(f"The go/no-go for {golive.ref} is decided already: {verdict(golive)}.")


def missing(golive: GoLive) -> list[str]:
    """The approvers who have not answered."""
    answered = {v.user_id for v in golive.votes}
    return [str(a) for a in golive.approver_ids if a not in answered]


def decide(golive: GoLive, *, now: datetime, final: bool) -> bool:
    """Decide the poll once every approver answered (or at T, `final`, with what was answered: a missing answer is
    no go); return whether it was decided now."""
    if golive.decided_at is not None or golive.status != GoLiveStatus.PLANNED:
        return False
    if missing(golive) and not final:
        return False
    every_go = not missing(golive) and all(v.vote == Vote.GO for v in golive.votes)
    golive.status = GoLiveStatus.GO if every_go else GoLiveStatus.NO_GO
    golive.decided_at = now
    golive.revision += 1
    return True


def verdict(golive: GoLive) -> str:
    """`go` or `no-go` in words."""
    return "GO" if golive.status in (GoLiveStatus.GO, GoLiveStatus.LIVE, GoLiveStatus.DONE) else "NO-GO"


# ------------------------------------------------------------------------------------------------------------
# The live timeline


def start(golive: GoLive, *, actor: str | None, now: datetime) -> bool:
    """Start the cutover (at T after a go, or by the planner or a lead at any time); return whether it started now."""
    if golive.status == GoLiveStatus.LIVE:
        return False
    if actor is not None:
        require_planner(golive, actor, "start it")
    require_open(golive)
    golive.status = GoLiveStatus.LIVE
    golive.started_by, golive.started_at = actor, now
    golive.revision += 1
    return True


def may_mark(golive: GoLive, found: GoLiveStep, user_id: str) -> bool:
    """Whether someone may mark a step: its owner, whoever planned the go-live, or a project's lead."""
    return user_id == found.owner_id or may_change_plan(golive, user_id)


def at_or_after_t(found: GoLiveStep) -> bool:
    """Whether a step falls at T or after it (it waits for the cutover)."""
    return offset_of(found).sort_key() >= (0, 0)


class Marked(StrEnum):
    """What marking a step did."""

    FIRST = "first"  # a step still to do is done, failed or skipped now
    ADDED = "added"  # marked so already: the note is added (told in the thread), the first mark stays as it was
    CORRECTED = "corrected"  # marked otherwise before: changed, with why, and said so in the thread


@dataclass(frozen=True)
class Mark:
    """A step's mark as it was made: the step, what happened, the status it had before (a correction) and the note
    added (an addition)."""

    step: GoLiveStep
    kind: Marked
    was: StepStatus = StepStatus.PENDING
    note: str = ""


def mark(golive: GoLive, found: GoLiveStep, *, status: StepStatus, actor: str, note: str, now: datetime) -> Mark | None:
    """Mark a step done, failed or skipped (its owner, the planner or a lead; a step at T or after once the cutover
    is live). A step marked already keeps who marked it, when and its note: the same mark again with a note adds the
    note (nothing changes here: the caller tells the thread); another mark is a correction, only with why (a button
    carries none); the same mark without a note is a double click: None."""
    require_open(golive)
    if not may_mark(golive, found, actor):
        named = found.owner_id not in (FORMER_MEMBER, golive.created_by)
        owner = f"its owner {user_mention(found.owner_id)}, " if named else ""
        planner = "" if golive.created_by == FORMER_MEMBER else f" ({user_mention(golive.created_by)})"
        raise PermissionDenied(f"Only {owner}whoever planned {golive.ref}{planner} or the project's leads can mark "
                               f"step #{found.position}.")  # fmt: skip
    if at_or_after_t(found) and golive.status != GoLiveStatus.LIVE:
        raise Conflict(f"Step #{found.position} of {golive.ref} is at `{offset_of(found)}`: it can be marked once "
                       "the cutover is live.", hint=f"The planner or a lead can start it with "
                       f"`/golive start {golive.ref}`.")  # fmt: skip
    if found.status == StepStatus.PENDING:
        _set(golive, found, status=status, actor=actor, note=note, now=now)
        return Mark(found, Marked.FIRST)
    if found.status == status:
        if not note or note == found.note:
            return None
        return Mark(found, Marked.ADDED, was=found.status, note=note)
    if not note:
        word = {StepStatus.DONE: "done", StepStatus.FAILED: "failed", StepStatus.SKIPPED: "skip"}[status]
        raise Conflict(f"Step #{found.position} of {golive.ref} was marked {found.status} already{marked_by(found)}.",
                       hint=f"To change it to {status}, say why: `/golive {word} {golive.ref} {found.position} "
                       "<why>`.")  # fmt: skip
    was = found.status
    _set(golive, found, status=status, actor=actor, note=note, now=now)
    return Mark(found, Marked.CORRECTED, was=was)


def _set(golive: GoLive, found: GoLiveStep, *, status: StepStatus, actor: str, note: str, now: datetime) -> None:
    """Record a step's mark: who, when and why; a new revision of the step and of the go-live (its DMs follow)."""
    found.status, found.by, found.changed_at, found.note = status, actor, now, note
    found.revision += 1
    golive.revision += 1


def marked_by(found: GoLiveStep) -> str:
    """` by @x <when>`: who marked a step and when, if known."""
    by = f" by {user_mention(found.by)}" if found.by else ""
    return by + (f" {date_token(found.changed_at)}" if found.changed_at else "")


def all_finished(golive: GoLive) -> bool:
    return all(s.status in FINISHED for s in golive.steps)


def end(golive: GoLive, *, actor: str | None, now: datetime) -> bool:
    """End the go-live (the planner or a lead; or by itself once every step is finished): done after a cutover,
    called off (aborted) when it never started. Return whether it ended now."""
    if golive.status in (GoLiveStatus.DONE, GoLiveStatus.ABORTED):
        return False
    if actor is not None:
        require_planner(golive, actor, "end it")
    golive.status = GoLiveStatus.DONE if golive.status == GoLiveStatus.LIVE else GoLiveStatus.ABORTED
    golive.ended_by, golive.ended_at = actor, now
    golive.revision += 1
    return True


# ------------------------------------------------------------------------------------------------------------
# A failed step's action item

FIX = "Fix: "


def fix_title(found: GoLiveStep) -> str:
    """What a failed step's action item is called: `Fix: <step title>`, within the items' limit."""
    return (FIX + found.title)[: actions.TITLE_LIMIT]


def make_action(
    session: Session, golive: GoLive, found: GoLiveStep, *, actor: str, now: datetime, owner_gone: bool = False
) -> ActionItem:
    """Turn a failed step into an action item for its owner (whoever asks, when the owner is `owner_gone` or was
    removed); once: a second time says which item it became."""
    if found.action_ref:
        raise Conflict(f"Step #{found.position} of {golive.ref} already became {found.action_ref}: nothing new made.")
    if found.status != StepStatus.FAILED:
        raise Conflict(f"Step #{found.position} of {golive.ref} is {found.status} now: only a failed step becomes "
                       "an action item.")  # fmt: skip
    notes = f"Step #{found.position} ({offset_of(found)}) of {golive.ref} {golive.title} failed."
    if found.note:
        notes += f"\n{found.note}"
    owner = actor if owner_gone or found.owner_id == FORMER_MEMBER else found.owner_id
    item = actions.create(session, project=golive.project, creator=actor, owner=owner, title=fix_title(found),
                          due_at=None, now=now, notes=notes[: actions.NOTES_LIMIT],
                          source=Source(SourceKind.GOLIVE, golive.id, golive.title))  # fmt: skip
    found.action_ref = item.ref
    golive.revision += 1
    return item


def holidays_of(session: Session, golive: GoLive, *, since: date) -> frozenset[date]:
    """The go-live's project's holidays from `since` on (no heads-up falls on one)."""
    stmt = select(Holiday.day).where(Holiday.project_id == golive.project_id, Holiday.day >= since)
    return frozenset(session.scalars(stmt))


def meeting_of_the_day(session: Session, golive: GoLive, *, now: datetime) -> Meeting | None:
    """The channel's latest meeting, if it ended the day the go-live ended (or today, in the project's zone)."""
    stmt = select(Meeting).where(Meeting.project_id == golive.project_id, Meeting.ended_at.is_not(None))
    meeting = session.scalar(stmt.order_by(Meeting.ended_at.desc(), Meeting.id.desc()).limit(1))
    if meeting is None or meeting.ended_at is None:
        return None
    tz = golive.project.time_zone
    same_day = in_zone(meeting.ended_at, tz).date() == in_zone(golive.ended_at or now, tz).date()
    return meeting if same_day else None


def outcome(golive: GoLive) -> str:
    """How its steps stand, truthfully: `1 of 7 steps done · 1 failed · 5 not marked` (the steps still to do are
    counted once it ended after a cutover)."""
    found = counts(golive)
    said = f"{found[StepStatus.DONE]} of {len(golive.steps)} steps done"
    if found[StepStatus.FAILED]:
        said += f" · {found[StepStatus.FAILED]} failed"
    if found[StepStatus.SKIPPED]:
        said += f" · {found[StepStatus.SKIPPED]} skipped"
    if golive.status == GoLiveStatus.DONE and found[StepStatus.PENDING]:
        said += f" · {found[StepStatus.PENDING]} not marked"
    return said


def counts(golive: GoLive) -> dict[str, int]:
    """How many steps stand at each status."""
    found = {str(s): 0 for s in StepStatus}
    for each in golive.steps:
        found[each.status] = found.get(each.status, 0) + 1
    return found


# ------------------------------------------------------------------------------------------------------------
# Exports


class ExportRow(NamedTuple):
    """One step of a go-live as the exports hold it (CSV columns in this order)."""

    golive: str
    title: str
    golive_status: str
    t: datetime
    step: int
    offset: str
    at: datetime
    step_title: str
    owner_id: str
    condition: str
    status: str
    by: str
    changed_at: datetime | None
    note: str


EXPORT_COLUMNS = list(ExportRow._fields)
MARKDOWN_HEADER = ["Go-live", "Step", "When", "At", "Step", "Owner", "Status", "By", "Changed", "Note"]


def export_rows(session: Session, project: Project) -> list[ExportRow] | None:
    """Each step of the project's go-lives with its moment, owner, outcome, who and when, for an export; None when
    the project never had a go-live."""
    found = list(session.scalars(select(GoLive).where(GoLive.project_id == project.id).order_by(GoLive.number)))
    if not found:
        return None
    return [
        ExportRow(golive.ref, golive.title, golive.status, golive.at, step.position, str(offset_of(step)),
                  moment_of(golive, step), step.title, step.owner_id, step.condition, step.status, step.by or "",
                  step.changed_at, step.note)
        for golive in found
        for step in ordered(golive)
    ]  # fmt: skip


def forget(session: Session, *, workspace_id: int, user_id: str, successor: str) -> int:
    """A person removed on request: their steps still to do go to `successor`, as do their approvals of a poll not
    yet decided; everywhere else (steps done, votes, who planned, started or ended) they become a former member.
    Return how many go-lives changed."""
    changed = 0
    for golive in session.scalars(select(GoLive).where(GoLive.workspace_id == workspace_id)):
        before = _people(golive)
        if user_id not in before:
            continue
        still_open = golive.status in OPEN
        undecided = golive.status == GoLiveStatus.PLANNED and golive.decided_at is None
        for each in golive.steps:
            if each.owner_id == user_id:
                each.owner_id = successor if still_open and each.status == StepStatus.PENDING else FORMER_MEMBER
            if each.by == user_id:
                each.by = FORMER_MEMBER
        by = successor if undecided else FORMER_MEMBER
        golive.approver_ids = list(dict.fromkeys(by if a == user_id else str(a) for a in golive.approver_ids))
        for vote in list(golive.votes):
            if vote.user_id == user_id:
                if any(v.user_id == FORMER_MEMBER for v in golive.votes):
                    golive.votes.remove(vote)  # one former member's vote per go-live
                else:
                    vote.user_id = FORMER_MEMBER
        for field in ("created_by", "started_by", "ended_by"):
            if getattr(golive, field) == user_id:
                setattr(golive, field, FORMER_MEMBER)
        changed += 1
    return changed


def _people(golive: GoLive) -> set[str]:
    named = {golive.created_by, golive.started_by or "", golive.ended_by or "", *map(str, golive.approver_ids)}
    named |= {s.owner_id for s in golive.steps} | {s.by or "" for s in golive.steps}
    return named | {v.user_id for v in golive.votes}
