"""The decision log: record, revise (never in place), supersede, approve or reject, list and search.

Search ranks by relevance with the engine's own full-text search: PostgreSQL's tsvector/tsquery with
ts_rank, SQLite's FTS5 with bm25. Both match every word given as a stemmed (English) prefix, so `postgres` finds
"PostgreSQL" and `rabbit` finds "RabbitMQ". Only the newest SEARCH_CANDIDATES matches are ranked (see `search`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Integer, String, bindparam, select, text
from sqlalchemy.orm import Session

from domain import away, members, sequences, withdrawals
from domain.errors import Conflict, InvalidInput, PermissionDenied
from domain.sources import Source
from domain.text import escape, plain_from_slack, short_number
from domain.visibility import unseen
from domain.workspaces import is_lead
from storage.models import Decision, DecisionRevision, DecisionStatus, Member, Project

STATEMENT_LIMIT = 1000
TEXT_LIMIT = 2900
# Ranking costs per match, and a common word matches half the log: rank the newest this many matches only.
SEARCH_CANDIDATES = 1000


@dataclass(frozen=True)
class Wording:
    """What a revision says."""

    statement: str
    context: str = ""
    options: str = ""
    rationale: str = ""

    def validate(self) -> Wording:
        statement = " ".join(self.statement.split())
        if not statement:
            raise InvalidInput("What was decided? The statement is empty.", field="statement")
        if len(statement) > STATEMENT_LIMIT:
            raise InvalidInput(f"Keep the statement under {STATEMENT_LIMIT} characters.", field="statement")
        for name in ("context", "options", "rationale"):
            if len(getattr(self, name)) > TEXT_LIMIT:
                raise InvalidInput(f"The {name} can be at most {TEXT_LIMIT} characters.", field=name)
        return Wording(statement, self.context.strip(), self.options.strip(), self.rationale.strip())


def create(
    session: Session,
    *,
    project: Project,
    creator: str,
    wording: Wording,
    now: datetime,
    status: str = DecisionStatus.APPROVED,
    decided_by: list[str] | None = None,
    approver: str | None = None,
    needed_by: datetime | None = None,
    links: list[str] | None = None,
    permalink: str | None = None,
) -> Decision:
    """Record a decision and its first revision."""
    wording = wording.validate()
    if status not in (DecisionStatus.PROPOSED, DecisionStatus.APPROVED, DecisionStatus.REJECTED):
        raise InvalidInput("A new decision is proposed, approved or rejected.", field="status")
    if status == DecisionStatus.PROPOSED and needed_by is not None and needed_by <= now:
        raise InvalidInput("The needed-by date is in the past.", field="needed_by")
    number = sequences.next_number(session, workspace_id=project.workspace_id, kind="decision")
    decision = Decision(
        workspace_id=project.workspace_id,
        project_id=project.id,
        number=number,
        status=DecisionStatus(status),
        creator_id=creator,
        statement=wording.statement,
        context=wording.context,
        options=wording.options,
        rationale=wording.rationale,
        decided_by=decided_by or [creator],
        approver_id=approver,
        needed_by=needed_by,
        links=links or [],
        permalink=permalink,
        created_at=now,
        decided_at=None if status == DecisionStatus.PROPOSED else now,
        revision=1,
    )
    decision.project = project
    session.add(decision)
    session.flush()
    _revision(session, decision, author=creator, now=now)
    return decision


def create_from_text(
    session: Session,
    *,
    project: Project,
    author: str,
    said: str,
    now: datetime,
    people: Callable[[str], Member],
    source: Source | None = None,
) -> Decision:
    """Record a decision made now by the author, as said in the project's channel (`/decision`, a DECISION: line).

    `people` gives the member of a user id (the edge refreshes a stale profile from Slack): a mention is stored
    as the person's name. `source` (a meeting) becomes its context, so its first revision says where it was made.
    """
    context = f"From the {source.kind} “{source.label[:200]}”." if source is not None else ""
    wording = Wording(plain_from_slack(said, name_of=members.name_in_text(people)), context=context)
    return create(session, project=project, creator=author, wording=wording, now=now)


def get(session: Session, *, workspace_id: int, ref: str, for_update: bool = False) -> Decision:
    """Return the decision for a short id like `D-9`."""
    number = short_number(ref, "D")
    if number is None:
        raise InvalidInput(f"`{escape(ref[:20])}` is not a decision id.", hint="Decision ids look like `D-9`.")
    stmt = select(Decision).where(Decision.workspace_id == workspace_id, Decision.number == number)
    decision = session.scalar(stmt.with_for_update() if for_update else stmt)
    if decision is None:
        raise unseen(f"D-{number}")
    return decision


def may_change(decision: Decision, user_id: str) -> bool:
    """The creator, those who decided, the approver or a project lead may revise or supersede."""
    involved = {decision.creator_id, decision.approver_id, *decision.decided_by}
    return user_id in involved or is_lead(decision.project, user_id)


def require_may_change(decision: Decision, actor: str, verb: str) -> None:
    """Raise PermissionDenied unless the actor may revise or supersede the decision."""
    if not may_change(decision, actor):
        raise PermissionDenied(f"Only {decision.ref}'s decision makers, its approver or a project lead can {verb} it.")


def revise(session: Session, decision: Decision, *, actor: str, wording: Wording, now: datetime) -> DecisionRevision:
    """Write a new revision; the old wording stays readable in the history."""
    require_may_change(decision, actor, "revise")
    if decision.status == DecisionStatus.SUPERSEDED:
        raise Conflict(f"{decision.ref} is superseded; revise the decision that replaced it.")
    wording = wording.validate()
    current = Wording(decision.statement, decision.context, decision.options, decision.rationale)
    if wording == current:
        raise Conflict(f"{decision.ref} already says that.")
    decision.statement, decision.context = wording.statement, wording.context
    decision.options, decision.rationale = wording.options, wording.rationale
    decision.revision += 1
    return _revision(session, decision, author=actor, now=now)


def supersede(session: Session, old: Decision, new: Decision, *, actor: str, now: datetime) -> None:
    """Link a new decision as replacing an old one, both ways; the old one's status becomes superseded."""
    require_may_change(old, actor, "supersede")
    if old.status == DecisionStatus.SUPERSEDED:
        raise Conflict(f"{old.ref} is already superseded.")
    old.status, old.superseded_by_id, new.supersedes_id = DecisionStatus.SUPERSEDED, new.id, old.id
    old.revision += 1
    _revision(session, old, author=actor, now=now)


