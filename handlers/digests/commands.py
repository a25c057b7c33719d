"""`/pm status` and `/digest`: the project's status now, digests on demand, roll-up subscriptions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy import select

from domain import actions, changes, decisions, risks, visibility
from domain import status as status_rules
from domain.errors import InvalidInput, NotFound, PermissionDenied
from domain.text import escape, plain_from_slack, plural, user_mention
from domain.visibility import Record
from domain.workspaces import find_project, may_configure
from handlers import intent, outgoing
from handlers.channels import may_see, require_may_use, require_visible
from handlers.context import db, now, workspace
from handlers.digests import keys, render, report
from handlers.directory import channel_ids_in, member, project
from handlers.ids import Action, Command
from handlers.registry import Listeners
from handlers.render.help import CommandHelp
from handlers.render.split import fit
from storage.models import Blocker, DigestSubscription, Project

STATUS_HELP = CommandHelp(
    command="/pm status",
    summary=(
        "the project's status and headline numbers. *Red*: an open critical risk (score 20+), an action overdue by "
        "more than 5 working days, a blocker open for more than 2, or a milestone past its date or forecast more "
        "than 5 working days past its baseline. *Amber*: a high risk (10-16), any overdue action, a decision or "
        "change request past its needed-by date, or any late milestone. *Green*: none of these."
    ),
    usages=(
        ("/pm status", "the status now, why, and the numbers (only you see it)"),
        (
            "/pm status set amber waiting on the vendor",
            "a lead overrides the status with a note (shown beside the computed one)",
        ),
        ("/pm status clear", "back to the computed status"),
    ),
)
DIGEST_HELP = CommandHelp(
    command=Command.DIGEST,
    summary=(
        "the weekly status digest (Fridays 16:00) and the daily escalation digest, on demand; and the weekly status "
        "report for the stakeholder channel, drafted to the leads at the digest's time: nothing is posted there until "
        "a lead presses Send (`/pm config report executive|team` chooses its detail)."
    ),
    usages=(
        ("/digest preview weekly", "the next weekly digest, only to you (`preview escalation` for the other)"),
        ("/digest send weekly", "post it in the channel now (`send escalation` too)"),
        ("/digest subscribe #proj-a #proj-b", "a weekly roll-up of several projects in your DM"),
        ("/digest unsubscribe", "stop the roll-up"),
        ("/digest report preview", "this week's status report for the stakeholders, only to you (`preview team` too)"),
        (
            "/digest report draft",
            "a lead: this week's draft to the leads' DMs now, to edit, send or skip (back from time away: the one "
            "your stand-in has, to your DM)",
        ),
    ),
)


def register(listeners: Listeners) -> None:
    listeners.command(Command.DIGEST, on_digest)
    listeners.help(STATUS_HELP, DIGEST_HELP)
    listeners.subcommand(Command.PM, "status", status_reply)
    listeners.action(Action.DIGEST_ACKNOWLEDGE, on_acknowledge)
    report.register(listeners)


def _project(command: dict[str, Any], context: BoltContext) -> Project:
    return project(context, command["channel_id"], name=command.get("channel_name", ""))


def status_reply(command: dict[str, Any], args: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    """Answer `/pm status [set <green|amber|red> <why> | clear | help]` (Slack keeps `/status` for itself)."""
    word, _, rest = args.strip().partition(" ")
    proj = _project(command, context)
    if word.lower() == "help":
        return {"text": STATUS_HELP.text()}
    if word.lower() in ("set", "clear"):
        caller = member(context, client, command["user_id"])
        if not may_configure(proj, caller.user_id, is_admin=caller.is_admin):
            raise PermissionDenied("Only this project's leads can set its status.")
        settings = dict(proj.settings or {})
        if word.lower() == "clear":
            settings.pop("status_override", None)
        else:
            chosen, _, note = rest.strip().partition(" ")
            if chosen.lower() not in render.STATUS_EMOJI:
                raise InvalidInput(
                    "Set the status to green, amber or red, with why.",
                    hint="Like `/pm status set amber waiting on the vendor`.",
                )
            if not note.strip():
                raise InvalidInput(
                    "Say why.", hint=f"Like `/pm status set {escape(chosen.lower())} waiting on the vendor`."
                )
            settings["status_override"] = {
                "status": chosen.lower(),
                "note": plain_from_slack(note.strip(), name_of=intent.names(context, client))[:500],
                "by": caller.user_id,
                "at": now(context).isoformat(),
            }
        proj.settings = settings
    elif word:
        raise InvalidInput(f"I don't know `/pm status {escape(word[:30])}`.", hint="See `/pm status help`.")
    [snap] = status_rules.snapshots(db(context), [proj], now=now(context))
    text, blocks = render.status(snap)
    return {"text": text, "blocks": blocks}


def on_digest(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """`/digest preview|send [weekly|escalation]`, `subscribe #a #b`, `unsubscribe`, `report preview|draft`."""
    word, _, rest = (command.get("text") or "").strip().partition(" ")
    verb, kind = word.lower() or "help", (rest.strip().lower() or "weekly")
    if verb == "help":
        ack(response_type="ephemeral", text=DIGEST_HELP.text())
        return
    if verb == "report":
        ack(response_type="ephemeral", **report.command(command, rest, context, client))
        return
    if verb in ("subscribe", "unsubscribe"):
        ack(response_type="ephemeral", text=_subscribe(command, rest, context, client, on=verb == "subscribe"))
        return
    if verb not in ("preview", "send") or kind not in ("weekly", "escalation"):
        raise InvalidInput(
            "Say `preview` or `send`, then `weekly` or `escalation`.", hint="Like `/digest preview escalation`."
        )
    proj = _project(command, context)
    snap = status_rules.snapshot(db(context), proj, now=now(context))
    if kind == "weekly":
        text, blocks = render.weekly(snap)
    else:
        items = status_rules.escalations(snap)
        if not items:
            ack(response_type="ephemeral", text="Nothing is over a threshold: no escalation digest to send. :tada:")
            return
        text, blocks = render.escalation_digest(snap, items)
    if verb == "preview":
        ack(response_type="ephemeral", text=text, blocks=fit(blocks)[0])
        return
    key = keys.manual(kind, proj.id, now(context))
    outgoing.post_in_parts(
        db(context),
        workspace_id=proj.workspace_id,
        key=key,
        channel=proj.channel_id,
        text=text,
        blocks=blocks,
        now=now(context),
    )
    ack(response_type="ephemeral", text=f"Posted the {kind} digest.")


def _subscribe(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient, *, on: bool) -> str:
    session, workspace_id = db(context), workspace(context).id
    found = session.scalar(
        select(DigestSubscription).where(
            DigestSubscription.workspace_id == workspace_id, DigestSubscription.user_id == command["user_id"]
        )
    )
    if not on:
        if found is not None:
            session.delete(found)
        return "Your weekly roll-up is off."
    channels = channel_ids_in(rest)
    if not channels:
        raise InvalidInput("Name the project channels.", hint="Like `/digest subscribe #proj-a #proj-b`.")
    for channel_id in channels[:20]:  # only projects the subscriber can see: the roll-up repeats their status
        proj = find_project(session, workspace_id=workspace_id, channel_id=channel_id)
        if proj is None or not may_see(context, client, proj, command["user_id"], here=command["channel_id"]):
            raise NotFound(f"I can't find a project in <#{channel_id}> among the channels you're in.")
    if found is None:
        found = DigestSubscription(workspace_id=workspace_id, user_id=command["user_id"], created_at=now(context))
        session.add(found)
    found.channel_ids = channels[:20]
    return f"Every Friday you'll get one roll-up of {plural(len(found.channel_ids), 'project')} in your DM."


def on_acknowledge(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Acknowledge an escalated item: the channel sees who has it in hand (only where its project's digests go)."""
    kind, _, ref = str(body["actions"][0]["value"]).partition("|")
    channel = (body.get("channel") or {}).get("id")
    user = body["user"]["id"]
    if (
        channel
        and re.fullmatch(r"[A-Z]{1,2}-\d{1,9}", ref)
        and visibility.hears_about(_escalated(context, client, ref, user, here=channel), channel)
    ):
        outgoing.post(
            db(context),
            workspace_id=workspace(context).id,
            key=keys.acknowledgement(kind, ref, user, now(context)),
            channel=channel,
            text=f"{user_mention(user)} acknowledged {escape(ref)}.",
            blocks=[
                {
                    "type": "context",
                    "elements": [
                        {"type": "mrkdwn", "text": f":eyes: {user_mention(user)} acknowledged {escape(ref)}."}
                    ],
                }
            ],
            now=now(context),
        )
    ack()


