"""Action items: create, find, complete, snooze, reassign, edit, delete; each change recorded.

Services take the session and `now`, check permissions, change state and return data. They never
talk to Slack: the handlers render and queue the messages that follow from a change.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from domain import due_phrases, members, sequences
from domain.errors import Conflict, InvalidInput, PermissionDenied
from domain.sources import Source
from domain.text import USER_MENTION, escape, plain_from_slack, short_number, user_ids_in
from domain.visibility import unseen
from domain.withdrawals import require_may_withdraw
from domain.workspaces import is_lead, working_hours
from storage.models import ActionEvent, ActionItem, ActionStatus, Member, Project, SourceKind

TITLE_LIMIT = 300
NOTES_LIMIT = 2900


@dataclass(frozen=True)
class Actor:
    """Who is acting, and whether they lead the project."""

    user_id: str
    is_admin: bool = False


def create(
    session: Session,
    *,
    project: Project,
    creator: str,
    owner: str,
    title: str,
    due_at: datetime | None,
    now: datetime,
    notes: str = "",
    permalink: str | None = None,
    source: Source | None = None,
) -> ActionItem:
    """Record a new action item and its 'created' event; `source` says where it came from, if not from `/action`."""
    title = validate_title(title)
    due_at = to_minute(due_at)
    if len(notes) > NOTES_LIMIT:
        raise InvalidInput(f"Notes can be at most {NOTES_LIMIT} characters (these are {len(notes)}).")
    if due_at is not None and due_at <= now:
        raise InvalidInput("The due date is in the past.", hint="Pick a moment that is still ahead.")
    number = sequences.next_number(session, workspace_id=project.workspace_id, kind="action")
    item = ActionItem(
        workspace_id=project.workspace_id,
        project_id=project.id,
        number=number,
        title=title,
        notes=notes,
        owner_id=owner,
        creator_id=creator,
        due_at=due_at,
        status=ActionStatus.OPEN,
        permalink=permalink,
        created_at=now,
        accepted_at=now if owner == creator else None,
        escalation_level=0,
        revision=0,
        source_kind=source.kind if source else None,
        source_id=source.id if source else None,
        source_label=source.label[:200] if source else None,
    )
    item.project = project
    session.add(item)
    session.flush()
    detail: dict[str, Any] = {"owner": owner, "due_at": _iso(due_at)}
    if source is not None:
        detail["source"] = {"kind": str(source.kind), "id": source.id, "label": source.label[:200]}
    _record(session, item, creator, "created", now, **detail)
    return item


def made_from(session: Session, *, workspace_id: int, kind: SourceKind, source_id: int) -> ActionItem | None:
    """Return the item already made from this source (a stand-up blocker), if any."""
    return session.scalar(
        select(ActionItem)
        .where(
            ActionItem.workspace_id == workspace_id,
            ActionItem.source_kind == kind,
            ActionItem.source_id == source_id,
            ActionItem.status.not_in((ActionStatus.DELETED, ActionStatus.WITHDRAWN)),
        )
        .order_by(ActionItem.id)
        .limit(1)
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
) -> ActionItem:
    """Record an item from `@owner title [by <when>]` said in the project's channel (`/action`, an ACTION: line).

    The owner is the first person mentioned, else the author; the due date is read in the author's zone and
    language. `people` gives the member of a user id (the edge refreshes a stale profile from Slack).
    """
    creator = people(author)
    mentioned = user_ids_in(said)
    owner = people(mentioned[0]) if mentioned else creator
    members.require_can_own(owner, "own action items")
    body = USER_MENTION.sub("", said, count=1) if mentioned and said.lstrip().startswith("<@") else said
    body = plain_from_slack(body, name_of=members.name_in_text(people))
    title, due = due_phrases.split_due(
        body,
        now=now,
        tz=members.zone_of(creator, fallback=project.time_zone),
        locale=creator.locale,
        hours=working_hours(project),  # members have no working hours of their own: the project's are the owner's
        owner_tz=members.zone_of(owner, fallback=project.time_zone),
    )
    return create(
        session,
        project=project,
        creator=creator.user_id,
        owner=owner.user_id,
        title=title,
        due_at=due,
        now=now,
        source=source,
    )


def validate_title(title: str) -> str:
    """Return a usable title or raise InvalidInput."""
    title = " ".join(title.split())
    if not title:
        raise InvalidInput(
            "What is the action? Say what needs doing.", hint="Like `/action @dev send the deck by friday`."
        )
    if len(title) > TITLE_LIMIT:
        raise InvalidInput(
            f"Keep the title under {TITLE_LIMIT} characters (this one is {len(title)}); put detail in notes."
        )
    return title


def get(session: Session, *, workspace_id: int, ref: str, for_update: bool = False) -> ActionItem:
    """Return the action item for a short id like `A-17`, or raise NotFound.

    `for_update` locks the row until the transaction ends (PostgreSQL; SQLite serialises writers anyway),
    so two clicks at once are applied one after the other and the second sees the first.
    """
    number = short_number(ref, "A")
    if number is None:
        raise InvalidInput(f"`{escape(ref[:20])}` is not an action id.", hint="Action ids look like `A-17`.")
    stmt = select(ActionItem).where(ActionItem.workspace_id == workspace_id, ActionItem.number == number)
    item = session.scalar(stmt.with_for_update() if for_update else stmt)
    if item is None or item.status in (ActionStatus.DELETED, ActionStatus.WITHDRAWN):
        raise unseen(f"A-{number}")
    return item


def may_change(item: ActionItem, actor: Actor) -> bool:
    """Return whether the actor is the owner, the creator or a project lead."""
    return actor.user_id in (item.owner_id, item.creator_id) or is_lead(item.project, actor.user_id)


def require_may_change(item: ActionItem, actor: Actor, verb: str) -> None:
    """Raise PermissionDenied unless the actor may change the item."""
    if not may_change(item, actor):
        raise PermissionDenied(
            f"Only {item.ref}'s owner, its creator or a project lead can {verb} it. You can ask them in the channel."
        )


def _require_open(item: ActionItem) -> None:
    if item.status == ActionStatus.DONE:
        raise Conflict(f"{item.ref} is already done.")
    if item.status != ActionStatus.OPEN:
        raise Conflict(f"{item.ref} is closed.")


def complete(session: Session, item: ActionItem, *, actor: Actor, now: datetime) -> ActionEvent:
    """Mark an item done; raise Conflict if it already is (a double click changes nothing)."""
    require_may_change(item, actor, "complete")
    _require_open(item)
    item.status, item.completed_at, item.completed_by = ActionStatus.DONE, now, actor.user_id
    item.revision += 1
    return _record(session, item, actor.user_id, "done", now)


def reopen(session: Session, item: ActionItem, *, actor: Actor, now: datetime) -> ActionEvent:
    """Reopen a done item."""
    require_may_change(item, actor, "reopen")
    if item.status != ActionStatus.DONE:
        raise Conflict(f"{item.ref} is not done.")
    item.status, item.completed_at, item.completed_by = ActionStatus.OPEN, None, None
    item.revision += 1
    return _record(session, item, actor.user_id, "reopened", now)


def accept(session: Session, item: ActionItem, *, actor: Actor, now: datetime) -> ActionEvent:
    """The owner accepts the item."""
    if actor.user_id != item.owner_id:
        raise PermissionDenied(f"Only {item.ref}'s owner can accept it.")
    _require_open(item)
    if item.accepted_at is not None:
        raise Conflict(f"You already accepted {item.ref}.")
    item.accepted_at = now
    item.revision += 1
    return _record(session, item, actor.user_id, "accepted", now)


def snooze(session: Session, item: ActionItem, *, actor: Actor, until: datetime, now: datetime) -> ActionEvent:
    """Pause the item's reminders until `until` (its due date stays)."""
    require_may_change(item, actor, "snooze")
    _require_open(item)
    if until <= now:
        raise InvalidInput("Snooze until a moment that is still ahead.")
    old = item.snoozed_until
    item.snoozed_until = until
    item.revision += 1
    return _record(session, item, actor.user_id, "snoozed", now, old=_iso(old), new=_iso(until))


