"""A submitted form given back as typed, with what was wrong beside each field; and the message that offers it."""

from __future__ import annotations

from typing import Any

from domain.forms import WHOLE_FORM
from domain.text import clip, escaped, truncate
from handlers.ids import Action
from handlers.render.blocks import button, section

# What a view's state says for each kind of element, and the property that fills the element in with it.
INITIAL = {
    "plain_text_input": ("value", "initial_value"),
    "number_input": ("value", "initial_value"),
    "email_text_input": ("value", "initial_value"),
    "url_text_input": ("value", "initial_value"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
    "static_select": ("selected_option", "initial_option"),
    "radio_buttons": ("selected_option", "initial_option"),
    "multi_static_select": ("selected_options", "initial_options"),
    "checkboxes": ("selected_options", "initial_options"),
}
# What views.open takes of a view; Slack adds the rest (id, hash, state...) and refuses it back.
VIEW_KEYS = ("type", "title", "blocks", "close", "submit", "private_metadata", "callback_id", "clear_on_close",
             "notify_on_close")  # fmt: skip
PROBLEM = ":warning: {text}"
PROBLEM_BLOCK = "pmbot_problem_"  # block ids of the errors shown in a form given back (dropped when given back again)
TYPED_LIMIT = 2500


def refilled(view: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """`view` as a new modal, each field filled in with what was typed, each error below its field (an error about
    the whole form at the top)."""
    values = (view.get("state") or {}).get("values") or {}
    blocks: list[dict[str, Any]] = []
    if errors.get(WHOLE_FORM):
        blocks.append(_problem(errors[WHOLE_FORM], WHOLE_FORM))
    for block in view.get("blocks") or []:
        if str(block.get("block_id") or "").startswith(PROBLEM_BLOCK):  # an error from the time before
            continue
        block = dict(block)
        typed = values.get(block.get("block_id")) or {}
        if "element" in block:
            block["element"] = _filled(block["element"], typed)
        if "elements" in block and block.get("type") == "actions":
            block["elements"] = [_filled(element, typed) for element in block["elements"]]
        blocks.append(block)
        if block.get("block_id") in errors and block.get("block_id") != WHOLE_FORM:
            blocks.append(_problem(errors[block["block_id"]], str(block["block_id"])))
    fresh = {key: view[key] for key in VIEW_KEYS if view.get(key) is not None}
    return {**fresh, "blocks": blocks[:100]}


def _filled(element: dict[str, Any], typed: dict[str, Any]) -> dict[str, Any]:
    """An element with its initial value replaced by what the person chose (none if they cleared it)."""
    kinds = INITIAL.get(str(element.get("type")))
    action_id = element.get("action_id")
    state = typed.get(str(action_id)) if action_id else None
    if kinds is None or not isinstance(state, dict):
        return element
    said, initial = kinds
    filled = {k: v for k, v in element.items() if k != initial}
    value = state.get(said)
    if value not in (None, "", []):
        filled[initial] = value
    return filled


def _problem(text: str, field: str) -> dict[str, Any]:
    """An error as a context block below its field (the texts are pmbot's mrkdwn already)."""
    return {"type": "context", "block_id": f"{PROBLEM_BLOCK}{field}"[:255],
            "elements": [{"type": "mrkdwn", "text": PROBLEM.format(text=clip(text, 2000))}]}  # fmt: skip


def typed_text(view: dict[str, Any]) -> str:
    """What was typed into a form's text fields, label by label: given back when the form cannot be kept."""
    values = (view.get("state") or {}).get("values") or {}
    lines = []
    for block in view.get("blocks") or []:
        label = str((block.get("label") or {}).get("text") or "")
        element = block.get("element") or {}
        said = (values.get(block.get("block_id")) or {}).get(str(element.get("action_id") or ""), {})
        value = said.get("value") if isinstance(said, dict) else None
        if label and isinstance(value, str) and value.strip():
            lines.append(f"*{escaped(label, 100)}*\n{escaped(value, TYPED_LIMIT)}")
    return truncate("\n".join(lines), TYPED_LIMIT)


def not_saved(
    view: dict[str, Any], errors: dict[str, str], draft_id: int | None, *, typed: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The message to the person whose form could not be saved: why, and a button that opens it again as typed;
    when it could not be kept, what they typed (`typed`)."""
    title = str((view.get("title") or {}).get("text") or "form")
    why = " ".join(errors.values()) or "Something went wrong."
    lead = f":warning: I couldn't save your *{escaped(title, 100)}* form."
    text = clip(f"{lead} {why}" if "Nothing was saved" in why else f"{lead} {why} Nothing was saved.", 2900)
    blocks = [section(text)]
    if draft_id is not None:
        blocks[0] = section(f"{text}\nWhat you typed is kept for a week.")
        blocks.append(
            {"type": "actions", "elements": [button("Open it again", Action.FORM_REOPEN, str(draft_id), "primary")]}
        )
    elif typed:
        blocks.append(section(f"What you typed:\n{typed}"))
    return text, blocks
