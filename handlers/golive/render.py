"""Block Kit for go-lives: the runbook, the owners' and approvers' DMs, the live message and its timeline, the
closing summary with its retro offer, the minutes, lists and the no-go form. Times are Slack date tokens (each reader
sees their own zone); an owner's DM also says the time in words in the owner's zone."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain import golive as golives
from domain.calendar import local_text, wall
from domain.text import TEXT_OBJECT_LIMIT, channel_mention, clip, date_token, escape, escaped, plural, user_mention
from handlers.ids import Action, Block, View
from handlers.render.blocks import button, input_field, section, text, text_input
from handlers.render.split import fit, split_section_text
from storage.models import Meeting
from storage.models.golive import GoLive, GoLiveStatus, GoLiveStep, StepStatus, Vote

EMOJI = ":rocket:"
MARKS = {
    StepStatus.PENDING: ":white_circle:",
    StepStatus.DONE: ":white_check_mark:",
    StepStatus.FAILED: ":x:",
    StepStatus.SKIPPED: ":fast_forward:",
}
DONE_WORDS = {StepStatus.DONE: "done", StepStatus.FAILED: "failed", StepStatus.SKIPPED: "skipped"}
RETRO_SUFFIX = " retro"
VALUE_LIMIT = 2000
STEP_VALUE = "step:"  # a step's buttons carry `G-1 step:<its id>:<its number>`


def step_value(golive: GoLive, step: GoLiveStep) -> str:
    """What a step's buttons carry: the go-live, the step's id and its number (never given to another step of the
    go-live; an id can be, on SQLite, once the step with the highest id was removed)."""
    return f"{golive.ref} {STEP_VALUE}{step.id}:{step.position}"


def when(moment: datetime) -> str:
    return date_token(moment, "{date_short_pretty} {time}")


def _context(*parts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [text(clip(" · ".join(p for p in parts if p), TEXT_OBJECT_LIMIT))]}


def step_line(golive: GoLive, step: GoLiveStep) -> str:
    """`:white_circle: *#3* T-2h (date) Backups verified · @owner · if ...`, and its outcome once it has one."""
    line = (
        f"{MARKS.get(step.status, '')} *#{step.position}* `{golives.offset_of(step)}` "
        f"{when(golives.moment_of(golive, step))} {escaped(step.title, 200)} · {user_mention(step.owner_id)}"
    )
    if step.condition:
        line += f" · _if {escaped(step.condition, 300)}_"
    if step.status != StepStatus.PENDING and step.by and step.changed_at:
        line += f" · {DONE_WORDS[step.status]} by {user_mention(step.by)} {when(step.changed_at)}"
    if step.note:
        line += f" · {escaped(step.note, 300)}"
    if step.action_ref:
        line += f" · {_became(step)}"
    return line


def _became(step: GoLiveStep) -> str:
    return f"→ *{escape(step.action_ref or '')}*"


def make_action(golive: GoLive, step: GoLiveStep) -> dict[str, Any] | None:
    """A failed step's "Make an action item" (until it became one)."""
    if step.status != StepStatus.FAILED or step.action_ref:
        return None
    value = step_value(golive, step)
    return {"type": "actions", "elements": [button("Make an action item", Action.GOLIVE_STEP_ACTION, value)]}


def _sections(said: str) -> list[dict[str, Any]]:
    """Lines of mrkdwn as sections within Slack's 3,000 characters each, split between lines (none clipped)."""
    return [section(piece) for piece in split_section_text(said)]


def _lines(golive: GoLive) -> list[dict[str, Any]]:
    return _sections("\n".join(step_line(golive, s) for s in golives.ordered(golive)))


def _approvers(golive: GoLive) -> str:
    votes = {v.user_id: v for v in golive.votes}
    named = []
    for approver in golive.approver_ids:
        vote = votes.get(str(approver))
        said = "" if vote is None else (" :+1:" if vote.vote == Vote.GO else " :no_entry:")
        named.append(f"{user_mention(str(approver))}{said}")
    return "Go/no-go at T-1h: " + (", ".join(named) or "nobody")


