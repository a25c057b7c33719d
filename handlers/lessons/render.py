"""Block Kit for lessons learned: the card, lists and search results (each naming its channel), the form."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from domain import lessons
from domain.text import TEXT_OBJECT_LIMIT, channel_mention, clip, date_token, escape, escaped, truncate, user_mention
from handlers.ids import Block
from handlers.render.blocks import input_field as field
from handlers.render.blocks import section, text, text_input
from storage.models import Lesson

EMOJI = ":bulb:"


def _tags(lesson: Lesson) -> str:
    return " ".join(f"`#{escape(tag)}`" for tag in lesson.tags)


def card(lesson: Lesson) -> tuple[str, list[dict[str, Any]]]:
    """A lesson: what we learned, what happened, who recorded it and when, its tags and related records."""
    blocks: list[dict[str, Any]] = [section(f"{EMOJI} *{lesson.ref}* {escaped(lesson.learned, 2900)}")]
    if lesson.happened:
        blocks.append(section(f"*What happened:* {escaped(lesson.happened, 2900)}"))
    facts = [f"by {user_mention(lesson.author_id)}", date_token(lesson.created_at, "{date_short_pretty}")]
    if lesson.tags:
        facts.append(_tags(lesson))
    if lesson.links:
        facts.append("related: " + " ".join(escape(str(ref)) for ref in lesson.links))
    blocks.append({"type": "context", "elements": [text(clip(" · ".join(facts), TEXT_OBJECT_LIMIT))]})
    return f"Lesson {lesson.ref}: {escaped(lesson.learned, 200)}", blocks


def details(lesson: Lesson) -> tuple[str, list[dict[str, Any]]]:
    """A lesson as `show` gives it: its card and the channel it was recorded in."""
    said, blocks = card(lesson)
    where = {"type": "context", "elements": [text(f"Recorded in {channel_mention(lesson.project.channel_id)}")]}
    return said, [*blocks, where]


def confirmation(lesson: Lesson) -> str:
    """What the recorder is told: the lesson's id and its tags."""
    tags = f" (tagged {_tags(lesson)})" if lesson.tags else ""
    return f"{EMOJI} Recorded {lesson.ref}{tags}. Find it again with `/lesson search`."


def lesson_list(
    found: Sequence[Lesson], *, heading: str, channels: bool = False, total: int | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Lessons, one line each, newest first; with `channels`, each says where it was recorded."""
    if not found:
        return escape(heading), [section(f"*{escape(heading)}*\nNone.")]
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": truncate(heading, 150)}}]
    for lesson in found[: lessons.SHOWN]:
        line = f"*{lesson.ref}* {escaped(lesson.learned, 300)}"
        if lesson.tags:
            line += f" · {_tags(lesson)}"
        if channels:
            line += f" · in {channel_mention(lesson.project.channel_id)}"
        blocks.append(section(clip(line, 2900)))
    total = len(found) if total is None else total
    if total > lessons.SHOWN:
        blocks.append({"type": "context", "elements": [text("…and more: narrow it with more words or #tags.")]})
    return f"{escape(heading)}: {min(total, lessons.SHOWN)}", blocks


def form(*, callback_id: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """The lesson form: what happened, what we learned, tags and related records."""
    blocks = [
        field(Block.LESSON_HAPPENED, "What happened", text_input("", multiline=True, limit=lessons.TEXT_LIMIT)),
        field(
            Block.LESSON_LEARNED,
            "What we learned",
            text_input("", multiline=True, limit=lessons.TEXT_LIMIT),
            optional=False,
        ),
        field(
            Block.TAGS, f"Tags (words, at most {lessons.TAG_COUNT}: cutover vendor)", text_input("", multiline=False)
        ),
        field(Block.LINKS, "Related records (A-3 R-2 D-9 M-UAT CR-1)", text_input("", multiline=False, limit=200)),
    ]
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": "Record a lesson"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }
