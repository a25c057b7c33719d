"""`/change`: raise change requests, list, show and search them, choose approvers, withdraw one."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from domain import changes, members
from domain import intent as intent_rule
from domain.changes import Proposal
from domain.errors import InvalidInput
from domain.text import USER_MENTION, escape, plain_from_slack, user_ids_in
from handlers import intent
from handlers.changes import buttons as change_buttons
from handlers.changes import forms as change_forms
from handlers.changes import notices as change_notices
from handlers.changes import render
from handlers.channels import require_may_use
from handlers.context import db, now, workspace
from handlers.directory import member, project
from handlers.ids import Command
from handlers.registry import Listeners
from handlers.render.help import CommandHelp
from storage.models import ChangeCategory, ChangeRequest, Decision

GRAMMAR = intent_rule.CHANGE

HELP = CommandHelp(
    command=Command.CHANGE,
    summary="change requests to scope, schedule, cost or resources, routed to the approvers.",
    usages=(
        ("/change", "the form: what, why, the impact on dates and cost, the milestones it moves, needed by"),
        ("/change <title>", "the form, with the title filled in"),
        ("/change list", "this channel's change requests, newest first; `list waiting` those still open"),
        ("/change show CR-3", "a change request with its whole history"),
        ("/change search vendor licence", "change requests holding every word"),
        ("/change approvers", "who approves each category here; `approvers cost` who approves that one"),
        ("/change approvers cost @cfo @pm", "leads and admins: who approves a category"),
        ("/change approvers cost leads", "leads and admins: the project's leads approve it again"),
        ("/change withdraw CR-3", "the requester takes an open request back"),
    ),
)


def register(listeners: Listeners) -> None:
    listeners.command(Command.CHANGE, on_change)
    listeners.help(HELP)
    intent.register(listeners, GRAMMAR, answer)
    change_forms.register(listeners)
    change_buttons.register(listeners)


def on_change(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Route `/change ...`: a subcommand, a question about a mistyped one, else the form (the text its title)."""
    text = (command.get("text") or "").strip()
    word, _, rest = text.partition(" ")
    handler = SUBCOMMANDS.get(word.lower())
    if handler is not None:
        ack(response_type="ephemeral", **handler(command, rest.strip(), context, client))
    elif doubt := intent_rule.doubt(GRAMMAR, text):  # `lsit`, `shwo CR-1`: ask; nothing opened, nothing saved
        ack(response_type="ephemeral", **intent.question(GRAMMAR, doubt))
    else:
        _open_form(command, text, context, client)
        ack()


def answer(
    command: dict[str, Any], text: str, context: BoltContext, client: WebClient, *, as_written: bool = False
) -> dict[str, Any]:
    """The answer to a click on the question: the subcommand meant, or (`as_written`) the form with the text as its
    title, opened by the click."""
    word, _, rest = text.strip().partition(" ")
    handler = SUBCOMMANDS.get(word.lower())
    if handler is not None and not as_written:
        return handler(command, rest.strip(), context, client)
    _open_form(command, text, context, client)
    return {"text": "I opened the change request form with that as its title. Nothing is saved until you submit it."}


def _open_form(command: dict[str, Any], text: str, context: BoltContext, client: WebClient) -> None:
    """Open the form, its title filled in from `text` (people by name, links with their URL), if any."""
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    changes.require_approvers(proj)  # before the form, not after it is filled in
    title = " ".join(plain_from_slack(text, name_of=intent.names(context, client)).split())[: changes.TITLE_LIMIT]
    proposal = Proposal(title=title, category="") if title else None
    change_forms.open_form(client, command["trigger_id"], db(context), proj, proposal=proposal)


