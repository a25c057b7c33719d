"""Slack's payload rules that the local fake enforces (see sandbox/standin/server.py).

Each rule is (methods it applies to, error answered, predicate saying the args break it).
Add a rule by appending a row to RULES; `check` answers the first broken rule's error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})
METADATA_METHODS = frozenset({"chat.postMessage", "chat.update"})  # the methods that take message metadata
VIEW_METHODS = frozenset({"views.open", "views.push", "views.update", "views.publish"})

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT_CHARS = 40_000
MAX_SECTION_TEXT_CHARS = 3000
MAX_SECTION_FIELDS = 10
MAX_CONTEXT_TEXT_CHARS = 3000  # any text object's limit
MAX_FIELD_TEXT_CHARS = 2000
MAX_HEADER_CHARS = 150
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_TEXT_CHARS = 75
MAX_BLOCK_ID_CHARS = 255
MAX_VIEW_TITLE_CHARS = 24
MAX_PRIVATE_METADATA_CHARS = 3000
ACK_SECONDS = 3.0  # Slack gives up on a request the app has not answered by then

BLOCK_TYPES = frozenset(
    {"section", "divider", "image", "actions", "context", "input", "file", "header", "video", "rich_text", "markdown"}
)
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
ELEMENT_TYPES = frozenset(
    {
        "button", "checkboxes", "datepicker", "datetimepicker", "email_text_input", "image", "multi_static_select",
        "multi_users_select", "multi_conversations_select", "multi_channels_select", "multi_external_select",
        "number_input", "overflow", "plain_text_input", "radio_buttons", "rich_text_input", "static_select",
        "users_select", "conversations_select", "channels_select", "external_select", "timepicker",
        "url_text_input", "file_input", "workflow_button",
    }
)  # fmt: skip


def _blocks(args: dict[str, Any]) -> list[Any]:
    blocks = args.get("blocks")
    return blocks if isinstance(blocks, list) else []


def _view_blocks(args: dict[str, Any]) -> list[Any]:
    view = args.get("view")
    return _blocks(view) if isinstance(view, dict) else []


def _text_of(obj: Any) -> str:
    return str(obj.get("text") or "") if isinstance(obj, dict) else ""


def _bad_text(obj: Any, *, plain: bool = False, limit: int | None = None) -> bool:
    """A text object Slack refuses: not {"type": plain_text|mrkdwn, "text": ...}, or too long."""
    if not isinstance(obj, dict) or obj.get("type") not in (("plain_text",) if plain else TEXT_TYPES):
        return True
    if not isinstance(obj.get("text"), str) or not obj["text"]:
        return True
    return limit is not None and len(obj["text"]) > limit


def _bad_element(element: Any) -> bool:
    if not isinstance(element, dict) or element.get("type") not in ELEMENT_TYPES:
        return True
    if element["type"] == "button":
        return _bad_text(element.get("text"), plain=True, limit=MAX_BUTTON_TEXT_CHARS)
    return element["type"] in ("static_select", "overflow") and not (
        element.get("options") or element.get("option_groups")
    )


def _bad_section(block: dict[str, Any]) -> bool:
    fields = block.get("fields") or []
    if "text" not in block and not fields:
        return True
    if "text" in block and _bad_text(block["text"], limit=MAX_SECTION_TEXT_CHARS):
        return True
    if "accessory" in block and _bad_element(block["accessory"]):
        return True
    return len(fields) > MAX_SECTION_FIELDS or any(_bad_text(f, limit=MAX_FIELD_TEXT_CHARS) for f in fields)


def _bad_elements(block: dict[str, Any], most: int, check: Callable[[Any], bool]) -> bool:
    elements = block.get("elements")
    return not isinstance(elements, list) or not 1 <= len(elements) <= most or any(check(e) for e in elements)


def _bad_context_element(element: Any) -> bool:
    if isinstance(element, dict) and element.get("type") == "image":
        return not element.get("alt_text")
    return _bad_text(element, limit=MAX_CONTEXT_TEXT_CHARS)


BLOCK_CHECKS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "section": _bad_section,
    "header": lambda b: _bad_text(b.get("text"), plain=True, limit=MAX_HEADER_CHARS),
    "actions": lambda b: _bad_elements(b, MAX_ACTIONS_ELEMENTS, _bad_element),
    "context": lambda b: _bad_elements(b, MAX_CONTEXT_ELEMENTS, _bad_context_element),
    "image": lambda b: not (b.get("image_url") or b.get("slack_file")) or not b.get("alt_text"),
    "input": lambda b: _bad_text(b.get("label"), plain=True, limit=2000) or _bad_element(b.get("element")),
    "rich_text": lambda b: not isinstance(b.get("elements"), list),
}


def _bad_block(block: Any) -> bool:
    """A block Slack answers invalid_blocks for: unknown type, a missing or malformed part, over a limit."""
    if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
        return True
    if len(str(block.get("block_id") or "")) > MAX_BLOCK_ID_CHARS:
        return True
    check = BLOCK_CHECKS.get(block["type"])
    return check is not None and check(block)


def _bad_view(args: dict[str, Any]) -> bool:
    """A modal's title, buttons or metadata that Slack refuses (a home tab has none of them)."""
    view = args.get("view")
    if not isinstance(view, dict) or view.get("type") != "modal":
        return False
    if _bad_text(view.get("title"), plain=True, limit=MAX_VIEW_TITLE_CHARS):
        return True
    for button in ("submit", "close"):
        if view.get(button) is not None and _bad_text(view[button], plain=True, limit=MAX_VIEW_TITLE_CHARS):
            return True
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in _view_blocks(args))
    return (has_input and not view.get("submit")) or len(str(view.get("private_metadata") or "")) > (
        MAX_PRIVATE_METADATA_CHARS
    )


