"""Who may read a project's records: the one rule every read path applies.

A record is shown only to people who can see its project's channel: any full member of the workspace for a public
channel; for a private channel, a DM or a group DM, only its members as Slack said (conversations.members and the
member_joined/left events in the membership cache). A guest (users.info is_restricted or is_ultra_restricted) sees
only the channels they are in, public ones included, as in Slack; so does anyone whose profile pmbot has not read
(the request paths read it from Slack first). A channel whose kind Slack has not told yet counts as private,
and so does one from Slack's notice that it was made private (a channel made public counts once
conversations.info says so).
Workspace admins read no more than anyone else (Slack does not show them private channels either); what they may
do beyond that is configuring projects and `/pm forget`.

The parties to a record (an action item's owner and creator, a risk's owner and creator, a decision's creator,
decision makers and approver, a milestone's owner and creator, a change request's requester and approvers) may
read and act on it wherever they are: pmbot named them on it and sent it to them (the owner's DM card, the
approver's request), so it is theirs already. Anyone else, project leads included, needs
`can_see`.

A refused read answers exactly like a missing record, so short ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import channels, members
from domain.errors import NotFound
from storage.models import ActionItem, ChangeRequest, Decision, Milestone, Project, Risk

Record = ActionItem | Risk | Decision | Milestone | ChangeRequest


def unseen(ref: str) -> NotFound:
    """Return the answer for a record that does not exist or that the caller may not read (the same words)."""
    return NotFound(f"I can't find {ref} in a channel you're in.")


def can_see(session: Session, *, project: Project, user_id: str) -> bool:
    """Return whether the person may read the project's records, from what Slack has told pmbot."""
    if project.is_private is False and members.is_full_member(
        session, workspace_id=project.workspace_id, user_id=user_id
    ):
        return True
    in_it = channels.channels_of(
        session, workspace_id=project.workspace_id, user_id=user_id, channel_ids=[project.channel_id]
    )
    return project.channel_id in in_it


def parties(record: Record) -> set[str]:
    """Return the people named on a record, who may read and act on it outside its channel."""
    if isinstance(record, Decision):
        named = [record.creator_id, record.approver_id, *record.decided_by]
    elif isinstance(record, ChangeRequest):
        named = [record.requester_id, *record.approver_ids]
    else:
        named = [record.owner_id, record.creator_id]
    return {str(user) for user in named if user}


def may_use(session: Session, *, record: Record, user_id: str) -> bool:
    """Return whether the person may read or act on the record: a party to it anywhere, anyone else if they can
    see its project's channel (what a party may change is the record's own rule)."""
    return user_id in parties(record) or can_see(session, project=record.project, user_id=user_id)


def may_hear(
    session: Session, *, project: Project, user_ids: Iterable[str], parties: Collection[str] = ()
) -> list[str]:
    """Return those of these people (in order, once each) whom pmbot may DM the project's records: those who can see
    its channel, and the parties to the record in question (`parties`, see `visibility.parties`), whose it is
    wherever they are. A role (lead, approver by role, digest reader) alone reads nothing of a private channel the
    person is not in (or has left): what is meant for the role goes to those of them who can see it."""
    named = set(parties)
    return [
        user for user in dict.fromkeys(user_ids) if user in named or can_see(session, project=project, user_id=user)
    ]


def hears_about(project: Project, channel_id: str) -> bool:
    """Return whether pmbot may post about the project's records in this channel: the project's own, the escalation
    channel a lead chose for it, or a DM with pmbot (only its own person clicks there). Never another channel."""
    return channel_id.startswith("D") or channel_id in (project.channel_id, project.escalation_channel_id)


def channel_converted(session: Session, *, workspace_id: int, channel_id: str, private: bool) -> None:
    """Record that Slack said a channel was made private (or public).

    Made private, its project's records are for its members at once. Either way its kind and roster are to be
    read again: a channel made public counts as public only once conversations.info says so.
    """
    if private:
        for project in session.scalars(
            select(Project).where(Project.workspace_id == workspace_id, Project.channel_id == channel_id)
        ):
            project.is_private = True
    channels.forget_roster(session, workspace_id=workspace_id, channel_id=channel_id)


def settled(session: Session, *, project: Project, user_id: str | None = None) -> bool:
    """Return whether Slack has told pmbot enough to judge: the channel's kind and, unless public, its members (for
    `user_id`, its members whatever its kind unless Slack said they are a full member: a guest sees only theirs)."""
    if project.is_private is None:
        return False
    if not project.is_private and (
        user_id is None or members.is_full_member(session, workspace_id=project.workspace_id, user_id=user_id)
    ):
        return True
    return channels.was_read(session, workspace_id=project.workspace_id, channel_id=project.channel_id)


def may_name_first_leads(project: Project, user_id: str, *, is_admin: bool) -> bool:
    """Return whether the person may name a project's first leads: the channel's creator or a workspace admin
    (anyone who can see the channel where Slack names no creator, as in a DM)."""
    return is_admin or project.channel_creator in ("", user_id)  # None: Slack has not said yet
