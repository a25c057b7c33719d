"""What follows a go-live's change: the runbook in the channel, the poll's DMs kept true and its result, the live
message and its thread, the owners' step DMs brought up to their outcome, a failed step's action item named where
it was offered, the closing summary, the retro offer and the minutes posted in the channel."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.orm import Session

from domain import golive as golives
from domain import members, outbox, visibility
from domain.text import FORMER_MEMBER
from handlers import outgoing
from handlers.golive import keys, render
from storage.models.golive import GoLive, GoLiveStatus, GoLiveStep, StepStatus


def planned(session: Session, golive: GoLive, *, now: datetime) -> None:
    """Post the runbook in the project's channel (once)."""
    text, blocks = render.runbook(golive)
    outgoing.post(session, workspace_id=golive.workspace_id, key=keys.planned(golive.id),
                  channel=golive.project.channel_id, text=text, blocks=blocks, now=now)  # fmt: skip


def runbook_changed(session: Session, golive: GoLive, *, now: datetime) -> None:
    """Keep the runbook posted when it was planned true: its steps, owners, outcomes, approvers' answers, status."""
    text, blocks = render.runbook(golive)
    outgoing.update(session, workspace_id=golive.workspace_id, key=keys.planned_update(golive.id, golive.revision),
                    of_key=keys.planned(golive.id), conversation=golive.project.channel_id, text=text, blocks=blocks,
                    now=now)  # fmt: skip


def _posted(session: Session, golive: GoLive, key: str) -> bool:
    return outbox.find(session, workspace_id=golive.workspace_id, key=key) is not None


def poll_shown(session: Session, golive: GoLive, approver: str, *, change: str, now: datetime) -> None:
    """Bring an approver's poll DM up to their vote, or to the decision."""
    if not _posted(session, golive, keys.poll(golive.id, approver)):
        return
    text, blocks = render.poll(golive, approver)
    outgoing.update(session, workspace_id=golive.workspace_id, key=keys.poll_update(golive.id, approver, change),
                    of_key=keys.poll(golive.id, approver), conversation=approver, text=text, blocks=blocks,
                    now=now)  # fmt: skip


def decided(session: Session, golive: GoLive, *, now: datetime) -> None:
    """The poll's result in the channel (once); every approver's DM shows it; on a no-go, each lead is told (one who
    can see the channel, or a party to the go-live)."""
    text, blocks = render.result(golive)
    channel = golive.project.channel_id
    outgoing.post(session, workspace_id=golive.workspace_id, key=keys.result(golive.id), channel=channel, text=text,
                  blocks=blocks, now=now)  # fmt: skip
    for approver in map(str, golive.approver_ids):
        poll_shown(session, golive, approver, change="decided", now=now)
    runbook_changed(session, golive, now=now)
    if golive.status == GoLiveStatus.NO_GO:
        _, deactivated = members.zones_and_deactivated(
            session, user_ids=golive.project.lead_user_ids or [], workspace_ids=[golive.workspace_id]
        )
        for lead in _leads(session, golive):
            if (golive.workspace_id, lead) not in deactivated:
                outgoing.post(session, workspace_id=golive.workspace_id, key=keys.no_go_told(golive.id, lead),
                              channel=lead, text=text, blocks=blocks, now=now)  # fmt: skip


def _leads(session: Session, golive: GoLive) -> list[str]:
    """The project's leads who may be DM'd about the go-live: those who can see its channel, and any who is a party
    to it (who planned it, or an approver, whose poll DM shows its result); a lead gone from a private channel hears
    nothing of it."""
    parties = {golive.created_by, *map(str, golive.approver_ids)}
    leads = [str(lead) for lead in golive.project.lead_user_ids or []]
    return visibility.may_hear(session, project=golive.project, user_ids=leads, parties={str(p) for p in parties if p})


def started(session: Session, golive: GoLive, *, now: datetime) -> None:
    """The channel's live message, whose thread becomes the timeline."""
    text, blocks = render.live(golive)
    outgoing.post(session, workspace_id=golive.workspace_id, key=keys.live(golive.id),
                  channel=golive.project.channel_id, text=text, blocks=blocks, now=now)  # fmt: skip
    if golive.decided_at is None:  # started before the poll was decided: its buttons go
        for approver in map(str, golive.approver_ids):
            poll_shown(session, golive, approver, change="started", now=now)
    runbook_changed(session, golive, now=now)


