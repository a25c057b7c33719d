"""The weekly status report a lead approves: the draft in each lead's DM (in their working hours), its Edit form,
Send (to the stakeholder channel, once) and Skip, and `/digest report preview|draft`.

The draft goes to every lead of the project, and any one of them decides for all: the others' DMs then say who
sent or skipped it, with no button left live.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from domain import away, members, outbox, status_reports, visibility
from domain.calendar import next_working_moment
from domain.errors import InvalidInput, PermissionDenied
from domain.outbox import Outgoing
from domain.text import truncate, user_mention
from domain.workspaces import is_lead, working_hours
from handlers import outgoing
from handlers.channels import require_visible
from handlers.context import db, now, workspace
from handlers.digests import keys
from handlers.digests import report_render as render
from handlers.directory import project
from handlers.forms import checking, text_of
from handlers.ids import Action, Block, View
from handlers.registry import Listeners
from storage.models import Project, ReportStatus, StatusReport


def register(listeners: Listeners) -> None:
    listeners.action(Action.REPORT_EDIT, on_edit_clicked)
    listeners.action(Action.REPORT_SEND, on_send)
    listeners.action(Action.REPORT_SKIP, on_skip)
    listeners.view(View.REPORT_EDIT, on_edit_submitted, check=checking(_fits))


def draft_week(session: Session, proj: Project, *, week: str, now: datetime) -> int:
    """Draft the week's update and queue it to each lead's DM at the next moment of their working hours (the
    project's hours in their zone), a lead away: to their delegate, else the leads present, in theirs; return how
    many DMs (none if the week has a draft, or nobody to send it to: every lead away, it is held and noted).

    Only leads who can see the project's channel read its draft (a lead not in a private channel, or gone from it,
    is left out, and nobody stands in for them); with none such, no draft is made: the records stay in the channel,
    and a lead who can see it may still draft the week with `/digest report draft`."""
    if status_reports.for_week(session, project_id=proj.id, week=week) is not None:
        return 0
    ws = proj.workspace_id
    _, deactivated = members.zones_and_deactivated(session, user_ids=proj.lead_user_ids, workspace_ids=[ws])
    seeing = visibility.may_hear(session, project=proj, user_ids=map(str, proj.lead_user_ids or []))
    leads = [lead for lead in seeing if (ws, lead) not in deactivated]
    if not leads:
        return 0
    what = f"status report draft for {week}"
    routed = {lead: away.stand_ins(session, workspace_id=ws, user_id=lead, project=proj, now=now) for lead in leads}
    zones, deactivated = members.zones_and_deactivated(
        session, user_ids={person for to in routed.values() for person in to}, workspace_ids=[ws]
    )
    readers = [p for p in dict.fromkeys(p for to in routed.values() for p in to) if (ws, p) not in deactivated]
    if not readers:
        for lead in leads:
            away.note_recurring(session, workspace_id=ws, user_id=lead, what=what, to=[], now=now)
        return 0
    facts = status_reports.gather(session, proj, now=now)
    report = status_reports.create(
        session, project=proj, week=week, facts=facts, summary=render.summary(facts), text=render.body(facts), now=now
    )
    report.lead_ids = readers
    hours = working_hours(proj)
    for person in readers:
        text, blocks = render.draft(
            report, channel=status_reports.stakeholder_channel(proj), away=_away(report, person)
        )
        at = next_working_moment(now, tz=zones.get((ws, person), proj.time_zone), hours=hours)
        outgoing.post(session, workspace_id=ws, key=keys.report_draft(report.id, person), channel=person, text=text,
                      blocks=blocks, now=now, not_before=at)  # fmt: skip
    for lead, to in routed.items():
        if to != [lead]:
            away.note_recurring(session, workspace_id=ws, user_id=lead, what=what, to=to, now=now)
    return len(readers)


def _away(report: StatusReport, person: str) -> list[str]:
    """The leads away whom `person`, not a lead, reads the draft for (none for a lead)."""
    if is_lead(report.project, person):
        return []
    return [str(lead) for lead in report.project.lead_user_ids or [] if lead not in report.lead_ids]


def _refresh(session: Session, report: StatusReport, *, step: str, now: datetime, acted_for: str | None = None) -> None:
    """Bring every reader's DM up to the report as it stands (a lead's DM'd on their return too). A DM still
    waiting for its reader's working hours gets the change when it goes out, not before (an update must not reach
    Slack before what it updates)."""
    channel = status_reports.stakeholder_channel(report.project)
    leads = [str(lead) for lead in report.project.lead_user_ids or []]
    readers = visibility.may_hear(session, project=report.project, user_ids=[*map(str, report.lead_ids), *leads])
    for reader in readers:  # one who has left a private channel since reads no more of it
        back = reader not in report.lead_ids  # a lead back who asked for the draft (`_back_to_the_lead`)
        of_key = keys.report_draft_back(report.id, reader) if back else keys.report_draft(report.id, reader)
        posted = outbox.find(session, workspace_id=report.workspace_id, key=of_key)
        if posted is None:
            continue
        text, blocks = render.draft(report, channel=channel, away=_away(report, reader), acted_for=acted_for)
        payload = {"text": truncate(text, outgoing.MAX_TEXT), "blocks": blocks}
        at = now if posted.sent_at is not None else max(now, posted.not_before)
        update = keys.report_draft_back_update if back else keys.report_draft_update
        message = Outgoing(update(report.id, reader, step), "chat.update", reader, {**payload, "ts_of": of_key}, at)
        outbox.enqueue(session, workspace_id=report.workspace_id, message=message, now=now)


def command(command: dict[str, Any], words: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    """`/digest report preview [executive|team]` (only to you) and `/digest report draft` (a lead: this week's
    draft to the leads now; drafted already: see `_back_to_the_lead`)."""
    verb, _, rest = words.strip().lower().partition(" ")
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    session, at = db(context), now(context)
    if verb == "preview":
        audience = status_reports.read_audience(rest) if rest else None
        facts = status_reports.gather(session, proj, now=at, audience=audience)
        channel = status_reports.stakeholder_channel(proj)
        text, blocks = render.preview(facts, render.summary(facts), render.body(facts), channel=channel)
        return {"text": text, "blocks": blocks}
    if verb != "draft":
        raise InvalidInput("Say `report preview` or `report draft`.", hint="Like `/digest report preview team`.")
    if not is_lead(proj, command["user_id"]):
        raise PermissionDenied("Only this project's leads can draft its status report.")
    if status_reports.stakeholder_channel(proj) is None:
        raise InvalidInput(
            "This project has no stakeholder channel to report to.",
            hint="Name one with `/pm config stakeholders #channel`.",
        )
    week = status_reports.this_week(proj, at)
    found = status_reports.for_week(session, project_id=proj.id, week=week)
    if found is not None:
        return {"text": _back_to_the_lead(session, found, command["user_id"], now=at)}
    draft_week(session, proj, week=week, now=at)
    return {"text": "This week's draft is on its way to the leads' DMs, in their working hours."}


def _back_to_the_lead(session: Session, report: StatusReport, lead: str, *, now: datetime) -> str:
    """What `/digest report draft` answers a lead when the week has a draft. One who was sent it is pointed to
    their DM; one it went around (away, it went to their stand-in or the other leads) is told who sent or skipped
    it, or who has it while they are still away; back, and with it still a draft, they are DM'd it now, with the
    same buttons as the leads' drafts (once: their DM is then brought up to date with the others)."""
    report = status_reports.get(session, workspace_id=report.workspace_id, report_id=report.id, for_update=True)
    back_key = keys.report_draft_back(report.id, lead)
    if lead in report.lead_ids or outbox.find(session, workspace_id=report.workspace_id, key=back_key) is not None:
        return f"This week's status report is already {report.status}: see your DM with pmbot."
    if report.status != ReportStatus.DRAFTED:
        who = user_mention(report.decided_by) if report.decided_by else "a lead"
        return f"This week's status report was already {report.status} by {who} while you were away."
    readers = " and ".join(user_mention(person) for person in report.lead_ids) or "your stand-in"
    if away.is_away(session, workspace_id=report.workspace_id, user_id=lead, now=now, project=report.project):
        return f"This week's draft went to {readers} while you are away: they may Send or Skip it for you."
    text, blocks = render.draft(report, channel=status_reports.stakeholder_channel(report.project))
    outgoing.post(session, workspace_id=report.workspace_id, key=back_key, channel=lead, text=text, blocks=blocks,
                  now=now)  # fmt: skip
    return f"Sent to your DM: this week's draft, which went to {readers} while you were away."


