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
from domain.errors import InvalidInput, PmbotError
from domain.forms import WHOLE_FORM
from domain.text import without_control
from handlers.context import db, now, workspace
from handlers.ids import Action
from handlers.registry import Check, Listeners
from handlers.render import forms as render
from storage.db import unit_of_work

log = logging.getLogger(__name__)


def register(listeners: Listeners) -> None:
    listeners.action(Action.FORM_REOPEN, on_reopen)
    listeners.app.middleware(drop_repeated_forms)  # after the workspace's: registered last, it runs last


def drop_repeated_forms(body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> BoltResponse | None:
    """Every form alike: record its submission (the view's id and hash) with the work it does, and answer the same
    submission arriving again (sent twice, or submitted again after a slow answer) with 200, doing nothing and
    telling nobody it failed.

    A submission refused beside its fields never gets here (it stays open, to be corrected and sent again), and one
    whose work fails is rolled back with it; a form opened again is a new view."""
    if body.get("type") == "view_submission":
        view = body.get("view") or {}
        team_id = str(context.team_id or (body.get("team") or {}).get("id") or "")
        if not events.first_submission(db(context), view=view, team_id=team_id, now=now(context)):
            log.info("form %s arrived again as it was submitted; ignoring the repeat", view.get("callback_id"))
            return BoltResponse(status=200, body="")
    next()
    return None


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
    if failure.worth_again:
        try:
            with unit_of_work(factory) as session:
                found = workspaces.find(session, team_id=failure.team_id)
                if found is not None:
                    draft_id = forms.keep(session, workspace_id=found.id, user_id=user, view=view, errors=errors,
                                          now=failure.at)  # fmt: skip
        except Exception:  # the database is what failed: what was typed goes into the message instead
            log.warning("could not keep a form that failed", exc_info=True)
    typed = None if draft_id is not None or not failure.worth_again else render.typed_text(view)
    text, blocks = render.not_saved(view, errors, draft_id, typed=typed)
    try:
        client.chat_postMessage(channel=user, text=text, blocks=blocks)
    except Exception:
        log.warning("could not tell %s that their form was not saved", user, exc_info=True)


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
    """Open a kept form again, filled in as it was typed, with what was wrong beside each field."""
    draft = forms.take(
        db(context),
        workspace_id=workspace(context).id,
        user_id=body["user"]["id"],
        draft_id=_number(str(body["actions"][0].get("value") or "")),
        now=now(context),
    )
    client.views_open(trigger_id=body["trigger_id"], view=render.refilled(draft.view, draft.errors))
    ack()
