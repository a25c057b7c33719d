"""Block Kit for /pm status, the weekly status digest and the escalation digest."""

from __future__ import annotations

from typing import Any

from domain.status import EscalationItem, Snapshot
from domain.text import channel_mention, date_token, escape, escaped, plural, user_mention
from handlers.actions.render import snooze_menu
from handlers.ids import Action
from handlers.render.split import split_section_text

STATUS_EMOJI = {"green": ":large_green_circle:", "amber": ":large_orange_circle:", "red": ":red_circle:"}


def _text(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": _text(text), **extra}


def status_line(snap: Snapshot) -> str:
    """`:red_circle: *Red*` with a lead's override shown beside the computed status."""
    computed = snap.computed[0]
    line = f"{STATUS_EMOJI[computed]} *{computed.capitalize()}* (computed)"
    if snap.override:
        chosen = str(snap.override.get("status", computed))
        note = escaped(str(snap.override.get("note", "")), 300)
        by = snap.override.get("by")
        who = f" by {user_mention(str(by))}" if by else ""
        line = f"{STATUS_EMOJI.get(chosen, '')} *{chosen.capitalize()}* (set{who}: {note}) · computed: {computed}"
    return line


def headline_numbers(snap: Snapshot) -> str:
    rate = f"{snap.response_rate:.0%}" if snap.response_rate is not None else "n/a"
    return (
        f"{plural(snap.open_count, 'open action')} ({snap.overdue_count} overdue) · "
        f"{plural(snap.high_count, 'high/critical risk')} · {plural(snap.late_count, 'late decision')} · "
        f"{plural(snap.blocker_count, 'open blocker')} · stand-up response {rate}"
    )


def status(snap: Snapshot) -> tuple[str, list[dict[str, Any]]]:
    """/pm status: the status, why, and the headline numbers."""
    reasons = "\n".join(f"• {escape(r)}" for r in snap.computed[1][:15])
    blocks = [
        _section(f"*Status of {channel_mention(snap.project.channel_id)}:* {status_line(snap)}"),
        _section(f"*Why:*\n{reasons}"),
        {"type": "context", "elements": [_text(headline_numbers(snap))]},
    ]
    return f"Status: {snap.status}", blocks


def _item_lines(title: str, lines: list[str]) -> list[dict[str, Any]]:
    if not lines:
        return [_section(f"*{title}:* none")]
    return [_section(f"*{title} ({len(lines)})*\n" + "\n".join(lines))]


def weekly(snap: Snapshot) -> tuple[str, list[dict[str, Any]]]:
    """The weekly status digest: status with reasons, done, due, overdue, risks, decisions, stand-ups, blockers."""

    def action(a: Any) -> str:
        due = f" · due {date_token(a.due_at)}" if a.due_at else ""
        return f"• *{a.ref}* {escaped(a.title, 200)} · {user_mention(a.owner_id)}{due}"

    reasons = "\n".join(f"• {escape(r)}" for r in snap.computed[1][:20])
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Weekly status"}},
        _section(f"{channel_mention(snap.project.channel_id)}: {status_line(snap)}\n{reasons}"),
        {"type": "context", "elements": [_text(headline_numbers(snap))]},
        {"type": "divider"},
    ]
    blocks += _item_lines("Done this week", [action(a) for a in snap.done_this_week])
    blocks += _item_lines("Due today", [action(a) for a in snap.due_today])
    blocks += _item_lines("Due next week", [action(a) for a in snap.due_next_week])
    blocks += _item_lines("Overdue", [action(a) for a in snap.overdue])
    blocks += _item_lines(
        "New and changed risks",
        [f"• *{r.ref}* {escaped(r.title, 200)} · score {r.score}" for r in snap.changed_risks],
    )
    blocks += _item_lines("Decisions made", [f"• *{d.ref}* {escaped(d.statement, 200)}" for d in snap.decisions_made])
    blocks += _item_lines(
        "Open blockers", [f"• {user_mention(b.owner_id)}: {escaped(b.text, 200)}" for b in snap.open_blockers]
    )
    return f"Weekly status: {snap.status}", blocks


AGE_WORDS = {"action": "overdue", "risk": "open", "review": "review due", "blocker": "open", "decision": "needed by"}


WITH_BUTTONS = 10  # up to this many items each get their buttons; more are listed one line each, in one message


def escalation_digest(snap: Snapshot, items: list[EscalationItem]) -> tuple[str, list[dict[str, Any]]]:
    """Only what crossed a threshold, oldest first, each with why, its age and owner; with Acknowledge / Reassign /
    Snooze while few enough to fit one message."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Needs attention"}},
        _section(
            f"{plural(len(items), 'item')} over a threshold in "
            f"{channel_mention(snap.project.channel_id)}, oldest first."
        ),
    ]
    lines = []
    for item in items:
        owner = user_mention(item.owner) if item.owner else "_no owner_"
        lines.append(
            f"*{item.ref}* ({item.kind}) {escaped(item.text, 300)} · *{item.why}*\n"
            f"{AGE_WORDS[item.kind]} {date_token(item.since, '{date_short_pretty}')} · {owner}"
        )
    if len(items) > WITH_BUTTONS:
        blocks += [_section(piece) for piece in split_section_text("\n".join(f"• {line}" for line in lines))]
        return f"Escalation digest: {len(items)} items need attention", blocks
    for item, line in zip(items, lines, strict=True):
        blocks.append(_section(line))
        elements: list[dict[str, Any]] = [_button("Acknowledge", Action.DIGEST_ACKNOWLEDGE, f"{item.kind}|{item.ref}")]
        if item.kind == "action":
            elements += [_button("Reassign", Action.ACTION_EDIT, item.ref), snooze_menu(item.ref)]
        elif item.kind in ("risk", "review"):
            elements.append(_button("Reassign", Action.RISK_UPDATE, item.ref))
        blocks.append({"type": "actions", "elements": elements})
    noun = "item needs" if len(items) == 1 else "items need"
    return f"Escalation digest: {len(items)} {noun} attention", blocks


def _button(text: str, action_id: str, value: str) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id, "value": value}