def _clicked(
    body: dict[str, Any], context: BoltContext, client: WebClient, value: str
) -> tuple[StatusReport, str | None]:
    """The report a button or form names, locked (a second click waits, then finds it decided), if the person may
    read its project and is one of its leads, or was sent the draft in the stead of a lead who is still away (whom
    it also returns)."""
    report_id = int(value) if value.isascii() and value.isdigit() and len(value) < 12 else 0
    report = status_reports.get(db(context), workspace_id=workspace(context).id, report_id=report_id,
                                for_update=True)  # fmt: skip
    user = body["user"]["id"]
    require_visible(context, client, report.project, user, ref=status_reports.UNSEEN,
                    here=(body.get("channel") or {}).get("id"))  # fmt: skip
    for_lead = None
    if not is_lead(report.project, user) and user in report.lead_ids:  # sent it as a stand-in
        for_lead = _still_away(db(context), report, user, now=now(context))
    status_reports.require_lead(report, user, for_lead=for_lead)
    return report, for_lead


def _still_away(session: Session, report: StatusReport, user: str, *, now: datetime) -> str:
    """The lead away whom the stand-in `user` answers the draft for: one they were sent it for, still away now;
    with every such lead back, the draft is theirs again and the stand-in is refused."""
    sent_for = _away(report, user)
    gone = away.absent(session, workspace_id=report.workspace_id, user_ids=sent_for, now=now, project=report.project)
    still = [lead for lead in sent_for if lead in gone]
    if not still:
        back = " and ".join(user_mention(lead) for lead in sent_for) or "The lead"
        raise PermissionDenied(f"{back} {'is' if len(sent_for) < 2 else 'are'} back: the draft is theirs.")
    acting = away.acting_for(session, workspace_id=report.workspace_id, actor=user, user_ids=still,
                             project=report.project, now=now)  # fmt: skip
    return acting or still[0]


