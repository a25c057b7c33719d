"""Block Kit for /pm status, the weekly status digest and the escalation digest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.milestones import slip_days
from domain.status import EscalationItem, Snapshot
from domain.text import channel_mention, date_token, escape, escaped, plural, user_mention
from handlers.actions.render import snooze_menu
from handlers.ids import Action
from handlers.render.split import split_section_text
from storage.models import ChangeRequest, ChangeStatus, Milestone

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
    milestones = f"{plural(snap.late_milestone_count, 'late milestone')} · " if snap.late_milestone_count else ""
    return (
        f"{plural(snap.open_count, 'open action')} ({snap.overdue_count} overdue) · "
        f"{plural(snap.high_count, 'high/critical risk')} · {plural(snap.late_count, 'late decision')} · "
        f"{milestones}{plural(snap.blocker_count, 'open blocker')} · stand-up response {rate}"
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
    """The weekly status digest: status with reasons, done, due, overdue, risks, decisions, stand-ups, blockers,
    milestones and change requests."""

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
    blocks += _milestones(snap) + _changes(snap)
    return f"Weekly status: {snap.status}", blocks


MILESTONE_EMOJI = {"on_track": ":large_green_circle:", "at_risk": ":large_orange_circle:", "late": ":red_circle:",
                   "done": ":white_check_mark:"}  # fmt: skip


def _day(moment: datetime) -> str:
    return date_token(moment, "{date_short_pretty}")


def _milestone(m: Milestone) -> str:
    return f"*{m.ref}* {escaped(m.name, 200)} · {user_mention(m.owner_id)}"


def _slipped(m: Milestone, now: datetime) -> str:
    days = slip_days(m)
    slip = f" (+{plural(days, 'working day')})" if days else ""
    passed = " · *its date has passed*" if m.forecast_at < now else ""
    return f"• {_milestone(m)} · baseline {_day(m.baseline_at)} → forecast {_day(m.forecast_at)}{slip}{passed}"


def _optional_lines(title: str, lines: list[str]) -> list[dict[str, Any]]:
    return _item_lines(title, lines) if lines else []


def _milestones(snap: Snapshot) -> list[dict[str, Any]]:
    """Due in the next 14 days (forecast), slipped with baseline against forecast, done this week; one calm line
    when there is none of these."""
    due = [
        f"• {MILESTONE_EMOJI.get(m.status, '')} {_milestone(m)} · forecast {_day(m.forecast_at)}"
        for m in snap.milestones_due
    ]
    blocks = _optional_lines("Milestones due in the next 14 days", due)
    blocks += _optional_lines("Milestones slipped", [_slipped(m, snap.now) for m in snap.milestones_slipped])
    done = [f"• {_milestone(m)} · done {_day(m.done_at)}" for m in snap.milestones_done if m.done_at]
    blocks += _optional_lines("Milestones done this week", done)
    return blocks or [_section("*Milestones:* none due in the next 14 days, none slipped.")]


def _change(c: ChangeRequest) -> str:
    return f"*{c.ref}* {escaped(c.title, 200)} · {c.category} · by {user_mention(c.requester_id)}"


def _waiting(c: ChangeRequest, now: datetime) -> str:
    """A change request still open, with how long it has waited as it stands (since raised, answered or asked)."""
    age = plural(max(0, (now - c.updated_at).days), "day")
    if c.status == ChangeStatus.MORE_INFO:
        return f"• {_change(c)} · asked for more {age} ago, waiting on the requester"
    approvers = ", ".join(user_mention(str(a)) for a in c.approver_ids) or "nobody"
    needed = f" · needed by {_day(c.needed_by)}" if c.needed_by else ""
    return f"• {_change(c)} · pending with {approvers} for {age}{needed}"


def _decided(c: ChangeRequest) -> str:
    who = f" by {user_mention(c.decided_by)}" if c.decided_by else ""
    return f"• {_change(c)} · {c.status}{who}" + (f" on {_day(c.decided_at)}" if c.decided_at else "")


def _changes(snap: Snapshot) -> list[dict[str, Any]]:
    """Change requests raised this week, approved, rejected, and waiting with their age; one calm line when none."""
    raised = [f"• {_change(c)} · {c.status.replace('_', ' ')}" for c in snap.changes_raised]
    blocks = _optional_lines("Change requests raised this week", raised)
    blocks += _optional_lines("Change requests approved this week", [_decided(c) for c in snap.changes_approved])
    blocks += _optional_lines("Change requests rejected this week", [_decided(c) for c in snap.changes_rejected])
    blocks += _optional_lines("Change requests waiting", [_waiting(c, snap.now) for c in snap.changes_waiting])
    return blocks or [_section("*Change requests:* none raised, decided or waiting.")]


AGE_WORDS = {"action": "overdue", "risk": "open", "review": "review due", "blocker": "open", "decision": "needed by",
             "change": "needed by"}  # fmt: skip


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


def standing_in(leads: list[str]) -> dict[str, Any]:
    """The line under a digest read in the stead of leads who are away."""
    named = " and ".join(user_mention(lead) for lead in leads)
    verb = "is" if len(leads) == 1 else "are"
    words = f":palm_tree: Sent to you while {named} {verb} away: you stand in for them."
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": words}]}


def _button(text: str, action_id: str, value: str) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id, "value": value}
