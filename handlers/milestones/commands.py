"""`/milestone`: make, move, link, depend, list, show and draw milestones."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from domain import intent as intent_rule
from domain import milestones
from domain.errors import InvalidInput, NotFound
from domain.intent import NOTHING, SOME_TEXT, Grammar, unknown_subcommand
from domain.text import escape, plain_from_slack, user_mention
from domain.visibility import unseen
from domain.workspaces import find_project
from handlers import intent
from handlers.channels import may_see, require_may_use, require_visible
from handlers.context import after_answer, db, now, workspace
from handlers.directory import channel_ids_in, member, project
from handlers.ids import Action, Command
from handlers.milestones import buttons as milestone_buttons
from handlers.milestones import cards, pictures, render
from handlers.milestones import forms as milestone_forms
from handlers.registry import Listeners
from handlers.render.help import CommandHelp
from storage.models import Milestone, Project

HELP = CommandHelp(
    command=Command.MILESTONE,
    summary="milestones with a baseline and a forecast; a slip alerts the owner, the leads and dependent projects.",
    usages=(
        (
            '/milestone "UAT sign-off" 2027-01-15 @owner',
            "a milestone, its baseline that day, owned by the one person named (else you); quote a name that has"
            " a date, an @mention or a command's word in it",
        ),
        ('/milestone M-API "API ready" jan 10', "the same with the id you choose (M-API)"),
        ("/milestone", "the form: name, date, owner, id"),
        (
            "/milestone move M-UAT 2027-01-22: vendor late",
            "a new forecast, and why after a colon (a slip past the baseline alerts)",
        ),
        ("/milestone done M-UAT", "mark it reached; `reopen M-UAT` takes that back"),
        (
            "/milestone link M-UAT A-12 R-3 D-4",
            "the action items, risks and decisions that feed it; `unlink` takes off",
        ),
        (
            "/milestone depends M-UAT on #proj-payments M-API",
            "it waits for another milestone (any project's); `undepend M-UAT on ...` takes that off",
        ),
        ("/milestone list", "this channel's open milestones, baseline vs forecast; `list all` with the done ones"),
        ("/milestone show M-UAT", "its dates, status, links, dependencies and every change"),
        ("/milestone search sign-off", "milestones whose name has these words"),
        ("/milestone timeline", "post a picture of this channel's milestones, today's line and dependencies"),
    ),
)

# What each subcommand takes, so that a near-miss (`moev M-UAT friday`) is asked about before anything is made.
_A_MILESTONE = r"(?:<#[^>]+>\s+)?M-[A-Z][A-Z0-9]{0,11}"  # `M-UAT`, `#proj-payments M-API`
GRAMMAR = Grammar(
    "/milestone",
    takes={
        "list": r"(?:all)?$",
        "show": rf"{_A_MILESTONE}$",
        "search": SOME_TEXT,
        "move": rf"{_A_MILESTONE}\s+\S",
        "done": rf"{_A_MILESTONE}$",
        "reopen": rf"{_A_MILESTONE}$",
        "link": rf"{_A_MILESTONE}\s+\S",
        "depends": rf"{_A_MILESTONE}\s+\S",
        "unlink": rf"{_A_MILESTONE}\s+\S",
        "undepend": rf"{_A_MILESTONE}\s+\S",
        "timeline": NOTHING,
        "help": NOTHING,
    },
    synonyms={
        "complete": "done",
        "finish": "done",
        "depend": "depends",
        "view": "show",
        "ls": "list",
        "unlinks": "unlink",
        "detach": "unlink",
        "undepends": "undepend",
    },
)
_WORD_THEN_A_MILESTONE = re.compile(rf"\S+\s+{_A_MILESTONE}(?:\s|$)", re.IGNORECASE)  # `frobnicate M-UAT ...`


def register(listeners: Listeners) -> None:
    listeners.command(Command.MILESTONE, on_milestone)
    listeners.help(HELP)
    # Another feature's change to a milestone (an approved change request) refreshes its card through this.
    listeners.record_kind("milestone", create=milestones.create_from_text, notify=cards.told)
    intent.register(listeners, GRAMMAR, answer)
    milestone_forms.register(listeners)
    milestone_buttons.register(listeners)


def on_milestone(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Route `/milestone ...`."""
    text = (command.get("text") or "").strip()
    if not text:
        milestone_forms.open_create(client, command)
        ack()
        return
    ack(response_type="ephemeral", **answer(command, text, context, client))