def decide(session: Session, decision: Decision, *, actor: str, approve: bool, now: datetime) -> DecisionRevision:
    """The approver approves or rejects a proposed decision; while the approver is away, so may whoever stands in for
    them (their delegate, else a lead), and the revision says on whose behalf."""
    stand_in = None
    if decision.approver_id is not None and actor != decision.approver_id:
        stand_in = away.acting_for(session, workspace_id=decision.workspace_id, actor=actor,
                                   user_ids=[decision.approver_id], project=decision.project, now=now)  # fmt: skip
    if decision.approver_id is None or (actor != decision.approver_id and stand_in is None):
        raise PermissionDenied(f"Only {decision.ref}'s approver can approve or reject it.")
    if decision.status != DecisionStatus.PROPOSED:
        raise Conflict(f"{decision.ref} is already {decision.status}.")
    decision.status, decision.decided_at = (DecisionStatus.APPROVED if approve else DecisionStatus.REJECTED), now
    decision.revision += 1
    revision = _revision(session, decision, author=actor, now=now)
    if stand_in is not None:
        revision.for_user_id = stand_in
        what = f"{decision.status}: {decision.statement}"
        away.log(session, workspace_id=decision.workspace_id, user_id=stand_in, kind=away.Kind.ACTED, now=now,
                 ref=decision.ref, text=what, by=actor)  # fmt: skip
    return revision


def revisions(session: Session, decision: Decision) -> list[DecisionRevision]:
    """Every wording and status the decision has had, oldest first."""
    return list(
        session.scalars(
            select(DecisionRevision)
            .where(DecisionRevision.decision_id == decision.id)
            .order_by(DecisionRevision.number)
        )
    )


def list_for(session: Session, *, project_id: int, pending: bool = False, limit: int = 200) -> list[Decision]:
    """Decisions of a project, newest first; `pending`: proposed ones, soonest needed first."""
    stmt = select(Decision).where(Decision.project_id == project_id)
    if pending:
        stmt = stmt.where(Decision.status == DecisionStatus.PROPOSED).order_by(
            Decision.needed_by.is_(None), Decision.needed_by
        )
    else:
        stmt = stmt.order_by(Decision.number.desc())
    return list(session.scalars(stmt.limit(limit)))


@dataclass(frozen=True)
class Hit:
    """A decision a search found, as its result line shows it."""

    number: int
    status: str
    statement: str
    needed_by: datetime | None

    @property
    def ref(self) -> str:
        return f"D-{self.number}"


