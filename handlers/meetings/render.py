"""Block Kit for meetings: started, the minutes, the agenda of a recurring meeting."""

from __future__ import annotations

from typing import Any

from domain.meetings import CapturedItem, duration_text
from domain.text import date_token, escape, escaped, truncate, user_mention
from storage.models import Meeting

KIND_HEADINGS = (("decision", "Decisions"), ("action", "Action items"), ("risk", "Risks"))


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def started(meeting: Meeting) -> tuple[str, list[dict[str, Any]]]:
    """The channel message when a meeting starts, saying how to capture."""
    text = (
        f":calendar: *{escape(meeting.title)}* ({meeting.ref}) has started. Lines starting with `ACTION:`, "
        "`DECISION:`, `RISK:` or `NOTE:` are captured for the minutes; `/meeting end` posts them."
    )
    return f"{escape(meeting.title)} started", [_section(text)]


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