def answered_too_late(seconds: float) -> str | None:
    """The error Slack shows the person when the app took `seconds` to answer a request, or None."""
    return "operation_timeout" if seconds > ACK_SECONDS else None


def _duplicate_block_ids(blocks: list[Any]) -> bool:
    ids = [b["block_id"] for b in blocks if isinstance(b, dict) and b.get("block_id")]
    return len(ids) != len(set(ids))


def _bad_metadata(args: dict[str, Any]) -> bool:
    """Message metadata Slack refuses: not {"event_type": a string, "event_payload": an object}."""
    if "metadata" not in args:
        return False
    metadata = args["metadata"]
    if not isinstance(metadata, dict):
        return True
    event_type = metadata.get("event_type")
    return not isinstance(event_type, str) or not event_type or not isinstance(metadata.get("event_payload"), dict)


def _no_content(args: dict[str, Any]) -> bool:
    return not any(args.get(k) for k in ("text", "blocks", "attachments", "markdown_text"))


Rule = tuple[frozenset[str], str, Callable[[dict[str, Any]], bool]]

RULES: list[Rule] = [
    (MESSAGE_METHODS, "no_text", _no_content),
    (MESSAGE_METHODS, "msg_too_long", lambda a: len(str(a.get("text") or "")) > MAX_TEXT_CHARS),
    (MESSAGE_METHODS, "invalid_blocks", lambda a: "blocks" in a and not isinstance(a["blocks"], list)),
    (MESSAGE_METHODS, "invalid_blocks", lambda a: len(_blocks(a)) > MAX_MESSAGE_BLOCKS),
    (MESSAGE_METHODS, "invalid_blocks", lambda a: any(_bad_block(b) for b in _blocks(a))),
    (MESSAGE_METHODS, "invalid_blocks", lambda a: _duplicate_block_ids(_blocks(a))),
    (METADATA_METHODS, "invalid_metadata_format", _bad_metadata),
    (VIEW_METHODS, "invalid_arguments", lambda a: len(_view_blocks(a)) > MAX_VIEW_BLOCKS),
    (VIEW_METHODS, "invalid_arguments", lambda a: any(_bad_block(b) for b in _view_blocks(a))),
    (VIEW_METHODS, "invalid_arguments", lambda a: _duplicate_block_ids(_view_blocks(a))),
    (VIEW_METHODS, "invalid_arguments", _bad_view),
]


def check(method: str, args: dict[str, Any]) -> str | None:
    """Answer the Slack error for the first rule `args` break for `method`, or None."""
    for methods, error, broken in RULES:
        if method in methods and broken(args):
            return error
    return None
