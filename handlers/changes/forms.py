"""The change request form (new, answered after "Ask for more", from a slip alert) and the Reject / Ask forms."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from domain import calendar, changes, milestones, visibility
from domain.changes import Proposal
from domain.errors import InvalidInput
from domain.visibility import unseen
from handlers.changes import notices as change_notices
from handlers.changes import render
from handlers.channels import may_see, require_may_use
from handlers.context import db, now, workspace
from handlers.directory import form_project, member
from handlers.forms import checking, text_of, values_of
from handlers.ids import Block, View
from handlers.registry import Listeners
from storage.models import ChangeRequest, Milestone, Project

NEEDED_AT = time(17, 0)  # a request needed by a day is needed by the end of it, in the requester's zone


def register(listeners: Listeners) -> None:
    listeners.view(
        View.CHANGE_CREATE, on_create_submitted, check=checking(_whole_days, _proposed, _ahead, _needed_ahead)
    )
    listeners.view(
        View.CHANGE_UPDATE,
        on_update_submitted,
        check=checking(_answered, _whole_days, _proposed, _ahead, _needed_ahead),
    )
    listeners.view(View.CHANGE_REJECT, on_reject_submitted, check=checking(_reason_fits))
    listeners.view(View.CHANGE_ASK, on_ask_submitted, check=checking(_question_given))


GONE = "One of the milestones chosen is gone. Choose again."  # as domain.changes says of one not the project's


BASELINES_ROOM = 2500  # of the 3000 characters a form's private_metadata may hold: past that, the form goes without


def _offered(
    session: Session, project: Project, chosen: Sequence[int] = (), *, outsider: str | None = None
) -> list[Milestone]:
    """The milestones a request here may affect: the channel's open ones (and any done since it chose them).

    For an `outsider` (a party who cannot read the channel, raising a request from a slip alert or answering a
    question about theirs) only those already chosen and those they are a party to: nothing else of the channel."""
    found = milestones.list_for(session, project_id=project.id)
    if missing := set(chosen) - {m.id for m in found}:
        found += [m for m in milestones.list_for(session, project_id=project.id, include_done=True) if m.id in missing]
    if outsider is not None:
        found = [m for m in found if m.id in chosen or outsider in visibility.parties(m)]
    return found


def _options(found: Sequence[Milestone], project: Project) -> list[dict[str, Any]]:
    """The form's options for the milestones `_offered`, each by its baseline day."""
    return [render.milestone_option(m, milestones.day_of(m.baseline_at, project)) for m in found]


def _baselines(found: Sequence[Milestone], project: Project) -> dict[str, Any]:
    """What the form carries for its check to refuse an impact that moves a baseline into the past while it is
    open: the offered open milestones' refs and baseline days, and the project's zone (whose today counts). Only
    what the options show already; none when it would not fit (the check after the form closes still refuses)."""
    days = {
        str(m.id): [m.ref, milestones.day_of(m.baseline_at, project).isoformat()] for m in found if m.done_at is None
    }
    carried = {"tz": project.time_zone, "baselines": days}
    return carried if days and len(json.dumps(carried)) <= BASELINES_ROOM else {}


def open_form(
    client: WebClient,
    trigger_id: str,
    session: Session,
    project: Project,
    *,
    proposal: Proposal | None = None,
    milestone: Milestone | None = None,
    outsider: str | None = None,
) -> None:
    """Open the change request form for a project's channel, filled in with `proposal`; from a `milestone`'s alert,
    its parties may raise it even if they cannot read the channel (an `outsider`: offered only the milestones they
    are a party to)."""
    chosen = proposal.milestone_ids if proposal else []
    metadata: dict[str, Any] = {"channel": project.channel_id}
    if milestone is not None:
        metadata["milestone"] = milestone.id
    found = _offered(session, project, chosen, outsider=outsider)
    view = render.form(
        callback_id=View.CHANGE_CREATE,
        metadata={**metadata, **_baselines(found, project)},
        options=_options(found, project),
        proposal=proposal,
    )
    client.views_open(trigger_id=trigger_id, view=view)