def reassign(session: Session, item: ActionItem, *, actor: Actor, owner: str, now: datetime) -> ActionEvent:
    """Give the item to someone else; they have to accept it anew."""
    require_may_change(item, actor, "reassign")
    _require_open(item)
    if owner == item.owner_id:
        raise Conflict(f"{item.ref} is already theirs.")
    old = item.owner_id
    item.owner_id, item.accepted_at = owner, (now if owner == actor.user_id else None)
    item.revision += 1
    return _record(session, item, actor.user_id, "reassigned", now, old=old, new=owner)


def edit(
    session: Session,
    item: ActionItem,
    *,
    actor: Actor,
    now: datetime,
    title: str,
    due_at: datetime | None,
    notes: str,
) -> ActionEvent | None:
    """Change title, due date and notes; return the event, or None if nothing changed."""
    require_may_change(item, actor, "edit")
    _require_open(item)
    title = validate_title(title)
    due_at = due_at if due_at == item.due_at else to_minute(due_at)
    if len(notes) > NOTES_LIMIT:
        raise InvalidInput(f"Notes can be at most {NOTES_LIMIT} characters.")
    if due_at is not None and due_at != item.due_at and due_at <= now:
        raise InvalidInput("The due date is in the past.", hint="Pick a moment that is still ahead.")
    changes: dict[str, Any] = {}
    if title != item.title:
        changes["title"] = {"old": item.title, "new": title}
        item.title = title
    if notes != item.notes:
        changes["notes"] = {"old": item.notes, "new": notes}
        item.notes = notes
    if due_at != item.due_at:
        changes["due_at"] = {"old": _iso(item.due_at), "new": _iso(due_at)}
        item.due_at = due_at
    if not changes:
        return None
    if "due_at" in changes:  # a new date is a new promise: reminders and escalation start over
        item.escalation_level, item.snoozed_until = 0, None
    item.revision += 1
    return _record(session, item, actor.user_id, "edited", now, **changes)


