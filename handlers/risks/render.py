"""Block Kit for the RAID log: entries with words for their numbers, lists, history, the form."""

from __future__ import annotations

import json
from typing import Any

from domain.risks import IMPACT, PROBABILITY, level
from domain.text import channel_mention, date_token, escape, escaped, truncate, user_mention
from handlers.ids import Action, Block, View
from handlers.render.blocks import button as _button
from handlers.render.blocks import input_field as field
from handlers.render.blocks import newest_that_fit, text_input
from handlers.render.blocks import section as _section
from handlers.render.blocks import text as _text
from handlers.render.records import risk_headline
from storage.models import Risk, RiskEvent, RiskStatus
from storage.models.risks import CATEGORIES, KINDS

LEVEL_EMOJI = {
    "low": ":large_green_circle:",
    "medium": ":large_yellow_circle:",
    "high": ":large_orange_circle:",
    "critical": ":red_circle:",
}

headline = risk_headline  # `*R-4* title`: as every view of records names an entry


def score_text(risk: Risk) -> str:
    """`:red_circle: critical 20 (likely x severe)`: the numbers with their words."""
    lvl = level(risk.score)
    return (
        f"{LEVEL_EMOJI[lvl]} *{lvl}* {risk.score} "
        f"(p{risk.probability} {PROBABILITY[risk.probability]} x i{risk.impact} {IMPACT[risk.impact]})"
    )


def card(risk: Risk) -> tuple[str, list[dict[str, Any]]]:
    """An entry: title, score with words, owner, what is being done about it."""
    owner = user_mention(risk.owner_id) if risk.owner_id else "_no owner_"
    fields = [_text(f"*Score*\n{score_text(risk)}"), _text(f"*Owner*\n{owner}")]
    if risk.category:
        fields.append(_text(f"*Category*\n{escape(risk.category)}"))
    if risk.opportunity:
        fields.append(_text("*Opportunity*\nyes (a positive risk)"))
    blocks: list[dict[str, Any]] = [_section(headline(risk), fields=fields)]
    details = [
        f"*{name}:* {escaped(value, 900)}"
        for name, value in (
            ("Description", risk.description),
            ("Mitigation", risk.mitigation),
            ("Contingency", risk.contingency),
        )
        if value
    ]
    if details:
        blocks.append(_section("\n".join(details)))
    if risk.status == RiskStatus.WITHDRAWN:
        blocks.append({"type": "context", "elements": [_text(":leftwards_arrow_with_hook: Withdrawn by its creator")]})
    if risk.status == RiskStatus.CLOSED:
        blocks.append(
            {"type": "context", "elements": [_text(f":lock: Closed: {escaped(risk.close_reason or '', 500)}")]}
        )
    return f"{risk.ref} {escape(risk.title)} (score {risk.score})", blocks


def review_prompt(risk: Risk) -> tuple[str, list[dict[str, Any]]]:
    """The review DM to the owner, with Still valid, Update and Close."""
    _, blocks = card(risk)
    where = channel_mention(risk.project.channel_id)
    ask = _section(f":mag: Time to review {headline(risk)} in {where}. Is it still right?")
    buttons = {
        "type": "actions",
        "block_id": f"review-{risk.ref}",
        "elements": [
            _button("Still valid", Action.RISK_STILL_VALID, risk.ref, "primary"),
            _button("Update", Action.RISK_UPDATE, risk.ref),
            _button("Close", Action.RISK_CLOSE, risk.ref),
        ],
    }
    return f"Review {risk.ref} in {where}", [ask, *blocks, buttons]


def risk_list(risks: list[Risk], *, heading: str, total: int | None = None) -> tuple[str, list[dict[str, Any]]]:
    """Entries sorted by score, one line each."""
    if not risks:
        return escape(heading), [_section(f"*{escape(heading)}*\nNothing open.")]
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": truncate(heading, 150)}}]
    for risk in risks[:45]:
        owner = user_mention(risk.owner_id) if risk.owner_id else "no owner"
        blocks.append(_section(f"{headline(risk)} · {score_text(risk)} · {owner}"))
    total = len(risks) if total is None else total
    if total > 45:
        blocks.append({"type": "context", "elements": [_text(f"…and {total - 45} more.")]})
    return f"{escape(heading)}: {total}", blocks


HISTORY_WORDS = {
    "created": "recorded it",
    "updated": "updated it",
    "reviewed": "confirmed it is still valid",
    "closed": "closed it",
    "escalated": "escalated it",
}


def details(risk: Risk, events: list[RiskEvent]) -> tuple[str, list[dict[str, Any]]]:
    """The entry with its full history, scores included."""
    text, blocks = card(risk)
    lines = []
    for event in events:
        who = "pmbot" if event.actor_id == "pmbot" else user_mention(event.actor_id)
        what = HISTORY_WORDS.get(event.kind, event.kind)
        if event.kind == "updated":
            changed = ", ".join(k for k in event.detail if k not in ("old_score", "new_score"))
            what += f" ({changed}; score {event.detail.get('old_score')} → {event.detail.get('new_score')})"
        elif "score" in event.detail:
            what += f" (score {event.detail['score']})"
        lines.append(f"• {date_token(event.at)}: {who} {what}")
    kept = newest_that_fit(lines)
    return text, [*blocks, _section("*History*\n" + "\n".join(kept))]


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": truncate(text, 75)}, "value": value}


def form(*, callback_id: str, metadata: dict[str, Any], risk: Risk | None = None) -> dict[str, Any]:
    """The RAID form: kind, title, description, category, probability, impact, owner, mitigation,
    contingency, next review date, opportunity."""
    kinds = [_option(k.capitalize(), k) for k in KINDS]
    categories = [_option(c[0].upper() + c[1:], c) for c in CATEGORIES]
    probability = [_option(f"{n} · {w}", str(n)) for n, w in PROBABILITY.items()]
    impact = [_option(f"{n} · {w}", str(n)) for n, w in IMPACT.items()]

    def select(options: list[dict[str, Any]], current: str | None) -> dict[str, Any]:
        element: dict[str, Any] = {"type": "static_select", "options": options}
        chosen = next((o for o in options if o["value"] == current), None)
        if chosen:
            element["initial_option"] = chosen
        return element

    owner: dict[str, Any] = {"type": "users_select"}
    if risk and risk.owner_id:
        owner["initial_user"] = risk.owner_id
    review: dict[str, Any] = {"type": "datepicker"}
    if risk and risk.review_at:
        review["initial_date"] = risk.review_at.date().isoformat()
    opportunity = [_option("This is an opportunity (a positive risk)", "yes")]
    blocks = [
        field(Block.KIND, "Kind", select(kinds, risk.kind if risk else "risk"), optional=False),
        field(
            Block.TITLE, "Title", text_input(risk.title if risk else None, multiline=False, limit=300), optional=False
        ),
        field(Block.DESCRIPTION, "Description", text_input(risk.description if risk else None, multiline=True)),
        field(Block.CATEGORY, "Category", select(categories, risk.category if risk else None)),
        field(
            Block.PROBABILITY, "Probability", select(probability, str(risk.probability if risk else 3)), optional=False
        ),
        field(Block.IMPACT, "Impact", select(impact, str(risk.impact if risk else 3)), optional=False),
        field(Block.OWNER, "Owner", owner),
        field(Block.MITIGATION, "Mitigation", text_input(risk.mitigation if risk else None, multiline=True)),
        field(Block.CONTINGENCY, "Contingency", text_input(risk.contingency if risk else None, multiline=True)),
        field(Block.REVIEW_DATE, "Next review", review),
        field(
            Block.OPPORTUNITY,
            "Opportunity",
            {
                "type": "checkboxes",
                "options": opportunity,
                **({"initial_options": opportunity} if risk and risk.opportunity else {}),
            },
        ),
    ]
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": "Update risk" if risk else "New RAID entry"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def close_form(risk: Risk) -> dict[str, Any]:
    """Ask why the entry is closed."""
    return {
        "type": "modal",
        "callback_id": View.RISK_CLOSE,
        "private_metadata": json.dumps({"ref": risk.ref}),
        "title": {"type": "plain_text", "text": "Close risk"},
        "submit": {"type": "plain_text", "text": "Close it"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": Block.REASON,
                "label": {"type": "plain_text", "text": "Why is it closed?"},
                "element": {"type": "plain_text_input", "action_id": "value", "max_length": 2900},
            }
        ],
    }
