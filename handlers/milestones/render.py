"""Block Kit for milestones: the card, lists, the details with history, the forms."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from domain.milestones import CODE_LIMIT, NAME_LIMIT, WHY_LIMIT, day_of, slip_days
from domain.text import channel_mention, date_token, escape, escaped, plural, truncate, user_mention
from handlers.ids import Action, Block, View
from handlers.render.blocks import button as _button
from handlers.render.blocks import input_field as field
from handlers.render.blocks import newest_that_fit, text_input
from handlers.render.blocks import section as _section
from handlers.render.blocks import text as _text
from storage.models import (
    ActionItem,
    Decision,
    Milestone,
    MilestoneEvent,
    MilestoneEventKind,
    MilestoneStatus,
    Project,
    Risk,
)

STATUS_EMOJI: dict[str, str] = {  # keyed by the stored status, a plain string
    MilestoneStatus.ON_TRACK: ":large_green_circle:",
    MilestoneStatus.AT_RISK: ":large_yellow_circle:",
    MilestoneStatus.LATE: ":red_circle:",
    MilestoneStatus.DONE: ":white_check_mark:",
}
STATUS_WORDS: dict[str, str] = {
    MilestoneStatus.ON_TRACK: "on track",
    MilestoneStatus.AT_RISK: "at risk",
    MilestoneStatus.LATE: "late",
    MilestoneStatus.DONE: "done",
}
LIST_LIMIT = 45


def button_value(milestone: Milestone) -> str:
    """What the card's buttons carry: the milestone's row id (`M-UAT` alone may name one in each channel)."""
    return str(milestone.id)


def headline(milestone: Milestone) -> str:
    """`:large_green_circle: *M-UAT* UAT sign-off`."""
    return f"{STATUS_EMOJI.get(milestone.status, '')} *{milestone.ref}* {escaped(milestone.name, NAME_LIMIT)}".strip()


def status_text(milestone: Milestone) -> str:
    """`late (forecast 3 working days past its baseline)`."""
    words = STATUS_WORDS.get(milestone.status, milestone.status)
    return f"{words} ({escaped(milestone.status_why, 500)})" if milestone.status_why else words


def slip_text(milestone: Milestone) -> str:
    """`+3 working days` when the forecast is past the baseline, else ""."""
    days = slip_days(milestone)
    return f"+{plural(days, 'working day')}" if days else ""


def dates_text(milestone: Milestone) -> str:
    """`baseline <date> · forecast <date> (+3 working days)`."""
    text = f"baseline {date_token(milestone.baseline_at)}"
    if milestone.forecast_at != milestone.baseline_at:
        text += f" · forecast {date_token(milestone.forecast_at)}"
    slip = slip_text(milestone)
    return f"{text} ({slip})" if slip else text


def card(milestone: Milestone) -> tuple[str, list[dict[str, Any]]]:
    """The milestone in its channel: dates, owner, status and why, with Move and Done (Done only while open); once
    done, "Run a retro"."""
    forecast = date_token(milestone.forecast_at)
    if slip := slip_text(milestone):
        forecast += f" ({slip})"
    fields = [
        _text(f"*Baseline*\n{date_token(milestone.baseline_at)}"),
        _text(f"*Forecast*\n{forecast}"),
        _text(f"*Owner*\n{user_mention(milestone.owner_id)}"),
        _text(f"*Status*\n{status_text(milestone)}"),
    ]
    blocks: list[dict[str, Any]] = [_section(headline(milestone), fields=fields)]
    if milestone.done_at is None:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"milestone-{milestone.id}",
                "elements": [
                    _button("Move", Action.MILESTONE_MOVE, button_value(milestone)),
                    _button("Done", Action.MILESTONE_DONE, button_value(milestone), "primary"),
                ],
            }
        )
    else:
        blocks.append(
            {"type": "context", "elements": [_text(f":white_check_mark: Done {date_token(milestone.done_at)}")]}
        )
        # A milestone reached is a good moment to look back: the retros feature answers this button.
        offer_value = json.dumps({"title": f"{milestone.ref} retro", "channel": milestone.project.channel_id})
        offer = _button("Run a retro", Action.RETRO_OFFERED, offer_value)
        blocks.append({"type": "actions", "block_id": f"milestone-{milestone.id}-retro", "elements": [offer]})
    words = STATUS_WORDS.get(milestone.status, milestone.status)
    return f"{milestone.ref} ({words}): {escaped(milestone.name, 200)}", blocks


def nothing_to_draw(project: Project, *, any_done: bool) -> str:
    """The private answer to `/milestone timeline` in a channel with nothing to draw."""
    where = channel_mention(project.channel_id)
    how = 'Add one with `/milestone "UAT sign-off" 2027-01-15 @owner`, or `/milestone` for the form.'
    if any_done:
        return f"Nothing to draw in {where}: no open milestones, and none done in the last 30 days. {how}"
    return f"No milestones in {where} yet. {how}"


def line(milestone: Milestone, *, channel: bool = False) -> str:
    """One milestone in a list: status, id, name, owner, baseline vs forecast."""
    where = f" in {channel_mention(milestone.project.channel_id)}" if channel else ""
    return f"{headline(milestone)}{where} · {user_mention(milestone.owner_id)} · {dates_text(milestone)}"


def milestone_list(
    milestones: Sequence[Milestone], *, heading: str, channel: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """Milestones, one line each, by forecast."""
    if not milestones:
        return escape(heading), [_section(f"*{escape(heading)}*\nNone.")]
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": truncate(heading, 150)}}]
    blocks += [_section(line(m, channel=channel)) for m in milestones[:LIST_LIMIT]]
    if len(milestones) > LIST_LIMIT:
        blocks.append({"type": "context", "elements": [_text(f"…and {len(milestones) - LIST_LIMIT} more.")]})
    return f"{escape(heading)}: {len(milestones)}", blocks


def _record_line(record: ActionItem | Risk | Decision, seen: Collection[int]) -> str:
    if record.project_id not in seen:
        return f"*{record.ref}* _(in a channel you are not in)_"
    title = record.statement if isinstance(record, Decision) else record.title
    return f"*{record.ref}* {escaped(title, 200)} ({record.status})"


def _other_line(milestone: Milestone, seen: Collection[int]) -> str:
    if milestone.project_id not in seen:
        return f"*{milestone.ref}* _(in a channel you are not in)_"
    return f"{line(milestone, channel=True)} ({STATUS_WORDS.get(milestone.status, milestone.status)})"


def _event_line(event: MilestoneEvent) -> str:
    who = "pmbot" if event.actor_id == "pmbot" else user_mention(event.actor_id)
    what: str = event.kind
    if event.kind == MilestoneEventKind.CREATED:
        what = f"created it, baseline {date_token(event.baseline_at)}"
    elif event.kind == MilestoneEventKind.MOVED and event.old_forecast_at:
        what = f"moved the forecast {date_token(event.old_forecast_at)} → {date_token(event.forecast_at)}"
    elif event.kind == MilestoneEventKind.REBASELINED and event.old_baseline_at:
        what = f"moved the baseline {date_token(event.old_baseline_at)} → {date_token(event.baseline_at)}"
        if event.old_forecast_at:  # the forecast was on plan, and moved with it
            what += ", and the forecast with it"
    elif event.kind == MilestoneEventKind.DONE:
        what = "marked it done"
    elif event.kind == MilestoneEventKind.REOPENED:
        what = "reopened it"
    elif event.kind == MilestoneEventKind.LINKED:
        return f"{date_token(event.at)} {who} linked {escaped(event.why, 40)}"
    elif event.kind == MilestoneEventKind.DEPENDS:
        return f"{date_token(event.at)} {who}: it depends on {escaped(event.why, 40)}"
    elif event.kind == MilestoneEventKind.UNLINKED:
        return f"{date_token(event.at)} {who} unlinked {escaped(event.why, 40)}"
    elif event.kind == MilestoneEventKind.UNDEPENDS:
        return f"{date_token(event.at)} {who}: it no longer depends on {escaped(event.why, 40)}"
    why = f": {escaped(event.why, 300)}" if event.why else ""
    return f"{date_token(event.at)} {who} {what}{why}"


def details(
    milestone: Milestone,
    *,
    links: Sequence[ActionItem | Risk | Decision],
    upstreams: Sequence[Milestone],
    dependents: Sequence[Milestone],
    events: Sequence[MilestoneEvent],
    seen: Collection[int],
) -> tuple[str, list[dict[str, Any]]]:
    """The milestone with its links and their state, what it waits for and what waits for it, and its history
    (every old baseline and forecast, who changed it and why). `seen`: the projects the reader may see."""
    text, blocks = card(milestone)
    blocks.insert(1, _section(f"*Baseline vs forecast:* {dates_text(milestone)}"))
    if links:
        blocks.append(_section("*Linked*\n" + "\n".join(_record_line(r, seen) for r in links[:30])))
    if upstreams:
        blocks.append(_section("*Depends on*\n" + "\n".join(_other_line(m, seen) for m in upstreams[:20])))
    if dependents:
        blocks.append(_section("*Waited on by*\n" + "\n".join(_other_line(m, seen) for m in dependents[:20])))
    kept = newest_that_fit([_event_line(e) for e in events])
    blocks.append(_section("*History*\n" + "\n".join(kept)))
    return text, blocks


def form(*, metadata: dict[str, Any], owner: str) -> dict[str, Any]:
    """The new-milestone form: name, date, owner (the caller to begin with), an optional id."""
    blocks = [
        field(Block.NAME, "Name", text_input("", multiline=False, limit=NAME_LIMIT), optional=False),
        field(Block.MILESTONE_DATE, "Date (its baseline)", {"type": "datepicker"}, optional=False),
        field(Block.OWNER, "Owner", {"type": "users_select", "initial_user": owner}, optional=False),
        field(
            Block.MILESTONE_CODE,
            "Id (optional: UAT makes M-UAT; else from the name)",
            text_input("", multiline=False, limit=CODE_LIMIT + 2),
        ),
    ]
    return {
        "type": "modal",
        "callback_id": View.MILESTONE_CREATE,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": "New milestone"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def move_form(milestone: Milestone) -> dict[str, Any]:
    """The move form: the new forecast day (the current one to begin with) and why."""
    current: date = day_of(milestone.forecast_at, milestone.project)
    intro = f"{headline(milestone)}\n{dates_text(milestone)}"
    blocks = [
        _section(intro),
        field(
            Block.MILESTONE_DATE,
            "New forecast",
            {"type": "datepicker", "initial_date": current.isoformat()},
            optional=False,
        ),
        field(Block.WHY, "Why", text_input("", multiline=True, limit=WHY_LIMIT), optional=False),
    ]
    return {
        "type": "modal",
        "callback_id": View.MILESTONE_MOVE,
        "private_metadata": json.dumps({"milestone": milestone.id}),
        "title": {"type": "plain_text", "text": truncate(f"Move {milestone.ref}", 24)},
        "submit": {"type": "plain_text", "text": "Move"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }
