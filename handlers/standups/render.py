"""Block Kit for stand-ups: prompts, the answer form, the day's thread, the summary, set-up, reports."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from domain.standups import MemberStats, Plate, response_rate
from domain.text import channel_mention, date_token, escape, escaped, plural, truncate, user_mention
from handlers.ids import Action, Block, View
from handlers.render.blocks import SECTION_LIMIT
from handlers.render.blocks import button as _button
from handlers.render.blocks import plain as _plain
from handlers.render.blocks import section as _section
from handlers.render.blocks import text as _text
from storage.models import ActionItem, Blocker, BlockerStatus, Standup, StandupAnswer

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def day_label(day: date) -> str:
    """`Mon 23 Nov 2026`: a stand-up day is a calendar date, the same for everyone."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {day:%b %Y}"


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def prompt(
    standup: Standup, day: date, *, reminder: bool = False, plate: Plate | None = None, now: datetime | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The DM that asks a participant for their update, with Answer, Skip today and Away; with their `plate`, the
    action items they have due soon (overdue first, as of `now`) and each open blocker asking "Still blocked?"."""
    value = f"{standup.id}|{day.isoformat()}"
    intro = (
        f":wave: Still missing your stand-up for {channel_mention(standup.project.channel_id)} ({day_label(day)})."
        if reminder
        else f":sunrise: Stand-up time for {channel_mention(standup.project.channel_id)} ({day_label(day)})."
    )
    questions = "\n".join(f"• {escape(q)}" for q in standup.questions)
    blocks = [
        _section(f"{intro}\n{questions}\nAnswer with the button, or just reply here in one message."),
        {
            "type": "actions",
            "block_id": f"standup-{value}",
            "elements": [
                _button("Answer", Action.STANDUP_ANSWER, value, "primary"),
                _button("Skip today", Action.STANDUP_SKIP, value),
                _button("I'm away", Action.STANDUP_AWAY, value),
            ],
        },
    ]
    if plate:
        blocks[1:1] = _plate(plate, now, day)
    return (f"Stand-up reminder for {day_label(day)}" if reminder else f"Stand-up for {day_label(day)}"), blocks


ON_THE_PLATE = 10  # items listed in a prompt; blockers each get their buttons, so fewer
BLOCKERS_SHOWN = 5
TITLE_SHOWN = 150  # an item's title in a prompt's due list: ten of them and the "more" line fit one section
DUE_SOON = "due-soon"  # block id of a prompt's list of items due soon
BLOCKER = "blocker-"  # block ids of a prompt's blockers: `blocker-<id>` (what it says)...
STILL_BLOCKED = "still-blocked-"  # ...and `still-blocked-<id>` (its "Still blocked?" buttons, or the answer)
BLOCKERS_MORE = "blockers-more"
PLATE_BLOCKS = (DUE_SOON, BLOCKER, STILL_BLOCKED, BLOCKERS_MORE)


def _plate(plate: Plate, now: datetime | None, day: date) -> list[dict[str, Any]]:
    """The participant's own items due within two working days, and their open blockers with Still blocked?."""
    blocks: list[dict[str, Any]] = []
    if plate.actions:
        heading = "*Your action items due within two working days*"
        lines: list[str] = []
        for n, item in enumerate(plate.actions[:ON_THE_PLATE]):
            line, left = _due_line(item, now), len(plate.actions) - n - 1
            more = f"…and {left} more: `/action list` shows them." if left else ""
            if sum(len(x) + 1 for x in (heading, *lines, line, more)) > SECTION_LIMIT:
                break
            lines.append(line)
        if len(plate.actions) > len(lines):
            lines.append(f"…and {len(plate.actions) - len(lines)} more: `/action list` shows them.")
        blocks.append(_section("\n".join([heading, *lines]), block_id=DUE_SOON))
    for blocker in plate.blockers[:BLOCKERS_SHOWN]:
        blocks += [blocker_said(blocker), blocker_answer(blocker, day)]
    if len(plate.blockers) > BLOCKERS_SHOWN:
        more = f"…and {plural(len(plate.blockers) - BLOCKERS_SHOWN, 'more open blocker')}."
        blocks.append({"type": "context", "block_id": BLOCKERS_MORE, "elements": [_text(more)]})
    return blocks


def blocker_said(blocker: Blocker) -> dict[str, Any]:
    """A prompt's blocker: what it says, since when."""
    since = date_token(blocker.created_at, "{date_short_pretty}")
    text = f":construction: *Still blocked?* {escaped(blocker.text, 500)} _(since {since})_"
    return _section(text, block_id=f"{BLOCKER}{blocker.id}")


def blocker_answer(blocker: Blocker, day: date, *, noted: bool = False) -> dict[str, Any]:
    """Under a prompt's blocker, as it stands: its buttons while open and unanswered, else the answer."""
    block_id = still_blocked_block(blocker.id)
    if blocker.status != BlockerStatus.OPEN:
        by = f" by {user_mention(blocker.resolved_by)}" if blocker.resolved_by else ""
        return {"type": "context", "block_id": block_id, "elements": [_text(f":white_check_mark: Resolved{by}")]}
    if noted:
        return {"type": "context", "block_id": block_id, "elements": [_text(":construction: Still blocked: noted")]}
    value = f"{blocker.id}|{day.isoformat()}"
    return {
        "type": "actions",
        "block_id": block_id,
        "elements": [
            _button("Yes, still blocked", Action.BLOCKER_STILL, value),
            _button("Resolved", Action.BLOCKER_RESOLVED, value, "primary"),
        ],
    }


def _due_line(item: ActionItem, now: datetime | None) -> str:
    overdue = now is not None and item.due_at is not None and item.due_at < now
    due = date_token(item.due_at) if item.due_at else "no due date"
    return f"• {':warning: *overdue* · ' if overdue else ''}*{item.ref}* {escaped(item.title, TITLE_SHOWN)} · due {due}"


def still_blocked_block(blocker_id: int) -> str:
    """The block id of a blocker's "Still blocked?" buttons in a prompt."""
    return f"{STILL_BLOCKED}{blocker_id}"


def plate_blocks(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A prompt's blocks of what is on the person's plate (the due list, the blockers)."""
    return [b for b in blocks if str(b.get("block_id") or "").startswith(PLATE_BLOCKS)]


def blockers_in(blocks: list[dict[str, Any]]) -> list[int]:
    """The ids of the blockers a prompt asks about."""
    ids = (str(b.get("block_id") or "").removeprefix(STILL_BLOCKED) for b in blocks)
    return [int(i) for b, i in zip(blocks, ids, strict=True) if str(b.get("block_id")) != i and i.isdigit()]


def with_answers(blocks: list[dict[str, Any]], answers: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """A prompt's blocks with each blocker's buttons (or answer) as `answers` has them now."""
    out = []
    for block in blocks:
        blocker_id = str(block.get("block_id") or "").removeprefix(STILL_BLOCKED)
        out.append(answers.get(int(blocker_id), block) if blocker_id.isdigit() else block)
    return out


def answered_note(
    standup: Standup, day: date, *, skipped: bool, plate: list[dict[str, Any]] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """What the prompt DM becomes once answered or skipped (keeping the `plate` blocks it had, the due list and the
    blockers, as they stand)."""
    what = "skipped" if skipped else "answered. Thanks! It is in the channel's thread"
    text = f":white_check_mark: Stand-up for {channel_mention(standup.project.channel_id)} ({day_label(day)}): {what}."
    if skipped:
        return text, [_section(text), *(plate or [])]
    edit = _button("Edit my answer", Action.STANDUP_ANSWER, f"{standup.id}|{day.isoformat()}")
    edit_block = {"type": "actions", "block_id": f"edit-{standup.id}-{day}", "elements": [edit]}
    return text, [_section(text), *(plate or []), edit_block]


def answer_modal(standup: Standup, day: date, *, previous: list[str] | None = None) -> dict[str, Any]:
    """The form with one input per question."""
    blocks = []
    for index, question in enumerate(standup.questions):
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": True,
            "max_length": 2900,
        }
        if previous and index < len(previous) and previous[index]:
            element["initial_value"] = previous[index][:2900]
        blocks.append(
            {
                "type": "input",
                "block_id": f"q{index}",
                "label": {"type": "plain_text", "text": truncate(question, 2000)},
                "element": element,
                "optional": index > 0,
            }
        )
    return {
        "type": "modal",
        "callback_id": View.STANDUP_ANSWER,
        "private_metadata": json.dumps({"standup": standup.id, "day": day.isoformat()}),
        "title": {"type": "plain_text", "text": "Stand-up"},
        "submit": {"type": "plain_text", "text": "Post"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "context", "elements": [_text(f"{day_label(day)} · posted to the channel's stand-up thread")]},
            *blocks,
        ],
    }


def away_modal(standup_id: int, day: date) -> dict[str, Any]:
    """The form for time away."""

    def picker(block_id: str, label: str) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": block_id,
            "label": {"type": "plain_text", "text": label},
            "element": {"type": "datepicker", "action_id": "value", "initial_date": day.isoformat()},
        }

    return {
        "type": "modal",
        "callback_id": View.STANDUP_AWAY,
        "private_metadata": json.dumps({"standup": standup_id}),
        "title": {"type": "plain_text", "text": "Time away"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [picker(Block.AWAY_FIRST, "First day away"), picker(Block.AWAY_LAST, "Last day away")],
    }


def thread_parent(standup: Standup, day: date) -> tuple[str, list[dict[str, Any]]]:
    """The channel message that holds the day's answers in its thread."""
    text = f":spiral_note_pad: *Stand-up · {day_label(day)}*: answers in the thread."
    return f"Stand-up · {day_label(day)}", [_section(text)]


def answer_message(
    standup: Standup, answer: StandupAnswer, blocker: Blocker | None, *, made: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """One person's answers in the day's thread, with a blocker stood out, a Resolved button, and "Make an action
    item" (or, once `made`, the item's id)."""
    lines = [f"*{user_mention(answer.user_id)}*" + (" _(late)_" if answer.late else "")]
    for question, reply in zip(standup.questions, answer.answers, strict=False):
        if reply:
            lines.append(f"*{escape(question)}*\n{escape(reply)}")
    blocks: list[dict[str, Any]] = [_section("\n".join(lines))]
    if blocker is not None and blocker.status == BlockerStatus.OPEN:
        blocks.append(
            _section(
                f":construction: *Blocker:* {escaped(blocker.text, 2000)}",
                accessory=_button("Resolved", Action.BLOCKER_RESOLVED, str(blocker.id)),
            )
        )
        blocks.append(_made_from(blocker, made))
    elif blocker is not None:
        blocks.append({"type": "context", "elements": [_text(":white_check_mark: Blocker resolved")]})
    return f"Stand-up update from {user_mention(answer.user_id)}", blocks


def _made_from(blocker: Blocker, made: str | None) -> dict[str, Any]:
    if made is not None:
        return {
            "type": "context",
            "elements": [_text(f":clipboard: Action item *{escape(made)}* made from this blocker")],
        }
    button = _button("Make an action item", Action.BLOCKER_TO_ACTION, str(blocker.id))
    return {"type": "actions", "block_id": f"blocker-action-{blocker.id}", "elements": [button]}


def blocker_made(ref: str, *, owner: str, title: str) -> tuple[str, list[dict[str, Any]]]:
    """Only to whoever made an action item of a blocker: it is made, with no due date, and its Edit to set one."""
    text = f"{ref} made from the blocker, owned by {user_mention(owner)}, with no due date yet."
    line = f":clipboard: *{ref}* {escaped(title, 300)} · {user_mention(owner)} · _no due date yet_"
    edit = _button("Set owner & due date", Action.ACTION_EDIT, ref)
    return text, [_section(line, accessory=edit)]


def summary(
    day: date,
    *,
    answered: list[str],
    away: list[str],
    missing: list[str],
    blockers: list[Blocker],
    mention_missing: bool,
    names: dict[str, str],
) -> tuple[str, list[dict[str, Any]]]:
    """The day's summary: who answered, who is away, who has not answered yet, and every blocker."""

    def people(users: list[str], *, ping: bool = True) -> str:
        if not users:
            return "nobody"
        return ", ".join(user_mention(u) if ping else f"@{escape(names.get(u, u))}" for u in users)

    lines = [
        f"*Stand-up summary · {day_label(day)}*",
        f":white_check_mark: Answered ({len(answered)}): {people(answered, ping=False)}",
        f":palm_tree: Away ({len(away)}): {people(away, ping=False)}",
        f":hourglass: Not yet ({len(missing)}): {people(missing, ping=mention_missing)}",
    ]
    if blockers:
        lines.append(f":construction: *Blockers ({len(blockers)})*")
        lines += [f"• @{escape(names.get(b.owner_id, b.owner_id))}: {escaped(b.text, 300)}" for b in blockers[:20]]
    else:
        lines.append(":construction: No blockers.")
    return f"Stand-up summary · {day_label(day)}", [_section("\n".join(lines))]


def configuration(standup: Standup, *, names: dict[str, str]) -> tuple[str, list[dict[str, Any]]]:
    """`/standup show`: the configuration in words."""
    days = ", ".join(WEEKDAYS[d] for d in standup.days)
    when = (
        f"at {_hhmm(standup.summary_minute)} ({escape(standup.project.time_zone)})"
        if standup.summary_mode == "fixed"
        else f"{standup.summary_after_hours} h after the last participant's prompt"
    )
    people = ", ".join(f"@{escape(names.get(u, u))}" for u in standup.participants)
    lines = [
        "*Stand-up*" + (" _(paused)_" if standup.paused else ""),
        "*Questions:* " + " / ".join(escape(q) for q in standup.questions),
        f"*Days:* {days} · *asked at* {_hhmm(standup.prompt_minute)} in each person's own time zone",
        f"*Participants ({len(standup.participants)}):* {people}",
        f"*Summary:* {when}",
        "*Reminder:* " + (f"{standup.reminder_minutes} min after the prompt" if standup.reminder_minutes else "off"),
        f"*Mention who has not answered:* {'yes' if standup.mention_missing else 'no'}",
    ]
    return "Stand-up configuration", [_section("\n".join(lines))]


def setup_modal(standup: Standup | None, *, channel: str, participants: list[str]) -> dict[str, Any]:
    """`/standup setup`: every setting with its current value or default."""
    from storage.models.standups import DEFAULT_QUESTIONS

    questions = list(standup.questions) if standup else list(DEFAULT_QUESTIONS)
    days = list(standup.days) if standup else [0, 1, 2, 3, 4]
    mode = standup.summary_mode if standup else "after_last"

    def option(text: str, value: str) -> dict[str, Any]:
        return {"text": _plain(text), "value": value}

    day_options = [option(WEEKDAYS[d], str(d)) for d in range(7)]
    mode_options = [
        option("Some hours after the last person's prompt", "after_last"),
        option("At a fixed time (project time zone)", "fixed"),
    ]
    after_options = [option(f"{h} h", str(h)) for h in range(1, 13)]
    reminder_options = [option("Off", "0")] + [option(f"{m} min", str(m)) for m in (30, 60, 90, 120, 180, 240)]
    after = str(standup.summary_after_hours if standup else 3)
    reminder = str(standup.reminder_minutes if standup else 60)
    mention = [option("Mention people who have not answered", "yes")]

    def field(block_id: str, label: str, element: dict[str, Any], optional: bool = False) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": block_id,
            "label": {"type": "plain_text", "text": label},
            "element": {"action_id": "value", **element},
            "optional": optional,
        }

    blocks = [
        field(
            Block.QUESTIONS,
            "Questions (one per line)",
            {"type": "plain_text_input", "multiline": True, "initial_value": "\n".join(questions)},
        ),
        field(
            Block.DAYS,
            "Days",
            {"type": "checkboxes", "options": day_options, "initial_options": [day_options[d] for d in days]},
        ),
        field(
            Block.PROMPT_TIME,
            "Ask each person at (their own local time)",
            {"type": "timepicker", "initial_time": _hhmm(standup.prompt_minute if standup else 570)},
        ),
        field(Block.PARTICIPANTS, "Participants", {"type": "multi_users_select", "initial_users": participants[:100]}),
        field(
            Block.SUMMARY_MODE,
            "Post the summary",
            {
                "type": "radio_buttons",
                "options": mode_options,
                "initial_option": mode_options[0] if mode == "after_last" else mode_options[1],
            },
        ),
        field(
            Block.SUMMARY_AFTER,
            "Hours after the last prompt",
            {
                "type": "static_select",
                "options": after_options,
                "initial_option": after_options[int(after) - 1]
                if after.isdigit() and 1 <= int(after) <= 12
                else after_options[2],
            },
        ),
        field(
            Block.SUMMARY_TIME,
            "Fixed summary time (project time zone)",
            {"type": "timepicker", "initial_time": _hhmm(standup.summary_minute if standup else 17 * 60)},
        ),
        field(
            Block.REMINDER,
            "Remind those who have not answered",
            {
                "type": "static_select",
                "options": reminder_options,
                "initial_option": next((o for o in reminder_options if o["value"] == reminder), reminder_options[2]),
            },
        ),
        field(
            Block.MENTION_MISSING,
            "In the summary",
            {
                "type": "checkboxes",
                "options": mention,
                **({"initial_options": mention} if standup and standup.mention_missing else {}),
            },
            optional=True,
        ),
    ]
    return {
        "type": "modal",
        "callback_id": View.STANDUP_SETUP,
        "private_metadata": json.dumps({"channel": channel}),
        "title": {"type": "plain_text", "text": "Stand-up set-up"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def report(answers: list[StandupAnswer], standup: Standup, *, heading: str) -> tuple[str, list[dict[str, Any]]]:
    """`/standup report`: answers over a range."""
    if not answers:
        return heading, [_section(f"*{escape(heading)}*\nNo answers in that range.")]
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": truncate(heading, 150)}}]
    for answer in answers[:45]:
        parts = [f"*{day_label(answer.day)} · {user_mention(answer.user_id)}*"]
        parts += [f"_{escape(q)}_ {escape(a)}" for q, a in zip(standup.questions, answer.answers, strict=False) if a]
        blocks.append(_section("\n".join(parts)))
    if len(answers) > 45:
        blocks.append({"type": "context", "elements": [_text(f"…and {len(answers) - 45} more.")]})
    return f"{escape(heading)}: {len(answers)} answers", blocks


def stats(rows: list[MemberStats]) -> tuple[str, list[dict[str, Any]]]:
    """`/standup stats`: response rate, on time vs late, per participant."""
    lines = ["*Stand-up response over the last 30 stand-up days*"]
    rate = response_rate(rows)
    if rate is not None:
        asked, answered = sum(r.asked for r in rows), sum(r.answered for r in rows)
        lines.append(f"Everyone: {rate:.0%} answered ({answered}/{asked})")
    for row in sorted(rows, key=lambda r: r.rate):
        lines.append(
            f"{user_mention(row.user_id)}: {row.rate:.0%} answered ({row.answered}/{row.asked}) · "
            f"{row.on_time} on time, {row.late} late, {row.skipped} skipped"
        )
    return "Stand-up stats", [_section("\n".join(lines))]
