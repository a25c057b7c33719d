"""A role is no key to a private channel: a project lead who is not in (or has left) a private project channel is
DM'd none of its records (the slip alert, the status report's draft, escalations, the escalation digest, the no-go
of a go-live), while a lead still in it is, and a party to a record (its owner) still hears about their own record.
Through signed requests, Slack's member_left_channel event and run_due, at frozen instants."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from domain.outbox import HELD
from sandbox.standin import FakeSlack
from storage.models import ChangeRequest, Milestone, OutboxMessage, StatusReport
from tests.actions_helpers import frozen
from tests.slack_requests import SlackSender
from tests.test_changes import _values

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tuesday: 16:00 in Berlin, 20:30 in Kolkata, 20:45 in Kathmandu
NEXT_DAY = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)  # everyone's working day has begun in Asia
SECRET, STAKEHOLDERS = "C0SEC", "C0STAKE"
LEAD, DEV1, GONE, STAYS = "U0LEAD", "U0DEV1", "U0DEV2", "U0DEV3"  # GONE leaves #proj-secret; STAYS stays in it
WORD = "zanzibar"


def _dms(session: Session, user: str) -> str:
    """Everything queued to the person's DM (sent or waiting for their working hours), as JSON, without held notes."""
    session.expire_all()
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == user, OutboxMessage.method != HELD)
    ).all()
    found = json.dumps([[r.key, r.payload] for r in rows])
    session.rollback()
    return found


def _say(slack: SlackSender, command: str, text: str, *, user: str = LEAD, at: datetime = NOW) -> str:
    with frozen(at):
        return str(slack.command(command, text, user_id=user, channel_id=SECRET).text)


def _leave(slack: SlackSender, user: str, *, at: datetime = NOW) -> None:
    with frozen(at):
        slack.event({"type": "member_left_channel", "user": user, "channel": SECRET, "channel_type": "G"})


def _secret_project(slack: SlackSender, fake: FakeSlack, *leads: str) -> None:
    """#proj-secret (private): LEAD, DEV1, GONE and STAYS in it, the leads named; then GONE leaves it."""
    fake.add_channel(STAKEHOLDERS, name="stakeholders", members=[LEAD, "UBOT"])
    fake.add_channel(SECRET, name="proj-secret", members=[LEAD, DEV1, GONE, STAYS, "UBOT"], is_private=True)
    named = " ".join(f"<@{lead}>" for lead in leads)
    assert all(f"<@{lead}>" in _say(slack, "/pm", f"config leads {named}") for lead in leads)
    _leave(slack, GONE)


def _tick(factory: sessionmaker[Session], settings: Settings, at: datetime) -> None:
    run_due(factory, make_client(settings, patient=False), now=at)