def _value(body: dict[str, Any]) -> str:
    return str(body["actions"][0].get("value") or "")


def on_edit_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Open the form with the draft's summary and text, while it waits for Send or Skip."""
    report, _ = _clicked(body, context, client, _value(body))
    status_reports.require_open(report)
    client.views_open(trigger_id=body["trigger_id"], view=render.edit_form(report))
    ack()


def _fits(view: dict[str, Any], _at: datetime) -> None:
    status_reports.validate(text_of(view, Block.TITLE), text_of(view, Block.REPORT_TEXT))


def on_edit_submitted(
    ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Save the lead's text as the one Send will post, and show it in every lead's DM."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    metadata = metadata if isinstance(metadata, dict) else {}
    report, for_lead = _clicked(body, context, client, str(metadata.get("report") or ""))
    if metadata.get("revision") != report.revision:
        raise InvalidInput("Another lead edited this report after you opened it: press Edit again to see theirs.")
    status_reports.edit(report, actor=body["user"]["id"], summary=text_of(view, Block.TITLE),
                        text=text_of(view, Block.REPORT_TEXT), now=now(context), for_lead=for_lead)  # fmt: skip
    _refresh(db(context), report, step=f"r{report.revision}", now=now(context))
    ack()


def on_send(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Post the report, as edited, to the stakeholder channel (once, whoever clicks first)."""
    report, for_lead = _clicked(body, context, client, _value(body))
    session, at = db(context), now(context)
    key = keys.report_sent(report.id)
    channel = status_reports.send(report, actor=body["user"]["id"], now=at, key=key, for_lead=for_lead)
    text, blocks = render.posted(report)
    outgoing.post(session, workspace_id=report.workspace_id, key=key, channel=channel, text=text, blocks=blocks,
                  now=at)  # fmt: skip
    _acted(session, report, for_lead, body["user"]["id"], now=at)
    _refresh(session, report, step=str(report.status), now=at, acted_for=for_lead)
    ack()


def on_skip(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Skip this week's report: nothing is posted, and the leads' DMs say who skipped it."""
    report, for_lead = _clicked(body, context, client, _value(body))
    status_reports.skip(report, actor=body["user"]["id"], now=now(context), for_lead=for_lead)
    _acted(db(context), report, for_lead, body["user"]["id"], now=now(context))
    _refresh(db(context), report, step=str(report.status), now=now(context), acted_for=for_lead)
    ack()


def _acted(session: Session, report: StatusReport, for_lead: str | None, actor: str, *, now: datetime) -> None:
    """A stand-in sent or skipped it: noted for the lead's return."""
    if for_lead is not None:
        away.log(session, workspace_id=report.workspace_id, user_id=for_lead, kind=away.Kind.ACTED, by=actor,
                 text=f"status report for {report.week} {report.status}", now=now)  # fmt: skip
