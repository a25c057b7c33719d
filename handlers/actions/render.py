"""Block Kit for action items: pure functions from data to dicts."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from domain import calendar
from domain.reminders import Reminder
from domain.text import channel_mention, date_token, escape, escaped, truncate, user_mention
from handlers.ids import Action, Block, View
from handlers.render.blocks import button as _button
from handlers.render.blocks import newest_that_fit
from handlers.render.blocks import section as _section
from handlers.render.blocks import text as _text
from handlers.render.records import SNOOZE_CHOICES as SNOOZE_CHOICES
from handlers.render.records import action_headline
from handlers.render.records import snooze_menu as snooze_menu
from storage.models import ActionEvent, ActionItem
from storage.models.actions import ActionStatus, SourceKind

headline = action_headline  # `*A-17* title`: as every view of records names an item


def due_text(item: ActionItem) -> str:
    """Render the due date as a Slack date token (each reader sees their own time), or say there is none."""
    return date_token(item.due_at) if item.due_at else "no due date"


def due_as_read(due: datetime, *, now: datetime, reader_tz: str, owner_name: str, owner_tz: str) -> str:
    """How a due date was read: in the reader's own zone (a date token, with the weekday) and, when their wall
    clock differs, in the owner's, e.g. "due Thursday, March 12th, 2027, 17:00 your time (18:00 for @lead)"."""
    mine = calendar.wall(due, tz=reader_tz, now=now)
    line = f"due {date_token(due, '{date_long}, {time}', fallback=mine)} your time"
    theirs = calendar.wall(due, tz=owner_tz, now=now)
    if theirs == mine:
        return line
    same_day = theirs.split(",")[0] == mine.split(",")[0]
    return f"{line} ({theirs.split(', ')[-1] if same_day else theirs} for @{escape(owner_name)})"


def due_phrase(item: ActionItem, *, start: bool = False) -> str:
    """`due <date>` or `no due date` (never "due no due date"); capitalised to `start` a line."""
    phrase = f"due {due_text(item)}" if item.due_at else "no due date"
    return phrase[0].upper() + phrase[1:] if start else phrase


def _controls(item: ActionItem, *, accept: bool = False) -> dict[str, Any]:
    if item.status == ActionStatus.DELETED:
        return {"type": "context", "elements": [_text(":wastebasket: Deleted")]}
    if item.status == ActionStatus.WITHDRAWN:
        return {"type": "context", "elements": [_text(":leftwards_arrow_with_hook: Withdrawn by its creator")]}
    if item.status == ActionStatus.DONE:
        elements = [_button("Reopen", Action.ACTION_REOPEN, item.ref)]
    else:
        elements = [_button("Done", Action.ACTION_DONE, item.ref, "primary")]
        if accept and item.accepted_at is None:
            elements.insert(0, _button("Accept", Action.ACTION_ACCEPT, item.ref))
        elements += [snooze_menu(item.ref), _button("Edit", Action.ACTION_EDIT, item.ref)]
    return {"type": "actions", "block_id": f"controls-{item.ref}", "elements": elements}


def card(item: ActionItem, *, now: datetime) -> tuple[str, list[dict[str, Any]]]:
    """The item's message in the channel: what, who, when, and buttons to act on it."""
    fields = [_text(f"*Owner*\n{user_mention(item.owner_id)}"), _text(f"*Due*\n{due_text(item)}")]
    blocks: list[dict[str, Any]] = [_section(headline(item), fields=fields)]
    context = [f"Created by {user_mention(item.creator_id)}"]
    if item.source_kind:
        context.append(source_line(item.source_kind, item.source_label or ""))
    if item.permalink:
        context.append(f"<{item.permalink}|from this message>")
    if item.status == ActionStatus.DONE and item.completed_at and item.completed_by:
        context.insert(
            0, f":white_check_mark: Done by {user_mention(item.completed_by)} {date_token(item.completed_at)}"
        )
    elif item.due_at and item.due_at < now:
        context.insert(0, ":warning: *Overdue*")
    blocks.append({"type": "context", "elements": [_text(" · ".join(context))]})
    blocks.append(_controls(item))
    return f"{item.ref} {escape(item.title)} (owner {user_mention(item.owner_id)}, {due_phrase(item)})", blocks


SOURCE_WORDS: dict[str, str] = {
    SourceKind.MEETING: "meeting",
    SourceKind.STANDUP: "stand-up",
    SourceKind.RETRO: "retro",
    SourceKind.GOLIVE: "go-live",
}


def source_line(kind: str, label: str) -> str:
    """Where an item came from: `From: meeting _Weekly sync_`, `From: stand-up blocker` (its name, escaped)."""
    word = SOURCE_WORDS.get(kind, escape(kind[:16]))
    if kind == SourceKind.STANDUP or not label.strip():
        return f"From: {escaped(label, 100) if label.strip() else word}"
    return f"From: {word} _{escaped(' '.join(label.split()), 100)}_"


def assigned(item: ActionItem, *, by: str) -> tuple[str, list[dict[str, Any]]]:
    """The DM to a new owner."""
    text = f"{user_mention(by)} gave you an action item: {headline(item)}\n{due_phrase(item, start=True)}"
    if item.notes:
        text += f"\n>{escaped(item.notes, 500)}"
    return f"New action item for you: {item.ref}", [_section(text), _controls(item, accept=True)]


