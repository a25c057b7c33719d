"""`/risk`: the RAID log in one line or a form; list, show, update, close, and the heat map."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from domain import intent as intent_rule
from domain import risks
from domain.errors import InvalidInput
from domain.risks import Fields
from domain.text import escaped, plain_from_slack
from handlers import intent, withdrawals
from handlers.channels import require_may_use, require_visible
from handlers.context import db, now, workspace
from handlers.directory import member, project
from handlers.ids import Command
from handlers.registry import Listeners
from handlers.render.help import CommandHelp
from handlers.risks import forms as risk_forms
from handlers.risks import matrix as risk_matrix
from handlers.risks import notices as risk_notices
from handlers.risks import render
from storage.models import Risk

HELP = CommandHelp(
    command=Command.RISK,
    summary="the RAID log: risks, issues, assumptions and dependencies, scored (probability x impact) and reviewed.",
    usages=(
        ("/risk vendor may slip p:4 i:3 @owner", "record a risk in one line (p and i from 1 to 5)"),
        ("/risk", "open the form (kind, category, mitigation, contingency, review date...)"),
        ("/risk list", "open entries by score; `list mine`, `list high`, `list all`"),
        ("/risk show R-4", "an entry with its full history"),
        ("/risk update R-4 p:4 i:5 mitigation: second vendor", "change it (every change is recorded)"),
        ("/risk close R-4 vendor delivered", "close it with a reason"),
        ("/risk matrix", "post the 5x5 heat map"),
    ),
)


def register(listeners: Listeners) -> None:
    listeners.command(Command.RISK, on_risk)
    listeners.help(HELP)
    listeners.record_kind("risk", create=risks.create_from_text, notify=risk_notices.created)
    intent.register(listeners, intent_rule.RISK, answer)
    withdrawals.register(listeners, "risk", withdraw)
    risk_forms.register(listeners)


def on_risk(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Route `/risk ...`."""
    text = (command.get("text") or "").strip()
    if not text:
        risk_forms.open_create(client, command)
        ack()
        return
    ack(response_type="ephemeral", **answer(command, text, context, client))


def answer(
    command: dict[str, Any], text: str, context: BoltContext, client: WebClient, *, as_written: bool = False
) -> dict[str, Any]:
    """Run a subcommand, ask what was meant (unless `as_written`), or record an entry from the text."""
    if not as_written and (doubt := intent_rule.doubt(intent_rule.RISK, text)):
        return intent.question(intent_rule.RISK, doubt)
    word, _, rest = text.strip().partition(" ")
    handler = SUBCOMMANDS.get(word.lower())
    return handler(command, rest.strip(), context, client) if handler else _create(command, text, context, client)


def _create(command: dict[str, Any], text: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    intent.require_known_people(text)
    risk = risks.create_from_text(
        db(context),
        project=proj,
        author=command["user_id"],
        said=text,
        now=now(context),
        people=lambda user_id: member(context, client, user_id),
    )
    risk_notices.created(db(context), risk, now=now(context))
    return withdrawals.confirmation(f"Recorded {risk.ref}: {render.score_text(risk)}.", kind="risk", ref=risk.ref)


def withdraw(context: BoltContext, client: WebClient, user_id: str, ref: str) -> str:
    """Withdraw an entry its creator just recorded; its card in the channel says so."""
    risk = risks.get(db(context), workspace_id=workspace(context).id, ref=ref, for_update=True)
    require_may_use(context, client, risk, user_id, here=None)  # else as if missing: a replay cannot probe refs
    risks.withdraw(db(context), risk, actor=user_id, now=now(context))
    risk_notices.changed(db(context), risk, now=now(context))
    return withdrawals.withdrawn_text(risk.ref)


def _list(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    which = rest.lower() or "all"
    if which not in ("all", "mine", "high"):
        raise InvalidInput("List `all`, `mine` or `high`.", hint="Like `/risk list high`.")
    filters: dict[str, Any] = {
        "project_id": proj.id,
        "user_id": command["user_id"] if which == "mine" else None,
        "minimum_score": 10 if which == "high" else 0,
    }
    found = risks.list_open(db(context), limit=45, **filters)
    total = risks.count_open(db(context), **filters)
    heading = {"all": "Open RAID entries", "mine": "RAID entries you own", "high": "High and critical risks"}[which]
    text, blocks = render.risk_list(found, heading=heading, total=total)
    return {"text": text, "blocks": blocks}


def _risk(command: dict[str, Any], ref: str, context: BoltContext, client: WebClient, **kwargs: Any) -> Risk:
    """The entry named, if the caller may read it (else the same answer as for a missing one)."""
    risk = risks.get(db(context), workspace_id=workspace(context).id, ref=ref, **kwargs)
    require_visible(context, client, risk.project, command["user_id"], ref=risk.ref, here=command["channel_id"])
    return risk


def _show(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    risk = risks.get(db(context), workspace_id=workspace(context).id, ref=rest.split(" ")[0])
    require_may_use(context, client, risk, command["user_id"], here=command["channel_id"])  # as on its DM card
    text, blocks = render.details(risk, risks.history(db(context), risk))
    return {"text": text, "blocks": blocks}


def _update(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    ref, _, changes = rest.partition(" ")
    risk = _risk(command, ref, context, client, for_update=True)
    fields = risks.read_fields(changes, with_title=False, name_of=intent.names(context, client))
    if fields == Fields():
        raise InvalidInput("What should change?", hint=f"Like `/risk update {risk.ref} p:4 i:5 mitigation: ...`.")
    event = risks.update(db(context), risk, actor=command["user_id"], fields=fields, now=now(context))
    if event is None:
        return {"text": f"{risk.ref} already says that."}
    risk_notices.changed(db(context), risk, now=now(context))
    return {"text": f"Updated {risk.ref}: {render.score_text(risk)}."}


def _close(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    ref, _, reason = rest.partition(" ")
    risk = _risk(command, ref, context, client, for_update=True)
    risks.close(
        db(context),
        risk,
        actor=command["user_id"],
        reason=plain_from_slack(reason, name_of=intent.names(context, client)),
        now=now(context),
    )
    risk_notices.changed(db(context), risk, now=now(context))
    return {"text": f":lock: Closed {risk.ref}."}


def _matrix(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    found = [r for r in risks.list_open(db(context), project_id=proj.id, limit=10_000) if r.kind == "risk"]
    name = f"#{command.get('channel_name') or 'project'}"
    fallback = risk_matrix.text(found)
    client.files_upload_v2(
        channel=proj.channel_id,
        content=risk_matrix.png(found, title=f"{name} risk matrix"),
        filename="risk-matrix.png",
        title=f"{name} risk matrix",
        alt_txt=fallback[:1000],
        initial_comment=escaped(fallback, 3000),
    )
    return {"text": f"Posted the risk matrix ({len(found)} open risks)."}


def _help(command: dict[str, Any], rest: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    return {"text": HELP.text()}


SUBCOMMANDS = {"list": _list, "show": _show, "update": _update, "close": _close, "matrix": _matrix, "help": _help}