def runbook(golive: GoLive) -> tuple[str, list[dict[str, Any]]]:
    """The go-live with every step, its approvers and where it stands."""
    head = (
        f"{EMOJI} *{golive.ref}* {escaped(golive.title, 200)} · T = {when(golive.at)} "
        f"({escape(local_text(golive.at, golive.zone))}) · *{status_words(golive)}*"
    )
    blocks = [
        section(head),
        *_lines(golive),
        _context(_approvers(golive), f"planned by {user_mention(golive.created_by)}"),
    ]
    return f"{golive.ref} {escaped(golive.title, 200)}: go-live at {when(golive.at)}", blocks


def status_words(golive: GoLive) -> str:
    return {
        GoLiveStatus.PLANNED: "planned",
        GoLiveStatus.GO: "GO",
        GoLiveStatus.NO_GO: "NO-GO",
        GoLiveStatus.LIVE: "live",
        GoLiveStatus.DONE: "ended",
        GoLiveStatus.ABORTED: "called off",
    }.get(golive.status, golive.status)


def details(golive: GoLive) -> tuple[str, list[dict[str, Any]]]:
    """The runbook as `show` gives it, with the channel it belongs to."""
    said, blocks = runbook(golive)
    return said, [*blocks, _context(f"In {channel_mention(golive.project.channel_id)}")]


def confirmation(golive: GoLive, *, tz: str) -> str:
    """What the planner is told."""
    return (
        f"{EMOJI} Planned {golive.ref} {escaped(golive.title, 200)} for {when(golive.at)} "
        f"({escape(wall(golive.at, tz=tz))} your time), with {plural(len(golive.steps), 'step')} from the template. "
        f"Change them with `/golive step {golive.ref} add|owner|remove`; see them with `/golive show {golive.ref}`."
    )


def golive_list(found: Sequence[GoLive], *, heading: str) -> tuple[str, list[dict[str, Any]]]:
    """Go-lives, one line each (at most `golives.SHOWN`: a few sections, each within Slack's limit, in one message)."""
    if not found:
        return escape(heading), [section(f"*{escape(heading)}*\nNone.")]
    lines = [
        f"*{g.ref}* {escaped(g.title, 200)} · {when(g.at)} · {status_words(g)} · "
        f"{golives.counts(g)[StepStatus.DONE]} of {len(g.steps)} steps done"
        for g in found[: golives.SHOWN]
    ]
    [blocks, *_] = fit([section(f"*{escape(heading)}*"), *_sections("\n".join(lines))])  # 30 short lines: one message
    return f"{escape(heading)}: {len(lines)}", blocks


# ------------------------------------------------------------------------------------------------------------
# The owners' DMs


def _owner_time(moment: datetime, tz: str) -> str:
    return f"{when(moment)} ({escape(wall(moment, tz=tz))} your time, {escape(tz)})"


def heads_up(golive: GoLive, step: GoLiveStep, moment: datetime, *, tz: str) -> tuple[str, list[dict[str, Any]]]:
    """A step's owner told it is coming."""
    said = (
        f":hourglass_flowing_sand: Coming up in {golive.ref} {escaped(golive.title, 200)}: step #{step.position} "
        f"*{escaped(step.title, 200)}* (`{golives.offset_of(step)}`) is yours at {_owner_time(moment, tz)}."
    )
    if step.condition:
        said += f"\nOnly if {escaped(step.condition, 500)}."
    return said, [section(said)]


