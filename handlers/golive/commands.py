"""`/golive`: plan a go-live runbook from a template, change its steps and approvers, mark steps done, failed or
skipped, start and end it, and read it back (list, show, the minutes' timeline)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from domain import golive as golives
from domain import members
from domain.errors import InvalidInput
from domain.intent import GOLIVE
from domain.text import escape, user_ids_in
from handlers.channels import require_visible
from handlers.context import db, now, workspace
from handlers.directory import member, project
from handlers.golive import buttons as golive_buttons
from handlers.golive import notices as golive_notices
from handlers.golive import render
from handlers.ids import Command
from handlers.intent import names, refuse_unknown, require_known_people
from handlers.registry import Listeners
from handlers.render.help import CommandHelp
from storage.models.golive import GoLive, GoLiveStatus, StepStatus

Answer = Callable[[dict[str, Any], str, BoltContext, WebClient], dict[str, Any]]  # a subcommand's answer

HELP = CommandHelp(
    command=Command.GOLIVE,
    summary="go-live runbooks: steps at T-minus times with owners, reminders in each owner's zone, a go/no-go poll "
    "of the approvers at T-1h, and a live timeline in a thread.",
    usages=(
        ('/golive plan "Payments cutover" 2027-02-06 22:00 [@approvers]',
         "plan it at that time in your zone, from the template of steps; approvers: else the leads"),
        ('/golive step G-1 add T-3h "Notify support" @owner [if <condition>]',
         "add a step (T-7d: seven days before at the same wall-clock time; T-2h, T+30m: exact)"),
        ("/golive step G-1 owner 3 @someone", "give step 3 to someone"),
        ("/golive step G-1 remove 3", "take step 3 out"),
        ("/golive approvers G-1 @ana @raj", "who answers the go/no-go at T-1h"),
        ("/golive done G-1 3 [note]", "step 3 done (also `failed`, `skip`; by its owner, the planner or a lead; a "
         "step from T on once live): a reply in the live thread; a failed one offers to become an action item. "
         "Marked already, it keeps who and when: the same again with a note adds the note to the thread; another "
         "mark, with why, is said there as a correction"),
        ("/golive start G-1", "start the cutover now (at T it starts by itself after a go)"),
        ("/golive end G-1", "end it (before it started: call it off): a closing summary, and a retro offered"),
        ("/golive list", "this channel's go-lives"),
        ("/golive show G-1", "the runbook, each step at its time"),
        ("/golive minutes G-1 [post]", "the timeline: the poll, each step's outcome with who and when; `post`: as "
         "minutes in the channel"),
    ),
)  # fmt: skip


def register(listeners: Listeners) -> None:
    listeners.command(Command.GOLIVE, on_golive)
    listeners.help(HELP)
    golive_buttons.register(listeners)


def on_golive(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Route `/golive <subcommand> ...`."""
    text = (command.get("text") or "").strip()
    word, _, rest = text.partition(" ")
    handler = SUBCOMMANDS.get(word.lower()) if text else _help
    if handler is None:
        raise refuse_unknown(GOLIVE, word, rest)
    answer = handler(command, rest.strip(), context, client)
    ack(response_type="ephemeral", **answer)


