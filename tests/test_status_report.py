"""The weekly status report a lead approves: drafted to the lead's DM in their working hours, edited, sent to the
stakeholder channel once (or skipped, posting nothing), worded for its audience, and refused to anyone else."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from domain import actions, decisions, milestones, risks
from domain.decisions import Wording
from domain.risks import Fields
from domain.workspaces import project_for, workspace_for
from handlers.digests import keys
from sandbox.standin import FakeSlack
from storage.models import StatusReport
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FRIDAY_1600_BERLIN = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # the weekly digest's time: 07:00 in Los Angeles
LA_0900 = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # the lead's working day begins
LEAD = "U0DEV1"  # Los Angeles, while the project keeps Berlin's time
STAKEHOLDERS = "C0STAKE"


def _config(slack: SlackSender, *settings: str, user: str = "U0LEAD") -> None:
    with frozen(MONDAY):
        for setting in settings:
            answer = slack.command("/pm", f"config {setting}", user_id=user, channel_id=PROJECT_CHANNEL).json()
            assert "I can" not in str(answer) and "Only" not in str(answer), answer


def _records(factory: sessionmaker[Session]) -> None:
    """Six risks (scores 20 down to 2), an overdue action, an action due next week, a decision this week and a
    milestone in the next 14 days."""
    with factory() as session:
        project = project_for(
            session, workspace=workspace_for(session, team_id="T0001", now=MONDAY), channel_id=PROJECT_CHANNEL,
            now=MONDAY,
        )  # fmt: skip
        for p, i in ((4, 5), (3, 5), (3, 4), (2, 4), (2, 2), (1, 2)):
            risks.create(session, project=project, creator="U0LEAD", now=MONDAY,
                         fields=Fields(title=f"risk scored {p * i}", probability=p, impact=i))  # fmt: skip
        actions.create(session, project=project, creator="U0LEAD", owner="U0DEV2", title="sign the vendor contract",
                       due_at=MONDAY + timedelta(days=1), now=MONDAY - timedelta(days=3))  # fmt: skip
        actions.create(session, project=project, creator="U0LEAD", owner="U0DEV2", title="book the load test",
                       due_at=MONDAY + timedelta(days=8), now=MONDAY)  # fmt: skip
        decisions.create(session, project=project, creator="U0LEAD", wording=Wording("we launch in two waves"),
                         now=MONDAY + timedelta(days=1))  # fmt: skip
        milestones.create(session, project=project, creator="U0LEAD", name="UAT sign-off", day=date(2026, 12, 4),
                          owner=LEAD, now=MONDAY)  # fmt: skip
        session.commit()


@pytest.fixture
def reporting(slack: SlackSender, factory: sessionmaker[Session]) -> None:
    """A Berlin project led from Los Angeles, with a stakeholder channel and a week of records."""
    _config(slack, "tz Europe/Berlin", f"stakeholders <#{STAKEHOLDERS}|apollo-updates>", f"leads <@{LEAD}>")
    _records(factory)


def _tick(factory: sessionmaker[Session], settings: Settings, at: datetime) -> None:
    run_due(factory, make_client(settings, patient=False), now=at)


def _drafts(fake: FakeSlack, user: str = LEAD) -> list[dict[str, Any]]:
    return [m for m in fake.messages(user) if "status report" in str(m["text"]).lower()]


def _buttons(message: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def _reports(session: Session) -> list[StatusReport]:
    session.expire_all()
    found = list(session.scalars(select(StatusReport).order_by(StatusReport.id)))
    session.expunge_all()
    session.rollback()
    return found


def _delivered_draft(fake: FakeSlack, factory: sessionmaker[Session], settings: Settings) -> dict[str, Any]:
    _tick(factory, settings, FRIDAY_1600_BERLIN)
    _tick(factory, settings, LA_0900)
    [draft] = _drafts(fake)
    return draft


def _click(slack: SlackSender, action: str, message: dict[str, Any], user: str = LEAD) -> Any:
    value = next(e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"])
    with frozen(LA_0900 + timedelta(hours=1)):
        return slack.block_action(user_id=user, action_id=action, value=value, channel_id=f"D{user}",
                                  message_ts=message["ts"], message=message)  # fmt: skip


def test_the_draft_reaches_the_lead_in_their_working_hours(
    reporting: None, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """At Friday 16:00 Berlin the week's draft is made, once, and waits for 09:00 in Los Angeles, the lead's zone;
    it comes with Edit / Send / Skip, and nothing reaches the stakeholder channel."""
    _tick(factory, settings, FRIDAY_1600_BERLIN - timedelta(minutes=30))
    assert [] == _reports(session)
    _tick(factory, settings, FRIDAY_1600_BERLIN)
    _tick(factory, settings, FRIDAY_1600_BERLIN + timedelta(hours=1))
    assert [] == _drafts(fake_slack)
    assert [("2026-W48", "drafted", "executive", [LEAD])] == [
        (r.week, r.status, r.audience, r.lead_ids) for r in _reports(session)
    ]
    _tick(factory, settings, LA_0900)
    [draft] = _drafts(fake_slack)
    assert ["report_edit", "report_send", "report_skip"] == _buttons(draft)
    shown = str(draft["blocks"])
    assert "week of Mon 23 Nov: Red" in shown and "R-1 risk scored 20 · score 20" in shown
    assert [] == fake_slack.messages(STAKEHOLDERS)


def test_edit_then_send_posts_exactly_the_edited_version_once(
    reporting: None, slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings,
    session: Session,
) -> None:  # fmt: skip
    """Edit opens the draft's text; what the lead saves is shown in the DM, and Send (clicked twice) posts exactly
    that, once, to the stakeholder channel; the DM then says who sent it, with no button left."""
    draft = _delivered_draft(fake_slack, factory, settings)
    _click(slack, "report_edit", draft)
    view = fake_slack.calls_to("views.open")[-1].args["view"]
    assert "report_edit_submit" == view["callback_id"]
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert "*Status: Red*" in fields["report_text"]["initial_value"] and fields["report_text"]["multiline"]
    assert 3000 == fields["report_text"]["max_length"]
    edited = "*Status: Amber* after the vendor's fix <!channel>\n• UAT moves a week"
    with frozen(LA_0900 + timedelta(minutes=30)):
        answer = slack.view_submission(
            user_id=LEAD, callback_id="report_edit_submit", private_metadata=view["private_metadata"],
            values={"title": {"value": {"type": "plain_text_input", "value": "Apollo: Amber, recovering <!here>"}},
                    "report_text": {"value": {"type": "plain_text_input", "value": edited}}},
        )  # fmt: skip
    assert 200 == answer.status
    [draft] = _drafts(fake_slack)
    assert "after the vendor's fix &lt;!channel&gt;" in str(draft["blocks"]) and _buttons(draft)
    _click(slack, "report_send", draft)
    _click(slack, "report_send", draft)  # a double click
    _tick(factory, settings, LA_0900 + timedelta(hours=2))
    [posted] = fake_slack.messages(STAKEHOLDERS)
    assert "Apollo: Amber, recovering &lt;!here&gt;" == posted["text"]
    texts = [b["text"]["text"] for b in posted["blocks"] if b["type"] == "section"]
    assert "*Apollo: Amber, recovering &lt;!here&gt;*" == texts[0].split(" ", 1)[1]  # after the status's emoji
    assert edited.replace("<!channel>", "&lt;!channel&gt;") == texts[1]
    [draft] = _drafts(fake_slack)
    assert [] == _buttons(draft) and f"Sent to <#{STAKEHOLDERS}> by <@{LEAD}>" in str(draft["blocks"])
    assert any("already sent by" in e["text"] for e in fake_slack.ephemerals(LEAD))
    [report] = _reports(session)
    assert ("sent", LEAD, LEAD, keys.report_sent(report.id)) == (
        report.status, report.edited_by, report.decided_by, report.sent_key
    )  # fmt: skip


def test_skip_posts_nothing(
    reporting: None, slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """Skip leaves the stakeholder channel empty, and a Send after it is refused."""
    draft = _delivered_draft(fake_slack, factory, settings)
    _click(slack, "report_skip", draft)
    _click(slack, "report_send", draft)
    _tick(factory, settings, LA_0900 + timedelta(hours=2))
    assert [] == fake_slack.messages(STAKEHOLDERS)
    [draft] = _drafts(fake_slack)
    assert [] == _buttons(draft) and f"Skipped by <@{LEAD}>" in str(draft["blocks"])
    assert any("already skipped" in e["text"] for e in fake_slack.ephemerals(LEAD))


def _preview(slack: SlackSender, words: str = "") -> str:
    with frozen(FRIDAY_1600_BERLIN):
        answer = slack.command("/digest", f"report preview {words}".strip(), user_id="U0DEV2",
                               channel_id=PROJECT_CHANNEL).json()  # fmt: skip
    return json.dumps(answer["blocks"], ensure_ascii=False)


def test_the_executive_draft_has_no_action_lists_and_three_risks_while_the_team_draft_has_them(
    reporting: None, slack: SlackSender
) -> None:
    """Executive (the default): the status, milestones, decisions and the three highest risks, no actions; team
    (`/pm config report team`): five risks and the overdue and coming actions."""
    executive = _preview(slack)
    assert 3 == executive.count("· score ")
    assert "R-3 risk scored 12" in executive and "R-4" not in executive
    assert "M-1 UAT sign-off" in executive or "UAT sign-off" in executive
    assert "we launch in two waves" in executive
    assert "sign the vendor contract" not in executive and "Overdue actions" not in executive
    _config(slack, "report team", user=LEAD)
    team = _preview(slack)
    assert 5 == team.count("· score ") and "R-6" not in team
    assert "Overdue actions" in team and "A-1 sign the vendor contract" in team
    assert "Due next week" in team and "A-2 book the load test" in team
    assert "team audience" in team and "executive" not in team


def test_no_stakeholder_channel_means_no_draft(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """A project with leads but no stakeholder channel gets no draft at its time, and `/digest report draft` says
    why."""
    _config(slack, "tz Europe/Berlin", f"leads <@{LEAD}>")
    _records(factory)
    _tick(factory, settings, FRIDAY_1600_BERLIN)
    _tick(factory, settings, LA_0900)
    assert [] == _reports(session) and [] == _drafts(fake_slack)
    with frozen(LA_0900):
        answer = slack.command("/digest", "report draft", user_id=LEAD, channel_id=PROJECT_CHANNEL).json()
    assert "no stakeholder channel" in answer["text"]
    assert [] == _reports(session)


def test_a_non_leads_click_is_refused(
    reporting: None, slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings,
    session: Session,
) -> None:  # fmt: skip
    """Someone in the channel who is no lead cannot send, skip or edit the draft, nor draft one by command."""
    draft = _delivered_draft(fake_slack, factory, settings)
    for action in ("report_send", "report_skip", "report_edit"):
        _click(slack, action, draft, user="U0DEV2")
    with frozen(LA_0900):
        answer = slack.command("/digest", "report draft", user_id="U0DEV2", channel_id=PROJECT_CHANNEL).json()
    assert "Only this project's leads" in answer["text"]
    refused = [e["text"] for e in fake_slack.ephemerals("U0DEV2")]
    assert 3 == len(refused) and all("Only this project's leads" in text for text in refused)
    assert [] == fake_slack.messages(STAKEHOLDERS)
    assert ["drafted"] == [r.status for r in _reports(session)]
    assert [] == [
        c for c in fake_slack.calls_to("views.open") if c.args["view"].get("callback_id") == "report_edit_submit"
    ]


def test_status_report_keys() -> None:
    """The report's outbox keys are spelled as rows already queued carry them."""
    assert "report:7:draft:U0DEV1" == keys.report_draft(7, "U0DEV1")
    assert "report:7:draft:U0DEV1:r2" == keys.report_draft_update(7, "U0DEV1", "r2")
    assert "report:7:sent" == keys.report_sent(7)


def test_the_next_weeks_draft_says_what_changed_since_last_week(
    reporting: None, slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """A week after a Red report, with the status set to Amber by a lead, the new draft says it was Red last week
    and why it is Amber now."""
    _click(slack, "report_skip", _delivered_draft(fake_slack, factory, settings))
    with frozen(LA_0900 + timedelta(days=3)):
        slack.command("/pm", "status set amber vendor fix confirmed", user_id=LEAD, channel_id=PROJECT_CHANNEL)
    _tick(factory, settings, FRIDAY_1600_BERLIN + timedelta(days=7))
    _tick(factory, settings, LA_0900 + timedelta(days=7))
    second = str(_drafts(fake_slack)[-1]["blocks"])
    assert "week of Mon 30 Nov: Amber" in second
    assert "*Status: Amber* (was Red last week)" in second
    assert "Set by a lead: vendor fix confirmed (by the rules: Red)" in second