def step_due(golive: GoLive, step: GoLiveStep, moment: datetime, *, tz: str) -> tuple[str, list[dict[str, Any]]]:
    """A step's owner told it is time: Done, Failed or Skip (or, once it has an outcome, the outcome)."""
    said = (
        f":alarm_clock: Time for step #{step.position} of {golive.ref} {escaped(golive.title, 200)}: "
        f"*{escaped(step.title, 200)}* (`{golives.offset_of(step)}`, {_owner_time(moment, tz)})."
    )
    if step.condition:
        said += f"\nOnly if {escaped(step.condition, 500)}."
    blocks = [section(said)]
    if step.status == StepStatus.PENDING and golive.status in golives.OPEN:
        value = step_value(golive, step)
        blocks.append({"type": "actions", "elements": [
            button("Done", Action.GOLIVE_STEP_DONE, value, "primary"),
            button("Failed", Action.GOLIVE_STEP_FAILED, value, "danger"),
            button("Skip", Action.GOLIVE_STEP_SKIP, value),
        ]})  # fmt: skip
    elif step.status != StepStatus.PENDING:
        blocks.append(_context(step_line(golive, step)))
        offer = make_action(golive, step)
        blocks += [offer] if offer else []
    else:
        blocks.append(_context(f"{golive.ref} is {status_words(golive)}."))
    return said, blocks


def step_removed(golive: GoLive, step: GoLiveStep, moment: datetime, *, tz: str) -> tuple[str, list[dict[str, Any]]]:
    """A step's DM once the step was taken out of the runbook: no button left."""
    said, _ = step_due(golive, step, moment, tz=tz)
    return said, [section(said), _context(f"Step removed from the runbook of {golive.ref}: nothing to do.")]


def all_finished(golive: GoLive) -> tuple[str, list[dict[str, Any]]]:
    """Whoever planned a live go-live told every step is finished, and how to end it."""
    said = (
        f":checkered_flag: Every step of {golive.ref} {escaped(golive.title, 200)} is finished ({summary(golive)}). "
        f"End it with `/golive end {golive.ref}`: the closing summary and a retro offer follow."
    )
    return said, [section(said)]


# ------------------------------------------------------------------------------------------------------------
# The go/no-go poll


def poll(golive: GoLive, approver: str) -> tuple[str, list[dict[str, Any]]]:
    """An approver asked go or no-go, with their vote so far; once decided, the decision and no button."""
    said = (
        f":vertical_traffic_light: Go or no-go for {golive.ref} {escaped(golive.title, 200)} at {when(golive.at)}? "
        f"{golives.counts(golive)[StepStatus.DONE]} of {len(golive.steps)} steps done so far."
    )
    blocks = [section(said)]
    mine = next((v for v in golive.votes if v.user_id == approver), None)
    if mine is not None:
        vote = "GO" if mine.vote == Vote.GO else f"NO-GO ({escaped(mine.comment, 500)})"
        blocks.append(_context(f"You said {vote} {when(mine.at)}"))
    if golive.decided_at is None and golive.status == GoLiveStatus.PLANNED:
        value = golive.ref
        blocks.append({"type": "actions", "elements": [
            button("Go", Action.GOLIVE_GO, value, "primary"), button("No-go", Action.GOLIVE_NO_GO, value, "danger"),
        ]})  # fmt: skip
    elif golive.decided_at is not None:
        blocks.append(_context(f"Decided: *{golives.verdict(golive)}*"))
    else:
        blocks.append(_context(f"No longer asked: {golive.ref} is {status_words(golive)}."))
    return said, blocks


def result(golive: GoLive) -> tuple[str, list[dict[str, Any]]]:
    """The poll's result, in the channel."""
    verdict = golives.verdict(golive)
    emoji = ":large_green_circle:" if verdict == "GO" else ":red_circle:"
    lines = [f"{emoji} *{verdict}* for {golive.ref} {escaped(golive.title, 200)} at {when(golive.at)}"]
    for vote in golive.votes:
        said = "go" if vote.vote == Vote.GO else f"no-go: {escaped(vote.comment, 500)}"
        lines.append(f"• {user_mention(vote.user_id)} {said}")
    for approver in golives.missing(golive):
        lines.append(f"• {user_mention(approver)} did not answer")
    if verdict != "GO":
        lines.append(f"It will not start by itself: a lead may `/golive start {golive.ref}` or `/golive end`.")
    return f"{verdict} for {golive.ref}", _sections("\n".join(lines))  # ten reasons of 500 characters: a few