def _refresh_live(session: Session, golive: GoLive, *, now: datetime) -> None:
    if not _posted(session, golive, keys.live(golive.id)):
        return
    text, blocks = render.live(golive)
    outgoing.update(session, workspace_id=golive.workspace_id, key=keys.live_update(golive.id, golive.revision),
                    of_key=keys.live(golive.id), conversation=golive.project.channel_id, text=text, blocks=blocks,
                    now=now)  # fmt: skip


def step_changed(
    session: Session, golive: GoLive, step: GoLiveStep, *, now: datetime, was: StepStatus = StepStatus.PENDING
) -> None:
    """A step done, failed or skipped (`was`: the mark it corrects, said as a change): a reply in the live thread
    (if it is live; a correction before, in the runbook's), the live message's summary, and the owner's step DM
    without its buttons."""
    live = _posted(session, golive, keys.live(golive.id))
    if live or (was != StepStatus.PENDING and _posted(session, golive, keys.planned(golive.id))):
        text, blocks = render.timeline(golive, step, was=was)
        outgoing.post(session, workspace_id=golive.workspace_id, key=keys.timeline(golive.id, step.id, step.revision),
                      channel=golive.project.channel_id, text=text, blocks=blocks, now=now,
                      thread_of=keys.live(golive.id) if live else keys.planned(golive.id))  # fmt: skip
        _refresh_live(session, golive, now=now)
    _step_dms(session, golive, step, change=f"r{step.revision}", now=now)
    runbook_changed(session, golive, now=now)


def note_added(session: Session, golive: GoLive, step: GoLiveStep, *, by: str, note: str, now: datetime) -> bool:
    """A note added to a step marked already: a reply in the live thread (before the cutover, in the runbook's);
    the same note from the same person once. Return whether it was new."""
    thread = keys.live(golive.id) if _posted(session, golive, keys.live(golive.id)) else keys.planned(golive.id)
    if not _posted(session, golive, thread):
        return False
    said = hashlib.sha256(f"{by}\n{note}".encode()).hexdigest()[:16]
    text, blocks = render.note_added(golive, step, by=by, note=note)
    return outgoing.post(session, workspace_id=golive.workspace_id,
                         key=keys.step_note(golive.id, step.id, step.revision, said),
                         channel=golive.project.channel_id, text=text, blocks=blocks, now=now,
                         thread_of=thread)  # fmt: skip


def _step_dms(session: Session, golive: GoLive, step: GoLiveStep, *, change: str, now: datetime) -> None:
    """Bring the step's DMs to its owner up to the step as it stands (buttons only while it is still to do)."""
    moment = golives.moment_of(golive, step)
    prefix = keys.step_due_prefix(golive.id, step.id)
    for posted in outbox.posts_under(session, workspace_id=golive.workspace_id, key_prefix=prefix):
        tz = members.zone_of(members.find(session, workspace_id=golive.workspace_id, user_id=posted.channel),
                             fallback=golive.project.time_zone)  # fmt: skip
        text, blocks = render.step_due(golive, step, moment, tz=tz)
        outgoing.update(session, workspace_id=golive.workspace_id, key=keys.step_due_update(posted.key, change),
                        of_key=posted.key, conversation=posted.channel, text=text, blocks=blocks, now=now)  # fmt: skip


def step_removed(session: Session, golive: GoLive, step: GoLiveStep, *, now: datetime) -> None:
    """A step taken out of the runbook: its DMs already sent say so, without their buttons."""
    moment = golives.moment_of(golive, step)
    prefix = keys.step_due_prefix(golive.id, step.id)
    for posted in outbox.posts_under(session, workspace_id=golive.workspace_id, key_prefix=prefix):
        tz = members.zone_of(members.find(session, workspace_id=golive.workspace_id, user_id=posted.channel),
                             fallback=golive.project.time_zone)  # fmt: skip
        text, blocks = render.step_removed(golive, step, moment, tz=tz)
        outgoing.update(session, workspace_id=golive.workspace_id, key=keys.step_due_update(posted.key, "removed"),
                        of_key=posted.key, conversation=posted.channel, text=text, blocks=blocks, now=now)  # fmt: skip


