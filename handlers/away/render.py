"""Block Kit for away and delegation: pure functions that return dicts."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.away import Absent, Kind, Returned
from domain.text import date_token, escape, plural, user_mention
from handlers.render.blocks import section
from handlers.render.split import split_section_text

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day(d: date) -> str:
    """`Mon 21 Dec 2026`: time away is in the person's own calendar days."""
    return f"{d:%a} {d.day} {MONTHS[d.month - 1]} {d.year}"


def span(first: date, last: date) -> str:
    """One day, or `first to last`."""
    return day(first) if first == last else f"{day(first)} to {day(last)}"


def standing(spans: list[tuple[date, date]], *, delegate: str | None, now_away: Absent | None) -> str:
    """`/pm away` alone: the caller's time away to come, their delegate, and whether pmbot counts them away now."""
    lines = [":palm_tree: *Your time away*"]
    lines += [f"• {span(first, last)}" for first, last in spans] or ["• none planned"]
    if now_away is not None and now_away.reason.startswith("Slack status"):
        lines.append(f"You count as away now: your {escape(now_away.reason)}.")
    leads = "No delegate: your project's leads stand in for you."
    lines.append(f"Your delegate: {user_mention(delegate)}" if delegate else leads)
    lines.append("`/pm away Dec 21 - Dec 31 delegate @bob` to add, `/pm away cancel` to end it.")
    return "\n".join(lines)


def cancelled(changed: int, kept: list[tuple[date, date]]) -> str:
    """`/pm away cancel`: the time away under way ended; what is still to come stays planned, and says so."""
    planned = [f"Your time away from {span(first, last)} is still planned." for first, last in kept]
    if not changed:
        return (
            " ".join(["You aren't away now: nothing to cancel.", *planned])
            if kept
            else "You have no time away to cancel."
        )
    back = ":wave: Welcome back: your time away is over, and reminders reach you again."
    return " ".join([back, *planned])


WHAT = {
    Kind.HELD: "Held for your return",
    Kind.ROUTED: "Sent to others while you were away",
    Kind.ACTED: "Handled for you",
}


def summary(found: Returned) -> tuple[str, list[dict[str, Any]]]:
    """The one DM on return: what was held, redirected and handled, what was given to them, and what was decided."""
    text = f"Welcome back! Here is what happened while you were away (since {date_token(found.since, '{date_short}')})."
    lines = [f":wave: *Welcome back!* Here is what happened while you were away, since {date_token(found.since)}."]
    for kind, title in WHAT.items():
        notes = [n for n in found.notes if n.kind == kind]
        if notes:
            lines.append(f"*{title}*")
            lines += [_note(n) for n in notes[:20]]
            if len(notes) > 20:
                lines.append(f"…and {plural(len(notes) - 20, 'more')}")
    if found.assigned:
        lines.append("*Given to you*")
        lines += [f"• {i.ref} {escape(i.title)}" + _by(i.creator_id) for i in found.assigned[:20]]
    if found.due:
        lines.append("*Yours and due now*")
        lines += [f"• {i.ref} {escape(i.title)}" for i in found.due[:20]]
    if found.decisions:
        lines.append("*Decided in your projects*")
        lines += [f"• {d.ref} {escape(d.statement)}" for d in found.decisions[:20]]
    if len(lines) == 1:
        lines.append("Nothing needed you. :sparkles:")
    body = "\n".join(lines)
    return text, [section(chunk) for chunk in split_section_text(body, 2900)]


def _note(note: Any) -> str:
    ref = f"{note.ref} " if note.ref else ""
    who = f" → {user_mention(note.by_id)}" if note.by_id and note.kind == Kind.ROUTED else ""
    who = f" by {user_mention(note.by_id)}" if note.by_id and note.kind == Kind.ACTED else who
    return f"• {ref}{escape(note.text)}{who}"


def _by(creator: str) -> str:
    return f" (from {user_mention(creator)})"
