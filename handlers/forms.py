"""Forms answered after their acknowledgement: what a form alone can tell is checked before Slack closes it; what
fails after is told to the person, with the form kept to open again as they typed it."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext, BoltResponse
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from domain import events, forms, workspaces
from domain.errors import Conflict, InvalidInput, PmbotError
from domain.forms import WHOLE_FORM
from domain.text import without_control
from handlers import outgoing
from handlers.context import WORKSPACE, db, now, workspace
from handlers.ids import Action
from handlers.registry import Check, Listeners
from handlers.render import forms as render
from storage.db import unit_of_work
from storage.models import FormDraft

log = logging.getLogger(__name__)


def register(listeners: Listeners) -> None:
    listeners.action(Action.FORM_REOPEN, on_reopen)
    listeners.app.middleware(drop_repeated_forms)  # after the workspace's: registered last, it runs last


# A kept form opened again carries `external_id` `pmbot-form:<its draft id>:<the click>` (unique, as Slack wants it).
REOPENED = "pmbot-form:"
TOLD = "pmbot_told"  # a kept view's key (never one Slack gives) for the DM that offered it: {"channel", "ts"}
SAVED = "pmbot_saved"  # a kept view's key once the form opened again from it was saved
SUPERSEDED = "pmbot_superseded"  # a kept view's key once the form opened again from it failed and was kept anew

# Whether a kept form is still of use: (session, workspace id, the view) -> why not, or None. Features register
# theirs with `needed_while`; a form without one is always opened again.
Needed = Callable[[Session, int, dict[str, Any]], str | None]
_NEEDED: dict[str, Needed] = {}


def needed_while(callback_id: str, check: Needed) -> None:
    """Register what tells a kept form of `callback_id` is no longer needed (its record closed meanwhile)."""
    _NEEDED[callback_id] = check


def drop_repeated_forms(body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> BoltResponse | None:
    """Every form alike: record its submission (the view's id and hash) with the work it does, and answer the same
    submission arriving again (sent twice, or submitted again after a slow answer) with 200, doing nothing and
    telling nobody it failed. A form opened again from the DM that kept it: that DM loses its button, with the work.

    A submission refused beside its fields never gets here (it stays open, to be corrected and sent again), and one
    whose work fails is rolled back with it; a form opened again is a new view."""
    if body.get("type") == "view_submission":
        view = body.get("view") or {}
        team_id = str(context.team_id or (body.get("team") or {}).get("id") or "")
        if not events.first_submission(db(context), view=view, team_id=team_id, now=now(context)):
            log.info("form %s arrived again as it was submitted; ignoring the repeat", view.get("callback_id"))
            return BoltResponse(status=200, body="")
        _reopened_saved(body, context)
    next()
    return None


def _reopened_saved(body: dict[str, Any], context: BoltContext) -> None:
    """A form opened again from a kept one is being saved (in this transaction: undone if its work fails): the kept
    one is no longer needed, and the DM that offered it says so, without its button."""
    if context.get(WORKSPACE) is None:
        return
    user = str((body.get("user") or {}).get("id") or "")
    draft = _reopened_from(db(context), body.get("view") or {}, workspace_id=workspace(context).id, user_id=user,
                           at=now(context))  # fmt: skip
    if draft is None or draft.view.get(SAVED):
        return
    draft.view = {**draft.view, SAVED: True}
    _drop_button(db(context), draft, "Saved since, from the form opened again: nothing more to do.", at=now(context))


def _superseded(
    session: Session, view: dict[str, Any], *, workspace_id: int, user_id: str, at: datetime
) -> FormDraft | None:
    """A form opened again from a kept one failed again, and is kept anew: the older one is no longer needed (the
    newer message offers the form, with the latest problem). Return the older one, whose DM is to lose its button."""
    older = _reopened_from(session, view, workspace_id=workspace_id, user_id=user_id, at=at)
    if older is None or older.view.get(SUPERSEDED) or older.view.get(SAVED):
        return None
    older.view = {**older.view, SUPERSEDED: True}
    return older


def _reopened_from(
    session: Session, view: dict[str, Any], *, workspace_id: int, user_id: str, at: datetime
) -> FormDraft | None:
    """The kept form this view was opened again from (its `external_id` names it), if it is the person's still."""
    said = str(view.get("external_id") or "")
    if not said.startswith(REOPENED):
        return None
    try:
        return forms.take(session, workspace_id=workspace_id, user_id=user_id,
                          draft_id=_number(said.removeprefix(REOPENED).partition(":")[0]), now=at)  # fmt: skip
    except PmbotError:
        return None


def _told_at(draft: FormDraft) -> tuple[str, str] | None:
    """The (channel, ts) of the DM that offered a kept form, if it was noted."""
    told = draft.view.get(TOLD)
    if not isinstance(told, dict) or not told.get("channel") or not told.get("ts"):
        return None
    return str(told["channel"]), str(told["ts"])


def _without_button(draft: FormDraft, why: str) -> tuple[str, list[dict[str, Any]]]:
    """The DM that offered a kept form, without its button, saying why it is no longer needed."""
    text, blocks = render.not_saved(draft.view, dict(draft.errors), None)
    return text, [*blocks, {"type": "context", "elements": [{"type": "mrkdwn", "text": f":white_check_mark: {why}"}]}]


def _drop_button(session: Session, draft: FormDraft, why: str, *, at: datetime) -> None:
    """Bring the DM that offered a kept form up to date: no button, and why it is no longer needed."""
    told = _told_at(draft)
    if told is None:
        return
    channel, ts = told
    text, blocks = _without_button(draft, why)
    outgoing.update(session, workspace_id=draft.workspace_id, key=f"form:{draft.id}:no-longer-needed", text=text,
                    blocks=blocks, now=at, channel=channel, ts=ts, conversation=channel)  # fmt: skip


def values_of(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`state.values` by block id: each input block's element state (pmbot's elements answer as "value")."""
    state = (view.get("state") or {}).get("values") or {}
    return {block: dict(elements.get("value") or {}) for block, elements in state.items()}


def text_of(view: dict[str, Any], block: str) -> str:
    """What was typed in a text field, without control characters."""
    return without_control(str(values_of(view).get(block, {}).get("value") or ""))


def checking(*rules: Callable[[dict[str, Any], datetime], object]) -> Check:
    """A check from rules that raise InvalidInput (with the field) for what is wrong; the first error per field."""

    def check(view: dict[str, Any], at: datetime) -> dict[str, str]:
        errors: dict[str, str] = {}
        for rule in rules:
            try:
                rule(view, at)
            except InvalidInput as err:
                errors.setdefault(err.field or WHOLE_FORM, err.user_text())
        return {field: text for field, text in errors.items() if field}  # Slack shows errors beside fields only

    return check


@dataclass(frozen=True)
class Failure:
    """Why a form that Slack had closed was not saved: the error, the installing workspace's team id (Bolt's, which
    a Slack Connect channel's submitter does not share), and when the form arrived."""

    error: object
    team_id: str
    at: datetime

    @property
    def worth_again(self) -> bool:
        """Whether opening the form again can help: a field to correct, or a fault on pmbot's side; not a refusal
        about the record itself (closed, already answered, not yours)."""
        return not isinstance(self.error, PmbotError) or bool(self.error.field)


def failed_later(
    factory: sessionmaker[Session], client: WebClient, body: dict[str, Any], answer: str, *, failure: Failure
) -> None:
    """A form acknowledged (and closed) that then failed: tell the person why; where opening it again can help, keep
    it and offer a button that opens it as typed. `answer` is what the form's listener would have answered Slack."""
    errors = _errors_in(answer)
    if not errors:
        return
    view, user = dict(body.get("view") or {}), str((body.get("user") or {}).get("id") or "")
    draft_id: int | None = None
    older: tuple[str, str, str, list[dict[str, Any]]] | None = None  # a DM offering the form before: no longer
    if failure.worth_again:
        try:
            with unit_of_work(factory) as session:
                found = workspaces.find(session, team_id=failure.team_id)
                if found is not None:
                    draft_id = forms.keep(session, workspace_id=found.id, user_id=user, view=view, errors=errors,
                                          now=failure.at)  # fmt: skip
                    before = _superseded(session, view, workspace_id=found.id, user_id=user, at=failure.at)
                    told = _told_at(before) if before is not None else None
                    if before is not None and told is not None:
                        why = "Opened again and not saved either: the newer message keeps it."
                        older = (*told, *_without_button(before, why))
        except Exception:  # the database is what failed: what was typed goes into the message instead
            log.warning("could not keep a form that failed", exc_info=True)
    typed = None if draft_id is not None or not failure.worth_again else render.typed_text(view)
    text, blocks = render.not_saved(view, errors, draft_id, typed=typed)
    try:
        sent = client.chat_postMessage(channel=user, text=text, blocks=blocks)
    except Exception:
        log.warning("could not tell %s that their form was not saved", user, exc_info=True)
        return
    if older is not None:
        try:
            client.chat_update(channel=older[0], ts=older[1], text=older[2], blocks=older[3])
        except Exception:
            log.warning("could not take the button off a form kept before", exc_info=True)
    if draft_id is not None:  # where its button is, so that it goes once the form is no longer needed
        try:
            with unit_of_work(factory) as session:
                draft = session.get(FormDraft, draft_id)
                if draft is not None:
                    draft.view = {**draft.view, TOLD: {"channel": sent.get("channel"), "ts": sent.get("ts")}}
        except Exception:
            log.warning("could not note where a kept form was offered", exc_info=True)


def _errors_in(answer: str) -> dict[str, str]:
    """The errors a form's answer carries: beside fields, or as a view pushed over the form (the whole form)."""
    try:
        said = json.loads(answer)
    except ValueError:
        return {}
    if not isinstance(said, dict):
        return {}
    if said.get("response_action") == "errors":
        return {str(field): str(text) for field, text in (said.get("errors") or {}).items()}
    if said.get("response_action") in ("push", "update"):
        texts = [b["text"]["text"] for b in (said.get("view") or {}).get("blocks", []) if b.get("type") == "section"]
        return {WHOLE_FORM: " ".join(texts) or "Something went wrong."}
    return {}


def _number(value: str) -> int:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else 0


def on_reopen(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Open a kept form again, filled in as it was typed, with what was wrong beside each field; unless it is no
    longer needed (saved since, or its record closed meanwhile): then its DM says so, without the button."""
    session, at = db(context), now(context)
    draft = forms.take(
        session,
        workspace_id=workspace(context).id,
        user_id=body["user"]["id"],
        draft_id=_number(str(body["actions"][0].get("value") or "")),
        now=at,
    )
    why = _no_longer_needed(session, draft)
    if why is not None:
        if _told_at(draft) is None:  # offered before DMs were noted: said where clicked
            raise Conflict(why)
        _drop_button(session, draft, why, at=at)
        ack()
        return
    click = str(body["actions"][0].get("action_ts") or at.timestamp()).replace(":", "")[:40]
    view = {**render.refilled(draft.view, draft.errors), "external_id": f"{REOPENED}{draft.id}:{click}"}
    client.views_open(trigger_id=body["trigger_id"], view=view)
    ack()


def _no_longer_needed(session: Session, draft: FormDraft) -> str | None:
    """Why a kept form is no longer needed, if it is not."""
    if draft.view.get(SAVED):
        return "That form was saved since: there is nothing to open again."
    if draft.view.get(SUPERSEDED):
        return "That form was opened again and not saved either: the newer message keeps it."
    check = _NEEDED.get(str(draft.view.get("callback_id") or ""))
    if check is None:
        return None
    try:
        return check(session, draft.workspace_id, draft.view)
    except (PmbotError, ValueError):
        return None  # its record is not to be named here (or unreadable): the form opens, and saving it says why
