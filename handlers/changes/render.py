"""Block Kit for change requests: the card, the approvers' DMs, the answers, the lists and the forms."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from domain.changes import Proposal, Shift
from domain.text import channel_mention, date_token, escape, escaped, truncate, user_mention
from handlers.ids import Action, Block
from handlers.render.blocks import button, newest_that_fit, plain, section, text_input
from handlers.render.blocks import input_field as field
from handlers.render.blocks import text as mrkdwn
from storage.models import ChangeCategory, ChangeEvent, ChangeRequest, ChangeStatus, Milestone

STATUS_EMOJI: dict[str, str] = {  # keyed by the stored status, a plain string
    ChangeStatus.PENDING: ":hourglass_flowing_sand:",
    ChangeStatus.MORE_INFO: ":question:",
    ChangeStatus.APPROVED: ":white_check_mark:",
    ChangeStatus.REJECTED: ":x:",
    ChangeStatus.WITHDRAWN: ":leftwards_arrow_with_hook:",
}
STATUS_WORDS: dict[str, str] = {
    ChangeStatus.PENDING: "waiting for approval",
    ChangeStatus.MORE_INFO: "sent back for more",
    ChangeStatus.APPROVED: "approved",
    ChangeStatus.REJECTED: "rejected",
    ChangeStatus.WITHDRAWN: "withdrawn",
}
EVENT_WORDS = {
    "raised": "raised it",
    "approved": "approved it",
    "rejected": "rejected it",
    "asked": "asked for more",
    "updated": "answered and sent it again",
    "withdrawn": "withdrew it",
}


def button_value(change: ChangeRequest) -> str:
    """`CR-3:r2`: what a button about a change request carries, so that a click on an older revision is refused."""
    return f"{change.ref}:r{change.revision}"


def button_parts(value: str) -> tuple[str, int | None]:
    """The ref and revision a button's value names (no revision: None)."""
    ref, _, revision = value.partition(":r")
    return ref, int(revision) if revision.isdigit() else None


def day_text(day: date) -> str:
    """`Jan 15`: a project's calendar day, where a date token cannot go (plain text) or as its fallback."""
    return f"{day:%b} {day.day}"


def _day(moment: datetime, day: date) -> str:
    return date_token(moment, "{date_short}", fallback=day_text(day))


def shift_line(shift: Shift) -> str:
    """`M-UAT baseline Jan 15 → Jan 22`."""
    before, after = _day(shift.before, shift.before_day), _day(shift.after, shift.after_day)
    return f"{shift.milestone.ref} baseline {before} → {after}"


def headline(change: ChangeRequest) -> str:
    title = escaped(change.title, 1500)
    if change.status == ChangeStatus.WITHDRAWN:
        title = f"~{title}~"
    return f"{STATUS_EMOJI[change.status]} *{change.ref}* {title}"


def _impact_days(days: int) -> str:
    if days == 0:
        return "none"
    return f"{days:+d} calendar day{'' if abs(days) == 1 else 's'}"


def _answer_line(change: ChangeRequest, decision_ref: str | None) -> str | None:
    """Who decided and how (or who asked what), when someone did."""
    note = f": {escaped(change.note, 900)}" if change.note else ""
    if change.status == ChangeStatus.APPROVED and change.decided_by:
        recorded = f"; recorded as {decision_ref}" if decision_ref else ""
        return f":white_check_mark: Approved by {user_mention(change.decided_by)}{recorded}{note}"
    if change.status == ChangeStatus.REJECTED and change.decided_by:
        return f":x: Rejected by {user_mention(change.decided_by)}{note}"
    if change.status == ChangeStatus.MORE_INFO:
        return f":question: Sent back to {user_mention(change.requester_id)} for more{note}"
    if change.status == ChangeStatus.WITHDRAWN:
        return f":leftwards_arrow_with_hook: Withdrawn by {user_mention(change.requester_id)}"
    return None


def card(
    change: ChangeRequest, shifts: Sequence[Shift], *, decision_ref: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """A change request: what, why, its impact, the milestones it moves, who asked, who decides, and how it stands."""
    approvers = ", ".join(user_mention(a) for a in change.approver_ids) or "?"
    facts = [
        f"*Category:* {change.category}",
        f"*Status:* {STATUS_WORDS[change.status]}",
        f"*Requested by:* {user_mention(change.requester_id)}",
        f"*Approvers:* {approvers}",
    ]
    if change.needed_by:
        facts.append(f"*Needed by:* {date_token(change.needed_by)}")
    blocks: list[dict[str, Any]] = [section(headline(change)), section(" · ".join(facts))]
    details = [
        f"*{name}:* {escaped(value, 900)}"
        for name, value in (("What", change.description), ("Why", change.justification))
        if value
    ]
    details.append(f"*Impact on dates:* {_impact_days(change.impact_days)}")
    if change.impact_cost:
        details.append(f"*Impact on cost:* {escaped(change.impact_cost, 600)}")
    blocks.append(section("\n".join(details)))
    if shifts:
        lines = [f"• {shift_line(s)} ({escaped(s.milestone.name, 100)})" for s in shifts]
        blocks.append(section("*Affected milestones*\n" + "\n".join(lines)))
    if answer := _answer_line(change, decision_ref):
        blocks.append(section(answer))
    return f"{change.ref} ({STATUS_WORDS[change.status]}): {escaped(change.title, 200)}", blocks


def request(
    change: ChangeRequest, shifts: Sequence[Shift], *, answer: str = "", away: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """An approver's DM: the request, then Approve / Reject / Ask for more (`away`: to the stand-in of that
    approver, who is away)."""
    _, blocks = card(change, shifts)
    where = channel_mention(change.project.channel_id)
    ask = f":ballot_box_with_check: {user_mention(change.requester_id)} asks you to approve {change.ref} in {where}."
    if away is not None:
        ask = (
            f":ballot_box_with_check: {user_mention(change.requester_id)} asks {user_mention(away)} to approve "
            f"{change.ref} in {where}; they are away, and you stand in for them."
        )
    if change.revision > 1:
        ask += f" (Sent again, revision {change.revision}.)"
    if answer:
        ask += f"\n*Their answer:* {escaped(answer, 900)}"
    buttons = {
        "type": "actions",
        "block_id": f"change-{change.ref}-r{change.revision}",
        "elements": [
            button("Approve", Action.CHANGE_APPROVE, button_value(change), "primary"),
            button("Reject", Action.CHANGE_REJECT, button_value(change), "danger"),
            button("Ask for more", Action.CHANGE_ASK, button_value(change)),
        ],
    }
    return f"Approval requested: {change.ref} {escaped(change.title, 150)}", [section(ask), *blocks, buttons]


def request_closed(
    change: ChangeRequest, shifts: Sequence[Shift], *, decision_ref: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """An approver's DM once the request is decided, sent back or withdrawn: what happened, no buttons."""
    _, blocks = card(change, shifts, decision_ref=decision_ref)
    return f"Approval requested: {change.ref} ({STATUS_WORDS[change.status]})", blocks


def request_superseded(change: ChangeRequest) -> tuple[str, list[dict[str, Any]]]:
    """An approver's DM of an older revision once a newer one is sent: no buttons, a pointer to the newer one."""
    line = (
        f":arrows_counterclockwise: *{change.ref}* {escaped(change.title, 500)} changed since this message: "
        f"revision {change.revision} was sent to its approvers. Answer the latest request."
    )
    return f"Approval requested: {change.ref} (changed since)", [section(line)]


def result(
    change: ChangeRequest, shifts: Sequence[Shift], *, decision_ref: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The short notice of an answer: `CR-3 approved by @x: M-UAT baseline Jan 15 → Jan 22; recorded as D-7`."""
    by = user_mention(change.decided_by) if change.decided_by else "?"
    line = f"{STATUS_EMOJI[change.status]} *{change.ref}* {change.status} by {by}"
    if change.status == ChangeStatus.APPROVED:
        parts = [shift_line(s) for s in shifts]
        line += ": " + (", ".join(parts) if parts else "no baseline moves")
        if decision_ref:
            line += f"; recorded as {decision_ref}"
    elif change.note:
        line += f": {escaped(change.note, 900)}"
    context = {"type": "context", "elements": [mrkdwn(escaped(change.title, 500))]}
    return f"{change.ref} {change.status} by {by}", [section(line), context]


def told(
    change: ChangeRequest, shifts: Sequence[Shift], *, decision_ref: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The requester's DM with the answer (and, for a rejection, the reason)."""
    _, blocks = result(change, shifts, decision_ref=decision_ref)
    where = channel_mention(change.project.channel_id)
    lead = section(f"Your change request {change.ref} in {where} has an answer.")
    if change.status == ChangeStatus.REJECTED and not change.note:
        blocks = [*blocks, section("No reason was given.")]
    by = user_mention(change.decided_by) if change.decided_by else "?"
    return f"Your change request {change.ref} was {change.status} by {by}", [lead, *blocks]


def asked(
    change: ChangeRequest, *, asker: str | None, question: str, answered: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """The requester's DM with an approver's question and the Answer button (none once answered)."""
    who = user_mention(asker) if asker else "An approver"
    where = channel_mention(change.project.channel_id)
    blocks = [
        section(f":question: {who} needs more before deciding your {change.ref} in {where}."),
        section(f"*{change.ref}* {escaped(change.title, 500)}\n*Question:* {escaped(question, 900)}"),
    ]
    if answered:
        blocks.append(section(f":speech_balloon: Since then: {STATUS_WORDS[change.status]}."))
    else:
        answer = button("Answer", Action.CHANGE_UPDATE, button_value(change), "primary")
        blocks.append({"type": "actions", "elements": [answer]})
    return f"More needed on {change.ref}", blocks


def nudge(change: ChangeRequest) -> tuple[str, list[dict[str, Any]]]:
    """An approver's reminder of a request past its needed-by date (the buttons are on the request above)."""
    where = channel_mention(change.project.channel_id)
    needed = date_token(change.needed_by) if change.needed_by else "?"
    line = (
        f":alarm_clock: {change.ref} in {where} was needed by {needed} and still waits for your answer: "
        "Approve, Reject or Ask for more on the request above."
    )
    return f"Still waiting: {change.ref} in {where}", [section(line)]


def change_list(changes: Sequence[ChangeRequest], *, heading: str) -> tuple[str, list[dict[str, Any]]]:
    """Change requests, one line each."""
    if not changes:
        return escape(heading), [section(f"*{escape(heading)}*\nNone.")]
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain(heading, 150)}]
    for change in changes[:45]:
        line = f"{headline(change)} · {change.category}"
        if change.status in (ChangeStatus.PENDING, ChangeStatus.MORE_INFO) and change.needed_by:
            line += f" · needed by {date_token(change.needed_by)}"
        blocks.append(section(line))
    if len(changes) > 45:
        blocks.append({"type": "context", "elements": [mrkdwn(f"…and {len(changes) - 45} more.")]})
    return f"{escape(heading)}: {len(changes)}", blocks


def details(
    change: ChangeRequest, shifts: Sequence[Shift], events: Sequence[ChangeEvent], *, decision_ref: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """The request with its whole history."""
    text, blocks = card(change, shifts, decision_ref=decision_ref)
    lines = []
    for event in events:
        note = f": {escaped(event.note, 300)}" if event.note else ""
        who = user_mention(event.actor_id)
        if event.for_user_id:
            who += f" for {user_mention(event.for_user_id)}"
        lines.append(f"{date_token(event.at)} {who} {EVENT_WORDS[event.kind]}{note}")
    return text, [*blocks, section("*History*\n" + "\n".join(newest_that_fit(lines)))]


def approvers(chosen: dict[str, list[str]], leads: Sequence[str]) -> tuple[str, list[dict[str, Any]]]:
    """Who approves each category here."""
    lead_text = ", ".join(user_mention(u) for u in leads) or "nobody yet (`/pm config leads @someone`)"
    lines = []
    for category in ChangeCategory:
        named = chosen.get(category) or []
        who = ", ".join(user_mention(u) for u in named) if named else f"the leads ({lead_text})"
        lines.append(f"*{category}:* {who}")
    hint = (
        "Change them with `/change approvers <category> @someone`; `/change approvers <category> leads` gives a "
        "category back to the leads."
    )
    return "Who approves change requests here", [
        section("*Who approves change requests here*\n" + "\n".join(lines)),
        {"type": "context", "elements": [mrkdwn(hint)]},
    ]


def category_approvers(category: str, named: Sequence[str], leads: Sequence[str]) -> tuple[str, list[dict[str, Any]]]:
    """Who approves one category here: those `named` for it, else its leads; and how to change that."""
    if named:
        who = ", ".join(user_mention(u) for u in named)
    elif leads:
        who = "its leads: " + ", ".join(user_mention(u) for u in leads)
    else:
        who = "nobody yet (its leads would: name them with `/pm config leads @someone`)"
    line = f"*{category}* change requests here are approved by {who}."
    hint = (
        f"Change them with `/change approvers {category} @someone`; `/change approvers {category} leads` gives it "
        "back to the leads."
    )
    text = f"{category.capitalize()} change requests here are approved by {who}."
    return text, [section(line), {"type": "context", "elements": [mrkdwn(hint)]}]


def milestone_option(milestone: Milestone, day: date) -> dict[str, Any]:
    """`M-UAT UAT sign-off (Jan 15)`: a milestone to choose, by its baseline day."""
    label = f"{milestone.ref} {milestone.name}"
    suffix = f" ({day_text(day)})"
    return {"text": plain(truncate(label, 75 - len(suffix)) + suffix), "value": str(milestone.id)}


def _option(value: str) -> dict[str, Any]:
    return {"text": plain(value.capitalize()), "value": value}


def form(
    *,
    callback_id: str,
    metadata: dict[str, Any],
    options: Sequence[dict[str, Any]],
    proposal: Proposal | None = None,
    needed_day: date | None = None,
    question: str | None = None,
) -> dict[str, Any]:
    """The change request form, filled in with `proposal`; with `question`, the approver's question and an answer."""
    proposal = proposal or Proposal(title="", category="")
    blocks: list[dict[str, Any]] = []
    if question is not None:
        blocks += [
            section(f"*Question:* {escaped(question, 2000)}"),
            field(Block.NOTE, "Your answer", text_input("", multiline=True, limit=1000), optional=False),
        ]
    category: dict[str, Any] = {"type": "static_select", "options": [_option(c) for c in ChangeCategory]}
    if proposal.category in set(ChangeCategory):
        category["initial_option"] = _option(proposal.category)
    days = text_input(str(proposal.impact_days), multiline=False, limit=6)
    blocks += [
        field(Block.TITLE, "What is the change?", text_input(proposal.title, multiline=False, limit=200), False),
        field(Block.CATEGORY, "Category", category, optional=False),
        field(Block.DESCRIPTION, "Description", text_input(proposal.description, multiline=True)),
        field(Block.JUSTIFICATION, "Business justification", text_input(proposal.justification, multiline=True)),
        {
            **field(Block.IMPACT_DAYS, "Impact on dates (calendar days)", days),
            "hint": plain("How far the affected milestones' baselines move: 0 for none, negative for earlier.", 150),
        },
        field(Block.IMPACT_COST, "Impact on cost", text_input(proposal.impact_cost, multiline=True)),
    ]
    if options:
        chosen_ids = {str(i) for i in proposal.milestone_ids}
        element: dict[str, Any] = {"type": "multi_static_select", "options": list(options[:100])}
        initial = [o for o in options[:100] if o["value"] in chosen_ids]
        if initial:
            element["initial_options"] = initial
        blocks.append(field(Block.MILESTONES, "Affected milestones", element))
    else:
        note = "This channel has no open milestones, so none can be chosen (`/milestone` adds one)."
        blocks.append({"type": "context", "elements": [mrkdwn(note)]})
    needed: dict[str, Any] = {"type": "datepicker"}
    if needed_day:
        needed["initial_date"] = needed_day.isoformat()
    blocks.append(field(Block.NEEDED_BY, "Needed by", needed))
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps({**metadata, "milestones": bool(options)}),
        "title": plain("Change request", 24),
        "submit": plain("Send for approval", 24),
        "close": plain("Cancel", 24),
        "blocks": blocks,
    }


def note_form(*, callback_id: str, change: ChangeRequest, question: bool) -> dict[str, Any]:
    """The small form of Reject (an optional reason) or Ask for more (a required question)."""
    label = "What more do you need to know?" if question else "Reason (the requester is told)"
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps({"ref": change.ref, "revision": change.revision}),
        "title": plain("Ask for more" if question else f"Reject {change.ref}", 24),
        "submit": plain("Ask" if question else "Reject", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section(f"*{change.ref}* {escaped(change.title, 500)}"),
            field(Block.NOTE, label, text_input("", multiline=True, limit=1000), optional=not question),
        ],
    }
