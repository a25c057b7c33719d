"""`/meeting`: start and end a meeting, capture ACTION:/DECISION:/RISK:/NOTE: lines, post and export minutes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from domain import meetings, members
from domain.errors import InvalidInput, PmbotError
from domain.intent import MEETING
from domain.sources import Source
from domain.text import escape, escaped, plain_from_slack
from domain.workspaces import find_project
from handlers import intent, outgoing
from handlers.channels import keep_roster, require_visible
from handlers.context import db, now, record_kind, workspace
from handlers.directory import member, project, user_ids_in
from handlers.ids import Command
from handlers.meetings import keys, render
from handlers.registry import Listeners
from handlers.render.help import CommandHelp
from storage.models import Meeting, SourceKind

HELP = CommandHelp(
    command=Command.MEETING,
    summary="meetings with minutes: ACTION:, DECISION:, RISK: and NOTE: lines are captured while one is open.",
    usages=(
        ("/meeting start Sprint review @lead @pm", "open a meeting (mentions are invited)"),
        ("/meeting start Weekly sync", "the next of a recurring meeting: opens with the last one's open items"),
        ("/meeting end", "close it and post the minutes"),
        ("/meeting minutes M-3", "upload a meeting's minutes as a Markdown file (the latest without an id)"),
        ('/meeting schedule "Weekly sync" every tuesday 10:00', "a recurring meeting: agenda an hour before"),
    ),
)
CAPTURE_REACTION = "memo"


def register(listeners: Listeners) -> None:
    listeners.command(Command.MEETING, on_meeting)
    listeners.help(HELP)
    listeners.message_reader("channel", on_channel_message)
    listeners.message_refresher(render.CARRIED_BLOCK, refresh_started)


def on_meeting(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Route `/meeting start|end|minutes|schedule`."""
    word, _, rest = (command.get("text") or "").strip().partition(" ")
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    verb = word.lower() or "help"
    if verb == "start":
        title = plain_from_slack(" ".join(part for part in rest.split() if not part.startswith("<@")))
        meeting = meetings.start(
            db(context), project=proj, by=command["user_id"], title=title, now=now(context), invited=user_ids_in(rest)
        )
        text, blocks = render.started(meeting, meetings.carried_into(db(context), meeting, now=now(context)))
        outgoing.post(
            db(context),
            workspace_id=proj.workspace_id,
            key=keys.started(meeting.id),
            channel=proj.channel_id,
            text=text,
            blocks=blocks,
            now=now(context),
        )
        ack(response_type="ephemeral", text=f"Started {meeting.ref}.")
    elif verb == "end":
        current = meetings.open_meeting(db(context), project_id=proj.id)
        if current is None:
            raise InvalidInput("No meeting is open in this channel.", hint="Start one with `/meeting start <title>`.")
        close(db(context), current, now=now(context))
        ack(response_type="ephemeral", text=f"Ended {current.ref}; the minutes are in the channel.")
    elif verb == "minutes":
        meeting = (
            _named_meeting(command, rest, context, client)
            if rest.strip()
            else meetings.latest(db(context), project_id=proj.id)
        )
        client.files_upload_v2(
            channel=proj.channel_id,
            content=markdown(db(context), meeting).encode(),
            filename=f"minutes-{meeting.ref}.md",
            title=f"Minutes: {meeting.title}",
        )
        ack(response_type="ephemeral", text=f"Uploaded the minutes of {meeting.ref}.")
    elif verb == "schedule":
        series = meetings.schedule(
            db(context),
            project=proj,
            by=command["user_id"],
            text=plain_from_slack(rest, name_of=intent.names(context, client)),
            now=now(context),
        )
        day = meetings.WEEKDAYS[series.weekday].capitalize()
        ack(
            response_type="ephemeral",
            text=f"Scheduled *{escape(series.title)}* every {day} at "
            f"{series.minute // 60:02d}:{series.minute % 60:02d} ({proj.time_zone}); "
            "the agenda comes an hour before.",
        )
    elif verb == "help":
        ack(response_type="ephemeral", text=HELP.text())
    else:
        raise intent.refuse_unknown(MEETING, word)


def _named_meeting(command: dict[str, Any], ref: str, context: BoltContext, client: WebClient) -> Meeting:
    """The meeting named, only in its own channel: its minutes are never uploaded anywhere else."""
    meeting = meetings.get(db(context), workspace_id=workspace(context).id, ref=ref)
    here = command["channel_id"]
    require_visible(context, client, meeting.project, command["user_id"], ref=meeting.ref, here=here)
    if meeting.project.channel_id != here:
        raise InvalidInput(
            f"{meeting.ref} was held in <#{meeting.project.channel_id}>.",
            hint=f"Run `/meeting minutes {meeting.ref}` there to upload its minutes.",
        )
    return meeting


def _restart(session: Session, meeting: Meeting, *, key: str, now: datetime) -> None:
    """Queue the meeting's opening message as its carried items stand now (under `key`), if it opened with any."""
    carried = meetings.carried_into(session, meeting, now=meeting.started_at)  # aged as when it opened
    if not carried:
        return
    text, blocks = render.started(meeting, carried)
    outgoing.update(
        session,
        workspace_id=meeting.workspace_id,
        key=key,
        of_key=keys.started(meeting.id),
        conversation=meeting.project.channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )


