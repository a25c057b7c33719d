"""The RAID log: risks (and issues, assumptions, dependencies) scored, reviewed, escalated; every change recorded.

Score = probability x impact. Levels: low 1-4, medium 5-9, high 10-16, critical 20-25.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain import members, sequences
from domain.errors import Conflict, InvalidInput, PermissionDenied
from domain.sources import Source
from domain.text import USER_MENTION, escape, plain_from_slack, short_number, user_ids_in
from domain.visibility import unseen
from domain.withdrawals import require_may_withdraw
from domain.workspaces import is_lead
from storage.models import Member, Project, Risk, RiskEvent, RiskStatus
from storage.models.risks import CATEGORIES, KINDS

PROBABILITY = {1: "rare", 2: "unlikely", 3: "possible", 4: "likely", 5: "almost certain"}
IMPACT = {1: "negligible", 2: "minor", 3: "moderate", 4: "major", 5: "severe"}
# Words people use for a level, besides the ones pmbot shows (PROBABILITY, IMPACT): the same five steps.
LEVEL_WORDS = {"very low": 1, "low": 2, "medium": 3, "med": 3, "moderate": 3, "high": 4, "very high": 5}
REVIEW_DAYS = {"critical": 3, "high": 7, "medium": 14, "low": 30}
DEFAULT_ESCALATION_SCORE = 15
TITLE_LIMIT = 300
EMPTY_TITLE = "What is the risk? Say it in a few words."  # shown beside the form's Title: not "the title is empty"
TEXT_LIMIT = 2900
SCORE_TOKEN = re.compile(r"(?<!\S)([pi]):[ \t]*(almost[ _-]certain|very[ _-](?:low|high)|[^\s:]+)(?!\S)", re.IGNORECASE)
TEXT_FIELDS = ("title", "description", "mitigation", "contingency", "category")
FIELD_LABEL = re.compile(rf"(?<!\S)({'|'.join(TEXT_FIELDS)}):", re.IGNORECASE)


def level(score: int) -> str:
    """Return the level of a score: low 1-4, medium 5-9, high 10-16, critical 20-25."""
    if not 1 <= score <= 25:
        raise ValueError(f"a score is 1 to 25, not {score}")
    return "low" if score <= 4 else "medium" if score <= 9 else "high" if score <= 16 else "critical"


def read_level(name: str, said: str) -> int:
    """Read `p:`/`i:` values: a number (1 to 5 is checked later) or a level word; InvalidInput for anything else."""
    if said.isascii() and said.isdigit():
        # Ten significant digits are as out of range as any more, and int() stops at 4,300.
        return int(said.lstrip("0")[:10] or "0")
    words = {**LEVEL_WORDS, **{w: n for n, w in (PROBABILITY if name == "p" else IMPACT).items()}}
    found = words.get(" ".join(said.lower().replace("-", " ").replace("_", " ").split()))
    if found is None:
        what, shown = ("a probability", PROBABILITY) if name == "p" else ("an impact", IMPACT)
        raise InvalidInput(
            f"I can't read `{name}:{escape(said[:20])}` as {what}. Nothing was recorded.",
            hint=f"Use 1 to 5, or a word: {', '.join(shown.values())} (or low, medium, high).",
            field="probability" if name == "p" else "impact",
        )
    return found


def escalation_score(project: Project) -> int:
    """Return the score at which the project escalates risks (default 15)."""
    return int((project.settings or {}).get("risk_escalation_score", DEFAULT_ESCALATION_SCORE))


@dataclass(frozen=True)
class Fields:
    """Fields a person may set on a RAID entry; None means unchanged (or default, on create)."""

    title: str | None = None
    kind: str | None = None
    description: str | None = None
    category: str | None = None
    probability: int | None = None
    impact: int | None = None
    owner_id: str | None = None
    mitigation: str | None = None
    contingency: str | None = None
    review_at: datetime | None = None
    target_at: datetime | None = None
    opportunity: bool | None = None

    def validate(self) -> Fields:
        """Return self, or raise InvalidInput for the first value out of range."""
        for name, value in (("p", self.probability), ("i", self.impact)):
            if value is not None and not 1 <= value <= 5:
                raise InvalidInput(
                    f"`{name}:` is 1 to 5.", hint="Like `p:4 i:5`.", field="probability" if name == "p" else "impact"
                )
        if self.kind is not None and self.kind not in KINDS:
            raise InvalidInput(f"The kind is one of {', '.join(KINDS)}.", field="kind")
        if self.category is not None and self.category not in CATEGORIES:
            raise InvalidInput(
                "That category is not one I know.", hint=f"One of: {', '.join(CATEGORIES)}.", field="category"
            )
        if self.title is not None:
            title = " ".join(self.title.split())
            if not title:
                raise InvalidInput(EMPTY_TITLE, hint="Like `/risk vendor may slip p:3 i:4`.", field="title")
            if len(title) > TITLE_LIMIT:
                raise InvalidInput(f"Keep the title under {TITLE_LIMIT} characters.", field="title")
        for name in ("description", "mitigation", "contingency"):
            text = getattr(self, name)
            if text is not None and len(text) > TEXT_LIMIT:
                raise InvalidInput(f"The {name} can be at most {TEXT_LIMIT} characters.", field=name)
        return self


def read_fields(text: str, *, with_title: bool, name_of: Callable[[str], str] | None = None) -> Fields:
    """Read `p:4 i:5 @owner mitigation: ...` (and, for a new entry, the title: whatever text is left).

    The owner is the first person mentioned before any `label:`; anyone else mentioned (in the title, after a label)
    stays in the text by the name `name_of` gives (see `plain_from_slack`)."""
    scores = {k.lower(): read_level(k.lower(), v) for k, v in SCORE_TOKEN.findall(text)}
    parts = FIELD_LABEL.split(SCORE_TOKEN.sub(" ", text))
    leading, pairs = parts[0], parts[1:]
    owners = user_ids_in(leading)
    leading = USER_MENTION.sub(" ", leading, count=1)

    def plain(value: str) -> str:
        return " ".join(plain_from_slack(value, name_of=name_of).split())

    labelled: dict[str, str] = {}
    for label, value in zip(pairs[::2], pairs[1::2], strict=False):
        labelled[label.lower()] = plain(value)
    title = labelled.get("title") or (plain(leading) if with_title else None)
    return Fields(
        title=title or None,
        probability=scores.get("p"),
        impact=scores.get("i"),
        owner_id=owners[0] if owners else None,
        description=labelled.get("description"),
        mitigation=labelled.get("mitigation"),
        contingency=labelled.get("contingency"),
        category=labelled.get("category"),
    )


def create_from_text(
    session: Session,
    *,
    project: Project,
    author: str,
    said: str,
    now: datetime,
    people: Callable[[str], Member],
    source: Source | None = None,
) -> Risk:
    """Record a risk from `title [p:N] [i:N] [@owner]` said in the project's channel (`/risk`, a RISK: line).

    `people` gives the member of a user id (the edge refreshes a stale profile from Slack): the owner's. `source`
    (a meeting) is kept in its 'created' event, so its history says where it came from.
    """
    fields = read_fields(said, with_title=True, name_of=members.name_in_text(people))
    if fields.owner_id:
        members.require_can_own(people(fields.owner_id), "own a risk")
    return create(session, project=project, creator=author, fields=fields, now=now, source=source)


def create(
    session: Session, *, project: Project, creator: str, fields: Fields, now: datetime, source: Source | None = None
) -> Risk:
    """Record a new RAID entry and its 'created' event (with where it came from, if not from `/risk`)."""
    fields.validate()
    if fields.title is None:
        raise InvalidInput(EMPTY_TITLE, hint="Like `/risk vendor may slip p:3 i:4`.", field="title")
    number = sequences.next_number(session, workspace_id=project.workspace_id, kind="risk")
    risk = Risk(
        workspace_id=project.workspace_id,
        project_id=project.id,
        number=number,
        creator_id=creator,
        title=" ".join(fields.title.split()),
        kind=fields.kind or "risk",
        description=fields.description or "",
        category=fields.category,
        probability=fields.probability or 3,
        impact=fields.impact or 3,
        owner_id=fields.owner_id,
        mitigation=fields.mitigation or "",
        contingency=fields.contingency or "",
        review_at=fields.review_at,
        target_at=fields.target_at,
        opportunity=bool(fields.opportunity),
        status=RiskStatus.OPEN,
        created_at=now,
        escalated_score=0,
        revision=0,
    )
    risk.project = project
    session.add(risk)
    session.flush()
    detail: dict[str, Any] = {"score": risk.score}
    if source is not None:
        detail["source"] = {"kind": str(source.kind), "id": source.id, "label": source.label[:200]}
    _record(session, risk, creator, "created", now, **detail)
    return risk


def get(session: Session, *, workspace_id: int, ref: str, for_update: bool = False) -> Risk:
    """Return the entry for a short id like `R-4`."""
    number = short_number(ref, "R")
    if number is None:
        raise InvalidInput(f"`{escape(ref[:20])}` is not a risk id.", hint="Risk ids look like `R-4`.")
    stmt = select(Risk).where(Risk.workspace_id == workspace_id, Risk.number == number)
    risk = session.scalar(stmt.with_for_update() if for_update else stmt)
    if risk is None:
        raise unseen(f"R-{number}")
    return risk


def may_change(risk: Risk, user_id: str) -> bool:
    """Return whether the user is the owner, the creator or a project lead."""
    return user_id in (risk.owner_id, risk.creator_id) or is_lead(risk.project, user_id)


def _require(risk: Risk, user_id: str, verb: str) -> None:
    if not may_change(risk, user_id):
        raise PermissionDenied(f"Only {risk.ref}'s owner, its creator or a project lead can {verb} it.")
    if risk.status != RiskStatus.OPEN:
        raise Conflict(f"{risk.ref} is closed.")


def update(session: Session, risk: Risk, *, actor: str, fields: Fields, now: datetime) -> RiskEvent | None:
    """Apply changes; record old and new values (and score); return the event, or None if nothing changed."""
    _require(risk, actor, "update")
    fields.validate()
    changes: dict[str, Any] = {}
    old_score = risk.score
    for name in Fields.__dataclass_fields__:
        new = getattr(fields, name)
        if name == "title" and new is not None:
            new = " ".join(new.split())
        if new is None or new == getattr(risk, name):
            continue
        old = getattr(risk, name)
        changes[name] = {"old": _plain(old), "new": _plain(new)}
        setattr(risk, name, new)
    if not changes:
        return None
    if risk.score < escalation_score(risk.project):
        risk.escalated_score = 0  # fell below the line: a later rise escalates again
    risk.revision += 1
    return _record(session, risk, actor, "updated", now, old_score=old_score, new_score=risk.score, **changes)


def review(session: Session, risk: Risk, *, actor: str, now: datetime) -> RiskEvent:
    """Confirm the entry is still valid as it stands: the next review is counted from now."""
    _require(risk, actor, "review")
    risk.last_reviewed_at = now
    if risk.review_at is not None and risk.review_at <= now:
        risk.review_at = None
    risk.revision += 1
    return _record(session, risk, actor, "reviewed", now, score=risk.score)


def close(session: Session, risk: Risk, *, actor: str, reason: str, now: datetime) -> RiskEvent:
    """Close the entry with a reason."""
    _require(risk, actor, "close")
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("Say why it is closed.", hint=f"Like `/risk close {risk.ref} vendor delivered`.")
    risk.status, risk.close_reason, risk.closed_at = RiskStatus.CLOSED, reason[:TEXT_LIMIT], now
    risk.revision += 1
    return _record(session, risk, actor, "closed", now, reason=reason[:TEXT_LIMIT], score=risk.score)


def withdraw(session: Session, risk: Risk, *, actor: str, now: datetime) -> RiskEvent:
    """Take back an entry its creator just recorded: gone from every list, its history says so."""
    require_may_withdraw(
        risk.ref,
        creator_id=risk.creator_id,
        created_at=risk.created_at,
        withdrawn=risk.status == RiskStatus.WITHDRAWN,
        actor=actor,
        now=now,
    )
    risk.status = RiskStatus.WITHDRAWN
    risk.revision += 1
    return _record(session, risk, actor, "withdrawn", now)


def needs_escalation(risk: Risk) -> bool:
    """Return whether the entry has risen to the project's threshold since it was last escalated."""
    return (
        risk.status == RiskStatus.OPEN
        and risk.score >= escalation_score(risk.project)
        and risk.score > risk.escalated_score
    )