def all_finished(session: Session, golive: GoLive, *, now: datetime) -> None:
    """Every step of a live go-live finished by someone who may not end it: whoever planned it is told, once, that
    they can (or, when they are no longer here, each lead who can see the channel)."""
    told = [golive.created_by] if golive.created_by != FORMER_MEMBER else _leads(session, golive)
    text, blocks = render.all_finished(golive)
    for user in dict.fromkeys(told):
        outgoing.post(session, workspace_id=golive.workspace_id, key=keys.all_finished(golive.id, user), channel=user,
                      text=text, blocks=blocks, now=now)  # fmt: skip


def action_made(session: Session, golive: GoLive, step: GoLiveStep, *, now: datetime) -> None:
    """A failed step became an action item: its thread reply and the owner's DM name it instead of offering it, and
    the live message and the runbook show it."""
    posted = keys.timeline(golive.id, step.id, step.revision)
    found = outbox.find(session, workspace_id=golive.workspace_id, key=posted)
    if found is not None:
        text, blocks = render.timeline(golive, step)
        said = (found.payload or {}).get("blocks") or []
        blocks = [*said[:1], *blocks[1:]]  # what the reply said happened (a correction too) stays as it was
        outgoing.update(session, workspace_id=golive.workspace_id,
                        key=keys.timeline_update(golive.id, step.id, step.revision, "action"), of_key=posted,
                        conversation=golive.project.channel_id, text=text, blocks=blocks, now=now)  # fmt: skip
    _refresh_live(session, golive, now=now)
    _step_dms(session, golive, step, change="action", now=now)
    runbook_changed(session, golive, now=now)


def minutes_posted(session: Session, golive: GoLive, *, by: str, meeting: str, now: datetime) -> bool:
    """Post the timeline in the project's channel as the go-live's minutes; return False when it stands so there
    already (the same revision posted before)."""
    if _posted(session, golive, keys.minutes(golive.id, golive.revision)):
        return False
    text, blocks = render.minutes_posted(golive, by=by, meeting=meeting)
    outgoing.post_in_parts(session, workspace_id=golive.workspace_id, key=keys.minutes(golive.id, golive.revision),
                           channel=golive.project.channel_id, text=text, blocks=blocks, now=now)  # fmt: skip
    return True


def ended(session: Session, golive: GoLive, *, now: datetime) -> None:
    """The closing summary in the thread, the live message's last state, and a retro offered in the channel."""
    channel = golive.project.channel_id
    if _posted(session, golive, keys.live(golive.id)):
        text, blocks = render.closing(golive)
        outgoing.post(session, workspace_id=golive.workspace_id, key=keys.closing(golive.id), channel=channel,
                      text=text, blocks=blocks, now=now, thread_of=keys.live(golive.id))  # fmt: skip
        _refresh_live(session, golive, now=now)
    for step in golive.steps:
        if step.status == StepStatus.PENDING:  # no button left live on a go-live that is over
            _step_dms(session, golive, step, change="ended", now=now)
    for approver in map(str, golive.approver_ids):
        poll_shown(session, golive, approver, change="ended", now=now)
    runbook_changed(session, golive, now=now)
    text, blocks = render.retro_offer(golive)
    outgoing.post(session, workspace_id=golive.workspace_id, key=keys.retro_offer(golive.id), channel=channel,
                  text=text, blocks=blocks, now=now)  # fmt: skip


def told(session: Session, golive: GoLive, *, user_id: str, channel: str, click: str, text: str, now: datetime) -> None:
    """An answer only the person who clicked sees, where they clicked."""
    outgoing.ephemeral(session, workspace_id=golive.workspace_id, key=keys.told(golive.id, user_id, click),
                       channel=channel, user=user_id, text=text, now=now)  # fmt: skip
