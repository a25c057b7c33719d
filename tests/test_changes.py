"""Change requests through the real HTTP endpoint: raised with a form, routed to the approvers, approved (moving
baselines), rejected, sent back for more, nudged, and kept private."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import PmbotApp
from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from domain import milestones
from domain.workspaces import project_for, workspace_for
from handlers.changes import keys
from sandbox.standin import FakeSlack
from storage.models import ChangeRequest, Decision, Milestone, MilestoneEvent, OutboxMessage
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
REQUESTER = "U0DEV1"


def _v(**element: Any) -> dict[str, Any]:
    return {"value": element}


def _say(slack: SlackSender, text: str, user: str = "U0LEAD", channel: str = PROJECT_CHANNEL) -> dict[str, Any]:
    with frozen(MONDAY):
        answer: dict[str, Any] = slack.command("/change", text, user_id=user, channel_id=channel).json()
        return answer


@pytest.fixture
def uat(slack: SlackSender, factory: sessionmaker[Session]) -> int:
    """A project led by U0LEAD with one milestone, M-UAT "UAT sign-off", due Friday 15 January 2027."""
    with frozen(MONDAY):
        slack.command("/pm", "config leads <@U0LEAD>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    return _milestone(factory, PROJECT_CHANNEL)


def _milestone(factory: sessionmaker[Session], channel: str, name: str = "UAT sign-off") -> int:
    with factory() as session:
        workspace = workspace_for(session, team_id="T0001", now=MONDAY)
        project = project_for(session, workspace=workspace, channel_id=channel, now=MONDAY)
        found = milestones.create(
            session, project=project, creator="U0LEAD", name=name, day=date(2027, 1, 15), owner="U0DEV1", now=MONDAY
        )
        session.commit()
        return found.id


def _values(
    *, title: str = "Add SSO to the portal", days: str = "7", chosen: list[int] | None = None, **more: Any
) -> dict[str, Any]:
    values = {
        "title": _v(type="plain_text_input", value=title),
        "category": _v(type="static_select", selected_option={"value": "schedule"}),
        "description": _v(type="plain_text_input", value="Single sign-on for <!channel> partners"),
        "justification": _v(type="plain_text_input", value="Two customers require it"),
        "impact_days": _v(type="plain_text_input", value=days),
        "impact_cost": _v(type="plain_text_input", value="4 person-days"),
        "milestones": _v(type="multi_static_select", selected_options=[{"value": str(i)} for i in chosen or []]),
    }
    return {**values, **more}


def _raise(
    slack: SlackSender, fake: FakeSlack, *, at: datetime = MONDAY, channel: str = PROJECT_CHANNEL, **values: Any
) -> Any:
    """Open `/change` as the requester and submit the form."""
    with frozen(at):
        slack.command("/change", "", user_id=REQUESTER, channel_id=channel)
        view = fake.calls_to("views.open")[-1].args["view"]
        return slack.view_submission(
            user_id=REQUESTER,
            callback_id="change_create",
            private_metadata=view["private_metadata"],
            values=_values(**values),
        )


def _rows(session: Session, model: Any, *where: Any) -> list[Any]:
    """The rows as stored now, read in a transaction closed at once (SQLite would keep the app's writes waiting)."""
    session.expire_all()
    found = list(session.scalars(select(model).where(*where).order_by(model.id)))
    session.expunge_all()
    session.rollback()
    return found


def _changes(session: Session) -> list[ChangeRequest]:
    return _rows(session, ChangeRequest)


def _baseline_days(session: Session, milestone_id: int) -> tuple[date, list[date]]:
    """The milestone's baseline now, and every baseline it has had, as the project's days."""
    session.expire_all()
    milestone = session.get_one(Milestone, milestone_id)
    days = (
        milestones.day_of(milestone.baseline_at, milestone.project),
        [milestones.day_of(b, milestone.project) for b, *_ in milestones.baselines(session, milestone)],
    )
    session.rollback()
    return days


def _requests(fake: FakeSlack, user: str) -> list[dict[str, Any]]:
    return [m for m in fake.messages(user) if "Approval requested" in str(m["text"])]


def _buttons(message: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def _click(
    slack: SlackSender, user: str, action: str, message: dict[str, Any], *, channel: str, at: datetime = MONDAY
) -> Any:
    value = next(e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"])
    with frozen(at):
        return slack.block_action(
            user_id=user, action_id=action, value=value, channel_id=channel, message_ts=message["ts"], message=message
        )


def _submit_note(slack: SlackSender, fake: FakeSlack, user: str, callback_id: str, note: str) -> Any:
    view = fake.calls_to("views.open")[-1].args["view"]
    assert callback_id == view["callback_id"]
    with frozen(MONDAY):
        return slack.view_submission(
            user_id=user,
            callback_id=callback_id,
            private_metadata=view["private_metadata"],
            values={"note": _v(type="plain_text_input", value=note)},
        )


def test_an_approved_change_moves_the_baseline_keeps_the_old_and_records_a_decision(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int, app: PmbotApp
) -> None:
    """The lead approves from their DM: M-UAT's baseline moves a week (the old one stays in its history), a decision
    linking CR-1 is recorded and posted, and the channel, the requester and the DM all say so, with no live button."""
    assert 200 == _raise(slack, fake_slack, chosen=[uat]).status
    [request] = _requests(fake_slack, "U0LEAD")
    shown = str(request["blocks"])
    assert ["change_approve", "change_reject", "change_ask"] == _buttons(request)
    assert "M-UAT baseline <!date^" in shown and "|Jan 15> → <!date^" in shown and "|Jan 22>" in shown
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert any("CR-1" in str(m["text"]) for m in fake_slack.messages(PROJECT_CHANNEL))

    _click(slack, "U0LEAD", "change_approve", request, channel="DU0LEAD")

    assert (date(2027, 1, 22), [date(2027, 1, 15), date(2027, 1, 22)]) == _baseline_days(session, uat)
    [change] = _changes(session)
    [decision] = _rows(session, Decision)
    assert ("approved", "U0LEAD", decision.id, ["CR-1"]) == (
        change.status,
        change.decided_by,
        change.decision_id,
        decision.links,
    )
    said = [str(m["blocks"]) for m in fake_slack.messages(PROJECT_CHANNEL)]
    assert any("*CR-1* approved by <@U0LEAD>: M-UAT baseline" in s and "; recorded as D-1" in s for s in said)
    assert any("*D-1*" in s for s in said)  # the decision log's own card
    assert app.delivery.drain(timeout=30)  # the channel's fourth post of that click waits for its pace
    [card] = [m for m in fake_slack.messages(PROJECT_CHANNEL) if str(m["text"]).startswith("M-UAT")]
    assert "*Baseline*\\n<!date^1800637200^" in str(card["blocks"])  # the milestone's card, with its new baseline
    [request] = _requests(fake_slack, "U0LEAD")
    assert [] == _buttons(request) and "Approved by <@U0LEAD>" in str(request["blocks"])
    assert any("approved by <@U0LEAD>" in str(m["blocks"]) for m in fake_slack.messages(REQUESTER))
    shown = str(_say(slack, "show CR-1")["blocks"])
    assert "raised it" in shown and "approved it" in shown and "recorded as D-1" in shown


def test_a_rejection_with_its_reason_reaches_the_requester(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """Reject opens a form for the reason; the requester reads it, and no baseline moves."""
    _raise(slack, fake_slack, chosen=[uat])
    [request] = _requests(fake_slack, "U0LEAD")
    _click(slack, "U0LEAD", "change_reject", request, channel="DU0LEAD")
    assert 200 == _submit_note(slack, fake_slack, "U0LEAD", "change_reject_submit", "not before the audit").status
    assert ["rejected"] == [c.status for c in _changes(session)]
    told = str([m["blocks"] for m in fake_slack.messages(REQUESTER)])
    assert "rejected by <@U0LEAD>: not before the audit" in told
    assert (date(2027, 1, 15), [date(2027, 1, 15)]) == _baseline_days(session, uat)
    assert [] == _buttons(_requests(fake_slack, "U0LEAD")[0])


def test_ask_for_more_then_the_answer_goes_to_the_approvers_again_and_is_approved(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """Ask for more sends the question to the requester with Answer; their answer (the form filled in as it was)
    reaches the schedule's approvers as revision 2, and one of them approves it."""
    _say(slack, "approvers schedule <@U0DEV2|dev-kolkata> <@U0LEAD|lead-berlin>")
    _raise(slack, fake_slack, chosen=[uat])
    [first] = _requests(fake_slack, "U0DEV2")
    _click(slack, "U0DEV2", "change_ask", first, channel="DU0DEV2")
    _submit_note(slack, fake_slack, "U0DEV2", "change_ask_submit", "Which identity provider?")
    assert ["more_info"] == [c.status for c in _changes(session)]
    assert [] == _buttons(_requests(fake_slack, "U0LEAD")[0])  # the other approver's DM too
    [question] = [m for m in fake_slack.messages(REQUESTER) if "More needed" in str(m["text"])]
    assert ["change_update"] == _buttons(question) and "Which identity provider?" in str(question["blocks"])

    _click(slack, REQUESTER, "change_update", question, channel=f"D{REQUESTER}")
    form = fake_slack.calls_to("views.open")[-1].args["view"]
    assert "change_update_submit" == form["callback_id"] and "Which identity provider?" in str(form["blocks"])
    assert "Add SSO to the portal" in str(form["blocks"]) and str(uat) in str(form["blocks"])
    with frozen(MONDAY):
        answered = slack.view_submission(
            user_id=REQUESTER,
            callback_id="change_update_submit",
            private_metadata=form["private_metadata"],
            values=_values(chosen=[uat], days="5", note=_v(type="plain_text_input", value="Okta, as the group uses")),
        )
    assert 200 == answered.status and not answered.body, answered.text
    [change] = _changes(session)
    assert ("pending", 2, 5) == (change.status, change.revision, change.impact_days)
    assert [] == _buttons(next(m for m in fake_slack.messages(REQUESTER) if "More needed" in str(m["text"])))
    first, second = _requests(fake_slack, "U0DEV2")
    assert "revision 2" in str(second["blocks"]) and "Okta, as the group uses" in str(second["blocks"])
    assert [] == _buttons(first) and ["change_approve", "change_reject", "change_ask"] == _buttons(second)

    _click(slack, "U0LEAD", "change_approve", _requests(fake_slack, "U0LEAD")[-1], channel="DU0LEAD")
    assert ["approved"] == [c.status for c in _changes(session)]
    assert date(2027, 1, 20) == _baseline_days(session, uat)[0]
    assert all([] == _buttons(m) for m in _requests(fake_slack, "U0DEV2") + _requests(fake_slack, "U0LEAD"))


def test_only_an_approver_decides_and_a_double_click_decides_once(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """Someone in the channel who is not an approver is refused and nothing changes; the approver's double click
    approves once (one decision, one baseline move, one notice) and the second click is told why."""
    _raise(slack, fake_slack, chosen=[uat])
    [request] = _requests(fake_slack, "U0LEAD")
    _click(slack, "U0DEV4", "change_approve", request, channel=PROJECT_CHANNEL)
    assert ["Only CR-1's approvers can decide it."] == [e["text"] for e in fake_slack.ephemerals("U0DEV4")]
    assert ["pending"] == [c.status for c in _changes(session)]
    assert (date(2027, 1, 15), [date(2027, 1, 15)]) == _baseline_days(session, uat)

    _click(slack, "U0LEAD", "change_approve", request, channel="DU0LEAD")
    _click(slack, "U0LEAD", "change_approve", request, channel="DU0LEAD")
    assert 1 == len(_rows(session, Decision))
    assert 1 == len(_rows(session, MilestoneEvent, MilestoneEvent.change_id.is_not(None)))
    notices = [m for m in fake_slack.messages(PROJECT_CHANNEL) if "CR-1 approved by" in str(m["text"])]
    assert 1 == len(notices)
    assert any("already approved" in str(m["text"]) for m in fake_slack.messages("U0LEAD")) or any(
        "already approved" in e["text"] for e in fake_slack.ephemerals("U0LEAD")
    )


def test_a_private_channels_change_request_is_not_shown_to_a_non_member(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session]
) -> None:
    """CR-1 of a private channel: a member reads it from anywhere; someone outside gets the answer for a missing
    one, and its list is not theirs to read."""
    fake_slack.add_channel("G0SECRET", name="proj-secret", members=["U0LEAD", REQUESTER, "UBOT"], is_private=True)
    with frozen(MONDAY):
        slack.command("/pm", "config leads <@U0LEAD>", user_id="U0LEAD", channel_id="G0SECRET")
    _raise(slack, fake_slack, channel="G0SECRET", days="0")
    assert "CR-1" in str(_say(slack, "show CR-1", user="U0LEAD")["blocks"])
    refused = _say(slack, "show CR-1", user="U0DEV4")
    assert "I can't find CR-1 in a channel you're in." == refused["text"] and "blocks" not in refused
    assert "None." in str(_say(slack, "list", user="U0DEV4")["blocks"])  # the list of the channel they are in


def _nudged(fake: FakeSlack, user: str) -> int:
    return len([m for m in fake.messages(user) if "Still waiting" in str(m["text"])])


def test_a_request_past_its_needed_by_nudges_each_approver_once_a_day_in_their_hours(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, uat: int
) -> None:
    """Needed by Wednesday (17:00 in Los Angeles, the requester's zone): the approver in Kolkata is nudged in their
    working hours, once a day, and not once it is decided; an approver whose account was deactivated is not."""
    _say(slack, "approvers schedule <@U0DEV2> <@U0DEV3>")
    _raise(slack, fake_slack, chosen=[uat], needed_by=_v(type="datepicker", selected_date="2026-11-25"))
    gone = {"id": "U0DEV3", "name": "dev-kathmandu", "tz": "Asia/Kathmandu", "deleted": True}
    assert 200 == slack.event({"type": "user_change", "user": gone}).status
    client = make_client(settings, patient=False)
    thursday_evening = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # 19:30 in Kolkata: past its working hours
    friday = datetime(2026, 11, 27, 3, 30, tzinfo=UTC)  # 09:00 in Kolkata
    sent_at = []
    for at in (datetime(2026, 11, 25, 16, 0, tzinfo=UTC), thursday_evening, friday, friday + timedelta(hours=5)):
        before = _nudged(fake_slack, "U0DEV2")
        run_due(factory, client, now=at)
        sent_at += [at] * (_nudged(fake_slack, "U0DEV2") - before)
    assert [friday] == sent_at  # not before its needed-by, not after hours, once on Friday
    assert 0 == _nudged(fake_slack, "U0DEV3")
    [nudge] = [m for m in fake_slack.messages("U0DEV2") if "Still waiting" in str(m["text"])]
    assert [] == _buttons(nudge)  # the request keeps the buttons, so none outlives the answer
    [request] = _requests(fake_slack, "U0DEV2")
    _click(slack, "U0DEV2", "change_approve", request, channel="DU0DEV2", at=friday + timedelta(hours=6))
    run_due(factory, client, now=datetime(2026, 11, 30, 4, 0, tzinfo=UTC))  # Monday morning in Kolkata
    assert 1 == _nudged(fake_slack, "U0DEV2")


def test_approvers_lists_and_withdrawal(slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int) -> None:
    """Only a lead names a category's approvers (none puts it back to the leads); the list shows the newest first
    with its status; only the requester withdraws, and the approvers' requests then say so."""
    refused = _say(slack, "approvers cost <@U0DEV2>", user="U0DEV4")
    assert "Only a project lead or a workspace admin" in refused["text"]
    assert "*cost:* <@U0DEV2>" in str(_say(slack, "approvers cost <@U0DEV2>")["blocks"])
    shown = str(_say(slack, "approvers", user="U0DEV4")["blocks"])
    assert "*cost:* <@U0DEV2>" in shown and "*scope:* the leads (<@U0LEAD>)" in shown
    assert "*cost:* the leads" in str(_say(slack, "approvers cost leads")["blocks"])

    _raise(slack, fake_slack, chosen=[uat], title="Move UAT a week")
    cost = _v(type="static_select", selected_option={"value": "cost"})
    _raise(slack, fake_slack, days="0", title="Replace the vendor", category=cost)
    newest, oldest = [b["text"]["text"] for b in _say(slack, "list")["blocks"][1:]]
    assert newest.startswith(":hourglass_flowing_sand: *CR-2* Replace the vendor · cost"), newest
    assert oldest.startswith(":hourglass_flowing_sand: *CR-1* Move UAT a week · schedule"), oldest
    assert "Only CR-1's requester" in _say(slack, "withdraw CR-1")["text"]
    assert "Withdrew CR-1" in _say(slack, "withdraw CR-1", user=REQUESTER)["text"]
    assert ["withdrawn", "pending"] == [c.status for c in _changes(session)]
    first = next(m for m in _requests(fake_slack, "U0LEAD") if "CR-1" in str(m["blocks"]))
    assert [] == _buttons(first) and "Withdrawn by" in str(first["blocks"])
    assert ["CR-2"] == [b["text"]["text"].split("*")[1] for b in _say(slack, "list waiting")["blocks"][1:]]
    assert "Replace the vendor" in str(_say(slack, "search vendor")["blocks"])


def test_the_form_shows_what_is_wrong_beside_its_fields(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """An empty title, impact days that are no number, a schedule impact with no milestone chosen and a needed-by
    day already past are each told beside their field, before the form closes; nothing is saved."""
    wrong = _raise(
        slack, fake_slack, title="  ", days="a week", needed_by=_v(type="datepicker", selected_date="2026-11-20")
    )
    errors = wrong.json()["errors"]
    assert {"title", "impact_days", "needed_by"} == set(errors), errors
    assert "whole number" in errors["impact_days"] and "past" in errors["needed_by"]
    unchosen = _raise(slack, fake_slack, days="-3")
    assert {"milestones"} == set(unchosen.json()["errors"])
    assert [] == _changes(session)


def test_without_open_milestones_the_form_says_so_and_keeps_dates_unmoved(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A channel with no open milestone: the form has no milestone field and says why; a schedule impact is refused
    beside its own field, and a request without one is raised."""
    with frozen(MONDAY):
        slack.command("/pm", "config leads <@U0LEAD>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/change", "Hire a contractor", user_id=REQUESTER, channel_id=PROJECT_CHANNEL)
    view = fake_slack.calls_to("views.open")[-1].args["view"]
    blocks = str(view["blocks"])
    assert "'milestones'" not in blocks and "no open milestones" in blocks and "Hire a contractor" in blocks
    values = _values(title="Hire a contractor")
    del values["milestones"]
    with frozen(MONDAY):
        refused = slack.view_submission(
            user_id=REQUESTER, callback_id="change_create", private_metadata=view["private_metadata"], values=values
        )
        assert {"impact_days"} == set(refused.json()["errors"])
        values["impact_days"] = _v(type="plain_text_input", value="0")
        slack.view_submission(
            user_id=REQUESTER, callback_id="change_create", private_metadata=view["private_metadata"], values=values
        )
    assert [("Hire a contractor", [])] == [(c.title, c.milestone_ids) for c in _changes(session)]


def test_a_slip_alerts_button_opens_the_form_filled_in_to_move_the_milestone(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], uat: int
) -> None:
    """ "Raise a change request" on a slip alert: category schedule, the milestone chosen, the days from baseline to
    forecast, the title and the move's why; someone who cannot see the milestone's channel is refused."""
    with factory() as session:
        milestone = session.get_one(Milestone, uat)
        milestones.move(session, milestone, actor="U0DEV1", day=date(2027, 1, 22), why="vendor API late", now=MONDAY)
        session.commit()
    value = json.dumps({"milestone": uat})
    with frozen(MONDAY):
        slack.block_action(user_id="U0DEV1", action_id="change_from_slip", value=value, channel_id=PROJECT_CHANNEL)
    view = fake_slack.calls_to("views.open")[-1].args["view"]
    fields = {b.get("block_id"): b.get("element", {}) for b in view["blocks"]}
    assert "change_create" == view["callback_id"]
    assert ("Move M-UAT to Jan 22", "schedule", "7", "vendor API late") == (
        fields["title"]["initial_value"],
        fields["category"]["initial_option"]["value"],
        fields["impact_days"]["initial_value"],
        fields["justification"]["initial_value"],
    )
    assert ["M-UAT UAT sign-off (Jan 15)"] == [o["text"]["text"] for o in fields["milestones"]["initial_options"]]

    fake_slack.add_channel("G0SECRET", name="proj-secret", members=["U0LEAD", "U0DEV1", "UBOT"], is_private=True)
    secret = json.dumps({"milestone": _milestone(factory, "G0SECRET", name="Go live")})
    opened = len(fake_slack.calls_to("views.open"))
    with frozen(MONDAY):
        slack.block_action(user_id="U0DEV4", action_id="change_from_slip", value=secret, channel_id=PROJECT_CHANNEL)
    assert opened == len(fake_slack.calls_to("views.open"))
    told = [e["text"] for e in fake_slack.ephemerals("U0DEV4")]
    assert ["I can't find the milestone in a channel you're in."] == told


def test_keys() -> None:
    """Change requests' outbox keys, spelled as rows already queued carry them."""
    assert "change:3:card" == keys.card(3)
    assert "change:3:card:r2:approved" == keys.card_update(3, 2, "approved")
    assert "change:3:request:U0LEAD:r2" == keys.request(3, "U0LEAD", 2)
    assert "change:3:request:U0LEAD:r2:rejected" == keys.request_update(3, "U0LEAD", 2, "rejected")
    assert "change:3:result-approved" == keys.result(3, "approved")
    assert "change:3:told-rejected" == keys.told(3, "rejected")
    assert "change:3:asked:r1" == keys.asked(3, 1)
    assert "change:3:asked:r1:done" == keys.asked_update(3, 1)
    assert "change:3:nudge:U0DEV2:2026-11-27" == keys.nudge(3, "U0DEV2", date(2026, 11, 27))


def _ask(slack: SlackSender, fake: FakeSlack, approver: str, question: str = "How long?") -> dict[str, Any]:
    """The approver asks for more from their latest request; the requester's question DM."""
    _click(slack, approver, "change_ask", _requests(fake, approver)[-1], channel=f"D{approver}")
    _submit_note(slack, fake, approver, "change_ask_submit", question)
    return [m for m in fake.messages(REQUESTER) if "More needed" in str(m["text"])][-1]


def _said_to(fake: FakeSlack, user: str) -> str:
    """Everything pmbot told the person: DMs and ephemerals."""
    return str([m["text"] for m in fake.messages(user)] + [e["text"] for e in fake.ephemerals(user)])


def test_a_button_of_an_older_revision_is_refused_and_an_answer_is_sent_once(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """Raised (+7), sent back for more, and the requester opens Answer twice and submits both: the second is
    refused, so one revision 2 waits with live buttons and revision 1 has none; Approve on revision 1's message as
    the approver still sees it is refused and changes nothing; the Home tab's buttons name revision 2."""
    _raise(slack, fake_slack, chosen=[uat])
    [stale] = _requests(fake_slack, "U0LEAD")  # the message as the approver's client still shows it
    question = _ask(slack, fake_slack, "U0LEAD")
    _click(slack, REQUESTER, "change_update", question, channel=f"D{REQUESTER}")
    _click(slack, REQUESTER, "change_update", question, channel=f"D{REQUESTER}")
    forms = [c.args["view"] for c in fake_slack.calls_to("views.open")[-2:]]
    answers = []
    for days, form in (("30", forms[0]), ("31", forms[1])):
        with frozen(MONDAY):
            answers.append(
                slack.view_submission(
                    user_id=REQUESTER,
                    callback_id="change_update_submit",
                    private_metadata=form["private_metadata"],
                    values=_values(chosen=[uat], days=days, note=_v(type="plain_text_input", value="a month")),
                )
            )
    assert [(200, b""), (200, b"")] == [(a.status, a.body) for a in answers]  # closed at once
    assert 1 == _said_to(fake_slack, REQUESTER).count("CR-1 was already answered and is back with its approvers")
    [change] = _changes(session)
    assert ("pending", 2, 30) == (change.status, change.revision, change.impact_days)
    first, second = _requests(fake_slack, "U0LEAD")
    assert [] == _buttons(first) and ["change_approve", "change_reject", "change_ask"] == _buttons(second)

    _click(slack, "U0LEAD", "change_approve", stale, channel="DU0LEAD")
    assert "CR-1 changed since this message" in _said_to(fake_slack, "U0LEAD")
    [change] = _changes(session)
    assert ("pending", 2) == (change.status, change.revision)
    assert (date(2027, 1, 15), [date(2027, 1, 15)]) == _baseline_days(session, uat)

    assert 200 == slack.event({"type": "app_home_opened", "user": "U0LEAD", "tab": "home"}).status
    home = fake_slack.home_view("U0LEAD")
    assert home is not None
    values = [e["value"] for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {"CR-1:r2"} == {v for v in values if v.startswith("CR-")}, values
    _click(slack, "U0LEAD", "change_approve", second, channel="DU0LEAD")
    assert (date(2027, 2, 14), [date(2027, 1, 15), date(2027, 2, 14)]) == _baseline_days(session, uat)


def test_a_stale_reject_or_ask_form_is_refused(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """An approver opens Ask for more on revision 1; meanwhile it is sent back and answered (revision 2): their
    question, submitted now, is refused and revision 2 still waits."""
    _say(slack, "approvers schedule <@U0DEV2> <@U0LEAD>")
    _raise(slack, fake_slack, chosen=[uat])
    _click(slack, "U0LEAD", "change_ask", _requests(fake_slack, "U0LEAD")[-1], channel="DU0LEAD")
    stale_form = fake_slack.calls_to("views.open")[-1].args["view"]
    question = _ask(slack, fake_slack, "U0DEV2")
    _click(slack, REQUESTER, "change_update", question, channel=f"D{REQUESTER}")
    form = fake_slack.calls_to("views.open")[-1].args["view"]
    with frozen(MONDAY):
        slack.view_submission(
            user_id=REQUESTER,
            callback_id="change_update_submit",
            private_metadata=form["private_metadata"],
            values=_values(chosen=[uat], days="5", note=_v(type="plain_text_input", value="Okta")),
        )
        refused = slack.view_submission(
            user_id="U0LEAD",
            callback_id="change_ask_submit",
            private_metadata=stale_form["private_metadata"],
            values={"note": _v(type="plain_text_input", value="Which vendor?")},
        )
    assert 200 == refused.status and "CR-1 changed since this message" in _said_to(fake_slack, "U0LEAD")
    [change] = _changes(session)
    assert ("pending", 2) == (change.status, change.revision)


def test_two_requests_from_one_slip_move_the_baseline_once(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """Two requests raised against the same baseline, both +7: once the first is approved the second is refused
    with the baseline it moved to, nothing decided and its buttons still live."""
    _raise(slack, fake_slack, chosen=[uat], title="Move UAT a week")
    _raise(slack, fake_slack, chosen=[uat], title="UAT a week later")
    first = next(m for m in _requests(fake_slack, "U0LEAD") if "CR-1" in str(m["text"]))
    second = next(m for m in _requests(fake_slack, "U0LEAD") if "CR-2" in str(m["text"]))
    _click(slack, "U0LEAD", "change_approve", first, channel="DU0LEAD")
    _click(slack, "U0LEAD", "change_approve", second, channel="DU0LEAD")
    said = _said_to(fake_slack, "U0LEAD")
    assert "M-UAT's baseline moved since CR-2 was raised (now Jan 22)" in said, said
    assert ["approved", "pending"] == [c.status for c in _changes(session)]
    assert (date(2027, 1, 22), [date(2027, 1, 15), date(2027, 1, 22)]) == _baseline_days(session, uat)
    assert 1 == len(_rows(session, Decision))
    second = next(m for m in _requests(fake_slack, "U0LEAD") if "CR-2" in str(m["text"]))
    assert ["change_approve", "change_reject", "change_ask"] == _buttons(second)


def test_a_rejection_while_waiting_for_the_answer_takes_the_answer_button_away(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """One approver asks for more while the other has Reject open: the rejection lands, and the requester's
    question no longer offers Answer."""
    _say(slack, "approvers schedule <@U0DEV2> <@U0LEAD>")
    _raise(slack, fake_slack, chosen=[uat])
    _click(slack, "U0LEAD", "change_reject", _requests(fake_slack, "U0LEAD")[-1], channel="DU0LEAD")
    reject_form = fake_slack.calls_to("views.open")[-1].args["view"]
    assert ["change_update"] == _buttons(_ask(slack, fake_slack, "U0DEV2"))
    with frozen(MONDAY):
        slack.view_submission(
            user_id="U0LEAD",
            callback_id="change_reject_submit",
            private_metadata=reject_form["private_metadata"],
            values={"note": _v(type="plain_text_input", value="not this quarter")},
        )
    assert ["rejected"] == [c.status for c in _changes(session)]
    [question] = [m for m in fake_slack.messages(REQUESTER) if "More needed" in str(m["text"])]
    assert [] == _buttons(question) and "rejected" in str(question["blocks"])


def test_the_form_does_not_open_where_nobody_approves(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A channel with no leads and no approvers: `/change` says how to name them and opens no form."""
    opened = len(fake_slack.calls_to("views.open"))
    answer = _say(slack, "Hire a contractor", user=REQUESTER)
    assert "Nobody here approves change requests yet" in answer["text"] and "/pm config leads" in answer["text"]
    assert opened == len(fake_slack.calls_to("views.open"))


def test_an_overdue_request_makes_the_status_amber_and_is_escalated(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """Needed by Wednesday and still pending on Friday: `/pm status` is Amber for it, and the escalation digest
    lists it with its approver."""
    _raise(slack, fake_slack, days="0", needed_by=_v(type="datepicker", selected_date="2026-11-25"))
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    with frozen(friday):
        status = slack.command("/pm", "status", user_id="U0LEAD", channel_id=PROJECT_CHANNEL).json()
        digest = slack.command("/digest", "preview escalation", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    shown = str(status)
    assert "CR-1 is past its needed-by date" in shown and "Amber" in shown.title(), shown
    escalated = str(digest.json()) + str(fake_slack.ephemerals("U0LEAD"))
    assert "*CR-1* (change) Add SSO to the portal" in escalated and "past needed-by" in escalated, escalated
    assert "<@U0LEAD>" in escalated and "change|CR-1" in escalated  # its Acknowledge button
    with frozen(friday):
        slack.block_action(
            user_id="U0LEAD", action_id="digest_acknowledge", value="change|CR-1", channel_id=PROJECT_CHANNEL
        )
    assert any("acknowledged CR-1" in str(m["text"]) for m in fake_slack.messages(PROJECT_CHANNEL))


def test_a_milestone_of_another_project_cannot_be_moved_from_here(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], session: Session, uat: int
) -> None:
    """The form's milestones are the word of the request: one of another channel's is refused, nothing raised."""
    fake_slack.add_channel("C0OTHER", name="proj-other", members=["U0LEAD", REQUESTER, "UBOT"])
    other = _milestone(factory, "C0OTHER", name="Go live")
    assert 200 == _raise(slack, fake_slack, chosen=[other]).status
    assert "One of the milestones chosen is gone" in _said_to(fake_slack, REQUESTER)
    assert [] == _changes(session)


def test_a_milestones_owner_outside_its_private_channel_raises_one_from_the_alert(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], session: Session
) -> None:
    """The slip alert went to the milestone's owner, who is not in the private channel: its "Raise a change
    request" opens the form and their request is raised there; someone else outside is still refused."""
    fake_slack.add_channel("G0SECRET", name="proj-secret", members=["U0LEAD", "UBOT"], is_private=True)
    with frozen(MONDAY):
        slack.command("/pm", "config leads <@U0LEAD>", user_id="U0LEAD", channel_id="G0SECRET")
    secret = _milestone(factory, "G0SECRET", name="Go live")  # owned by U0DEV1 (REQUESTER)
    with factory() as s:
        milestones.move(s, s.get_one(Milestone, secret), actor="U0LEAD", day=date(2027, 1, 22), why="late", now=MONDAY)
        s.commit()
    value = json.dumps({"milestone": secret})
    with frozen(MONDAY):
        slack.block_action(user_id=REQUESTER, action_id="change_from_slip", value=value, channel_id=f"D{REQUESTER}")
    view = fake_slack.calls_to("views.open")[-1].args["view"]
    assert "change_create" == view["callback_id"], _said_to(fake_slack, REQUESTER)
    with frozen(MONDAY):
        raised = slack.view_submission(
            user_id=REQUESTER,
            callback_id="change_create",
            private_metadata=view["private_metadata"],
            values=_values(chosen=[secret], title="Move M-GO to Jan 22"),
        )
    assert 200 == raised.status and not raised.body, raised.text
    assert [("Move M-GO to Jan 22", "pending")] == [(c.title, c.status) for c in _changes(session)]
    opened = len(fake_slack.calls_to("views.open"))
    with frozen(MONDAY):
        slack.block_action(user_id="U0DEV4", action_id="change_from_slip", value=value, channel_id="DU0DEV4")
    assert opened == len(fake_slack.calls_to("views.open"))


def test_an_approval_that_makes_a_milestone_late_tells_its_owner_and_the_leads(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """Pulling M-UAT's baseline three days earlier than its forecast makes it late at once: its card says so and its
    owner and the lead are told (in their working hours), as when the job finds it. (Its owner forecast it for Jan 14:
    a forecast on the baseline would move with it.)"""
    with frozen(MONDAY):
        slack.command("/milestone", "move M-UAT 2027-01-14: ready early", user_id=REQUESTER, channel_id=PROJECT_CHANNEL)
    assert 200 == _raise(slack, fake_slack, chosen=[uat], days="-3").status
    [request] = _requests(fake_slack, "U0LEAD")
    _click(slack, "U0LEAD", "change_approve", request, channel="DU0LEAD")
    milestone = session.get_one(Milestone, uat)
    session.refresh(milestone)
    assert ("late", date(2027, 1, 12)) == (
        milestone.status,
        milestones.day_of(milestone.baseline_at, milestone.project),
    )
    told = {
        m.key
        for m in session.scalars(select(OutboxMessage).where(OutboxMessage.key.startswith(f"milestone:{uat}:status-")))
    }
    assert {"U0DEV1", "U0LEAD"} == {key.rsplit(":", 1)[1] for key in told}
    session.rollback()