def no_go_form(golive: GoLive) -> dict[str, Any]:
    """Why it is a no-go."""
    return {
        "type": "modal",
        "callback_id": View.GOLIVE_NO_GO,
        "private_metadata": json.dumps({"golive": golive.ref}),
        "title": {"type": "plain_text", "text": "No-go"},
        "submit": {"type": "plain_text", "text": "Say no-go"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"{golive.ref} {escaped(golive.title, 200)} at {when(golive.at)}"),
            input_field(
                Block.GOLIVE_REASON,
                "Why is it a no-go?",
                text_input("", multiline=True, limit=golives.NOTE_LIMIT),
                optional=False,
            ),
        ],
    }


# ------------------------------------------------------------------------------------------------------------
# The live timeline


def summary(golive: GoLive) -> str:
    """How the steps stand: `1 of 7 steps done · 1 failed`, and once it ended, how many were never marked."""
    return golives.outcome(golive)


def live(golive: GoLive) -> tuple[str, list[dict[str, Any]]]:
    """The channel's live message: its state, a true summary and every step; the thread holds the timeline."""
    if golive.status == GoLiveStatus.LIVE:
        head = f"{EMOJI} *{golive.ref}* {escaped(golive.title, 200)} is live"
    else:
        head = f":checkered_flag: *{golive.ref}* {escaped(golive.title, 200)} {status_words(golive)}"
    head += f" · {summary(golive)}"
    started = f"started {when(golive.started_at)}" if golive.started_at else ""
    by = f"by {user_mention(golive.started_by)}" if golive.started_by else ""
    ended = f"ended {when(golive.ended_at)}" if golive.ended_at else ""
    blocks = [section(head), *_lines(golive), _context(started, by, ended, "the timeline is in the thread")]
    return f"{golive.ref} {escaped(golive.title, 200)} is {status_words(golive)}: {summary(golive)}", blocks


def timeline(
    golive: GoLive, step: GoLiveStep, *, was: StepStatus = StepStatus.PENDING
) -> tuple[str, list[dict[str, Any]]]:
    """One step's change, as a reply in the live thread (`was`: the mark it corrects, said as a change); a failed
    one offers to become an action item, then names the item it became."""
    words = DONE_WORDS.get(step.status, step.status)
    by = f" by {user_mention(step.by)}" if step.by else ""
    at = f" {when(step.changed_at)}" if step.changed_at else ""
    said = f"{MARKS.get(step.status, '')} #{step.position} {escaped(step.title, 200)}: *{words}*{by}{at}"
    if was != StepStatus.PENDING:
        before = DONE_WORDS.get(was, was)
        said = (f"{MARKS.get(step.status, '')} {user_mention(step.by or '')} changed #{step.position} "
                f"{escaped(step.title, 200)} from *{before}* to *{words}*{at}")  # fmt: skip
    if step.note:
        said += f"\n> {escaped(step.note, 500)}"
    blocks = [section(said)]
    if step.action_ref:
        blocks.append(_context(f"{_became(step)} for {user_mention(step.owner_id)}"))
    offer = make_action(golive, step)
    changed = f" (was {DONE_WORDS.get(was, was)})" if was != StepStatus.PENDING else ""
    return f"{golive.ref} #{step.position} {words}{changed}", blocks + ([offer] if offer else [])


def note_added(golive: GoLive, step: GoLiveStep, *, by: str, note: str) -> tuple[str, list[dict[str, Any]]]:
    """A note added to a step marked already, as a reply in the thread: its mark stays as it was."""
    words = DONE_WORDS.get(step.status, step.status)
    said = (
        f":speech_balloon: {user_mention(by)} adds to #{step.position} {escaped(step.title, 200)} "
        f"(*{words}*{golives.marked_by(step)}):\n> {escaped(note, 500)}"
    )
    return f"{golive.ref} #{step.position}: a note added", [section(said)]


def closing(golive: GoLive) -> tuple[str, list[dict[str, Any]]]:
    """The closing summary in the thread."""
    by = f" by {user_mention(golive.ended_by)}" if golive.ended_by else ""
    said = f":checkered_flag: {golive.ref} ended{by} {when(golive.ended_at or golive.at)}: {summary(golive)}."
    return said, [section(said), *_lines(golive)]


