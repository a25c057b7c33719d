"""Block Kit for the App Home tab: each person's own dashboard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.home import Dashboard
from domain.text import channel_mention, clip, escape
from handlers.actions import render as action_render
from handlers.decisions import render as decision_render
from handlers.digests import render as digest_render
from handlers.ids import Action
from handlers.render.help import INTRO, CommandHelp
from handlers.risks import render as risk_render
from handlers.standups.render import day_label

HOME_BLOCK_LIMIT = 100


def _section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, 3000)}, **extra}


def _button(text: str, action_id: str, value: str) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id, "value": value}


def _heading(text: str) -> list[dict[str, Any]]:
    return [{"type": "divider"}, {"type": "header", "text": {"type": "plain_text", "text": text}}]


def home_view(board: Dashboard, entries: list[CommandHelp], *, now: datetime) -> dict[str, Any]:
    """Render the dashboard; every button works from here as it does in messages."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": "Your pmbot"}}]
    blocks += _heading(f"My open action items ({board.action_count})")
    blocks += [
        _section(action_render.item_line(a, now=now), accessory=_button("Done", Action.ACTION_DONE, a.ref))
        for a in board.actions[:20]
    ] or [_section("Nothing open. :tada:")]
    blocks += _heading(f"Stand-ups I still owe ({len(board.standups_owed)})")
    blocks += [
        _section(
            f"{channel_mention(s.project.channel_id)} · {day_label(day)}",
            accessory=_button("Answer", Action.STANDUP_ANSWER, f"{s.id}|{day.isoformat()}"),
        )
        for s, day in board.standups_owed[:10]
    ] or [_section("All answered.")]
    blocks += _heading(f"Risks I own that need review ({len(board.reviews)})")
    blocks += [
        _section(
            f"{risk_render.headline(r)} · {risk_render.score_text(r)}",
            accessory=_button("Still valid", Action.RISK_STILL_VALID, r.ref),
        )
        for r in board.reviews[:10]
    ] or [_section("None due.")]
    blocks += _heading(f"Decisions waiting for my approval ({board.approval_count})")
    for decision in board.approvals[:10]:
        blocks.append(_section(decision_render.headline(decision)))
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    _button("Approve", Action.DECISION_APPROVE, decision.ref),
                    _button("Reject", Action.DECISION_REJECT, decision.ref),
                ],
            }
        )
    if not board.approvals:
        blocks.append(_section("None."))
    blocks += _heading("My projects")
    blocks += [
        _section(
            f"{channel_mention(s.project.channel_id)}: {digest_render.status_line(s)}\n"
            f"{escape(digest_render.headline_numbers(s))}"
        )
        for s in board.projects[:15]
    ] or [_section(f"{INTRO}\n\n*Start here:* invite me to a project channel (`/invite @pmbot`), then `/pm help`.")]
    blocks += _heading("Commands")
    blocks += [{"type": "context", "elements": [{"type": "mrkdwn", "text": clip(e.text(), 2000)}]} for e in entries][
        : max(0, HOME_BLOCK_LIMIT - len(blocks))
    ]
    return {"type": "home", "blocks": blocks[:HOME_BLOCK_LIMIT]}