def answer(
    command: dict[str, Any], text: str, context: BoltContext, client: WebClient, *, as_written: bool = False
) -> dict[str, Any]:
    """Run a subcommand, show a milestone named alone, ask what was meant by a near-miss of a subcommand (unless
    `as_written`), or make a milestone from the text."""
    text = text.strip()
    word, _, rest = text.partition(" ")
    handler = SUBCOMMANDS.get(word.lower()) or SUBCOMMANDS.get(GRAMMAR.synonyms.get(word.lower(), ""))
    if handler:
        return handler(command, rest.strip(), context, client)
    if milestones.parse_ref(text) is not None:
        return _show(command, text, context, client)
    if not as_written and rest and text[:1] not in milestones.QUOTES:  # a quoted name is never a subcommand
        doubt = intent_rule.doubt(GRAMMAR, text)
        if doubt is None and _WORD_THEN_A_MILESTONE.match(text) and not (milestones.parse_ref(word) or "<" in word):
            doubt = intent_rule.Doubt(" ".join(text.split()), None, tuple(w for w in GRAMMAR.takes if w != "help"))
        if doubt is not None:
            return _question(command, doubt, context, client)
    return _create(command, text, context, client)


def _question(
    command: dict[str, Any], doubt: intent_rule.Doubt, context: BoltContext, client: WebClient
) -> dict[str, Any]:
    """Ask "Did you mean ...?", offering to make the milestone as written only when the text reads as one (else
    the one choice is the subcommand meant; with none close, the answer that there is no such subcommand)."""
    if _reads_as_milestone(command, doubt.said, context, client):
        return intent.question(GRAMMAR, doubt)
    if doubt.meant is None:
        raise intent.refuse_unknown(GRAMMAR, doubt.said.partition(" ")[0])
    asked = intent.question(GRAMMAR, doubt)
    for block in asked["blocks"]:
        if block["type"] == "actions":
            block["elements"] = [e for e in block["elements"] if e["action_id"] != Action.RECORD_AS_WRITTEN]
    asked["blocks"] = [b for b in asked["blocks"] if b["type"] != "actions" or b["elements"]]
    return asked


def _reads_as_milestone(command: dict[str, Any], text: str, context: BoltContext, client: WebClient) -> bool:
    """Whether `text` could be made a milestone as written (read only: nothing is looked up or saved)."""
    here = find_project(db(context), workspace_id=workspace(context).id, channel_id=command["channel_id"])
    if here is None:
        return True  # can't tell without the channel's calendar: leave the choice to the person
    try:
        milestones.read_line(
            text, project=here, now=now(context), locale=member(context, client, command["user_id"]).locale
        )
    except InvalidInput:
        return False
    return True