def assigned_now(item: ActionItem, owner: str) -> tuple[str, list[dict[str, Any]]]:
    """An owner's DM about an item, as it stands now: buttons only while it is theirs and open."""
    if item.owner_id != owner:
        line = f":arrow_right: {headline(item)} now belongs to {user_mention(item.owner_id)}."
        return f"{item.ref} was reassigned", [_section(line)]
    if item.status in (ActionStatus.DONE, ActionStatus.DELETED):
        return f"{item.ref} is closed", [_section(headline(item)), _controls(item)]
    line = f"Your action item: {headline(item)}\n{due_phrase(item, start=True)}"
    return f"Your action item: {item.ref}", [_section(line), _controls(item, accept=True)]


REMINDER_LINES = {
    "before": ":spiral_calendar_pad: Coming up: {headline} is due {due}.",
    "due": ":alarm_clock: Due now: {headline} (due {due}).",
    "overdue": ":warning: Overdue: {headline} was due {due}.",
    "snoozed": ":zzz: Snooze over: {headline} is due {due}.",
}


def reminder(item: ActionItem, occurrence: Reminder) -> tuple[str, list[dict[str, Any]]]:
    """A reminder DM to the owner, with Done and Snooze."""
    line = REMINDER_LINES[occurrence.kind].format(headline=headline(item), due=due_text(item))
    where = channel_mention(item.project.channel_id)
    return f"Reminder: {item.ref} {escape(item.title)} in {where}", [_section(f"{line}\nIn {where}"), _controls(item)]


def completed_notice(item: ActionItem) -> tuple[str, list[dict[str, Any]]]:
    """Tell the creator that the owner finished."""
    line = f":white_check_mark: {user_mention(item.completed_by or item.owner_id)} completed {headline(item)}."
    return f"{item.ref} is done", [_section(line)]


def item_line(item: ActionItem, *, now: datetime) -> str:
    """One line of a list: overdue marked, owner and due date."""
    overdue = item.due_at is not None and item.due_at < now
    mark = ":warning: *overdue* · " if overdue else ""
    return f"{mark}{headline(item)} · {user_mention(item.owner_id)} · {due_phrase(item)}"


def item_list(
    items: list[ActionItem], *, heading: str, now: datetime, total: int | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """An ephemeral list of items, each with a Done button."""
    if not items:
        return escape(heading), [_section(f"*{escape(heading)}*\nNothing open. :tada:")]
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": truncate(heading, 150)}}]
    for item in items[:45]:
        blocks.append(_section(item_line(item, now=now), accessory=_button("Done", Action.ACTION_DONE, item.ref)))
    total = len(items) if total is None else total
    if total > 45:
        blocks.append({"type": "context", "elements": [_text(f"…and {total - 45} more.")]})
    return f"{escape(heading)}: {total} open", blocks


HISTORY_WORDS = {
    "created": "created it",
    "accepted": "accepted it",
    "done": "marked it done",
    "reopened": "reopened it",
    "snoozed": "snoozed its reminders",
    "reassigned": "reassigned it",
    "edited": "edited it",
    "deleted": "deleted it",
    "escalated": "escalated it",
}


def details(item: ActionItem, events: list[ActionEvent], *, now: datetime) -> tuple[str, list[dict[str, Any]]]:
    """The item with its full history: who did what, when."""
    text, blocks = card(item, now=now)
    lines = []
    for event in events:
        who = "pmbot" if event.actor_id == "pmbot" else user_mention(event.actor_id)
        what = HISTORY_WORDS.get(event.kind, event.kind)
        if event.kind == "reassigned":
            what += f" to {user_mention(str(event.detail.get('new')))}"
        elif event.kind == "escalated":
            what += f" (level {event.detail.get('level')})"
        elif event.kind == "edited":
            what += f" ({', '.join(sorted(k.replace('_at', ' date') for k in event.detail))})"
        lines.append(f"• {date_token(event.at)}: {who} {what}")
    kept = newest_that_fit(lines)
    history = "*History*\n" + ("…\n" if len(kept) < len(lines) else "") + "\n".join(kept)
    return text, [*blocks[:-1], _section(history), blocks[-1]]


def action_modal(
    *,
    callback_id: str,
    metadata: dict[str, Any],
    title: str = "",
    owner: str | None = None,
    due: datetime | None = None,
    tz: str = "UTC",
    notes: str = "",
) -> dict[str, Any]:
    """The create/edit modal: title, owner, due date and time (in the person's own zone), notes."""
    local = calendar.in_zone(due, tz) if due else None
    title_input: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "max_length": 300}
    if title:
        title_input["initial_value"] = truncate(title, 300)
    owner_input: dict[str, Any] = {"type": "users_select", "action_id": "value"}
    if owner:
        owner_input["initial_user"] = owner
    date_input: dict[str, Any] = {"type": "datepicker", "action_id": "value"}
    time_input: dict[str, Any] = {"type": "timepicker", "action_id": "value"}
    if local:
        date_input["initial_date"] = local.date().isoformat()
        time_input["initial_time"] = local.strftime("%H:%M")
    notes_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": True,
        "max_length": 2900,
    }
    if notes:
        notes_input["initial_value"] = notes
    editing = callback_id == View.ACTION_EDIT
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": "Edit action item" if editing else "New action item"},
        "submit": {"type": "plain_text", "text": "Save" if editing else "Create"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _input(Block.TITLE, "What needs doing?", title_input),
            _input(Block.OWNER, "Owner", owner_input),
            _input(Block.DUE_DATE, "Due date", date_input, optional=True),
            _input(Block.DUE_TIME, "Due time (your zone; empty: end of the owner's day)", time_input, optional=True),
            _input(Block.NOTES, "Notes", notes_input, optional=True),
        ],
    }


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
        "optional": optional,
    }


def day_of(value: str | None) -> date | None:
    """Read a datepicker's value."""
    return date.fromisoformat(value) if value else None
