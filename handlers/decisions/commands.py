"""`/decision`: record decisions, list, show (every revision), search, revise and supersede."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from domain import decisions
from domain import intent as intent_rule
from domain.decisions import Wording
from domain.errors import InvalidInput
from domain.text import plain_from_slack
from handlers import intent, withdrawals
from handlers.channels import require_may_use, require_visible
from handlers.context import db, now, workspace
from handlers.decisions import forms as decision_forms
from handlers.decisions import notices as decision_notices
from handlers.decisions import render
from handlers.directory import member, project
from handlers.ids import Command
from handlers.registry import Listeners
from handlers.render.help import CommandHelp
from storage.models import Decision, DecisionStatus

HELP = CommandHelp(
    command=Command.DECISION,
    summary="the decision log: what was decided, by whom and why; never edited in place, always searchable.",
    usages=(
        ("/decision we use PostgreSQL for production", "record a decision made now, by you"),
        ("/decision", "the form: context, options, rationale, decided by, approver, status, needed-by, links"),
        ("/decision list", "this channel's decisions; `list pending` those awaiting approval"),
        ("/decision show D-9", "a decision with every earlier wording"),
        ("/decision search database vendor", "full-text search, best match first"),
        ("/decision revise D-9 <new wording>", "a new revision (the old one stays readable)"),
        ("/decision supersede D-9 <new decision>", "record a decision that replaces D-9"),
    ),
)


def register(listeners: Listeners) -> None:
    listeners.command(Command.DECISION, on_decision)
    listeners.help(HELP)
    listeners.record_kind("decision", create=decisions.create_from_text, notify=decision_notices.recorded)
    intent.register(listeners, intent_rule.DECISION, answer)
    withdrawals.register(listeners, "decision", withdraw)
    decision_forms.register(listeners)


def on_decision(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Route `/decision ...`."""
    text = (command.get("text") or "").strip()
    if not text:
        decision_forms.open_create(client, command, context)
        ack()
        return
    ack(response_type="ephemeral", **answer(command, text, context, client))


def answer(
    command: dict[str, Any], text: str, context: BoltContext, client: WebClient, *, as_written: bool = False
) -> dict[str, Any]:
    """Run a subcommand, ask what was meant (unless `as_written`), or record a decision from the text."""
    if not as_written and (doubt := intent_rule.doubt(intent_rule.DECISION, text)):
        return intent.question(intent_rule.DECISION, doubt)
    word, _, rest = text.strip().partition(" ")
    handler = SUBCOMMANDS.get(word.lower())
    return handler(command, rest.strip(), context, client) if handler else _record(command, text, context, client)


def _record(command: dict[str, Any], text: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    intent.require_known_people(text)
    decision = decisions.create_from_text(
        db(context),
        project=proj,
        author=command["user_id"],
        said=text,
        now=now(context),
        people=lambda user_id: member(context, client, user_id),
    )
    decision_notices.recorded(db(context), decision, now=now(context))
    return withdrawals.confirmation(f"Recorded {decision.ref}.", kind="decision", ref=decision.ref)


def withdraw(context: BoltContext, client: WebClient, user_id: str, ref: str) -> str:
    """Withdraw a decision its creator just recorded; its card in the channel says so."""
    decision = decisions.get(db(context), workspace_id=workspace(context).id, ref=ref, for_update=True)
    require_may_use(context, client, decision, user_id, here=None)  # else as if missing: a replay cannot probe refs
    decisions.withdraw(db(context), decision, actor=user_id, now=now(context))
    decision_notices.revised(db(context), decision, now=now(context))
    return withdrawals.withdrawn_text(decision.ref)


def _list(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    if rest.lower() not in ("", "pending", "all"):
        raise InvalidInput("List all decisions or `pending` ones.", hint="Like `/decision list pending`.")
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    pending = rest.lower() == "pending"
    found = [
        d
        for d in decisions.list_for(db(context), project_id=proj.id, pending=pending)
        if d.status != DecisionStatus.WITHDRAWN
    ]
    text, blocks = render.decision_list(found, heading="Pending decisions" if pending else "Decisions")
    return {"text": text, "blocks": blocks}


def _ref_of(decision_id: int | None, context: BoltContext) -> str | None:
    other = db(context).get(Decision, decision_id) if decision_id else None
    return other.ref if other else None


def _decision(command: dict[str, Any], ref: str, context: BoltContext, client: WebClient, **kwargs: Any) -> Decision:
    """The decision named, if the caller may read it (else the same answer as for a missing one)."""
    found = decisions.get(db(context), workspace_id=workspace(context).id, ref=ref, **kwargs)
    require_visible(context, client, found.project, command["user_id"], ref=found.ref, here=command["channel_id"])
    return found


def _show(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    decision = decisions.get(db(context), workspace_id=workspace(context).id, ref=rest.split(" ")[0])
    require_may_use(context, client, decision, command["user_id"], here=command["channel_id"])  # as on its DM card
    text, blocks = render.details(
        decision,
        decisions.revisions(db(context), decision),
        supersedes=_ref_of(decision.supersedes_id, context),
        superseded_by=_ref_of(decision.superseded_by_id, context),
    )
    return {"text": text, "blocks": blocks}


def _search(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    found = [
        d for d in decisions.search(db(context), project_id=proj.id, query=rest) if d.status != DecisionStatus.WITHDRAWN
    ]
    text, blocks = render.decision_list(found, heading=f"Decisions matching: {rest[:60]}")
    return {"text": text, "blocks": blocks}


def _revise(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    ref, _, statement = rest.partition(" ")
    decision = _decision(command, ref, context, client, for_update=True)
    wording = Wording(
        plain_from_slack(statement, name_of=intent.names(context, client)),
        decision.context,
        decision.options,
        decision.rationale,
    )
    decisions.revise(db(context), decision, actor=command["user_id"], wording=wording, now=now(context))
    decision_notices.revised(db(context), decision, now=now(context))
    return {"text": f"{decision.ref} is now at revision {decision.revision}."}


def _supersede(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    ref, _, statement = rest.partition(" ")
    old = _decision(command, ref, context, client, for_update=True)
    decisions.require_may_change(old, command["user_id"], "supersede")
    if old.status == DecisionStatus.SUPERSEDED:
        raise InvalidInput(f"{old.ref} is already superseded.")
    new = decisions.create(
        db(context),
        project=old.project,
        creator=command["user_id"],
        wording=Wording(plain_from_slack(statement, name_of=intent.names(context, client))),
        now=now(context),
    )
    decisions.supersede(db(context), old, new, actor=command["user_id"], now=now(context))
    decision_notices.recorded(db(context), new, now=now(context), supersedes=old.ref)
    decision_notices.revised(db(context), old, now=now(context), superseded_by=new.ref)
    return {"text": f"Recorded {new.ref}, superseding {old.ref}."}


def _help(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    return {"text": HELP.text()}


SUBCOMMANDS = {
    "list": _list,
    "show": _show,
    "search": _search,
    "revise": _revise,
    "supersede": _supersede,
    "help": _help,
}
