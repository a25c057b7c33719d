"""Block Kit for help: pure functions that return dicts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CommandHelp:
    """One slash command's help: what it is for and each way to call it."""

    command: str
    summary: str
    usages: tuple[tuple[str, str], ...]  # (usage, what it does)

    def text(self) -> str:
        """Render as mrkdwn lines."""
        lines = [f"*{self.command}*: {self.summary}"]
        lines += [f"• `{usage}`: {what}" for usage, what in self.usages]
        return "\n".join(lines)


INTRO = (
    "*pmbot* keeps your project's commitments, risks and decisions in Slack and chases them for you: "
    "action items with reminders, async stand-ups at each person's own local time, a RAID log, a decision "
    "log, and digests that put what needs attention in front of the right lead."
)


def help_blocks(entries: list[CommandHelp]) -> list[dict[str, Any]]:
    """Render the help for every command pmbot answers."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "What pmbot can do"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": INTRO}},
    ]
    for entry in entries:
        blocks.append({"type": "divider"})
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": entry.text()[:3000]}})
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "Dates I show appear in your own time zone."}],
        }
    )
    return blocks


def help_text(entries: list[CommandHelp]) -> str:
    """Plain fallback for notifications and screen readers."""
    return "pmbot help: " + ", ".join(entry.command for entry in entries)
