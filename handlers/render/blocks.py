"""Block Kit primitives every renderer shares, each kept within Slack's limits."""

from __future__ import annotations

from typing import Any

from domain.text import clip, truncate

SECTION_LIMIT = 3000
BUTTON_TEXT_LIMIT = 75


def text(content: str) -> dict[str, Any]:
    """A mrkdwn text object."""
    return {"type": "mrkdwn", "text": content}


def plain(content: str, limit: int = BUTTON_TEXT_LIMIT) -> dict[str, Any]:
    """A plain_text object, cut to `limit`."""
    return {"type": "plain_text", "text": truncate(content, limit)}


def section(content: str, **extra: Any) -> dict[str, Any]:
    """A mrkdwn section, cut to Slack's 3,000 characters (never inside an entity or a mention)."""
    return {"type": "section", "text": text(clip(content, SECTION_LIMIT)), **extra}


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    """A button; `style` is primary or danger."""
    element: dict[str, Any] = {"type": "button", "text": plain(label), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


def newest_that_fit(lines: list[str], limit: int = SECTION_LIMIT - 100) -> list[str]:
    """The newest lines whose total fits in one section, oldest first (a history shows its latest entries)."""
    kept: list[str] = []
    for line in reversed(lines):
        if sum(len(k) + 1 for k in kept) + len(line) > limit:
            break
        kept.insert(0, line)
    return kept


def text_input(current: str | None, *, multiline: bool, limit: int = 2900) -> dict[str, Any]:
    """A plain_text_input element, filled in with `current` (cut to `limit`) when there is one."""
    element: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline, "max_length": limit}
    if current:
        element["initial_value"] = current[:limit]
    return element


def input_field(block_id: str, label: str, element: dict[str, Any], optional: bool = True) -> dict[str, Any]:
    """A modal input block whose element answers as `state.values[block_id]["value"]`."""
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {"action_id": "value", **element},
        "optional": optional,
    }
