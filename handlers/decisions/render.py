"""Block Kit for the decision log."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from domain.text import TEXT_OBJECT_LIMIT, channel_mention, clip, date_token, escape, escaped, truncate, user_mention
from handlers.ids import Action, Block
from handlers.render.blocks import button as _button
from handlers.render.blocks import input_field as field
from handlers.render.blocks import newest_that_fit, text_input
from handlers.render.blocks import section as _section
from handlers.render.blocks import text as _text
from storage.models import Decision, DecisionRevision, DecisionStatus

STATUS_EMOJI: dict[str, str] = {  # keyed by the stored status, a plain string
    DecisionStatus.PROPOSED: ":hourglass_flowing_sand:",
    DecisionStatus.APPROVED: ":white_check_mark:",
    DecisionStatus.REJECTED: ":x:",
    DecisionStatus.SUPERSEDED: ":arrows_counterclockwise:",
    DecisionStatus.WITHDRAWN: ":leftwards_arrow_with_hook:",
}


class Listed(Protocol):
    """What a decision's line shows: a Decision has it, and so has a search's Hit."""

    @property
    def ref(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def statement(self) -> str: ...

    @property
    def needed_by(self) -> datetime | None: ...


def headline(decision: Listed) -> str:
    statement = escaped(decision.statement, 1500)
    if decision.status in (DecisionStatus.SUPERSEDED, DecisionStatus.WITHDRAWN):
        statement = f"~{statement}~"
    return f"{STATUS_EMOJI[decision.status]} *{decision.ref}* {statement}"


def card(
    decision: Decision, *, supersedes: str | None = None, superseded_by: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """A decision with who decided, its status, and what it replaces or was replaced by."""
    who = ", ".join(user_mention(u) for u in decision.decided_by) or "?"
    facts = [f"*Status:* {decision.status}", f"*Decided by:* {who}"]
    if decision.approver_id:
        facts.append(f"*Approver:* {user_mention(decision.approver_id)}")
    if decision.needed_by and decision.status == DecisionStatus.PROPOSED:
        facts.append(f"*Needed by:* {date_token(decision.needed_by)}")
    if supersedes:
        facts.append(f"*Supersedes:* {supersedes}")
    if superseded_by:
        facts.append(f"*Superseded by:* {superseded_by}")
    blocks: list[dict[str, Any]] = [_section(headline(decision)), _section(" · ".join(facts))]
    details = [
        f"*{name}:* {escaped(value, 900)}"
        for name, value in (
            ("Context", decision.context),
            ("Options", decision.options),
            ("Rationale", decision.rationale),
        )
        if value
    ]
    if details:
        blocks.append(_section("\n".join(details)))
    links = [f"<{decision.permalink}|from this message>"] if decision.permalink else []
    links += [escaped(link, 500) for link in decision.links[:5]]
    if links:
        blocks.append({"type": "context", "elements": [_text(clip(" · ".join(links), TEXT_OBJECT_LIMIT))]})
    return f"{decision.ref} ({decision.status}): {escaped(decision.statement, 200)}", blocks


def result(
    decision: Decision, *, supersedes: str | None = None, acted_by: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The approver's answer: who approved or rejected it (`acted_by`: their stand-in, "X for Y"), then the
    decision."""
    _, blocks = card(decision, supersedes=supersedes)
    by = user_mention(decision.approver_id) if decision.approver_id else "?"
    if acted_by is not None and acted_by != decision.approver_id:
        by = f"{user_mention(acted_by)} for {by}"
    line = f"{STATUS_EMOJI[decision.status]} {decision.status.capitalize()} by {by}: *{decision.ref}*"
    return f"{decision.ref} ({decision.status}) by {by}: {escaped(decision.statement, 200)}", [_section(line), *blocks]


def revised(decision: Decision, *, supersedes: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """A decision the stakeholders were told of has changed: what it says now."""
    _, blocks = card(decision, supersedes=supersedes)
    line = f":pencil2: *{decision.ref}* was revised (revision {decision.revision}); it now reads:"
    if decision.status == DecisionStatus.WITHDRAWN:
        line = f":leftwards_arrow_with_hook: *{decision.ref}* was withdrawn by its creator."
    return f"{decision.ref} changed: {escaped(decision.statement, 200)}", [_section(line), *blocks]


def approval_request(decision: Decision, *, away: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The DM to the approver, with Approve and Reject; with `away`, to whoever stands in for that approver."""
    _, blocks = card(decision)
    buttons = {
        "type": "actions",
        "block_id": f"approval-{decision.ref}",
        "elements": [
            _button("Approve", Action.DECISION_APPROVE, decision.ref, "primary"),
            _button("Reject", Action.DECISION_REJECT, decision.ref, "danger"),
        ],
    }
    ask = _section(f":ballot_box_with_check: {user_mention(decision.creator_id)} asks you to approve {decision.ref}.")
    if away is not None:
        ask = _section(
            f":ballot_box_with_check: {user_mention(decision.creator_id)} asks {user_mention(away)} to approve "
            f"{decision.ref}; they are away, and you stand in for them."
        )
    return f"Approval requested: {decision.ref}", [ask, *blocks, buttons]


def nudge(decision: Decision, *, away: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The reminder to an approver of a decision past its needed-by date (`away`: to their stand-in)."""
    _, blocks = approval_request(decision, away=away)
    where = channel_mention(decision.project.channel_id)
    late = _section(
        f":alarm_clock: {decision.ref} in {where} was needed by {date_token(decision.needed_by)}"
        if decision.needed_by
        else f":alarm_clock: {decision.ref} in {where} is waiting for you."
    )
    return f"Still waiting: {decision.ref} in {where}", [late, *blocks[1:]]


def decision_list(
    decisions: Sequence[Listed], *, heading: str, total: int | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Decisions, one line each."""
    if not decisions:
        return escape(heading), [_section(f"*{escape(heading)}*\nNone.")]
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": truncate(heading, 150)}}]
    for decision in decisions[:45]:
        line = headline(decision)
        if decision.status == DecisionStatus.PROPOSED and decision.needed_by:
            line += f" · needed by {date_token(decision.needed_by)}"
        blocks.append(_section(line))
    total = len(decisions) if total is None else total
    if total > 45:
        blocks.append({"type": "context", "elements": [_text(f"…and {total - 45} more.")]})
    return f"{escape(heading)}: {total}", blocks


def details(
    decision: Decision, revisions: list[DecisionRevision], **links: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """The decision with every earlier wording and status, readable."""
    text, blocks = card(decision, **links)
    lines = []
    for revision in revisions:
        lines.append(
            f"*r{revision.number}* {date_token(revision.created_at)} by {user_mention(revision.author_id)}"
            f"{f' for {user_mention(revision.for_user_id)}' if revision.for_user_id else ''} "
            f"({revision.status}): {escaped(revision.statement, 300)}"
        )
    kept = newest_that_fit(lines)
    revise = {"type": "actions", "elements": [_button("Revise", Action.DECISION_REVISE, decision.ref)]}
    return text, [*blocks, _section("*Revisions*\n" + "\n".join(kept)), revise]


def form(
    *,
    callback_id: str,
    metadata: dict[str, Any],
    decision: Decision | None = None,
    statement: str = "",
    decided_by: list[str] | None = None,
) -> dict[str, Any]:
    """The decision form (for a new decision, or a revision's wording)."""

    blocks = [
        field(
            Block.STATEMENT,
            "Decision",
            text_input(decision.statement if decision else statement, multiline=True, limit=1000),
            optional=False,
        ),
        field(Block.CONTEXT, "Context", text_input(decision.context if decision else "", multiline=True)),
        field(Block.OPTIONS, "Options considered", text_input(decision.options if decision else "", multiline=True)),
        field(Block.RATIONALE, "Rationale", text_input(decision.rationale if decision else "", multiline=True)),
    ]
    if decision is None:
        statuses = [
            {"text": {"type": "plain_text", "text": s.capitalize()}, "value": s}
            for s in (DecisionStatus.APPROVED, DecisionStatus.PROPOSED, DecisionStatus.REJECTED)
        ]
        decided: dict[str, Any] = {"type": "multi_users_select"}
        if decided_by:
            decided["initial_users"] = decided_by[:100]
        blocks += [
            field(
                Block.STATUS,
                "Status",
                {"type": "static_select", "options": statuses, "initial_option": statuses[0]},
                optional=False,
            ),
            field(Block.DECIDED_BY, "Decided by", decided),
            field(Block.APPROVER, "Approver (asked to approve a proposed decision)", {"type": "users_select"}),
            field(Block.NEEDED_BY, "Needed by (for a pending decision)", {"type": "datepicker"}),
            field(Block.LINKS, "Links (one per line)", text_input("", multiline=True)),
        ]
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": "Revise decision" if decision else "Log a decision"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }
