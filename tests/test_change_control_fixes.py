"""Change control as a new user meets it, through the real endpoint: `/change approvers <category>` alone shows
who approves it and changes nothing, unknown people are refused; an impact that moves a baseline into the past is
refused beside "Impact on dates"; an approved schedule change carries an on-plan forecast with the baseline; the
milestone form's taken id is kept to open again; `/milestone link` names what can be linked, and `unlink` /
`undepend` take a link or a dependency off."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from sandbox.standin import FakeSlack
from storage.models import Milestone, MilestoneEvent, MilestoneEventKind, MilestoneLink, Project
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_changes import (
    MONDAY,
    REQUESTER,
    _changes,
    _click,
    _milestone,
    _raise,
    _requests,
    _rows,
    _say,
    _submit_note,
    _v,
    _values,
)


@pytest.fixture
def uat(slack: SlackSender, factory: sessionmaker[Session]) -> int:
    """A project led by U0LEAD with M-UAT, owned by U0DEV1, due Friday 15 January 2027; it is Monday 23 Nov 2026."""
    with frozen(MONDAY):
        slack.command("/pm", "config leads <@U0LEAD>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    return _milestone(factory, PROJECT_CHANNEL)


def _chosen_approvers(session: Session) -> dict[str, Any]:
    [project] = _rows(session, Project, Project.channel_id == PROJECT_CHANNEL)
    return dict((project.settings or {}).get("change_approvers") or {})


def _milestone_row(session: Session, milestone_id: int) -> Milestone:
    [found] = _rows(session, Milestone, Milestone.id == milestone_id)
    return found


def _dm(fake: FakeSlack, user: str) -> list[dict[str, Any]]:
    return list(fake.messages(f"D{user}"))


def _reopen_button(fake: FakeSlack, user: str) -> dict[str, Any]:
    [message] = [m for m in _dm(fake, user) if "couldn't save" in str(m.get("text"))]
    [button] = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return dict(button)


def _reopened(slack: SlackSender, fake: FakeSlack, user: str, at: Any = MONDAY) -> dict[str, Any]:
    """Click "Open it again" in the user's DM: the form opened, as typed, with the errors beside their fields."""
    button = _reopen_button(fake, user)
    with frozen(at):
        slack.block_action(user_id=user, action_id=button["action_id"], value=button["value"])
    view: dict[str, Any] = fake.calls_to("views.open")[-1].args["view"]
    return view


def _error_beside(view: dict[str, Any], block_id: str) -> str:
    """The error shown right below a field of a form opened again ("" if none)."""
    blocks = view["blocks"]
    index = next(i for i, b in enumerate(blocks) if b.get("block_id") == block_id)
    after = blocks[index + 1] if index + 1 < len(blocks) else {}
    return str(after["elements"][0]["text"]) if after.get("type") == "context" else ""


# (1) /change approvers


def test_a_category_alone_shows_its_approvers_and_changes_nothing(
    slack: SlackSender, session: Session, uat: int
) -> None:
    """`approvers cost` after naming @dev-kolkata shows them, and they stay; `approvers scope` shows its leads;
    only `approvers cost leads` gives cost back to the leads."""
    _say(slack, "approvers cost <@U0DEV2|dev-kolkata>")
    shown = _say(slack, "approvers cost")
    assert "<@U0DEV2>" in shown["text"] and "its leads" not in shown["text"], shown
    assert "`/change approvers cost leads`" in str(shown["blocks"])
    assert {"cost": ["U0DEV2"]} == _chosen_approvers(session)
    assert "its leads: <@U0LEAD>" in _say(slack, "approvers scope", user="U0DEV4")["text"]
    assert "*cost:* the leads" in str(_say(slack, "approvers cost leads")["blocks"])
    assert {} == _chosen_approvers(session)
    assert "`/change approvers cost leads`" in _say(slack, "help")["text"]


def test_unknown_people_are_refused_and_nothing_changes(slack: SlackSender, session: Session, uat: int) -> None:
    """`@nobody` (a name Slack left as typed), an id Slack doesn't know, a plain word: each refused, the schedule's
    approvers as they were; a non-lead is refused before anything else."""
    _say(slack, "approvers schedule <@U0DEV2|dev-kolkata>")
    refusals = {
        "approvers schedule @nobody": "I couldn't find @nobody",
        "approvers schedule <@U0DEV3|dev-kathmandu> @nobody": "I couldn't find @nobody",
        "approvers schedule <@U0NOBODY>": "can't find the user",
        "approvers schedule bob": "Name the approvers with @-mentions, or `leads`.",
        "approvers schedule <!subteam^S1|@ops>": "Name the approvers with @-mentions",
        "approvers costs <@U0DEV3>": "Choose a category",
    }
    wrong = {said: got for said, want in refusals.items() if want not in (got := _say(slack, said)["text"])}
    assert {} == wrong
    assert "Only a project lead" in _say(slack, "approvers schedule leads", user="U0DEV4")["text"]
    assert {"schedule": ["U0DEV2"]} == _chosen_approvers(session)