def _plan(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    require_known_people(rest)
    user_id = command["user_id"]
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    planner = member(context, client, user_id)
    zone = members.zone_of(planner, fallback=proj.time_zone)
    draft = golives.read_plan(rest, now=now(context), tz=zone, locale=planner.locale, name_of=names(context, client))
    for approver in draft.approvers:
        members.require_can_own(member(context, client, approver), "approve a go-live")
    golive = golives.create(db(context), project=proj, author=user_id, draft=draft, zone=zone, now=now(context))
    golive_notices.planned(db(context), golive, now=now(context))
    return {"text": render.confirmation(golive, tz=zone)}


def _golive(command: dict[str, Any], ref: str, context: BoltContext, client: WebClient) -> GoLive:
    """The go-live named, if the caller may read its channel."""
    if not ref:
        raise InvalidInput("Which go-live?", hint="Like `/golive show G-1`.")
    golive = golives.get(db(context), workspace_id=workspace(context).id, ref=ref, for_update=True)
    require_visible(context, client, golive.project, command["user_id"], ref=golive.ref, here=command["channel_id"])
    return golive


def _list(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    text, blocks = render.golive_list(golives.list_for(db(context), project_id=proj.id), heading="Go-lives here")
    return {"text": text, "blocks": blocks}


def _show(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    text, blocks = render.details(_golive(command, rest.split(" ")[0], context, client))
    return {"text": text, "blocks": blocks}


def _minutes(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    ref, _, word = rest.partition(" ")
    if word.strip().lower() not in ("", "post"):
        raise InvalidInput(f"I don't know `{escape(word.strip()[:30])}` here.", hint="Like `/golive minutes G-1 post`.")
    golive = _golive(command, ref, context, client)
    if word.strip():
        return {"text": golive_buttons.post_minutes(db(context), golive, by=command["user_id"], now=now(context))}
    text, blocks = render.minutes_answer(golive)
    return {"text": text, "blocks": blocks}


def _owner(context: BoltContext, client: WebClient, said: str) -> str | None:
    require_known_people(said)
    named = user_ids_in(said)
    if named:
        members.require_can_own(member(context, client, named[0]), "own a go-live step")
    return named[0] if named else None


def _step(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    ref, _, rest = rest.partition(" ")
    verb, _, rest = rest.strip().partition(" ")
    hint = "Say `/golive step G-1 add|owner|remove ...`: see `/golive help`."
    if verb.lower() not in ("add", "owner", "remove"):
        raise InvalidInput("Add a step, give one an owner, or remove one.", hint=hint)
    golive = _golive(command, ref, context, client)
    user_id, rest = command["user_id"], rest.strip()
    if verb.lower() == "add":
        require_known_people(rest)
        draft = golives.read_step(rest, name_of=names(context, client))
        if draft.owner:
            members.require_can_own(member(context, client, draft.owner), "own a go-live step")
        added = golives.add_step(golive, actor=user_id, draft=draft)
        said = f"Added step #{added.position} to {golive.ref}: {render.step_line(golive, added)}"
    elif verb.lower() == "owner":
        number, _, who = rest.partition(" ")
        owner = _owner(context, client, who)
        if owner is None:
            raise InvalidInput("Who owns it? Name them with an @mention.", hint="Like `/golive step G-1 owner 3 @ana`.")
        changed = golives.set_owner(golive, number, actor=user_id, owner=owner)
        said = f"Step #{changed.position} of {golive.ref} is now {render.step_line(golive, changed)}"
    else:
        removed = golives.remove_step(golive, rest.split(" ")[0], actor=user_id)
        golive_notices.step_removed(db(context), golive, removed, now=now(context))
        said = f"Removed step #{removed.position} ({escape(removed.title)}) from {golive.ref}."
    golive_notices.runbook_changed(db(context), golive, now=now(context))
    return {"text": said}


def _approvers(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    ref, _, who = rest.partition(" ")
    golive = _golive(command, ref, context, client)
    require_known_people(who)
    named = user_ids_in(who)
    for approver in named:
        members.require_can_own(member(context, client, approver), "approve a go-live")
    golives.set_approvers(golive, actor=command["user_id"], approvers=named)
    golive_notices.runbook_changed(db(context), golive, now=now(context))
    return {"text": f"{golive.ref}'s go/no-go at T-1h: " + ", ".join(f"<@{a}>" for a in golive.approver_ids)}


def _marking(status: StepStatus) -> Answer:
    def mark(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
        ref, _, rest = rest.partition(" ")
        number, _, note = rest.strip().partition(" ")
        if not number:
            raise InvalidInput("Which step?", hint=f"Like `/golive {command['text'].split()[0]} G-1 3 [note]`.")
        golive = _golive(command, ref, context, client)
        found = golives.step(golive, number)
        said = golives.note_of(note, name_of=names(context, client))
        marked = golive_buttons.mark(db(context), golive, found, status=status, actor=command["user_id"],
                                     note=said, now=now(context))  # fmt: skip
        if marked is not None and marked.kind == golives.Marked.ADDED:
            return {"text": render.note_added(golive, found, by=command["user_id"], note=said)[1][0]["text"]["text"]}
        was = marked.was if marked is not None else StepStatus.PENDING
        return {"text": render.timeline(golive, found, was=was)[1][0]["text"]["text"]}

    return mark


def _start(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    golive = _golive(command, rest.split(" ")[0], context, client)
    if not golives.start(golive, actor=command["user_id"], now=now(context)):
        return {"text": f"{golive.ref} is live already."}
    golive_notices.started(db(context), golive, now=now(context))
    return {"text": f"{golive.ref} is live: the timeline is in the thread of its message here."}


def _end(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    golive = _golive(command, rest.split(" ")[0], context, client)
    if not golives.end(golive, actor=command["user_id"], now=now(context)):
        return {"text": f"{golive.ref} has ended already."}
    golive_notices.ended(db(context), golive, now=now(context))
    how = "has ended" if golive.status == GoLiveStatus.DONE else "was called off"
    return {"text": f"{golive.ref} {how}: {render.summary(golive)}."}


def _help(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    limits = (
        f"Titles up to {golives.TITLE_LIMIT} characters; at most {golives.STEP_COUNT} steps and "
        f"{golives.APPROVER_COUNT} approvers. Steps are reminded to their owners at their time (a heads-up first)."
    )
    return {"text": f"{HELP.text()}\n{escape(limits)}"}


SUBCOMMANDS = {
    "plan": _plan,
    "list": _list,
    "show": _show,
    "minutes": _minutes,
    "step": _step,
    "approvers": _approvers,
    "done": _marking(StepStatus.DONE),
    "failed": _marking(StepStatus.FAILED),
    "skip": _marking(StepStatus.SKIPPED),
    "start": _start,
    "end": _end,
    "help": _help,
}
