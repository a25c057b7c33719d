"""Who may read a project's records: the one rule every read path applies.

A record is shown only to people who can see its project's channel: anyone in the workspace for a public channel;
for a private channel, a DM or a group DM, only its members as Slack said (conversations.members and the
member_joined/left events in the membership cache). A channel whose kind Slack has not told yet counts as private.
Workspace admins read no more than anyone else (Slack does not show them private channels either); what they may
do beyond that is configuring projects and `/pm forget`.

A refused read answers exactly like a missing record, so short ids cannot be probed.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from domain import channels
from domain.errors import NotFound
from storage.models import Project


def unseen(ref: str) -> NotFound:
    """Return the answer for a record that does not exist or that the caller may not read (the same words)."""
    return NotFound(f"I can't find {ref} in a channel you're in.")


def can_see(session: Session, *, project: Project, user_id: str) -> bool:
    """Return whether the person may read the project's records, from what Slack has told pmbot."""
    if project.is_private is False:
        return True
    in_it = channels.channels_of(
        session, workspace_id=project.workspace_id, user_id=user_id, channel_ids=[project.channel_id]
    )
    return project.channel_id in in_it


def settled(session: Session, *, project: Project) -> bool:
    """Return whether Slack has told pmbot enough to judge: the channel's kind and, unless public, its members."""
    if project.is_private is None:
        return False
    return not project.is_private or channels.was_read(
        session, workspace_id=project.workspace_id, channel_id=project.channel_id
    )


def may_name_first_leads(project: Project, user_id: str, *, is_admin: bool) -> bool:
    """Return whether the person may name a project's first leads: the channel's creator or a workspace admin
    (anyone who can see the channel where Slack names no creator, as in a DM)."""
    return is_admin or project.channel_creator in ("", user_id)  # None: Slack has not said yet