def _create(command: dict[str, Any], text: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    intent.require_known_people(text)
    try:
        milestone = milestones.create_from_text(
            db(context),
            project=proj,
            author=command["user_id"],
            said=text,
            now=now(context),
            people=lambda user_id: member(context, client, user_id),
        )
    except InvalidInput:
        word = text.split()[0]
        if " " not in text.strip() and unknown_subcommand(GRAMMAR, word):  # `lsit`: a command mistyped
            raise intent.refuse_unknown(GRAMMAR, word) from None
        raise
    cards.post_card(db(context), milestone, now=now(context))
    return {
        "text": f"Made {milestone.ref} {escape(milestone.name)}: {render.dates_text(milestone)}, "
        f"owned by {user_mention(milestone.owner_id)}."
    }


def _named(
    command: dict[str, Any], words: str, context: BoltContext, client: WebClient, *, for_update: bool = False
) -> tuple[Milestone, str]:
    """The milestone named first in `words` (`M-UAT`, or `#channel M-UAT`), if the caller may use it, and the rest."""
    first, _, rest = words.strip().partition(" ")
    if not first:
        raise InvalidInput("Which milestone?", hint="Name it by its id, like `M-UAT`.")
    channel = channel_ids_in(first)
    if channel:
        ref, _, rest = rest.strip().partition(" ")
        milestone = _in_channel(command, channel[0], ref, context, client, for_update=for_update)
    else:
        # This channel's milestone first, if the channel is a project (looked up, never made: a DM or a channel
        # without pmbot must not become a project by naming a milestone from it).
        here = find_project(db(context), workspace_id=workspace(context).id, channel_id=command["channel_id"])
        milestone = milestones.get(
            db(context),
            workspace_id=workspace(context).id,
            ref=first,
            project_id=here.id if here is not None else None,
            for_update=for_update,
            visible=_visible_to(command, context, client),
        )
    require_may_use(context, client, milestone, command["user_id"], here=command["channel_id"])
    return milestone, rest.strip()


def _visible_to(command: dict[str, Any], context: BoltContext, client: WebClient) -> Callable[[Project], bool]:
    """Whether the caller may read a project's records (a milestone elsewhere is looked for among those only)."""
    return lambda proj: may_see(context, client, proj, command["user_id"], here=command["channel_id"])


def _in_channel(
    command: dict[str, Any], channel_id: str, ref: str, context: BoltContext, client: WebClient, **kwargs: Any
) -> Milestone:
    """`#proj-payments M-API`: that channel's milestone, if the caller may read the channel's records."""
    other = find_project(db(context), workspace_id=workspace(context).id, channel_id=channel_id)
    shown = f"<#{channel_id}> {escape(ref[:20])}"
    if other is None:
        raise unseen(shown)
    require_visible(context, client, other, command["user_id"], ref=shown, here=command["channel_id"])
    return milestones.in_project(db(context), project_id=other.id, ref=ref, **kwargs)


def _list(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    if rest.lower() not in ("", "all"):
        raise InvalidInput("List the open milestones, or `all`.", hint="Like `/milestone list all`.")
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    every = rest.lower() == "all"
    found = milestones.list_for(db(context), project_id=proj.id, include_done=every)
    text, blocks = render.milestone_list(found, heading="Milestones" if every else "Open milestones")
    return {"text": text, "blocks": blocks}


def _show(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    milestone, _ = _named(command, rest, context, client)
    session = db(context)
    links = milestones.links(session, milestone)
    upstreams, dependents = milestones.upstreams(session, milestone), milestones.dependents(session, milestone)
    projects = {r.project_id: r.project for r in [*links, *upstreams, *dependents]}
    seen = {milestone.project_id} | {
        pid
        for pid, p in projects.items()
        if may_see(context, client, p, command["user_id"], here=command["channel_id"])
    }
    text, blocks = render.details(
        milestone,
        links=links,
        upstreams=upstreams,
        dependents=dependents,
        events=milestones.history(session, milestone),
        seen=seen,
    )
    return {"text": text, "blocks": blocks}


def _search(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    if not rest:
        raise InvalidInput("Search for which words?", hint="Like `/milestone search sign-off`.")
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    words = plain_from_slack(rest, name_of=intent.names(context, client))
    found = milestones.search(db(context), project_id=proj.id, words=words)
    text, blocks = render.milestone_list(found, heading=f"Milestones matching: {words[:60]}")
    return {"text": text, "blocks": blocks}


def _move(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    milestone, said = _named(command, rest, context, client, for_update=True)
    milestones.require_may_change(milestone, command["user_id"], "move")
    caller = member(context, client, command["user_id"])
    day, why = milestones.read_day_and_why(said, project=milestone.project, now=now(context), locale=caller.locale)
    slip = milestone_forms.move(
        db(context),
        milestone,
        actor=caller.user_id,
        day=day,
        why=plain_from_slack(why, name_of=intent.names(context, client)),
        now=now(context),
    )
    said_slip = (
        f" That is {render.slip_text(milestone)} past its baseline; the alerts are on their way." if slip else ""
    )
    return {"text": f"Moved {milestone.ref}: {render.dates_text(milestone)}.{said_slip}"}


def _done(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    milestone, _ = _named(command, rest, context, client, for_update=True)
    milestones.complete(db(context), milestone, actor=command["user_id"], now=now(context))
    cards.changed(db(context), milestone, now=now(context))
    return {"text": f":white_check_mark: {milestone.ref} is done."}


def _reopen(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    milestone, _ = _named(command, rest, context, client, for_update=True)
    milestones.reopen(db(context), milestone, actor=command["user_id"], now=now(context))
    cards.changed(db(context), milestone, now=now(context))
    return {"text": f"Reopened {milestone.ref}: {render.status_text(milestone)}."}


def _link(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    return _relink(command, rest, context, client, adding=True)


def _unlink(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    return _relink(command, rest, context, client, adding=False)


def _relink(
    command: dict[str, Any], rest: str, context: BoltContext, client: WebClient, *, adding: bool
) -> dict[str, Any]:
    """`link M-UAT A-12 R-3` (or `unlink`): each record named, checked the person may use it, linked (taken off)."""
    verb = "link" if adding else "unlink"
    milestone, refs = _named(command, rest, context, client, for_update=True)
    milestones.require_may_change(milestone, command["user_id"], "link records to" if adding else "unlink records from")
    if not refs:
        raise InvalidInput(f"{verb.capitalize()} what?", hint=f"Like `/milestone {verb} {milestone.ref} A-12 R-3 D-4`.")
    done: list[str] = []
    unchanged: list[str] = []
    missing: list[str] = []
    other_kinds: list[str] = []
    for ref in list(dict.fromkeys(refs.split()))[:20]:
        if milestones.linkable_kind(ref) is None:  # `CR-2`, `M-API`, `L-5`: no id a milestone links
            other_kinds.append(escape(ref[:20]))
            continue
        try:
            kind, record = milestones.linkable(db(context), workspace_id=workspace(context).id, ref=ref)
            require_may_use(context, client, record, command["user_id"], here=command["channel_id"])
        except (NotFound, InvalidInput):
            missing.append(escape(ref[:20]))
            continue
        change = milestones.link if adding else milestones.unlink
        changed = change(db(context), milestone, kind=kind, record_id=record.id, ref=record.ref,
                         actor=command["user_id"], now=now(context))  # fmt: skip
        (done if changed else unchanged).append(record.ref)
    if done:
        cards.changed(db(context), milestone, now=now(context))
    if adding:
        said = [f"Linked {', '.join(done)} to {milestone.ref}." if done else f"Nothing new linked to {milestone.ref}."]
        said += [f"Already linked: {', '.join(unchanged)}."] if unchanged else []
    else:
        said = [f"Took {', '.join(done)} off {milestone.ref}." if done else f"Nothing taken off {milestone.ref}."]
        said += [f"Not linked to it: {', '.join(unchanged)}."] if unchanged else []
    if missing:
        said.append(f"Not found: {', '.join(missing)}.")
    if other_kinds:
        said.append(_not_linkable(milestone, other_kinds))
    return {"text": " ".join(said)}


def _not_linkable(milestone: Milestone, refs: list[str]) -> str:
    """Why `CR-2` (or `M-API`) was not linked: only action items, risks and decisions feed a milestone."""
    named = ", ".join(refs)
    said = f"{named} can't be linked: only action items (A-12), risks (R-3) and decisions (D-4) link to a milestone."
    upstream = next((ref for ref in refs if milestones.parse_ref(ref) is not None), None)
    if upstream is not None:
        said += f" For a milestone it waits for: `/milestone depends {milestone.ref} on {upstream}`."
    return said


def _depends(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    milestone, upstream, where = _dependency(command, rest, context, client, verb="depends")
    new = milestones.depend(db(context), milestone, upstream=upstream, actor=command["user_id"], now=now(context))
    if not new:
        return {"text": f"{milestone.ref} already depends on {upstream.ref}{where}."}
    cards.changed(db(context), milestone, now=now(context))
    # The status is the dependent's own (M-UAT's), which its upstream may have just changed.
    return {"text": f"{milestone.ref} now depends on {upstream.ref}{where}. {milestone.ref} is "
                    f"{render.status_text(milestone)}."}  # fmt: skip


def _undepend(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    milestone, upstream, where = _dependency(command, rest, context, client, verb="undepend")
    gone = milestones.undepend(db(context), milestone, upstream=upstream, actor=command["user_id"], now=now(context))
    if not gone:
        return {"text": f"{milestone.ref} does not depend on {upstream.ref}{where}; nothing changed."}
    cards.changed(db(context), milestone, now=now(context))
    return {"text": f"{milestone.ref} no longer depends on {upstream.ref}{where}. {milestone.ref} is "
                    f"{render.status_text(milestone)}."}  # fmt: skip


def _dependency(
    command: dict[str, Any], rest: str, context: BoltContext, client: WebClient, *, verb: str
) -> tuple[Milestone, Milestone, str]:
    """`M-UAT on #proj-payments M-API` (or `M-UAT on M-API` in this channel): the milestone (locked), the one it
    waits for (checked the person may see it), and " in #channel" when that one is another project's."""
    milestone, said = _named(command, rest, context, client, for_update=True)
    words = said.split()
    if words[:1] and words[0].lower() == "on":
        words = words[1:]
    hint = f"Like `/milestone {verb} {milestone.ref} on #proj-payments M-API`."
    if not words or len(words) > 2:
        raise InvalidInput("On which milestone?", hint=hint)
    if len(words) == 2:
        channel = channel_ids_in(words[0])
        if not channel:
            raise InvalidInput(f"`{escape(words[0][:30])}` is not a channel.", hint=hint)
        upstream = _in_channel(command, channel[0], words[1], context, client)
    else:
        upstream = milestones.get(
            db(context),
            workspace_id=workspace(context).id,
            ref=words[0],
            project_id=milestone.project_id,
            visible=_visible_to(command, context, client),
        )
        require_visible(context, client, upstream.project, command["user_id"], ref=upstream.ref,
                        here=command["channel_id"])  # fmt: skip
    where = "" if upstream.project_id == milestone.project_id else f" in <#{upstream.project.channel_id}>"
    return milestone, upstream, where


def _timeline(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    session = db(context)
    if not pictures.shown(session, proj, at=now(context)):  # nothing to draw: say so to the caller, post nothing
        done = milestones.list_for(session, project_id=proj.id, include_done=True)
        return {"text": render.nothing_to_draw(proj, any_done=bool(done))}
    after_answer(context, pictures.upload_job(proj, user_id=command["user_id"], at=now(context)))
    return {"text": ":hourglass_flowing_sand: Drawing the timeline… it will appear in this channel."}


def _help(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    return {"text": HELP.text()}


SUBCOMMANDS = {
    "list": _list,
    "show": _show,
    "search": _search,
    "move": _move,
    "done": _done,
    "reopen": _reopen,
    "link": _link,
    "unlink": _unlink,
    "depends": _depends,
    "undepend": _undepend,
    "timeline": _timeline,
    "help": _help,
}