def open_answer(
    client: WebClient,
    trigger_id: str,
    session: Session,
    change: ChangeRequest,
    *,
    question: str,
    tz: str,
    outsider: str | None = None,
) -> None:
    """Open the form filled in as the request stands, with the approver's question and a field for the answer;
    `tz` is the requester's zone, the one its needed-by day was read in. A requester who cannot read the channel
    (an `outsider`) is offered the request's milestones and those they are a party to, nothing else of it."""
    proposal = changes.proposal_of(change)
    needed_day = calendar.local_day(change.needed_by, tz) if change.needed_by else None
    project = change.project
    found = _offered(session, project, proposal.milestone_ids, outsider=outsider)
    view = render.form(
        callback_id=View.CHANGE_UPDATE,
        metadata={"ref": change.ref, "revision": change.revision, **_baselines(found, project)},
        options=_options(found, project),
        proposal=proposal,
        needed_day=needed_day,
        question=question,
    )
    client.views_open(trigger_id=trigger_id, view=view)


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    found = json.loads(view.get("private_metadata") or "{}")
    return found if isinstance(found, dict) else {}


def _impact_days(view: dict[str, Any]) -> int | None:
    """The days typed (none typed: 0), or None when what was typed is no whole number."""
    typed = text_of(view, Block.IMPACT_DAYS).strip().replace("\u2212", "-")  # a minus sign as some keyboards type it
    try:
        return int(typed) if typed else 0
    except ValueError:
        return None


def _whole_days(view: dict[str, Any], _at: datetime) -> None:
    if _impact_days(view) is None:
        raise InvalidInput(
            "The impact on dates is a whole number of calendar days, like 5, 0 or -3.", field=Block.IMPACT_DAYS
        )


def _read(view: dict[str, Any], *, needed_by: datetime | None = None) -> Proposal:
    """The proposal typed (impact days that are no number count as 0 here: `_whole_days` tells of them)."""
    values = values_of(view)
    chosen = values.get(Block.MILESTONES, {}).get("selected_options") or []
    return Proposal(
        title=text_of(view, Block.TITLE),
        category=str((values.get(Block.CATEGORY, {}).get("selected_option") or {}).get("value") or ""),
        description=text_of(view, Block.DESCRIPTION),
        justification=text_of(view, Block.JUSTIFICATION),
        impact_days=_impact_days(view) or 0,
        impact_cost=text_of(view, Block.IMPACT_COST),
        milestone_ids=[int(o["value"]) for o in chosen if str(o.get("value") or "").isdigit()],
        needed_by=needed_by,
    )


def _proposed(view: dict[str, Any], _at: datetime) -> None:
    proposal = _read(view)
    if proposal.impact_days and _metadata(view).get("milestones") is False:
        raise InvalidInput(
            "No open milestone here can take a schedule impact: leave it at 0, or add one with `/milestone` first.",
            field=Block.IMPACT_DAYS,
        )
    proposal.validate()


def _ahead(view: dict[str, Any], at: datetime) -> None:
    """Refuse an impact that moves a chosen milestone's baseline before today in the project's calendar, from the
    days the form carries (a form without them, or a milestone not among them, is checked after it closes)."""
    metadata = _metadata(view)
    carried, tz = metadata.get("baselines"), metadata.get("tz")
    days = _impact_days(view)
    if not days or not isinstance(carried, dict) or not isinstance(tz, str) or not calendar.is_zone(tz):
        return  # not a zone (the form's word): the check after it closes reads the project's
    found: list[tuple[str, date]] = []
    for milestone_id in _read(view).milestone_ids:
        said = carried.get(str(milestone_id))
        if isinstance(said, list) and len(said) == 2:
            try:
                found.append((str(said[0]), date.fromisoformat(str(said[1]))))
            except ValueError:
                continue
    changes.require_ahead(found, impact_days=days, today=calendar.local_day(at, tz))


def _needed_day(view: dict[str, Any]) -> date | None:
    day = values_of(view).get(Block.NEEDED_BY, {}).get("selected_date")
    return date.fromisoformat(day) if day else None


def _needed_ahead(view: dict[str, Any], at: datetime) -> None:
    day = _needed_day(view)
    if day and calendar.surely_past(day, NEEDED_AT, now=at):
        raise InvalidInput("The needed-by date is in the past.", field=Block.NEEDED_BY)


def _answered(view: dict[str, Any], _at: datetime) -> None:
    if not text_of(view, Block.NOTE).strip():
        raise InvalidInput("Write your answer to the question.", field=Block.NOTE)


def _reason_fits(view: dict[str, Any], _at: datetime) -> None:
    if len(text_of(view, Block.NOTE).strip()) > changes.NOTE_LIMIT:
        raise InvalidInput(f"Keep it under {changes.NOTE_LIMIT} characters.", field=Block.NOTE)


def _question_given(view: dict[str, Any], _at: datetime) -> None:
    if not text_of(view, Block.NOTE).strip():
        raise InvalidInput("What more do you need to know? Write the question.", field=Block.NOTE)
    _reason_fits(view, _at)


def _submitted(view: dict[str, Any], tz: str) -> Proposal:
    day = _needed_day(view)
    return _read(view, needed_by=calendar.local_to_utc(day, NEEDED_AT, tz) if day else None)


def on_create_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Raise the change request and route it to its approvers."""
    requester = member(context, client, body["user"]["id"])
    project = _form_project(view, context, client, requester.user_id)
    _whole_days(view, now(context))
    _proposed(view, now(context))
    _outsiders_choice(view, context, client, project, requester.user_id)
    change = changes.create(
        db(context),
        project=project,
        requester=requester.user_id,
        proposal=_submitted(view, requester.time_zone or project.time_zone),
        now=now(context),
    )
    change_notices.raised(db(context), change, now=now(context))
    ack()


def _form_project(view: dict[str, Any], context: BoltContext, client: WebClient, user_id: str) -> Project:
    """The project the form raises a request in: the channel's, if the person may read it, or, from a milestone's
    slip alert, that milestone's if they are a party to it (its owner may be outside a private channel)."""
    metadata = _metadata(view)
    channel = str(metadata.get("channel") or "")
    milestone_id = metadata.get("milestone")
    if isinstance(milestone_id, int):
        found = db(context).get(Milestone, milestone_id)
        if found is None or found.workspace_id != workspace(context).id or found.project.channel_id != channel:
            raise unseen("the milestone")
        require_may_use(context, client, found, user_id, here=None, ref="the milestone")  # by its row id
        return found.project
    return form_project(context, client, channel, user_id)


def _outsiders_choice(
    view: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    project: Project,
    user_id: str,
    *,
    already: Sequence[int] = (),
) -> None:
    """Someone who cannot read the project's channel may choose only the milestones they were offered (those they
    are a party to, or `already` on the request): the form's word is not trusted, and any other answers as gone."""
    chosen = [i for i in _read(view).milestone_ids if i not in already]
    if not chosen or may_see(context, client, project, user_id, here=None):
        return
    for milestone_id in chosen:
        found = db(context).get(Milestone, milestone_id)
        if found is None or found.project_id != project.id or user_id not in visibility.parties(found):
            raise InvalidInput(GONE, field=Block.MILESTONES)


def _change(
    view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> tuple[ChangeRequest, int | None]:
    """The request a form names, locked, if the person submitting may see it, and the revision the form was about."""
    metadata = _metadata(view)
    change = changes.get(
        db(context), workspace_id=workspace(context).id, ref=str(metadata.get("ref") or ""), for_update=True
    )
    require_may_use(context, client, change, body["user"]["id"], here=None)
    revision = metadata.get("revision")
    return change, revision if isinstance(revision, int) else None


def on_update_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """The requester's answer: the request as changed goes back to its approvers."""
    change, revision = _change(view, body, context, client)
    requester = member(context, client, body["user"]["id"])
    _whole_days(view, now(context))
    _proposed(view, now(context))
    _outsiders_choice(view, context, client, change.project, requester.user_id, already=change.milestone_ids)
    answer = text_of(view, Block.NOTE).strip()
    before = [str(a) for a in change.approver_ids]
    changes.update(
        db(context),
        change,
        actor=requester.user_id,
        proposal=_submitted(view, requester.time_zone or change.project.time_zone),
        now=now(context),
        answer=answer,
        revision=revision,
    )
    change_notices.updated(db(context), change, now=now(context), answer=answer, before=before)
    ack()


def on_reject_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Reject, with the reason given: the requester is told."""
    change, revision = _change(view, body, context, client)
    changes.reject(
        db(context), change, actor=body["user"]["id"], now=now(context), note=text_of(view, Block.NOTE),
        revision=revision,
    )  # fmt: skip
    change_notices.decided(db(context), change, now=now(context))
    ack()


def on_ask_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Send it back with the question: the requester gets it with an Answer button."""
    change, revision = _change(view, body, context, client)
    question = text_of(view, Block.NOTE)
    changes.ask_more(
        db(context), change, actor=body["user"]["id"], question=question, now=now(context), revision=revision
    )
    change_notices.asked(db(context), change, now=now(context))
    ack()
