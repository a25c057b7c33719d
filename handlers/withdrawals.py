"""The Withdraw button on a creator's confirmation ("Created A-4."): one click takes the record back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from domain.withdrawals import WINDOW
from handlers.ids import Action
from handlers.intent import replace_question
from handlers.registry import Listeners

# (context, client, clicker's user id, ref) -> what the confirmation says once the record is withdrawn
Withdraw = Callable[[BoltContext, WebClient, str, str], str]


def withdrawn_text(ref: str) -> str:
    """What the creator reads once a record is withdrawn (the export keeps it, marked withdrawn, for the record)."""
    return (
        f":leftwards_arrow_with_hook: Withdrew {ref}: it is off every list and digest; its history and the "
        "project's export keep it, marked withdrawn."
    )


def block_id(kind: str) -> str:
    return f"withdraw_{kind}"


def register(listeners: Listeners, kind: str, withdraw: Withdraw) -> None:
    """Listen for the Withdraw button on confirmations of `kind` (action, risk, decision)."""

    def on_withdraw(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        ref = str(body["actions"][0].get("value") or "")
        text = withdraw(context, client, body["user"]["id"], ref)
        replace_question(body, context, {"text": text})

    listeners.action(Action.WITHDRAW, on_withdraw, block_id=block_id(kind))


def confirmation(text: str, *, kind: str, ref: str) -> dict[str, Any]:
    """An ephemeral confirmation for the creator, with a button to withdraw what was just recorded."""
    hours = int(WINDOW.total_seconds() // 3600)
    button = {"type": "button", "action_id": Action.WITHDRAW, "text": {"type": "plain_text", "text": "Withdraw"},
              "value": ref}  # fmt: skip
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "actions", "block_id": block_id(kind), "elements": [button]},
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": f"Not what you meant? Withdraw it within {hours} hours."}]},
        ],
    }  # fmt: skip
