"""`/pm`: help, and the project's settings."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from domain.intent import PM
from handlers import intent
from handlers.context import catalogue, subcommand
from handlers.ids import Command
from handlers.pm import exports, privacy
from handlers.pm import settings as project_settings
from handlers.registry import Listeners
from handlers.render.help import CommandHelp, help_blocks, help_text

HELP = CommandHelp(
    command=Command.PM,
    summary="pmbot itself: help, the project's status and this channel's project settings.",
    usages=(
        ("/pm help", "this help"),
        ("/pm config", "show this channel's project settings"),
        ("/pm config tz Europe/Berlin", "the project's time zone (for people without one, and digests)"),
        ("/pm config hours 09:00-17:00", "working hours (reminders never go out at night)"),
        ("/pm config days mon-fri", "working days"),
        ("/pm config leads @lead @pm", "project leads (get escalations, may change anyone's items)"),
        ("/pm config escalation #proj-escalations", "where escalations are posted"),
        ("/pm config stakeholders #apollo-updates", "where new and approved decisions are announced"),
        ("/pm forget @person confirm", "workspace admins: remove a person's personal data on request"),
        (
            "/pm export csv",
            "upload the project's actions, risks, decisions and minutes as files (`md` for one document)",
        ),
    ),
)


def register(listeners: Listeners) -> None:
    listeners.command(Command.PM, on_pm)
    listeners.help(HELP)


def on_pm(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Answer `/pm [help|status|config|export|forget ...]`."""
    words = (command.get("text") or "").strip().split(maxsplit=1)
    sub = words[0].lower() if words else "help"
    rest = words[1] if len(words) > 1 else ""
    if sub in ("help", "?"):
        entries = catalogue(context)
        ack(response_type="ephemeral", text=help_text(entries), blocks=help_blocks(entries))
    elif sub in ("config", "settings"):
        ack(response_type="ephemeral", **project_settings.handle(command, rest, context))
    elif (answer := subcommand(context, Command.PM, sub)) is not None:  # `/pm status`, from its feature
        ack(response_type="ephemeral", **answer(command, rest, context, client))
    elif sub == "export":
        ack(response_type="ephemeral", **exports.handle(command, rest, context, client))
    elif sub == "forget":
        ack(response_type="ephemeral", **privacy.handle(command, rest, context, client))
    else:
        raise intent.refuse_unknown(PM, sub)
