"""Who may read a project's records: the one rule every read path applies.

A record is shown only to people who can see its project's channel: anyone in the workspace for a public channel;
for a private channel, a DM or a group DM, only its members as Slack said (conversations.members and the
member_joined/left events in the membership cache). A channel whose kind Slack has not told yet counts as private.
Workspace admins read no more than anyone else (Slack does not show them private channels either); what they may
do beyond that is configuring projects and `/pm forget`.

The parties to a record (an action item's owner and creator, a risk's owner and creator, a decision's creator,
decision makers and approver) may read and act on it wherever they are: pmbot named them on it and sent it to them
(the owner's DM card, the approver's request), so it is theirs already. Anyone else, project leads included, needs
`can_see`.

A refused read answers exactly like a missing record, so short ids cannot be probed.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from domain import channels
from domain.errors import NotFound
from storage.models import ActionItem, Decision, Project, Risk

Record = ActionItem | Risk | Decision


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


def parties(record: Record) -> set[str]:
    """Return the people named on a record, who may read and act on it outside its channel."""
    if isinstance(record, Decision):
        named = [record.creator_id, record.approver_id, *record.decided_by]
    else:
        named = [record.owner_id, record.creator_id]
    return {str(user) for user in named if user}


def may_use(session: Session, *, record: Record, user_id: str) -> bool:
    """Return whether the person may read or act on the record: a party to it anywhere, anyone else if they can
    see its project's channel (what a party may change is the record's own rule)."""
    return user_id in parties(record) or can_see(session, project=record.project, user_id=user_id)


def lead_chosen_destination(session: Session, *, workspace_id: int, channel_id: str) -> bool:
    """Return whether a lead configured this channel to hear about a project: its escalation channel (a project's
    own channel is one too). pmbot posts nothing about one channel into another that is not."""
    return channel_id.startswith("D") or bool(  # a DM with pmbot: only its own person clicks in it
        session.scalar(
            select(Project.id)
            .where(Project.workspace_id == workspace_id)
            .where(or_(Project.channel_id == channel_id, Project.escalation_channel_id == channel_id))
            .limit(1)
        )
    )


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