def delete(session: Session, item: ActionItem, *, actor: Actor, now: datetime) -> ActionEvent:
    """Remove an item from every list (kept in the database with its history)."""
    require_may_change(item, actor, "delete")
    if item.status == ActionStatus.DELETED:
        raise Conflict(f"{item.ref} is already deleted.")
    item.status = ActionStatus.DELETED
    item.revision += 1
    return _record(session, item, actor.user_id, "deleted", now)


def withdraw(session: Session, item: ActionItem, *, actor: str, now: datetime) -> ActionEvent:
    """Take back an item its creator just recorded: gone from every list, its history says so."""
    require_may_withdraw(
        item.ref,
        creator_id=item.creator_id,
        created_at=item.created_at,
        withdrawn=item.status == ActionStatus.WITHDRAWN,
        actor=actor,
        now=now,
    )
    item.status = ActionStatus.WITHDRAWN
    item.revision += 1
    return _record(session, item, actor, "withdrawn", now)


def escalate(session: Session, item: ActionItem, *, level: int, now: datetime) -> ActionEvent:
    """Record that the item was escalated to `level`."""
    item.escalation_level = level
    return _record(session, item, "pmbot", "escalated", now, level=level)


def list_open(
    session: Session,
    *,
    workspace_id: int,
    now: datetime,
    owner: str | None = None,
    project_id: int | None = None,
    project_ids: Collection[int] | None = None,
    limit: int = 50,
) -> list[ActionItem]:
    """Return open items, overdue first, then by due date, undated last (only from `project_ids`, if given)."""
    stmt = _open(workspace_id, owner, project_id, project_ids)
    undated_last = case((ActionItem.due_at.is_(None), 1), else_=0)
    return list(session.scalars(stmt.order_by(undated_last, ActionItem.due_at, ActionItem.number).limit(limit)))


def count_open(
    session: Session,
    *,
    workspace_id: int,
    owner: str | None = None,
    project_id: int | None = None,
    project_ids: Collection[int] | None = None,
) -> int:
    """Return how many open items `list_open` would list without its limit."""
    stmt = _open(workspace_id, owner, project_id, project_ids)
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def projects_with_open(session: Session, *, workspace_id: int, owner: str) -> list[Project]:
    """Return the projects where the person owns open items."""
    ids = _open(workspace_id, owner, None, None).with_only_columns(ActionItem.project_id).distinct()
    return list(session.scalars(select(Project).where(Project.id.in_(ids)).order_by(Project.id)))


def _open(workspace_id: int, owner: str | None, project_id: int | None, project_ids: Collection[int] | None) -> Any:
    stmt = select(ActionItem).where(ActionItem.workspace_id == workspace_id, ActionItem.status == ActionStatus.OPEN)
    if owner is not None:
        stmt = stmt.where(ActionItem.owner_id == owner)
    if project_id is not None:
        stmt = stmt.where(ActionItem.project_id == project_id)
    if project_ids is not None:
        stmt = stmt.where(ActionItem.project_id.in_(list(project_ids)))
    return stmt


def history(session: Session, item: ActionItem) -> list[ActionEvent]:
    """Return every recorded change to an item, oldest first."""
    return list(session.scalars(select(ActionEvent).where(ActionEvent.action_id == item.id).order_by(ActionEvent.id)))


def _record(session: Session, item: ActionItem, actor: str, kind: str, now: datetime, **detail: Any) -> ActionEvent:
    event = ActionEvent(action_id=item.id, at=now, actor_id=actor, kind=kind, detail=detail)
    session.add(event)
    session.flush()
    return event


def to_minute(moment: datetime | None) -> datetime | None:
    """Drop seconds: due dates are shown to the minute, and "in 2 hours" should not carry microseconds."""
    return moment.replace(second=0, microsecond=0) if moment else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