# How an escalated record's short id is looked up, by its letter (B- is a stand-up blocker, handled apart).
ESCALATED: dict[str, Callable[..., Record]] = {
    "A": actions.get,
    "R": risks.get,
    "D": decisions.get,
    "CR": changes.get,
}


def _escalated(context: BoltContext, client: WebClient, ref: str, user: str, *, here: str) -> Project:
    """The project of the escalated record a button names, if the clicker may use the record: a party to it,
    anyone who can read its channel, anyone in the escalation channel a lead chose for it (else: as if missing)."""
    session, workspace_id = db(context), workspace(context).id
    if ref.startswith("B-"):
        blocker = session.get(Blocker, int(ref[2:]))
        proj = session.get(Project, blocker.project_id) if blocker and blocker.workspace_id == workspace_id else None
        if blocker is None or proj is None:
            raise visibility.unseen(ref)
        if here != proj.escalation_channel_id and user != blocker.owner_id:
            require_visible(context, client, proj, user, ref=ref, here=here)
        return proj
    letters = ref.partition("-")[0]
    if letters not in ESCALATED:
        raise visibility.unseen(ref)
    record = ESCALATED[letters](session, workspace_id=workspace_id, ref=ref)
    if here != record.project.escalation_channel_id:
        require_may_use(context, client, record, user, here=here)
    return record.project
