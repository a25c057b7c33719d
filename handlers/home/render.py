"""Block Kit for the App Home tab: each person's own dashboard."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain import home
from domain.home import Dashboard
from domain.text import channel_mention, clip, date_token, escape, escaped, user_mention
from handlers.actions import render as action_render
from handlers.changes import render as change_render
from handlers.decisions import render as decision_render
from handlers.digests import render as digest_render
from handlers.ids import Action
from handlers.render.help import INTRO, CommandHelp
from handlers.risks import render as risk_render
from handlers.standups.render import day_label

HOME_BLOCK_LIMIT = 100
# What each list shows at most, so that all of them full still fit a Home tab's 100 blocks (with the Commands
# heading and one entry): 1 + (2+20) + (2+RETROS_SHOWN) + (2+5) + (2+10) + (2+2*DECISIONS_SHOWN) + (2+1)
# + (2+2*CHANGES_SHOWN) + (2+PROJECTS_SHOWN) + (2+1) = 100. Retros are listed only when one waits for the viewer.
ACTIONS_SHOWN = 20
RETROS_SHOWN = home.RETROS_SHOWN  # each one section with its button or link
STANDUPS_SHOWN = 5  # one a stand-up: more than five at once is rare
REVIEWS_SHOWN = 10
DECISIONS_SHOWN = 8  # each takes two blocks (the line and its buttons)
MILESTONES_SHOWN = 10  # one section
CHANGES_SHOWN = 5  # each takes two blocks
PROJECTS_SHOWN = 15
SECTION_TEXT_LIMIT = 3000


def _section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, 3000)}, **extra}


def _button(text: str, action_id: str, value: str) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id, "value": value}


def _heading(text: str) -> list[dict[str, Any]]:
    return [{"type": "divider"}, {"type": "header", "text": {"type": "plain_text", "text": text}}]


def _lines_that_fit(lines: list[str]) -> str:
    """The first lines whose total fits one section, and how many more there are."""
    kept: list[str] = []
    for n, line in enumerate(lines):
        more = f"\n…and {len(lines) - n} more."
        if sum(len(k) + 1 for k in kept) + len(line) + len(more) > SECTION_TEXT_LIMIT:
            return "\n".join(kept) + more
        kept.append(line)
    return "\n".join(kept)


def _day(moment: datetime) -> str:
    return date_token(moment, "{date_short_pretty}")


MILESTONE_EMOJI = {"on_track": ":large_green_circle:", "at_risk": ":large_orange_circle:", "late": ":red_circle:"}


def _milestones(board: Dashboard, *, now: datetime) -> list[dict[str, Any]]:
    """Open milestones the viewer owns, soonest forecast first, with their status (late once the dates say so)."""
    lines = []
    for m in board.milestones[:MILESTONES_SHOWN]:
        late = m.forecast_at > m.baseline_at or m.forecast_at < now
        emoji = MILESTONE_EMOJI["late"] if late else MILESTONE_EMOJI.get(m.status, "")
        baseline = f" (baseline {_day(m.baseline_at)})" if m.forecast_at != m.baseline_at else ""
        lines.append(
            f"{emoji} *{m.ref}* {escaped(m.name, 200)} · {channel_mention(m.project.channel_id)} · "
            f"forecast {_day(m.forecast_at)}{baseline}"
        )
    heading = _heading(f"Milestones I own ({board.milestone_count})")
    return heading + ([_section(_lines_that_fit(lines))] if lines else [_section("None open.")])


def _changes(board: Dashboard) -> list[dict[str, Any]]:
    """Change requests waiting for the viewer's decision, with Approve / Reject / Ask for more."""
    blocks = _heading(f"Change requests waiting for me ({board.change_count})")
    for change in board.changes[:CHANGES_SHOWN]:
        needed = f" · needed by {_day(change.needed_by)}" if change.needed_by else ""
        blocks.append(
            _section(
                f"*{change.ref}* {escaped(change.title, 200)} · {change.category} · "
                f"{channel_mention(change.project.channel_id)} · from {user_mention(change.requester_id)}{needed}"
            )
        )
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    _button("Approve", Action.CHANGE_APPROVE, change_render.button_value(change)),
                    _button("Reject", Action.CHANGE_REJECT, change_render.button_value(change)),
                    _button("Ask for more", Action.CHANGE_ASK, change_render.button_value(change)),
                ],
            }
        )
    return blocks if board.changes else [*blocks, _section("None.")]


def _retros(board: Dashboard, links: Mapping[int, str]) -> list[dict[str, Any]]:
    """Open retros waiting for the viewer: their notes (Add notes, as in the prompt), or their votes (the board's
    link when Slack gave one); nothing at all when none waits."""
    if not board.retros:
        return []
    blocks = _heading("Retros waiting for me")
    for retro in board.retros[:RETROS_SHOWN]:
        named = f"*{retro.ref}* {escaped(retro.title, 120)}"
        where = channel_mention(retro.channel_id)
        if not retro.revealed:
            blocks.append(
                _section(
                    f"{named}: add your notes by {date_token(retro.collect_until)} · {where}",
                    accessory=_button("Add notes", Action.RETRO_ADD_NOTES, str(retro.retro_id)),
                )
            )
            continue
        link = links.get(retro.retro_id)
        blocks.append(_section(f"{named}: <{link}|vote> · {where}" if link else f"{named}: vote in {where}"))
    return blocks


def home_view(
    board: Dashboard, entries: list[CommandHelp], *, now: datetime, links: Mapping[int, str] | None = None
) -> dict[str, Any]:
    """Render the dashboard; every button works from here as it does in messages (`links`: retro boards' links)."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": "Your pmbot"}}]
    blocks += _heading(f"My open action items ({board.action_count})")
    blocks += [
        _section(action_render.item_line(a, now=now), accessory=_button("Done", Action.ACTION_DONE, a.ref))
        for a in board.actions[:ACTIONS_SHOWN]
    ] or [_section("Nothing open. :tada:")]
    blocks += _retros(board, links or {})
    blocks += _heading(f"Stand-ups I still owe ({len(board.standups_owed)})")
    blocks += [
        _section(
            f"{channel_mention(s.project.channel_id)} · {day_label(day)}",
            accessory=_button("Answer", Action.STANDUP_ANSWER, f"{s.id}|{day.isoformat()}"),
        )
        for s, day in board.standups_owed[:STANDUPS_SHOWN]
    ] or [_section("All answered.")]
    blocks += _heading(f"Risks I own that need review ({len(board.reviews)})")
    blocks += [
        _section(
            f"{risk_render.headline(r)} · {risk_render.score_text(r)}",
            accessory=_button("Still valid", Action.RISK_STILL_VALID, r.ref),
        )
        for r in board.reviews[:REVIEWS_SHOWN]
    ] or [_section("None due.")]
    blocks += _heading(f"Decisions waiting for my approval ({board.approval_count})")
    for decision in board.approvals[:DECISIONS_SHOWN]:
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
    blocks += _milestones(board, now=now) + _changes(board)
    blocks += _heading("My projects")
    blocks += [
        _section(
            f"{channel_mention(s.project.channel_id)}: {digest_render.status_line(s)}\n"
            f"{escape(digest_render.headline_numbers(s))}"
        )
        for s in board.projects[:PROJECTS_SHOWN]
    ] or [_section(f"{INTRO}\n\n*Start here:* invite me to a project channel (`/invite @pmbot`), then `/pm help`.")]
    room = HOME_BLOCK_LIMIT - len(blocks) - 2  # the Commands heading takes two
    if room > 0:  # the least needed here: as many entries as fit (`/pm help` has them all)
        blocks += _heading("Commands")
        blocks += [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(e.text(), 2000)}]} for e in entries
        ][:room]
    return {"type": "home", "blocks": blocks[:HOME_BLOCK_LIMIT]}