# (4) An impact that moves a baseline into the past


def test_the_form_refuses_an_impact_that_moves_a_baseline_into_the_past_beside_its_field(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """-400 days from Jan 15 2027 is Dec 11 2025: refused while the form is open, beside "Impact on dates", with
    the least impact that would do; -53 (today, Nov 23) is raised."""
    answer = _raise(slack, fake_slack, chosen=[uat], days="-400")
    errors = answer.json()["errors"]
    assert {"impact_days"} == set(errors), errors
    assert "M-UAT's baseline to Thu 11 Dec 2025" in errors["impact_days"] and "at least -53" in errors["impact_days"]
    assert [] == _changes(session) and [] == _requests(fake_slack, "U0LEAD")
    assert "errors" in _raise(slack, fake_slack, chosen=[uat], days="-54").json().get("response_action", "")
    ok = _raise(slack, fake_slack, chosen=[uat], days="-53")
    assert (200, b"") == (ok.status, ok.body)
    assert [-53] == [c.impact_days for c in _changes(session)]


def test_a_form_without_the_days_is_refused_after_it_closes_and_opens_again(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """A form whose check can't know the baselines (opened before, or too many milestones to carry): it closes,
    then the requester is told, nothing is raised, and "Open it again" shows the error beside the impact."""
    with frozen(MONDAY):
        slack.command("/change", "", user_id=REQUESTER, channel_id=PROJECT_CHANNEL)
        view = fake_slack.calls_to("views.open")[-1].args["view"]
        metadata = {k: v for k, v in json.loads(view["private_metadata"]).items() if k not in ("baselines", "tz")}
        values = _values(chosen=[uat], days="-400")
        ack = slack.view_submission(user_id=REQUESTER, callback_id="change_create", view=view,
                                    private_metadata=json.dumps(metadata), values=values)  # fmt: skip
    assert (200, b"") == (ack.status, ack.body)
    assert [] == _changes(session)
    again = _reopened(slack, fake_slack, REQUESTER)
    assert "M-UAT's baseline to Thu 11 Dec 2025" in _error_beside(again, "impact_days")


def test_the_answer_form_refuses_it_too(slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int) -> None:
    """Sent back for more, the requester answers with -400: refused beside the impact, still waiting for them."""
    _raise(slack, fake_slack, chosen=[uat])
    [request] = _requests(fake_slack, "U0LEAD")
    _click(slack, "U0LEAD", "change_ask", request, channel="DU0LEAD")
    _submit_note(slack, fake_slack, "U0LEAD", "change_ask_submit", "Can it be earlier?")
    [question] = [m for m in fake_slack.messages(REQUESTER) if "More needed" in str(m["text"])]
    _click(slack, REQUESTER, "change_update", question, channel=f"D{REQUESTER}")
    form = fake_slack.calls_to("views.open")[-1].args["view"]
    values = _values(chosen=[uat], days="-400", note=_v(type="plain_text_input", value="Much earlier"))
    with frozen(MONDAY):
        answered = slack.view_submission(user_id=REQUESTER, callback_id="change_update_submit",
                                         private_metadata=form["private_metadata"], values=values)  # fmt: skip
    assert "M-UAT's baseline to Thu 11 Dec 2025" in answered.json()["errors"]["impact_days"]
    [change] = _changes(session)
    assert ("more_info", 1, 7) == (change.status, change.revision, change.impact_days)


# (7) The forecast follows an approved baseline when it was on plan


def _approve_last(slack: SlackSender, fake_slack: FakeSlack) -> None:
    _click(slack, "U0LEAD", "change_approve", _requests(fake_slack, "U0LEAD")[-1], channel="DU0LEAD")


def test_an_on_plan_forecast_follows_the_approved_baseline_and_one_set_elsewhere_stays(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, factory: sessionmaker[Session], uat: int
) -> None:
    """+14 days approved for M-UAT (on plan) and M-DOC (its owner forecast Jan 20): M-UAT's baseline and forecast
    are Jan 29, on track, no slip, the history keeping the old forecast; M-DOC's forecast stays Jan 20."""
    doc = _milestone(factory, PROJECT_CHANNEL, name="DOC handover")
    with frozen(MONDAY):
        slack.command("/milestone", "move M-DOC 2027-01-20: vendor late", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    _raise(slack, fake_slack, chosen=[uat, doc], days="14")
    _approve_last(slack, fake_slack)
    found, other = _milestone_row(session, uat), _milestone_row(session, doc)
    assert (date(2027, 1, 29), date(2027, 1, 29), "on_track", 0) == (
        found.baseline_at.date(),
        found.forecast_at.date(),
        found.status,
        found.slips,
    )
    assert (date(2027, 1, 29), date(2027, 1, 20), "on_track") == (
        other.baseline_at.date(),
        other.forecast_at.date(),
        other.status,
    )
    moved = _rows(session, MilestoneEvent, MilestoneEvent.kind == MilestoneEventKind.REBASELINED)
    carried = {e.milestone_id: e.old_forecast_at.date() if e.old_forecast_at else None for e in moved}
    assert {uat: date(2027, 1, 15), doc: None} == carried
    with frozen(MONDAY):
        shown = str(slack.command("/milestone", "show M-UAT", user_id="U0LEAD", channel_id=PROJECT_CHANNEL).json())
    assert "and the forecast with it" in shown


def test_an_earlier_baseline_takes_the_on_plan_forecast_along_and_tells_nobody_it_is_late(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """-7 days approved: the forecast moves to Jan 8 with the baseline, so M-UAT is not late and nobody is told
    it turned late."""
    _raise(slack, fake_slack, chosen=[uat], days="-7")
    _approve_last(slack, fake_slack)
    found = _milestone_row(session, uat)
    assert (date(2027, 1, 8), "on_track") == (found.forecast_at.date(), found.status)
    said = str([m["blocks"] for user in ("U0DEV1", "U0LEAD") for m in fake_slack.messages(user)])
    assert "late" not in said and "slipped" not in said


# (5) The milestone form's id already taken


def test_a_taken_id_in_the_milestone_form_opens_again_beside_the_id(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """Id UAT when M-UAT exists: nothing saved, and "Open it again" brings the form back as typed with the error
    beside the id."""
    with frozen(MONDAY):
        slack.command("/milestone", "", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        view = fake_slack.calls_to("views.open")[-1].args["view"]
        values = {
            "name": _v(type="plain_text_input", value="UAT again"),
            "milestone_date": _v(type="datepicker", selected_date="2027-02-01"),
            "owner": _v(type="users_select", selected_user="U0LEAD"),
            "milestone_code": _v(type="plain_text_input", value="UAT"),
        }
        ack = slack.view_submission(user_id="U0LEAD", callback_id="milestone_create", view=view,
                                    private_metadata=view["private_metadata"], values=values)  # fmt: skip
    assert (200, b"") == (ack.status, ack.body)
    assert [uat] == [m.id for m in _rows(session, Milestone)]
    again = _reopened(slack, fake_slack, "U0LEAD")
    assert "already has M-UAT" in _error_beside(again, "milestone_code")
    by_id = {b.get("block_id"): b for b in again["blocks"]}
    assert "UAT again" == by_id["name"]["element"]["initial_value"]


# (12) /milestone link CR-2, unlink, undepend


def test_link_names_what_can_be_linked_and_unlink_undepend_take_them_off(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """`link M-UAT CR-1` says only actions, risks and decisions link (an M- id: use depends); `unlink` and
    `undepend` take a link or a dependency off (the history keeps both), and say when there was none."""
    _raise(slack, fake_slack, days="0")  # CR-1 exists

    def say(text: str, user: str = "U0LEAD") -> str:
        with frozen(MONDAY):
            answer = slack.command("/milestone", text, user_id=user, channel_id=PROJECT_CHANNEL).json()
        return str(answer["text"])

    said = say("link M-UAT CR-1")
    assert "CR-1 can't be linked: only action items (A-12), risks (R-3) and decisions (D-4)" in said, said
    assert "Not found" not in said
    said = say("link M-UAT M-API")
    assert "`/milestone depends M-UAT on M-API`" in said, said
    with frozen(MONDAY):
        slack.command("/action", "<@U0DEV1> book the UAT room", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    assert "Linked A-1 to M-UAT." == say("link M-UAT A-1")
    assert "Only M-UAT's owner, its creator or a project lead" in say("unlink M-UAT A-1", user="U0DEV4")
    assert "Took A-1 off M-UAT." == say("unlink M-UAT A-1")
    assert "Nothing taken off M-UAT. Not linked to it: A-1." == say("unlink M-UAT A-1")
    assert "Made M-API" in say('M-API "API ready" 2027-01-10')
    assert "M-UAT now depends on M-API." in say("depends M-UAT on M-API")
    assert "M-UAT no longer depends on M-API." in say("undepend M-UAT on M-API")
    assert "M-UAT does not depend on M-API; nothing changed." == say("undepend M-UAT on M-API")
    assert [] == _rows(session, MilestoneLink)
    kinds = [e.kind for e in _rows(session, MilestoneEvent, MilestoneEvent.milestone_id == uat)]
    assert ["created", "linked", "unlinked", "depends", "undepends"] == kinds
    with frozen(MONDAY):
        shown = str(slack.command("/milestone", "show M-UAT", user_id="U0LEAD", channel_id=PROJECT_CHANNEL).json())
    assert "unlinked A-1" in shown and "it no longer depends on M-API" in shown, shown
    assert "Made M-UNLINK" in say('"Unlink the vendors" 2027-02-01')  # a name starting with the word is a name