# A result line's columns, read by the ranking query itself: one statement, and no ORM objects for twenty lines.
_HIT_COLUMNS = (Decision.number, Decision.status, Decision.statement, Decision.needed_by)
_HIT = ", ".join(column.key for column in _HIT_COLUMNS)
_DECISION_HIT = ", ".join(f"decision.{column.key}" for column in _HIT_COLUMNS)  # decision_fts has a statement too
_LITERAL: list[BindParameter[Any]] = [
    bindparam("q", type_=String, literal_execute=True),
    *(bindparam(name, type_=Integer, literal_execute=True) for name in ("p", "c", "n")),
]


def search(
    session: Session, *, project_id: int, query: str, limit: int = 20, candidates: int = SEARCH_CANDIDATES
) -> list[Hit]:
    """Decisions whose statement, context or rationale match every word of `query` as a prefix, best match first.

    Only the newest `candidates` matches (by id, which grows with creation) are ranked, so a search costs about the same
    at 100,000 decisions as at 1,000: a better match older than those is not found until the query is narrowed.
    """
    words = search_words(query)
    if not words:
        raise InvalidInput("Search for what?", hint="Like `/decision search database vendor`.")
    if session.get_bind().dialect.name == "postgresql":
        # The best plan depends on the words: a common one walks the primary key backwards and stops after
        # `candidates` matches, a rare one asks the GIN index. psycopg prepares a statement after 5 runs, and
        # PostgreSQL's generic plan for it then walks the key for every word (10 times slower for a rare one):
        # the values are written into the SQL instead (`_LITERAL`, quoted by SQLAlchemy), so that every plan is
        # made for its own words, with no SET statement before it.
        ranked = text(
            # search_vector: a stored, generated tsvector with a GIN index (migration 0008), parsed once on write.
            f"SELECT {_HIT} FROM ("
            f" SELECT id, {_DECISION_HIT}, search_vector FROM decision, to_tsquery('english', :q) AS query"
            " WHERE project_id = :p AND search_vector @@ query ORDER BY id DESC LIMIT :c"
            ") AS recent, to_tsquery('english', :q) AS query "
            "ORDER BY ts_rank(search_vector, query) DESC, id DESC LIMIT :n"
        ).bindparams(*_LITERAL)
        # Each word is letters and digits only, quoted: never tsquery syntax. A stop word drops out.
        matching = " & ".join(f"'{w}':*" for w in words)
    else:
        ranked = text(
            # FTS5 walks its matches newest rowid first, and bm25 is computed only for the rows kept.
            f"SELECT {_HIT} FROM ("
            f" SELECT decision.id AS id, {_DECISION_HIT}, bm25(decision_fts) AS rank"
            " FROM decision_fts JOIN decision ON decision.id = decision_fts.rowid"
            " WHERE decision_fts MATCH :q AND decision.project_id = :p"
            " ORDER BY decision_fts.rowid DESC LIMIT :c"
            ") ORDER BY rank, id DESC LIMIT :n"
        )
        matching = " ".join(f'"{w}"*' for w in words)  # quoted prefixes, never syntax
    params = {"q": matching, "p": project_id, "c": candidates, "n": limit}
    return [Hit(*row) for row in session.execute(ranked.columns(*_HIT_COLUMNS), params)]


def search_words(query: str) -> list[str]:
    """The words of a search, lower-case letters and digits only (at most 12)."""
    return re.findall(r"[^\W_]+", query.lower())[:12]


def _revision(session: Session, decision: Decision, *, author: str, now: datetime) -> DecisionRevision:
    revision = DecisionRevision(
        decision_id=decision.id,
        number=decision.revision,
        statement=decision.statement,
        context=decision.context,
        options=decision.options,
        rationale=decision.rationale,
        author_id=author,
        created_at=now,
        status=decision.status,
    )
    session.add(revision)
    session.flush()
    return revision


def withdraw(session: Session, decision: Decision, *, actor: str, now: datetime) -> DecisionRevision:
    """Take back a decision its creator just recorded: a last revision with the status withdrawn."""
    withdrawals.require_may_withdraw(
        decision.ref,
        creator_id=decision.creator_id,
        created_at=decision.created_at,
        withdrawn=decision.status == DecisionStatus.WITHDRAWN,
        actor=actor,
        now=now,
    )
    decision.status = DecisionStatus.WITHDRAWN
    decision.revision += 1
    return _revision(session, decision, author=actor, now=now)