def test_a_slip_alert_reaches_the_leads_in_the_channel_and_the_owner_but_no_lead_who_left(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """M-SEC (the lead's) and M-OWN (owned by the lead who left) slip: the lead still in hears of both; the lead
    who left hears of M-OWN only, theirs, and nothing of M-SEC, which they can no longer read."""
    _secret_project(slack, fake_slack, LEAD, GONE, STAYS)
    _say(slack, "/milestone", f'M-SEC "{WORD} signing" 2027-01-20')
    _say(slack, "/milestone", f'M-OWN "kilimanjaro handover" 2027-01-20 <@{GONE}>')
    for ref in ("M-SEC", "M-OWN"):
        _say(slack, "/milestone", f"move {ref} 2027-01-27: the vendor wants more time")
    shown = slack.command("/milestone", "show M-SEC", user_id=GONE, channel_id="C0PROJ").text
    assert "I can't find M-SEC" in str(shown)
    gone, stays = _dms(session, GONE), _dms(session, STAYS)
    assert WORD not in gone and "M-SEC" not in gone
    assert "kilimanjaro" in gone and "M-OWN slipped" in gone  # a party hears of their own milestone
    assert WORD in stays and "M-SEC slipped" in stays and "M-OWN slipped" in stays
    assert "M-SEC slipped" in json.dumps(fake_slack.messages(SECRET))  # the channel hears it as ever


def test_the_status_report_draft_and_its_updates_reach_only_leads_who_can_see_the_channel(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """`/digest report draft`: the draft goes to the leads in the channel, not to the one who left; a lead who
    leaves after the draft reached them gets no update of it when another lead skips it."""
    _secret_project(slack, fake_slack, LEAD, GONE, STAYS)
    _say(slack, "/action", f"<@{DEV1}> confirm the {WORD} pricing")
    _say(slack, "/risk", f"{WORD} walks away p:5 i:5")
    _say(slack, "/pm", f"config stakeholders <#{STAKEHOLDERS}|stakeholders>")
    assert "on its way" in _say(slack, "/digest", "report draft")
    session.expire_all()
    report = session.scalars(select(StatusReport)).one()
    assert [LEAD, STAYS] == list(report.lead_ids)
    report_id = report.id
    session.rollback()
    assert WORD not in _dms(session, GONE) and f"report:{report_id}" not in _dms(session, GONE)
    assert f"report:{report_id}:draft:{STAYS}" in _dms(session, STAYS)

    _leave(slack, STAYS)
    with frozen(NOW + timedelta(minutes=5)):
        slack.block_action(user_id=LEAD, action_id="report_skip", value=str(report_id), channel_id=f"D{LEAD}")
    session.expire_all()
    assert "skipped" == session.get_one(StatusReport, report_id).status
    session.rollback()
    assert f"report:{report_id}:draft:{LEAD}:skipped" in _dms(session, LEAD)
    assert ":skipped" not in _dms(session, STAYS)  # who left reads no more of it


def test_no_draft_when_no_lead_can_see_the_channel(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """The only lead left the private channel: at the weekly time no draft is made, nobody is DM'd it, and nothing
    reaches the stakeholder channel."""
    _secret_project(slack, fake_slack, GONE)
    _say(slack, "/risk", f"{WORD} walks away p:5 i:5", user=DEV1)
    _say(slack, "/pm", f"config stakeholders <#{STAKEHOLDERS}|stakeholders>", user=GONE, at=NOW - timedelta(hours=1))
    friday_1600 = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # the project's zone is UTC: Friday 16:00 is 15:00 CET
    for hours in range(0, 30, 1):
        _tick(factory, settings, friday_1600 - timedelta(hours=1) + timedelta(hours=hours))
    session.expire_all()
    assert [] == list(session.scalars(select(StatusReport)))
    session.rollback()
    assert WORD not in _dms(session, GONE)
    assert [] == fake_slack.messages(STAKEHOLDERS)


def test_escalations_and_the_escalation_digest_reach_only_leads_who_can_see_the_channel(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """A critical risk: the lead in the channel hears at once and reads the next escalation digest; the lead who
    left before hears nothing; a lead noted while in the channel, who leaves before their working hours begin, is
    sent nothing of it either."""
    _secret_project(slack, fake_slack, LEAD, GONE, STAYS)
    _say(slack, "/risk", f"{WORD} walks away p:5 i:5", user=DEV1)
    assert WORD in _dms(session, LEAD)  # Berlin's working hours: at once
    assert WORD not in _dms(session, STAYS)  # 20:45 in Kathmandu: it waits for the morning
    _leave(slack, STAYS, at=NOW + timedelta(minutes=10))
    for hours in range(0, 20):
        _tick(factory, settings, NOW + timedelta(minutes=30) + timedelta(hours=hours))
    assert "Escalation digest" in _dms(session, LEAD) and WORD in _dms(session, LEAD)
    for left in (GONE, STAYS):
        dms = _dms(session, left)
        assert WORD not in dms and "Escalation" not in dms, left
        assert [] == [m for m in fake_slack.messages(left) if WORD in json.dumps(m)]


def test_a_no_go_is_told_to_the_leads_in_the_channel_not_to_one_who_left(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """G-1, whose approver says nothing, is NO-GO at T: the leads in the channel (the planner, an approver, and one
    who is neither) are DM'd the result; the lead who left is not."""
    _secret_project(slack, fake_slack, LEAD, GONE, STAYS)
    t = NOW + timedelta(days=2)
    planned = _say(slack, "/golive", f'plan "{WORD} cutover" {t:%Y-%m-%d} {t:%H}:00')
    assert "Planned G-1" in planned, planned
    assert "Only" not in _say(slack, "/golive", f"approvers G-1 <@{LEAD}> <@{DEV1}>")
    for hours in range(0, 52, 2):
        _tick(factory, settings, NOW + timedelta(hours=hours))
    assert "NO-GO* for G-1" in json.dumps(fake_slack.messages(SECRET))
    assert "no-go:" in _dms(session, LEAD) and "no-go:" in _dms(session, STAYS)
    gone = _dms(session, GONE)
    assert "no-go" not in gone.lower() and WORD not in gone


def test_a_late_milestone_is_told_to_the_leads_in_the_channel_and_its_owner_not_to_a_lead_who_left(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """M-SEC's day passes undone: the job tells the lead still in the channel and the owner, who left it (a party),
    that it is late; the lead who left and is not its owner hears nothing of it."""
    _secret_project(slack, fake_slack, LEAD, GONE, STAYS)
    _say(slack, "/milestone", f'M-SEC "{WORD} signing" 2026-12-02 <@{DEV1}>')
    with frozen(NOW):
        slack.event({"type": "member_left_channel", "user": DEV1, "channel": SECRET, "channel_type": "G"})
    for hours in range(0, 48, 1):
        _tick(factory, settings, datetime(2026, 12, 2, 12, 0, tzinfo=UTC) + timedelta(hours=hours))
    for told in (LEAD, STAYS, DEV1):
        assert "M-SEC is now late" in _dms(session, told), told
    gone = _dms(session, GONE)
    assert "M-SEC" not in gone and WORD not in gone


def test_a_change_request_goes_only_to_leads_who_can_see_the_channel(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """The other lead left #proj-secret: the lead still in it raises a request and, nobody else able to read it,
    approves it themself; the one who left is sent nothing, whether the leads approve by default or the category
    names the requester."""
    _secret_project(slack, fake_slack, LEAD, GONE)
    _say(slack, "/milestone", f'M-SEC "{WORD} signing" 2027-01-20')
    secret = session.scalar(select(Milestone.id))
    session.rollback()
    for setting in ("", f"approvers schedule <@{LEAD}>"):
        if setting:
            _say(slack, "/change", setting)
        with frozen(NOW):
            slack.command("/change", "", user_id=LEAD, channel_id=SECRET)
            view = fake_slack.calls_to("views.open")[-1].args["view"]
            slack.view_submission(user_id=LEAD, callback_id="change_create", private_metadata=view["private_metadata"],
                                  values=_values(chosen=[secret]), view=view)  # fmt: skip
    session.expire_all()
    assert [[LEAD], [LEAD]] == [
        c.approver_ids for c in session.scalars(select(ChangeRequest).order_by(ChangeRequest.id))
    ]
    session.rollback()
    assert "CR-" not in _dms(session, GONE)