def retro_value(golive: GoLive) -> str:
    """What "Run a retro" carries: the go-live's title and " retro" (the retros feature reads it as the title)."""
    return (golive.title[: VALUE_LIMIT - len(RETRO_SUFFIX)]) + RETRO_SUFFIX


def retro_offer(golive: GoLive) -> tuple[str, list[dict[str, Any]]]:
    """Once a go-live ended, a retro offered in its channel."""
    how = "has ended" if golive.status == GoLiveStatus.DONE else "was called off"
    said = f":checkered_flag: {golive.ref} {escaped(golive.title, 200)} {how} ({summary(golive)}). How did it go?"
    offer = {"type": "actions", "elements": [button("Run a retro", Action.RETRO_OFFERED, retro_value(golive))]}
    return said, [section(said), offer]


def minutes(golive: GoLive) -> tuple[str, list[dict[str, Any]]]:
    """The go-live's timeline as text: the poll, the start, each step's outcome (who, when, note), the end."""
    lines = [f"*{golive.ref} {escaped(golive.title, 200)}* · T = {when(golive.at)} · {status_words(golive)}"]
    if golive.decided_at:
        lines.append(f"{when(golive.decided_at)} go/no-go: *{golives.verdict(golive)}*")
        for vote in golive.votes:
            said = "go" if vote.vote == Vote.GO else f"no-go ({escaped(vote.comment, 300)})"
            lines.append(f"    {user_mention(vote.user_id)} {said} {when(vote.at)}")
    if golive.started_at:
        lines.append(f"{when(golive.started_at)} live")
    for step in sorted(golive.steps, key=lambda s: (s.changed_at or golive.at, s.position)):
        if step.changed_at is None:
            continue
        by = f" by {user_mention(step.by)}" if step.by else ""
        note = f": {escaped(step.note, 300)}" if step.note else ""
        words = DONE_WORDS.get(step.status, step.status)
        became = f" {_became(step)}" if step.action_ref else ""
        lines.append(f"{when(step.changed_at)} #{step.position} {escaped(step.title, 200)} {words}{by}{note}{became}")
    pending = [s for s in golives.ordered(golive) if s.status == StepStatus.PENDING]
    for step in pending:
        lines.append(f"(not done) #{step.position} {escaped(step.title, 200)} · {user_mention(step.owner_id)}")
    if golive.ended_at:
        lines.append(f"{when(golive.ended_at)} ended · {summary(golive)}")
    return f"Timeline of {golive.ref}", _sections("\n".join(lines))


def minutes_answer(golive: GoLive) -> tuple[str, list[dict[str, Any]]]:
    """The timeline as `/golive minutes` answers it: only for whoever asked, with "Post to the channel"."""
    said, blocks = minutes(golive)
    post = button("Post to the channel", Action.GOLIVE_MINUTES_POST, golive.ref)
    return said, [*blocks, _context(f"Only you see this. Post it in {channel_mention(golive.project.channel_id)} "
                                    "for the team:"), {"type": "actions", "elements": [post]}]  # fmt: skip


def minutes_posted(golive: GoLive, *, by: str, meeting: str = "") -> tuple[str, list[dict[str, Any]]]:
    """The timeline posted in the channel as the go-live's minutes (`meeting`: a meeting of the day, in words)."""
    said, blocks = minutes(golive)
    return f"Minutes of {golive.ref}: {said}", [
        section(f":memo: *Minutes of {golive.ref}*"),
        *blocks,
        _context(f"posted by {user_mention(by)}", meeting),
    ]


def meeting_words(meeting: Meeting | None) -> str:
    """A meeting of the channel that ended the same day, and how to get its minutes."""
    if meeting is None:
        return ""
    return (
        f"{meeting.ref} {escaped(meeting.title, 100)} ended that day: its minutes with `/meeting minutes {meeting.ref}`"
    )
