"""Registration that remembers what it registered, so a test can hold the manifest against the listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from slack_bolt import App
from sqlalchemy.orm import Session

from domain.sources import Source
from handlers.render.help import CommandHelp
from storage.models import Member, Project

log = logging.getLogger(__name__)

# A feature's answer to a word of another command (`/pm status ...`): given the command's payload, the rest of its
# text, the context and the client, the answer's fields.
Subcommand = Callable[[dict[str, Any], str, Any, Any], dict[str, Any]]

# A feature's reader of a person's plain messages: given the event, the context and the client.
MessageReader = Callable[[dict[str, Any], Any, Any], None]

# A form's check: given the submitted view and the moment it arrived, the errors to show beside its fields ({} if
# none). Pure (no database, no Slack): it runs before the form is acknowledged; everything else runs after.
Check = Callable[[dict[str, Any], datetime], dict[str, str]]


class Record(Protocol):
    """A record people name by its short id (an action item, a risk, a decision)."""

    @property
    def ref(self) -> str: ...


class CreateFromText(Protocol):
    """A feature's domain service that makes a record of its kind from what a person said in the project's channel,
    as the feature's own command reads it (`domain.actions.create_from_text`); `people` gives a user id's member;
    `source` says where it was said (a meeting), kept on the record or its history."""

    def __call__(
        self,
        session: Session,
        *,
        project: Project,
        author: str,
        said: str,
        now: datetime,
        people: Callable[[str], Member],
        source: Source | None = None,
    ) -> Record: ...


class Notify(Protocol):
    """What follows a record of a feature's kind made elsewhere: the feature's notices (its card in the channel, the
    owner's DM), queued in `session`."""

    def __call__(self, session: Session, record: Any, /, *, now: datetime) -> None: ...


class MessageRefresher(Protocol):
    """A feature's refresher of its own message whose block held another feature's button (a meeting's opening
    message with an action item's Done): given the clicked block's id, the workspace, the moment and a word unique
    to the change (for the update's outbox key), it queues the message brought up to date in `session`."""

    def __call__(
        self, session: Session, block_id: str, /, *, workspace_id: int, now: datetime, change: str
    ) -> None: ...


@dataclass(frozen=True)
class RecordKind:
    """A kind of record another feature may make (a meeting's `ACTION: ...` line): the domain service that reads it
    from a line, and what must follow it."""

    create: CreateFromText
    notify: Notify


@dataclass
class Registered:
    """Every command, event, shortcut, action and view callback pmbot listens for."""

    commands: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    shortcuts: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)
    checks: dict[str, Check] = field(default_factory=dict)  # callback id -> what its form alone can tell is wrong
    help: list[CommandHelp] = field(default_factory=list)  # the help catalogue, in the order features registered
    subcommands: dict[tuple[str, str], Subcommand] = field(default_factory=dict)  # (command, word) -> its answer
    record_kinds: dict[str, RecordKind] = field(default_factory=dict)  # "action"... -> its service and notices
    home_refresh: list[Callable[[dict[str, Any], Any, Any], None]] = field(default_factory=list)
    message_readers: dict[str, list[MessageReader]] = field(default_factory=dict)  # "im" / "channel" -> readers
    message_refreshers: dict[str, MessageRefresher] = field(default_factory=dict)  # block id prefix -> refresher

    def check(self, body: dict[str, Any], at: datetime) -> dict[str, str]:
        """The errors to show beside a submitted form's fields in its acknowledgement ({} for none)."""
        view = body.get("view") or {}
        check = self.checks.get(str(view.get("callback_id") or ""))
        if check is None:
            return {}
        try:
            return check(view, at)
        except Exception:  # a form shaped unlike ours: the listener, after, answers for it
            log.warning("a form's check failed; its listener will tell what is wrong", exc_info=True)
            return {}


class Listeners:
    """A thin front on Bolt's decorators that records each id before handing it to Bolt."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.registered = Registered()

    def help(self, *entries: CommandHelp) -> None:
        """Add a command's help to the catalogue that `/pm help` and the Home tab show."""
        self.registered.help.extend(entries)

    def subcommand(self, command: str, word: str, func: Subcommand) -> None:
        """Answer `command word ...` from this feature (the command itself belongs to another, like `/pm`)."""
        self.registered.subcommands[(command, word)] = func

    def message_reader(self, where: str, func: MessageReader) -> None:
        """Give a person's plain messages in `where` ("im": their DM with pmbot; "channel": a channel or private
        channel) to `func(event, context, client)`; one listener of Slack's message event reads them all."""
        self.registered.message_readers.setdefault(where, []).append(func)

    def home_refresher(self, func: Callable[[dict[str, Any], Any, Any], None]) -> None:
        """Run `func(body, context, client)` after a button on the Home tab changed something (the Home feature
        republishes the tab), whichever feature's button it was."""
        self.registered.home_refresh.append(func)

    def message_refresher(self, block_prefix: str, func: MessageRefresher) -> None:
        """When another feature's button in a block whose id starts with `block_prefix` changed its record, that
        feature calls `func(session, block_id, workspace_id=..., now=..., change=...)` instead of treating the
        message as its record's card: the message belongs to this feature, which brings it up to date."""
        self.registered.message_refreshers[block_prefix] = func

    def record_kind(self, kind: str, *, create: CreateFromText, notify: Notify) -> None:
        """Let other features make records of `kind` (a meeting's `KIND: ...` lines) with the domain service `create`,
        then `notify(session, record, now=...)`: the notices of this feature, which owns the kind."""
        self.registered.record_kinds[kind] = RecordKind(create, notify)

    def command(self, name: str, func: Callable[..., Any]) -> None:
        self.registered.commands.add(name)
        self.app.command(name)(func)

    def event(
        self,
        name: str,
        func: Callable[..., Any],
        *,
        manifest_names: tuple[str, ...] = (),
        subtypes: tuple[str, ...] = (),
    ) -> None:
        """Listen for an event; `manifest_names` are its subscription names where they differ (message.im...).

        `subtypes` narrows a message listener to those subtypes; Bolt runs only the first listener that matches,
        so it must be registered before the plain one.
        """
        self.registered.events.update(manifest_names or (name,))
        self.app.event({"type": name, "subtype": subtypes} if subtypes else name)(func)

    def shortcut(self, callback_id: str, func: Callable[..., Any]) -> None:
        self.registered.shortcuts.add(callback_id)
        self.app.shortcut(callback_id)(func)

    def action(self, action_id: str, func: Callable[..., Any], *, block_id: str | None = None) -> None:
        """Listen for an action id; with `block_id`, only in blocks of that id (one action id, many owners)."""
        self.registered.actions.add(action_id)
        self.app.action({"action_id": action_id, "block_id": block_id} if block_id else action_id)(func)

    def view(self, callback_id: str, func: Callable[..., Any], *, check: Check | None = None) -> None:
        """Listen for a form's submission; `check` finds what the form alone shows is wrong, before it is
        acknowledged (the listener runs after, and what it finds wrong is told to the person)."""
        self.registered.views.add(callback_id)
        if check is not None:
            self.registered.checks[callback_id] = check
        self.app.view(callback_id)(func)