def refresh_started(session: Session, block_id: str, /, *, workspace_id: int, now: datetime, change: str) -> None:
    """A carried item's Done was clicked on a meeting's opening message: bring the message up to date (its Done
    buttons while the meeting is open, a record without buttons once it ended)."""
    meeting_id = render.carried_meeting(block_id)
    meeting = session.get(Meeting, meeting_id) if meeting_id is not None else None
    if meeting is not None and meeting.workspace_id == workspace_id:
        _restart(session, meeting, key=keys.started_refresh(meeting.id, change), now=now)


def close(session: Session, meeting: Meeting, *, now: datetime) -> None:
    """End the meeting and post its minutes in the channel (split if long); the items it opened with stay in its
    opening message as a record of how they stand, without buttons."""
    meetings.end(session, meeting, now=now)
    _restart(session, meeting, key=keys.started_at_end(meeting.id), now=now)
    text, blocks = render.minutes(meeting, meetings.captured_items(session, meeting))
    outgoing.post_in_parts(
        session,
        workspace_id=meeting.workspace_id,
        key=keys.minutes(meeting.id),
        channel=meeting.project.channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )


def markdown(session: Session, meeting: Meeting) -> str:
    """The minutes as Markdown, with people's names."""
    people = {*meeting.attendees, *meeting.invited}
    items = meetings.captured_items(session, meeting)
    people |= {i.owner for i in items if i.owner}
    names = members.names(session, workspace_id=meeting.workspace_id, user_ids=people)
    return meetings.minutes_markdown(meeting, items, names=names, tz=meeting.project.time_zone)


def on_channel_message(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """While a meeting is open, note who speaks and capture each ACTION:/DECISION:/RISK:/NOTE: line."""
    proj = find_project(db(context), workspace_id=workspace(context).id, channel_id=str(event.get("channel")))
    meeting = meetings.open_meeting(db(context), project_id=proj.id) if proj else None
    if meeting is None:
        return
    user = str(event["user"])
    meetings.attend(meeting, user)
    lines = meetings.captured_lines(str(event["text"]))
    captured = [_capture(context, client, meeting, user, line, event, n) for n, line in enumerate(lines)]
    if any(captured):
        _react(context, meeting, event)


def _capture(
    context: BoltContext,
    client: WebClient,
    meeting: Meeting,
    user: str,
    line: meetings.Line,
    event: dict[str, Any],
    n: int,
) -> bool:
    """Record one captured line as its command would; a line that cannot be read is explained to its author alone."""
    name_of = intent.names(context, client)
    try:
        if line.kind == "note":
            meetings.note(meeting, user_id=user, text=plain_from_slack(line.text, name_of=name_of), now=now(context))
        else:
            _record(context, client, meeting, user, line)
    except PmbotError as err:  # the line is kept in the channel; tell its author what was wrong
        outgoing.ephemeral(
            db(context),
            workspace_id=meeting.workspace_id,
            key=keys.capture_error(meeting.id, event.get("ts"), n),
            channel=meeting.project.channel_id,
            user=user,
            text=f"{line.kind.upper()}: {escaped(plain_from_slack(line.text, name_of=name_of), 80)}\n{err.user_text()}",
            now=now(context),
        )
        return False
    return True


def _record(context: BoltContext, client: WebClient, meeting: Meeting, user: str, line: meetings.Line) -> None:
    """Make the record an ACTION:/DECISION:/RISK: line says with its kind's domain service, as its command would,
    then what follows it (the notices of the feature that owns the kind)."""
    kind = record_kind(context, line.kind)
    if kind is None:
        raise InvalidInput(f"I can't record {line.kind.upper()}: lines here.")
    intent.require_known_people(line.text)
    keep_roster(context, meeting.project.channel_id)  # as a command said in the channel would
    record = kind.create(
        db(context),
        project=meeting.project,
        author=user,
        said=line.text,
        now=now(context),
        people=lambda user_id: member(context, client, user_id),
        source=Source(SourceKind.MEETING, meeting.id, meeting.title),
    )
    meetings.record_capture(meeting, kind=line.kind, ref=record.ref)
    kind.notify(db(context), record, now=now(context))


def _react(context: BoltContext, meeting: Meeting, event: dict[str, Any]) -> None:
    """Acknowledge a captured line with a reaction (queued: sent once, after the capture is saved)."""
    from domain import outbox
    from domain.outbox import Outgoing

    channel, ts = str(event["channel"]), str(event.get("ts"))
    message = Outgoing(
        key=keys.reaction(meeting.id, ts),
        method="reactions.add",
        channel=channel,
        payload={"channel": channel, "timestamp": ts, "name": CAPTURE_REACTION},
        not_before=now(context),
    )
    outbox.enqueue(db(context), workspace_id=meeting.workspace_id, message=message, now=now(context))
