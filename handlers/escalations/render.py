"""Block Kit for the escalations one recipient gets in one run: grouped by project, each saying why."""

from __future__ import annotations

from typing import Any

from domain.escalations import Escalated
from domain.text import channel_mention, plural, user_mention
from handlers.ids import Action
from handlers.render.blocks import button, section
from handlers.render.records import action_headline, risk_headline, snooze_menu
from handlers.render.split import split_section_text
from storage.models import ActionItem

WITH_BUTTONS = 5  # up to this many items each get their buttons; more are listed one line each


def _line(item: Escalated) -> str:
    record = item.record
    owner: str | None = record.owner_id
    headline = action_headline(record) if isinstance(record, ActionItem) else risk_headline(record)
    who = user_mention(owner) if owner else "_no owner_"
    return f"• {headline} · {who} · *{item.reason}*"


def _buttons(item: Escalated) -> dict[str, Any]:
    ref = item.record.ref
    if item.kind == "action":
        elements = [button("Done", Action.ACTION_DONE, ref, "primary"), snooze_menu(ref)]
    else:
        elements = [button("Update", Action.RISK_UPDATE, ref), button("Close", Action.RISK_CLOSE, ref)]
    return {"type": "actions", "elements": elements}


def _count(n: int) -> str:
    return plural(n, "escalation")


def batch(items: list[Escalated]) -> tuple[str, list[dict[str, Any]]]:
    """One message for everything escalated to one recipient at once: per project, each record and why."""
    projects: dict[int, list[Escalated]] = {}
    for item in items:
        projects.setdefault(item.project.id, []).append(item)
    blocks: list[dict[str, Any]] = []
    for group in projects.values():
        where = channel_mention(group[0].project.channel_id)
        blocks.append(section(f":rotating_light: *{_count(len(group))}* in {where}"))
        if len(items) <= WITH_BUTTONS:
            for item in group:
                blocks += [section(_line(item)), _buttons(item)]
        else:
            blocks += [section(piece) for piece in split_section_text("\n".join(_line(i) for i in group))]
    if len(items) > WITH_BUTTONS:
        hint = "Each item's card in its channel has its buttons; `/action list` and `/risk list` show them too."
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": hint}]})
    first = items[0]
    if len(items) == 1:
        text = f"Escalation in {channel_mention(first.project.channel_id)}: {first.record.ref} {first.reason}"
    elif len(projects) == 1:
        text = f"{_count(len(items)).capitalize()} in {channel_mention(first.project.channel_id)}"
    else:
        text = f"{_count(len(items)).capitalize()} in {len(projects)} projects"
    return text, blocks
