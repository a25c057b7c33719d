"""'Did you mean ...?': the question every command asks before recording a text that reads like a mistyped
subcommand, and its two buttons, which run the answer through the command's own code."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session, sessionmaker

from domain.errors import InvalidInput, NotFound
from domain.intent import Doubt, Grammar, unknown_mentions, unknown_subcommand
from domain.text import escape, truncate
from handlers.context import after_answer
from handlers.directory import member
from handlers.ids import Action
from handlers.registry import Listeners

log = logging.getLogger(__name__)

VALUE_LIMIT = 2000  # Slack's limit for a button's value


class Answer(Protocol):
    """A command's own reading of a text: the ephemeral answer; `as_written` skips the question."""

    def __call__(
        self, command: dict[str, Any], text: str, context: BoltContext, client: WebClient, *, as_written: bool = False
    ) -> dict[str, Any]: ...


def register(listeners: Listeners, grammar: Grammar, answer: Answer) -> None:
    """Listen for the buttons of `grammar.command`'s question (told apart from other commands' by block id)."""

    def run(as_written: bool) -> Callable[..., None]:
        def on_click(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
            ack()
            command = _command(body, grammar.command)
            result = answer(command, command["text"], context, client, as_written=as_written)
            replace_question(body, context, result)

        return on_click

    listeners.action(Action.RUN_AS_MEANT, run(False), block_id=block_id(grammar))
    listeners.action(Action.RECORD_AS_WRITTEN, run(True), block_id=block_id(grammar))


def block_id(grammar: Grammar) -> str:
    return f"did_you_mean{grammar.command.replace('/', '_')}"


def question(grammar: Grammar, doubt: Doubt) -> dict[str, Any]:
    """The ephemeral question: run what was probably meant, or record the text as written. Nothing is saved yet."""
    said = f"`{grammar.command} {escape(truncate(doubt.said, 200))}`"
    if doubt.meant is not None:
        text = f"Did you mean `{grammar.command} {escape(truncate(doubt.meant, 200))}`?"
    else:
        words = ", ".join(f"`{w}`" for w in doubt.known)
        text = f"{said} reads like a command, but I don't know it. I know {words}."
    buttons = []
    if doubt.meant is not None and len(doubt.meant) <= VALUE_LIMIT:
        buttons.append(_button("Yes, run it", Action.RUN_AS_MEANT, doubt.meant, primary=True))
    if len(doubt.said) <= VALUE_LIMIT:
        buttons.append(_button("No, record it as written", Action.RECORD_AS_WRITTEN, doubt.said))
    note = "Nothing is recorded until you choose." if buttons else "Nothing was recorded."
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{text}\n{note}"}},
    ]
    if buttons:
        blocks.append({"type": "actions", "block_id": block_id(grammar), "elements": buttons})
    return {"text": f"{text} {note}", "blocks": blocks}


def refuse_unknown(grammar: Grammar, word: str, rest: str = "") -> InvalidInput:
    """The refusal for an unknown subcommand of a command that records nothing from free text: the closest one
    with the `rest` of what was said, if any is close."""
    hint = did_you_mean(grammar, word, rest) or f"See `{grammar.command} help`."
    return InvalidInput(f"I don't know `{grammar.command} {escape(word[:30])}`.", hint=hint)


def did_you_mean(grammar: Grammar, word: str, rest: str = "") -> str | None:
    """ "Did you mean `/cmd subcommand rest`?" for the subcommand closest to an unknown `word`, if any is close."""
    close = unknown_subcommand(grammar, word)
    if not close:
        return None
    meant = " ".join(f"{close} {rest}".split())
    return f"Did you mean `{grammar.command} {escape(truncate(meant, 200))}`?"


def require_known_people(text: str) -> None:
    """Refuse a text naming `@someone` Slack did not turn into a mention: nobody by that name is here."""
    unknown = unknown_mentions(text)
    if unknown:
        names = " or ".join(f"@{escape(n[:40])}" for n in unknown[:3])
        raise InvalidInput(
            f"I couldn't find {names} in this workspace. Nothing was recorded.",
            hint="Pick the person from Slack's @ suggestions.",
        )


def names(context: BoltContext, client: WebClient) -> Callable[[str], str]:
    """How free text names the people it mentions (`<@U1>` becomes `@dev-la`): their Slack name, else their id
    (someone Slack does not know, or Slack not answering now: a name is never worth losing what was typed)."""

    def name_of(user_id: str) -> str:
        try:
            return member(context, client, user_id).name or user_id
        except (NotFound, SlackApiError, OSError):
            return user_id

    return name_of


def _button(label: str, action_id: str, value: str, *, primary: bool = False) -> dict[str, Any]:
    button = {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": label}, "value": value}
    return {**button, "style": "primary"} if primary else button


def _command(body: dict[str, Any], name: str) -> dict[str, Any]:
    """The slash command a click stands for: its text from the button, the rest from the click."""
    channel = body.get("channel") or {}
    return {
        "command": name,
        "text": str(body["actions"][0].get("value") or ""),
        "user_id": body["user"]["id"],
        "channel_id": channel.get("id") or (body.get("container") or {}).get("channel_id"),
        "channel_name": channel.get("name", ""),
        "trigger_id": body.get("trigger_id"),
    }


def replace_question(body: dict[str, Any], context: BoltContext, result: dict[str, Any]) -> None:
    """Once the work is saved, `result` replaces the clicked ephemeral, so its buttons cannot be pressed twice."""
    url = body.get("response_url")
    if not url:
        return

    def send(factory: sessionmaker[Session], client: WebClient) -> None:
        try:
            WebhookClient(str(url), timeout=3).send(replace_original=True, response_type="ephemeral", **result)
        except Exception:
            log.warning("could not replace a 'did you mean' question", exc_info=True)

    after_answer(context, send)
