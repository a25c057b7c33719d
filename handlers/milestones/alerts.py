"""Slip and at-risk alerts: their words and blocks (pure: records in, Block Kit out)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.milestones import Slip, day_of, held_until, moved_by, pushed_late, slip_days
from domain.text import TEXT_OBJECT_LIMIT, channel_mention, clip, date_token, escape, plural, user_mention
from handlers.ids import Action
from handlers.render.blocks import button, section
from storage.models import Milestone, MilestoneStatus

Chain = list[Milestone]
Shown = Callable[[Milestone], bool]  # whether a message's readers may see this milestone's name, channel and dates
HIDDEN = "a milestone in a private channel"
STATUS_WORDS = {MilestoneStatus.AT_RISK: "at risk", MilestoneStatus.LATE: "late"}


def _date(moment: datetime, milestone: Milestone) -> str:
    """A milestone's date in each reader's zone; its project's day where Slack can't show the token."""
    return date_token(moment, fallback=f"{day_of(moment, milestone.project):%Y-%m-%d}")


def _named(milestone: Milestone) -> str:
    return f"*{milestone.ref}* {escape(milestone.name)}"


def _everyone(_milestone: Milestone) -> bool:
    return True


def _where(milestone: Milestone, shown: Shown) -> str:
    return f"{milestone.ref} ({channel_mention(milestone.project.channel_id)})" if shown(milestone) else HIDDEN


def chain_text(chain: Chain, shown: Shown = _everyone) -> str:
    """`M-API (#proj-payments) → M-UAT (#proj-web) → M-GOLIVE (#proj-web)`; a step its readers may not see is
    `a milestone in a private channel`."""
    return " → ".join(_where(m, shown) for m in chain)


def _show(*shown: Milestone) -> dict[str, Any]:
    hint = "Show it: " if len(shown) == 1 else "Show them: "
    hint += " · ".join(f"`/milestone show {m.ref}`" for m in shown)
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(hint, TEXT_OBJECT_LIMIT)}]}


def change_request_button(milestone: Milestone) -> dict[str, Any]:
    """The button that opens a change request's form filled in for this milestone."""
    value = json.dumps({"milestone": milestone.id, "ref": milestone.ref})
    return button("Raise a change request", Action.CHANGE_FROM_SLIP, value)


def _moved(slip: Slip) -> str:
    m = slip.milestone
    days = plural(slip.working_days, "working day")
    return (
        f"now {_date(m.forecast_at, m)} (was {_date(slip.previous, m)}), "
        f"*{days} past its baseline* of {_date(m.baseline_at, m)}"
    )


def _why(why: str) -> str:
    return f"*Why:* {escape(why)}" if why else "_No reason given._"


def slip(
    slip: Slip, downstream: list[tuple[Milestone, Chain]], *, hidden: int = 0, shown: Shown = _everyone
) -> tuple[str, list[dict[str, Any]]]:
    """The slip told to its owner, its project's leads and its channel: why, by how much, who waits for it.

    `downstream` are the dependents that may be named here; `hidden` counts those in channels not to be named;
    `shown` says which steps of their chains may be named.
    """
    m = slip.milestone
    where = channel_mention(m.project.channel_id)
    lines = [
        f":warning: {_named(m)} in {where} slipped: {_moved(slip)}.",
        f"Owner: {user_mention(m.owner_id)} · slip {slip.number}",
        _why(slip.why),
    ]
    if downstream or hidden:
        waiting = [f"• {chain_text(chain, shown)}" for _dep, chain in downstream]
        if hidden:
            waiting.append(f"• {plural(hidden, 'milestone')} in channels not named here")
        lines.append("*Waiting for it* (their channels are told):\n" + "\n".join(waiting))
    blocks = [
        section("\n".join(lines)),
        {"type": "actions", "elements": [change_request_button(m)]},
        _show(m),
    ]
    days = plural(slip.working_days, "working day")
    return f"{m.ref} slipped {days} past its baseline", blocks


def _dependent_line(dependent: Milestone, chain: Chain, shown: Shown) -> str:
    upstream = chain[-2]
    named = upstream.ref if shown(upstream) else HIDDEN
    its_forecast = _date(dependent.forecast_at, dependent)
    if pushed_late(chain) and all(shown(m) for m in chain[:-1]):
        state = (
            f"now *at risk*, its forecast can't hold: {upstream.ref} is expected by "
            f"{_date(held_until(chain), chain[0])}, after its forecast of {its_forecast}"
        )
    elif pushed_late(chain):
        state = f"now *at risk*, its forecast can't hold: what it waits for is expected after {its_forecast}"
    else:
        state = f"*at risk*: forecast {its_forecast}, and it waits for {named}"
    return f"• {_named(dependent)} is {state}\n      {chain_text(chain, shown)}"


def downstream(
    slip: Slip, dependents: list[tuple[Milestone, Chain]], *, shown: Shown
) -> tuple[str, list[dict[str, Any]]]:
    """A slip told to a project whose milestones wait for it: the new date, each dependent and its chain.

    Where `shown` says the readers may not see the slipped milestone (its channel is private and they are not in it),
    it is `a milestone in a private channel` that moved, by so many working days: no name, no dates, no reason; likewise
    any step of a chain they may not see."""
    m = slip.milestone
    first = dependents[0][0]
    if shown(m):
        lines = [
            f":warning: {_named(m)} in {channel_mention(m.project.channel_id)} moved: {_moved(slip)}.",
            _why(slip.why),
        ]
        text = f"{m.ref} moved to {day_of(m.forecast_at, m.project):%Y-%m-%d}: "
    else:
        later = plural(moved_by(slip), "working day")
        lines = [f":warning: {HIDDEN.capitalize()} moved *{later} later*."]
        text = f"{HIDDEN.capitalize()} moved {later} later: "
    lines += [
        f"*Waiting for it in {channel_mention(first.project.channel_id)}:*",
        *(_dependent_line(dependent, chain, shown) for dependent, chain in dependents),
    ]
    blocks = [section("\n".join(lines)), _show(*(dependent for dependent, _chain in dependents))]
    text += ", ".join(d.ref for d, _chain in dependents) + " at risk"
    return text, blocks


def status(milestone: Milestone) -> tuple[str, list[dict[str, Any]]]:
    """A milestone become at risk or late, told to its owner and leads: why, and its dates."""
    m = milestone
    word = STATUS_WORDS.get(m.status, m.status)
    dates = f"Forecast {_date(m.forecast_at, m)} · baseline {_date(m.baseline_at, m)}"
    if m.forecast_at > m.baseline_at:
        dates += f" ({plural(slip_days(m), 'working day')} past it)"
    lines = [
        f":warning: {_named(m)} in {channel_mention(m.project.channel_id)} is now *{word}*: {escape(m.status_why)}.",
        dates,
        f"Owner: {user_mention(m.owner_id)}",
    ]
    blocks: list[dict[str, Any]] = [section("\n".join(lines))]
    if m.status == MilestoneStatus.LATE:
        blocks.append({"type": "actions", "elements": [change_request_button(m)]})
    blocks.append(_show(m))
    return f"{m.ref} is now {word}: {escape(m.status_why)}", blocks
