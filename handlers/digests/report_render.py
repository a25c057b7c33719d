"""The status report's words and Block Kit, pure: the body a lead edits (plain words, no mentions, so nothing in
it pings anyone), the draft in a lead's DM, the edit form, and the post the stakeholders read."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from domain.milestones import slip_days
from domain.status_reports import SUMMARY_LIMIT, TEXT_LIMIT, Facts
from domain.text import channel_mention, date_token, escape, plural, truncate, user_mention
from handlers.digests.render import STATUS_EMOJI
from handlers.ids import Action, Block, View
from handlers.render.blocks import button, input_field, plain, section, text_input
from handlers.render.split import split_section_text
from storage.models import ActionItem, Milestone, ReportStatus, StatusReport

LISTED = 5  # lines per list; more are counted
T = TypeVar("T")


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def summary(facts: Facts) -> str:
    """The one line the update leads with: `Apollo, week of Mon 23 Nov: Amber`."""
    name = facts.project.name or "The project"
    monday = facts.day(facts.now).toordinal() - facts.day(facts.now).weekday()
    return truncate(f"{name}, week of {_day(date.fromordinal(monday))}: {facts.status.capitalize()}", SUMMARY_LIMIT)


def _lines(title: str, items: Sequence[T], line: Callable[[T], str]) -> list[str]:
    if not items:
        return []
    shown = [f"• {line(item)}" for item in items[:LISTED]]
    if len(items) > LISTED:
        shown.append(f"• …and {len(items) - LISTED} more")
    return ["", f"*{title}*", *shown]


def _changed(facts: Facts) -> str:
    was = f"was {facts.previous_status.capitalize()} last week" if facts.previous_status else "no report last week"
    if facts.previous_status == facts.status:
        was = "unchanged since last week"
    return f"*Status: {facts.status.capitalize()}* ({was})"


def body(facts: Facts) -> str:
    """The update as a lead edits it and the stakeholders read it: the status with its reasons, what changed, the
    milestones, decisions, change requests and top risks; for the team, the actions too."""
    lines = [_changed(facts)]
    if facts.status != facts.computed:
        lines.append(f"Set by a lead: {facts.override_note} (by the rules: {facts.computed.capitalize()})")
    lines += [f"• {reason}" for reason in facts.reasons]
    lines += ["", "*This week:* " + " · ".join(_counts(facts))]
    lines += _lines("Milestones in the next 14 days", facts.milestones_due, lambda m: _due(facts, m))
    lines += _lines("Milestones slipped", facts.milestones_slipped, lambda m: _slipped(facts, m))
    lines += _lines("Decisions made", facts.decisions, lambda d: f"{d.ref} {d.statement}")
    lines += _lines("Change requests decided", facts.changes_decided, lambda c: f"{c.ref} {c.title} · {c.status}")
    lines += _lines("Top risks", facts.risks, lambda r: f"{r.ref} {r.title} · score {r.score}")
    if facts.with_actions:
        lines += _lines("Overdue actions", facts.overdue, lambda a: _action(facts, a))
        lines += _lines("Due next week", facts.due_next_week, lambda a: _action(facts, a))
        lines += _lines("Done this week", facts.done, lambda a: f"{a.ref} {a.title}{_who(facts, a.owner_id)}")
    return truncate("\n".join(lines), TEXT_LIMIT)


def _counts(facts: Facts) -> list[str]:
    counts = [f"{plural(facts.done_count, 'action')} done, {facts.opened_count} opened"]
    if facts.milestones_done:
        counts.append(f"{plural(len(facts.milestones_done), 'milestone')} done")
    counts.append(plural(len(facts.decisions), "decision"))
    if facts.changes_decided:
        counts.append(f"{plural(len(facts.changes_decided), 'change request')} decided")
    return counts


def _who(facts: Facts, user_id: str | None) -> str:
    name = facts.name(user_id)
    return f" · {name}" if name else ""


def _due(facts: Facts, m: Milestone) -> str:
    return f"{m.ref} {m.name} · forecast {_day(facts.day(m.forecast_at))}{_who(facts, m.owner_id)}"


def _slipped(facts: Facts, m: Milestone) -> str:
    days = slip_days(m)
    slip = f" (+{plural(days, 'working day')})" if days else ""
    return f"{m.ref} {m.name} · {_day(facts.day(m.baseline_at))} → {_day(facts.day(m.forecast_at))}{slip}"


def _action(facts: Facts, a: ActionItem) -> str:
    due = f" · due {_day(facts.day(a.due_at))}" if a.due_at else ""
    return f"{a.ref} {a.title}{_who(facts, a.owner_id)}{due}"


def _shown(report_summary: str, text: str) -> list[dict[str, Any]]:
    """The summary and the body as anyone reads them: escaped, so a typed `<!channel>` shows and pings nobody."""
    return [section(f"*{escape(report_summary)}*")] + [section(part) for part in split_section_text(escape(text))]


def preview(facts: Facts, report_summary: str, text: str, *, channel: str | None) -> tuple[str, list[dict[str, Any]]]:
    """`/digest report preview`: the draft as it would be made now, only to the person asking."""
    where = f"would go to {channel_mention(channel)}" if channel else "has no stakeholder channel to go to"
    note = f"Preview ({facts.audience} audience): this week's draft {where}, after a lead's Send."
    return f"Preview: {escape(report_summary)}", [_context(note), *_shown(report_summary, text)]


def _context(words: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": words}]}


def _where(report: StatusReport, channel: str | None) -> str:
    return channel_mention(channel) if channel else "the stakeholder channel (none is set)"


def draft(
    report: StatusReport, *, channel: str | None, away: Sequence[str] = (), acted_for: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """A lead's DM: the draft, where it would go, and Edit / Send / Skip while it waits; who decided (`acted_for`:
    for which lead away), once done. With `away`, to the stand-in of those leads, who are away."""
    project = channel_mention(report.project.channel_id)
    if report.status == ReportStatus.DRAFTED:
        edited = f" · edited by {user_mention(report.edited_by)}" if report.edited_by else ""
        note = (
            f":memo: Draft status report for {project} ({report.audience} audience){edited}. Nothing reaches "
            f"{_where(report, channel)} until a lead presses Send."
        )
        if away:
            named = " and ".join(user_mention(lead) for lead in away)
            note += f" {named} {'is' if len(away) == 1 else 'are'} away: you may Send or Skip it for them."
        value = str(report.id)
        buttons = {
            "type": "actions",
            "elements": [
                button("Edit", Action.REPORT_EDIT, value),
                button("Send", Action.REPORT_SEND, value, style="primary"),
                button("Skip", Action.REPORT_SKIP, value),
            ],
        }
        return f"Draft status report: {escape(report.summary)}", [
            _context(note),
            *_shown(report.summary, report.text),
            buttons,
        ]
    when = date_token(report.decided_at) if report.decided_at else ""
    who = user_mention(report.decided_by) if report.decided_by else "a lead"
    if acted_for is not None and acted_for != report.decided_by:
        who += f" for {user_mention(acted_for)}"
    if report.status == ReportStatus.SENT:
        note = f":white_check_mark: Sent to {channel_mention(report.channel_id or '')} by {who} {when}."
    else:
        note = f":fast_forward: Skipped by {who} {when}: nothing was posted."
    return f"Status report {report.status}: {escape(report.summary)}", [
        _context(note),
        *_shown(report.summary, report.text),
    ]


def posted(report: StatusReport) -> tuple[str, list[dict[str, Any]]]:
    """The approved update, as the stakeholders read it."""
    emoji = STATUS_EMOJI.get(str(report.facts.get("status") or ""), ":memo:")
    footer = _context(f"Status report for {channel_mention(report.project.channel_id)}, approved by its lead.")
    blocks = _shown(report.summary, report.text)
    blocks[0] = section(f"{emoji} *{escape(report.summary)}*")
    return escape(report.summary), [*blocks, footer]


def edit_form(report: StatusReport) -> dict[str, Any]:
    """The Edit form: the summary line and the body in a multiline field, as they stand."""
    return {
        "type": "modal",
        "callback_id": View.REPORT_EDIT,
        "private_metadata": json.dumps({"report": report.id, "revision": report.revision}),
        "title": plain("Edit status report", 24),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": [
            input_field(
                Block.TITLE,
                "Summary line",
                text_input(report.summary, multiline=False, limit=SUMMARY_LIMIT),
                optional=False,
            ),
            input_field(
                Block.REPORT_TEXT,
                "The update",
                text_input(report.text, multiline=True, limit=TEXT_LIMIT),
                optional=False,
            ),
            _context(
                "Plain words: mentions and links are shown as typed and ping nobody. Save updates the draft; "
                "Send in the DM posts it."
            ),
        ],
    }
