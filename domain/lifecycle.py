"""Data lifecycle: a workspace that uninstalls pmbot, and closed records past their retention.

After `app_uninstalled` (or the bot token revoked) nothing more is sent to the workspace and, once the
grace period has passed, every row it owns goes (all of them hang off `workspace` with ON DELETE
CASCADE). Installing again within the grace period keeps everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import (
    BOTS,
    INSTALLATIONS,
    ActionItem,
    ActionStatus,
    Blocker,
    BlockerStatus,
    Meeting,
    OutboxMessage,
    Risk,
    RiskStatus,
    Workspace,
)


@dataclass(frozen=True)
class Policy:
    """How long data is kept: after an uninstall, and once closed (None: for ever)."""

    uninstall_grace: timedelta = timedelta(days=30)
    retention: timedelta | None = None


def uninstalled(session: Session, workspace: Workspace, *, now: datetime) -> int:
    """Record that the workspace uninstalled pmbot and drop what was still to be sent; return how many."""
    if workspace.uninstalled_at is None:
        workspace.uninstalled_at = now
    result = session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.workspace_id == workspace.id, OutboxMessage.sent_at.is_(None))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def forget_tokens(session: Session, *, team_id: str, bot: bool = True, user_ids: Sequence[str] = ()) -> None:
    """Delete the workspace's stored tokens (the bot's, and these users'), in the request's transaction.

    The bot's token is in both tables; without it the users' installations are of no use either.
    """
    if bot:
        session.execute(delete(BOTS).where(BOTS.c.team_id == team_id))
        session.execute(delete(INSTALLATIONS).where(INSTALLATIONS.c.team_id == team_id))
    else:
        session.execute(
            delete(INSTALLATIONS).where(INSTALLATIONS.c.team_id == team_id, INSTALLATIONS.c.user_id.in_(user_ids))
        )


def reinstalled(workspace: Workspace) -> None:
    """The workspace uses pmbot again: its data is no longer due for deletion."""
    workspace.uninstalled_at = None


def purge_uninstalled(session: Session, *, now: datetime, policy: Policy) -> list[str]:
    """Delete every workspace uninstalled longer ago than the grace period; return their team ids."""
    cutoff = now - policy.uninstall_grace
    gone = list(
        session.scalars(
            select(Workspace).where(Workspace.uninstalled_at.is_not(None), Workspace.uninstalled_at <= cutoff)
        )
    )
    for workspace in gone:
        session.delete(workspace)  # ON DELETE CASCADE takes projects, items, answers, outbox rows, ...
    return [w.team_id for w in gone]


def purge_closed(session: Session, *, now: datetime, policy: Policy) -> dict[str, int]:
    """Delete closed records older than the retention period; return how many of each kind."""
    if policy.retention is None:
        return {}
    cutoff = now - policy.retention
    statements = {
        "actions": delete(ActionItem).where(ActionItem.status == ActionStatus.DONE, ActionItem.completed_at < cutoff),
        "deleted actions": delete(ActionItem).where(
            ActionItem.status == ActionStatus.DELETED, ActionItem.created_at < cutoff
        ),
        "risks": delete(Risk).where(Risk.status == RiskStatus.CLOSED, Risk.closed_at < cutoff),
        "blockers": delete(Blocker).where(Blocker.status == BlockerStatus.RESOLVED, Blocker.resolved_at < cutoff),
        "meetings": delete(Meeting).where(Meeting.ended_at.is_not(None), Meeting.ended_at < cutoff),
    }
    counts = {}
    for kind, statement in statements.items():
        result = session.execute(statement.execution_options(synchronize_session=False))
        counts[kind] = int(result.rowcount)  # type: ignore[attr-defined]
    return counts