def _list(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    if rest.lower() not in ("", "waiting", "all"):
        raise InvalidInput("List all change requests or the `waiting` ones.", hint="Like `/change list waiting`.")
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    waiting = rest.lower() == "waiting"
    found = changes.list_for(db(context), project_id=proj.id, waiting=waiting)
    text, blocks = render.change_list(found, heading="Change requests waiting" if waiting else "Change requests")
    return {"text": text, "blocks": blocks}


def _change(command: dict[str, Any], ref: str, context: BoltContext, client: WebClient, **kwargs: Any) -> ChangeRequest:
    """The request named, if the caller may read it (else the same answer as for a missing one)."""
    if not ref:
        raise InvalidInput("Which change request?", hint="Like `/change show CR-3`.")
    found = changes.get(db(context), workspace_id=workspace(context).id, ref=ref, **kwargs)
    require_may_use(context, client, found, command["user_id"], here=command["channel_id"])
    return found


def _show(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    change = _change(command, rest.split(" ")[0], context, client)
    decision = db(context).get(Decision, change.decision_id) if change.decision_id else None
    text, blocks = render.details(
        change,
        changes.shifts(db(context), change),
        changes.history(db(context), change),
        decision_ref=decision.ref if decision else None,
    )
    return {"text": text, "blocks": blocks}


def _search(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    found = changes.search(db(context), project_id=proj.id, query=plain_from_slack(rest))
    text, blocks = render.change_list(found, heading=f"Change requests matching: {plain_from_slack(rest)[:60]}")
    return {"text": text, "blocks": blocks}


RESET_WORDS = ("leads", "lead")  # `/change approvers cost leads`: the category goes back to the project's leads
APPROVERS_HINT = (
    "Like `/change approvers cost @cfo @pm`, or `/change approvers cost leads` to give it back to the leads."
)


def _approvers(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    """Who approves each category; with a category alone, who approves that one (nothing changes); with people
    (or `leads`), a lead or admin names them. A name Slack did not turn into a mention, an id it does not know or
    a word that names nobody is refused, and nothing changes."""
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    leads = [str(u) for u in proj.lead_user_ids or []]
    word, _, said = rest.partition(" ")
    said = said.strip()
    if word:
        category = changes.category_of(word)
        if not said:
            text, blocks = render.category_approvers(category, changes.chosen_approvers(proj, category), leads)
            return {"text": text, "blocks": blocks}
        caller = member(context, client, command["user_id"])
        changes.require_may_choose_approvers(proj, caller.user_id, is_admin=caller.is_admin)
        people = [] if said.lower() in RESET_WORDS else _people(said, context, client)
        changes.set_approvers(proj, category=category, user_ids=people, actor=caller.user_id, is_admin=caller.is_admin)
    chosen = dict((proj.settings or {}).get(changes.SETTING) or {})
    text, blocks = render.approvers(chosen, leads)
    return {"text": text, "blocks": blocks}


def _people(said: str, context: BoltContext, client: WebClient) -> list[str]:
    """The approvers `said` names, each a person in the workspace who can approve; else the refusal."""
    unknown = intent_rule.unknown_mentions(said)
    if unknown:
        names = " or ".join(f"@{escape(n[:40])}" for n in unknown[:3])
        raise InvalidInput(
            f"I couldn't find {names} in this workspace, so no approvers were changed.",
            hint="Pick each person from Slack's @ suggestions.",
        )
    people = user_ids_in(said)
    others = USER_MENTION.sub(" ", said).split()
    if not people or others:
        raise InvalidInput("Name the approvers with @-mentions, or `leads`.", hint=APPROVERS_HINT)
    for user_id in people:  # NotFound for an id Slack does not know
        members.require_can_own(member(context, client, user_id), "approve change requests")
    return people


def _withdraw(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    change = _change(command, rest.split(" ")[0], context, client, for_update=True)
    changes.withdraw(db(context), change, actor=command["user_id"], now=now(context))
    change_notices.withdrawn(db(context), change, now=now(context))
    return {"text": f":leftwards_arrow_with_hook: Withdrew {change.ref}; its approvers' requests say so."}


def _help(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    categories = ", ".join(c.value for c in ChangeCategory)
    return {"text": f"{HELP.text()}\nCategories: {categories}."}


SUBCOMMANDS = {
    "list": _list,
    "show": _show,
    "search": _search,
    "approvers": _approvers,
    "withdraw": _withdraw,
    "help": _help,
}