def mark_escalated(session: Session, risk: Risk, *, now: datetime, reason: str) -> RiskEvent:
    """Record an escalation at the current score."""
    risk.escalated_score = risk.score
    return _record(session, risk, "pmbot", "escalated", now, score=risk.score, reason=reason)


def next_review(risk: Risk) -> datetime:
    """Return when the entry is next due for review: its own date, or by its level from the last review."""
    if risk.review_at is not None:
        return risk.review_at
    since = risk.last_reviewed_at or risk.created_at
    return since + timedelta(days=REVIEW_DAYS[level(risk.score)])


def _open(project_id: int, user_id: str | None, minimum_score: int) -> Any:
    stmt = select(Risk).where(Risk.project_id == project_id, Risk.status == RiskStatus.OPEN)
    if user_id:
        stmt = stmt.where(Risk.owner_id == user_id)
    if minimum_score:
        stmt = stmt.where((Risk.probability * Risk.impact) >= minimum_score)
    return stmt


def list_open(
    session: Session, *, project_id: int, user_id: str | None = None, minimum_score: int = 0, limit: int = 200
) -> list[Risk]:
    """Return open entries, highest score first (then oldest)."""
    order = (Risk.probability * Risk.impact).desc(), Risk.number
    return list(session.scalars(_open(project_id, user_id, minimum_score).order_by(*order).limit(limit)))


def count_open(session: Session, *, project_id: int, user_id: str | None = None, minimum_score: int = 0) -> int:
    """Return how many open entries `list_open` would list without its limit."""
    stmt = _open(project_id, user_id, minimum_score)
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def history(session: Session, risk: Risk) -> list[RiskEvent]:
    """Return every recorded change, oldest first."""
    return list(session.scalars(select(RiskEvent).where(RiskEvent.risk_id == risk.id).order_by(RiskEvent.id)))


def _record(session: Session, risk: Risk, actor: str, kind: str, now: datetime, **detail: Any) -> RiskEvent:
    event = RiskEvent(risk_id=risk.id, at=now, actor_id=actor, kind=kind, detail=detail)
    session.add(event)
    session.flush()
    return event


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
