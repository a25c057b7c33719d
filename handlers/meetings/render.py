"""Block Kit for meetings: started, the minutes, the agenda of a recurring meeting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.meetings import CapturedItem, Carried, duration_text
from domain.text import date_token, escape, escaped, plural, truncate, user_mention
from handlers.ids import Action
from handlers.render.blocks import button
from handlers.render.records import action_headline
from storage.models import ActionStatus, Meeting

KIND_HEADINGS = (("decision", "Decisions"), ("action", "Action items"), ("risk", "Risks"))
CARRIED_SHOWN = 40  # each carried item is a block with its Done button; Slack allows 50 blocks a message


def _section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


CARRIED_BLOCK = "carried-"  # a carried item's block: `carried-<meeting id>-<ref>` (its Done refreshes this message)


def carried_block(meeting_id: int, ref: str) -> str:
    """The block id of an item carried into a meeting, on its opening message."""
    return f"{CARRIED_BLOCK}{meeting_id}-{ref}"


def carried_meeting(block_id: str) -> int | None:
    """The meeting whose opening message holds a carried item's block (None for a block id not of that shape)."""
    meeting_id = block_id.removeprefix(CARRIED_BLOCK).partition("-")[0]
    return int(meeting_id) if block_id.startswith(CARRIED_BLOCK) and meeting_id.isdigit() else None


def started(meeting: Meeting, carried: Sequence[Carried] = ()) -> tuple[str, list[dict[str, Any]]]:
    """The channel message when a meeting starts, saying how to capture; a meeting of a series opens with the open
    action items of its earlier meetings, each with its Done button while the meeting is open (those closed since
    show it instead); once it ended, the list is a record without buttons."""
    text = (
        f":calendar: *{escape(meeting.title)}* ({meeting.ref}) has started. Lines starting with `ACTION:`, "
        "`DECISION:`, `RISK:` or `NOTE:` are captured for the minutes; `/meeting end` posts them."
    )
    blocks = [_section(text)]
    if carried:
        blocks.append(_section(f"*Open items from the last meeting ({len(carried)})*"))
        blocks += [_carried(meeting, c) for c in carried[:CARRIED_SHOWN]]
        if len(carried) > CARRIED_SHOWN:
            more = f"…and {len(carried) - CARRIED_SHOWN} more: `/action list` shows them."
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    return f"{escape(meeting.title)} started", blocks


def carried_line(c: Carried) -> str:
    """`*A-4* title · @owner · 3 working days old · due <date>`: an item carried over, as the meeting sees it."""
    item = c.item
    due = f"due {date_token(item.due_at)}" if item.due_at else "no due date"
    age = f"{plural(c.age, 'working day')} old" if c.age else "from today"
    return f"{action_headline(item)} · {user_mention(item.owner_id)} · {age} · {due}"


def _carried(meeting: Meeting, c: Carried) -> dict[str, Any]:
    block_id = carried_block(meeting.id, c.item.ref)
    if c.item.status != ActionStatus.OPEN:
        return _section(f":white_check_mark: {carried_line(c)} · done", block_id=block_id)
    if meeting.ended_at is not None:
        return _section(carried_line(c), block_id=block_id)
    return _section(carried_line(c), block_id=block_id, accessory=button("Done", Action.ACTION_DONE, c.item.ref))


def minutes(meeting: Meeting, items: list[CapturedItem]) -> tuple[str, list[dict[str, Any]]]:
    """The minutes: title, date and time, duration or that it closed itself, attendees, agenda, notes, every item."""
    people = ", ".join(user_mention(u) for u in dict.fromkeys([*meeting.attendees, *meeting.invited]))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": truncate(f"Minutes: {meeting.title}", 150)}},
        _section(
            f"*{meeting.ref}* · {date_token(meeting.started_at)} · {duration_text(meeting)}\n*Attendees:* {people}"
        ),
    ]
    if meeting.agenda:
        blocks.append(_section(f"*Agenda*\n{escape(meeting.agenda)}"))
    notes = "\n".join(f"• {escape(str(n['text']))}" for n in meeting.notes) or "none"
    blocks.append(_section(f"*Notes*\n{notes}"))
    for kind, heading in KIND_HEADINGS:
        lines = []
        for item in (i for i in items if i.kind == kind):
            owner = f" · {user_mention(item.owner)}" if item.owner else ""
            due = f" · due {date_token(item.due)}" if item.due and kind == "action" else ""
            lines.append(f"• *{item.ref}* {escaped(item.text, 300)}{owner}{due}")
        blocks.append(_section(f"*{heading}*\n" + ("\n".join(lines) or "none")))
    return f"Minutes of {escape(meeting.title)}", blocks


def agenda(title: str, sections: dict[str, list[str]]) -> tuple[str, list[dict[str, Any]]]:
    """The agenda posted an hour before a recurring meeting."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": truncate(f"Agenda: {title}", 150)}}
    ]
    for heading, lines in sections.items():
        blocks.append(_section(f"*{heading}*\n" + ("\n".join(lines) or "none")))
    return f"Agenda: {escape(title)}", blocks
