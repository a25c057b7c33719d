"""Away means delegated, through the real HTTP endpoint and the stand-in: a lead in Berlin, a developer in Los
Angeles and one in Kolkata. While someone is away their reminders wait, their approvals and escalations go to their
delegate (else the leads), and their first working morning back brings one summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from sandbox.standin import FakeSlack
from storage.models import ChangeEvent, Decision, DecisionRevision, StatusReport
from storage.models.delegation import AwayLog, Delegation
from tests import test_changes as changes_tests
from tests.actions_helpers import dm_texts, frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender

THURSDAY = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)  # 11:00 Berlin, 02:00 Los Angeles, 15:30 Kolkata
MONDAY_LA_MORNING = datetime(2026, 12, 14, 17, 5, tzinfo=UTC)  # 09:05 in Los Angeles, away from today
TUESDAY = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)
BACK_MONDAY_BERLIN = datetime(2026, 12, 21, 8, 30, tzinfo=UTC)  # 09:30 Berlin; 00:30 Los Angeles
BACK_MONDAY_LA = datetime(2026, 12, 21, 17, 5, tzinfo=UTC)  # 09:05 in Los Angeles


def _pm(slack: SlackSender, text: str, user: str, at: datetime = THURSDAY) -> str:
    with frozen(at):
        return str(slack.command("/pm", text, user_id=user, channel_id=PROJECT_CHANNEL).json()["text"])


def _command(slack: SlackSender, command: str, text: str, user: str = "U0LEAD", at: datetime = THURSDAY) -> Any:
    with frozen(at):
        return slack.command(command, text, user_id=user, channel_id=PROJECT_CHANNEL).json()


def _v(**element: Any) -> dict[str, Any]:
    return {"value": element}


def _propose(
    slack: SlackSender,
    fake: FakeSlack,
    *,
    approver: str,
    at: datetime,
    needed_by: str = "2026-12-16",
    channel: str = PROJECT_CHANNEL,
) -> None:
    """The lead proposes a decision with `approver` as its approver, through the form."""
    with frozen(at):
        slack.command("/decision", "", user_id="U0LEAD", channel_id=channel)
        view = fake.calls_to("views.open")[-1].args["view"]
        values = {
            "statement": _v(type="plain_text_input", value="move the launch to <!channel> January"),
            "status": _v(type="static_select", selected_option={"value": "proposed"}),
            "approver": _v(type="users_select", selected_user=approver),
            "needed_by": _v(type="datepicker", selected_date=needed_by),
        }
        response = slack.view_submission(
            user_id="U0LEAD", callback_id="decision_create", private_metadata=view["private_metadata"], values=values
        )
        assert 200 == response.status and not response.body, response.text


def _run(factory: sessionmaker[Session], settings: Settings, *instants: datetime) -> None:
    """Run the due work at each instant, twice: a re-run must send nothing new."""
    client = make_client(settings, patient=False)
    for at in instants:
        run_due(factory, client, now=at)
        run_due(factory, client, now=at)


def _notes(session: Session, user: str) -> list[tuple[str, str, str | None]]:
    session.expire_all()
    found = [(n.kind, n.ref, n.by_id) for n in session.scalars(select(AwayLog).where(AwayLog.user_id == user))]
    session.rollback()
    return sorted(found, key=str)


def _reminders(fake: FakeSlack, user: str) -> list[str]:
    return [m["text"] for m in fake.messages(f"D{user}") if str(m["text"]).startswith("Reminder")]


def _summaries(fake: FakeSlack, user: str) -> list[str]:
    return [t for t in dm_texts(fake, user) if "Welcome back" in t]


def test_away_with_a_delegate_holds_reminders_routes_the_approval_and_summarises_once_on_return(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """Los Angeles is away Dec 14-18 with Kolkata as delegate: their reminder is held (noted once), the approval
    asked of them goes to Kolkata too, who approves "for" them; back on Monday, one summary at 09:00 in Los
    Angeles (not at Berlin's morning), never twice."""
    _pm(slack, "config leads <@U0LEAD>", "U0LEAD")
    said = _pm(slack, "away Dec 14 - Dec 18 delegate <@U0DEV2|dev-kolkata>", "U0DEV1")
    assert "Mon 14 Dec 2026 to Fri 18 Dec 2026" in said and "<@U0DEV2> gets" in said
    assert "Your delegate: <@U0DEV2>" in _pm(slack, "away", "U0DEV1")
    assert "Created A-1" in str(_command(slack, "/action", "<@U0DEV1> send the vendor report by 2026-12-15"))

    _run(factory, settings, MONDAY_LA_MORNING, MONDAY_LA_MORNING + timedelta(hours=1))
    assert [] == _reminders(fake_slack, "U0DEV1")  # the day-before reminder, 09:00 Monday in LA, is held
    assert [("away", "", None), ("held", "A-1", None)] == _notes(session, "U0DEV1")

    _propose(slack, fake_slack, approver="U0DEV1", at=TUESDAY)
    [asked] = [m for m in fake_slack.messages("DU0DEV2") if "Approval requested" in str(m["text"])]
    assert "they are away, and you stand in for them" in str(asked["blocks"])
    with frozen(TUESDAY + timedelta(hours=1)):
        stranger = slack.block_action(user_id="U0DEV3", action_id="decision_approve", value="D-1",
                                      channel_id="DU0DEV3", message=asked)  # fmt: skip
        assert 200 == stranger.status
        slack.block_action(user_id="U0DEV2", action_id="decision_approve", value="D-1", channel_id="DU0DEV2",
                           message=asked)  # fmt: skip
    session.expire_all()
    decision = session.scalars(select(Decision)).one()
    last = session.scalars(select(DecisionRevision).order_by(DecisionRevision.number.desc())).first()
    assert ("approved", "U0DEV2", "U0DEV1") == (decision.status, last.author_id if last else None,
                                                last.for_user_id if last else None)  # fmt: skip
    session.rollback()
    assert any("by <@U0DEV2> for <@U0DEV1>" in str(m["blocks"]) for m in fake_slack.messages(PROJECT_CHANNEL))
    assert "by <@U0DEV2> for <@U0DEV1>" in str(_command(slack, "/decision", "show D-1", at=TUESDAY)["blocks"])

    _run(factory, settings, datetime(2026, 12, 19, 17, 5, tzinfo=UTC), BACK_MONDAY_BERLIN)  # Saturday; LA's night
    assert [] == _summaries(fake_slack, "U0DEV1")
    _run(factory, settings, BACK_MONDAY_LA, BACK_MONDAY_LA + timedelta(hours=2))
    [summary] = _summaries(fake_slack, "U0DEV1")
    assert "A-1" in summary and "reminder: send the vendor report" in summary  # held
    assert "D-1 approval → <@U0DEV2>" in summary  # sent to the delegate...
    assert "D-1 approved: move the launch" in summary  # ...who approved it
    assert "Decided in your projects" in summary and "<!channel>" not in summary
    assert 1 == len(_reminders(fake_slack, "U0DEV1"))  # back: the overdue reminder reaches them again


def test_away_without_a_delegate_goes_to_the_leads_and_a_lead_away_hands_escalations_to_their_delegate(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """Kolkata, away without a delegate: the approval asked of them goes to the lead. The Berlin lead, away with Los
    Angeles as delegate: an overdue item's escalation reaches Los Angeles in their working hours, not the lead."""
    _pm(slack, "config leads <@U0LEAD>", "U0LEAD")
    _pm(slack, "away Dec 14 - Dec 18", "U0DEV2")
    _propose(slack, fake_slack, approver="U0DEV2", at=TUESDAY)
    assert any("you stand in for them" in t for t in dm_texts(fake_slack, "U0LEAD"))
    assert [] == [t for t in dm_texts(fake_slack, "U0DEV1") if "Approval requested" in t]

    _command(slack, "/action", "<@U0DEV3> renew the certificate by 2026-12-11")
    assert "stands in for you" in _pm(slack, "delegate <@U0DEV1>", "U0LEAD")
    _pm(slack, "away Dec 14 - Dec 31", "U0LEAD")
    _run(factory, settings, datetime(2026, 12, 16, 12, 0, tzinfo=UTC), datetime(2026, 12, 16, 17, 5, tzinfo=UTC))
    escalated = [t for t in dm_texts(fake_slack, "U0DEV1") if "A-1" in t and "renew the certificate" in t]
    assert 1 == len([t for t in escalated if not t.startswith("Escalation digest")]), escalated
    assert 1 == len([t for t in escalated if t.startswith("Escalation digest")])  # the daily digest, in its stead
    assert [] == [t for t in dm_texts(fake_slack, "U0LEAD") if "renew the certificate" in t or "Escalation" in t]
    assert ("routed", "A-1", "U0DEV1") in _notes(session, "U0LEAD")


def test_a_vacation_status_counts_as_away_until_it_is_cleared(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """A Slack status "Vacation :palm_tree:" (from the user_change event) holds Kolkata's reminders; once cleared,
    the next working morning in Kolkata brings one summary, and the reminder."""
    _command(slack, "/action", "<@U0DEV2> update the runbook by 2026-12-15")
    fake_slack.set_user_status("U0DEV2", "Vacation", ":palm_tree:")
    assert 200 == slack.event({"type": "user_change", "user": fake_slack.user_object("U0DEV2")}).status
    assert "Slack status: :palm_tree: Vacation" in _pm(slack, "away", "U0DEV2")
    monday_kolkata = datetime(2026, 12, 14, 4, 0, tzinfo=UTC)  # 09:30 in Kolkata
    _run(factory, settings, monday_kolkata, monday_kolkata + timedelta(hours=3))
    assert [] == _reminders(fake_slack, "U0DEV2")
    assert [("away", "", None), ("held", "A-1", None)] == _notes(session, "U0DEV2")

    fake_slack.set_user_status("U0DEV2", "", "")
    assert 200 == slack.event({"type": "user_change", "user": fake_slack.user_object("U0DEV2")}).status
    _run(factory, settings, datetime(2026, 12, 14, 14, 0, tzinfo=UTC))  # 19:30 in Kolkata: the day is over
    assert [] == _summaries(fake_slack, "U0DEV2")
    _run(factory, settings, datetime(2026, 12, 15, 3, 45, tzinfo=UTC), datetime(2026, 12, 15, 5, 0, tzinfo=UTC))
    assert 1 == len(_summaries(fake_slack, "U0DEV2"))
    assert 1 == len(_reminders(fake_slack, "U0DEV2"))


def test_away_and_delegate_refuse_what_they_cannot_do(slack: SlackSender, session: Session) -> None:
    """Oneself as delegate, a name Slack did not turn into a mention, a past range, a date over a year ahead:
    refused, nothing saved; `21-31 dec` is read as both ends; `/pm delegate none` and `/pm away cancel` undo."""
    assert "your own delegate" in _pm(slack, "delegate <@U0DEV1>", "U0DEV1")
    assert "I don't know who" in _pm(slack, "delegate bob", "U0DEV1")
    assert "past" in _pm(slack, "away 2026-12-01 to 2026-12-02", "U0DEV1")
    assert "Say `delegate`" in _pm(slack, "away Dec 14 <@U0DEV2>", "U0DEV1")
    assert "more than a year ahead" in _pm(slack, "away 2028-01-05", "U0DEV1")
    assert [] == list(session.scalars(select(Delegation)))
    session.rollback()
    assert "Mon 21 Dec 2026 to Thu 31 Dec 2026" in _pm(slack, "away 21-31 dec delegate <@U0DEV2>", "U0DEV1")
    assert "Welcome back" in _pm(slack, "away cancel", "U0DEV1", at=datetime(2026, 12, 22, 18, 0, tzinfo=UTC))
    assert "none planned" in _pm(slack, "away", "U0DEV1", at=datetime(2026, 12, 22, 18, 0, tzinfo=UTC))
    assert "No delegate" in _pm(slack, "delegate none", "U0DEV1")
    assert "/pm away" in _pm(slack, "help", "U0DEV1")
    assert "/pm delegate @bob" in _pm(slack, "away help", "U0DEV1")


def test_a_change_request_asked_of_someone_away_goes_to_their_delegate_who_may_answer_for_them(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], session: Session
) -> None:
    """The schedule approver in Kolkata is away with Los Angeles as delegate: a raised change request reaches Los
    Angeles with its buttons; their Approve is recorded "for" Kolkata, and every copy loses its buttons."""
    monday = changes_tests.MONDAY
    milestone = changes_tests._milestone(factory, PROJECT_CHANNEL)
    _pm(slack, "config leads <@U0LEAD>", "U0LEAD", at=monday)
    _command(slack, "/change", "approvers schedule <@U0DEV2>", at=monday)
    _pm(slack, "away Nov 23 - Nov 27 delegate <@U0DEV1>", "U0DEV2", at=monday)
    assert 200 == changes_tests._raise(slack, fake_slack, chosen=[milestone], at=monday).status
    [asked] = changes_tests._requests(fake_slack, "U0DEV1")
    assert "you stand in for them" in str(asked["blocks"])
    assert ["change_approve", "change_reject", "change_ask"] == changes_tests._buttons(asked)
    changes_tests._click(slack, "U0DEV4", "change_approve", asked, channel="DU0DEV4", at=monday)
    assert ["Only CR-1's approvers can decide it."] == [e["text"] for e in fake_slack.ephemerals("U0DEV4")]
    changes_tests._click(slack, "U0DEV1", "change_approve", asked, channel="DU0DEV1", at=monday)
    session.expire_all()
    event = session.scalars(select(ChangeEvent).where(ChangeEvent.kind == "approved")).one()
    assert ("U0DEV1", "U0DEV2") == (event.actor_id, event.for_user_id)
    session.rollback()
    shown = str(_command(slack, "/change", "show CR-1", at=monday)["blocks"])
    assert "<@U0DEV1> for <@U0DEV2> approved" in shown
    copies = changes_tests._requests(fake_slack, "U0DEV1") + changes_tests._requests(fake_slack, "U0DEV2")
    assert all([] == changes_tests._buttons(m) for m in copies)
    assert ("acted", "CR-1", "U0DEV1") in _notes(session, "U0DEV2")


def test_nudges_of_an_approver_away_go_to_the_leads_and_come_back_to_them_on_return(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """A decision past its needed-by date while its approver in Kolkata is away (no delegate): the daily nudge goes
    to the Berlin lead instead, once a day, and Kolkata's is held; back on Monday, Kolkata is nudged again."""
    _pm(slack, "config leads <@U0LEAD>", "U0LEAD")
    _propose(slack, fake_slack, approver="U0DEV2", at=THURSDAY, needed_by="2026-12-11")
    _pm(slack, "away Dec 14 - Dec 18", "U0DEV2")
    tuesday, wednesday = datetime(2026, 12, 15, 10, 0, tzinfo=UTC), datetime(2026, 12, 16, 10, 0, tzinfo=UTC)
    _run(factory, settings, tuesday, tuesday + timedelta(hours=1), wednesday)
    assert 2 == len([t for t in dm_texts(fake_slack, "U0LEAD") if t.startswith("Still waiting")])
    assert [] == [t for t in dm_texts(fake_slack, "U0DEV2") if t.startswith("Still waiting")]
    assert [("away", "", None), ("held", "D-1", None)] == _notes(session, "U0DEV2")
    _run(factory, settings, datetime(2026, 12, 21, 4, 0, tzinfo=UTC))  # Monday, 09:30 in Kolkata
    assert 1 == len([t for t in dm_texts(fake_slack, "U0DEV2") if t.startswith("Still waiting")])
    assert 1 == len(_summaries(fake_slack, "U0DEV2"))


def _digests(fake: FakeSlack, user: str) -> list[dict[str, Any]]:
    return [m for m in fake.messages(f"D{user}") if str(m["text"]).startswith("Escalation digest")]


def _texts(session: Session, user: str) -> list[tuple[str, str, str | None]]:
    session.expire_all()
    found = [(n.kind, n.text, n.by_id) for n in session.scalars(select(AwayLog).where(AwayLog.user_id == user))]
    session.rollback()
    return found


def test_the_daily_escalation_digest_of_a_lead_away_goes_to_their_delegate_at_0900_their_time(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """The Berlin lead, away Dec 14-18 with Los Angeles as delegate: the daily escalation digest reaches Los Angeles
    at 09:00 there, each day, saying whom it stands in for, and never the lead; noted once; back on Monday, the
    lead's summary lists it, and the lead's own digest comes again."""
    _pm(slack, "config leads <@U0LEAD>", "U0LEAD")
    _command(slack, "/action", "<@U0DEV3> renew the certificate by 2026-12-11")
    _pm(slack, "away Dec 14 - Dec 18 delegate <@U0DEV1>", "U0LEAD")
    wednesday = datetime(2026, 12, 16, 8, 5, tzinfo=UTC)  # 09:05 Berlin; 00:05 in Los Angeles
    _run(factory, settings, wednesday, wednesday + timedelta(hours=4))
    assert [] == _digests(fake_slack, "U0DEV1") + _digests(fake_slack, "U0LEAD")
    _run(factory, settings, datetime(2026, 12, 16, 17, 5, tzinfo=UTC), datetime(2026, 12, 17, 17, 5, tzinfo=UTC))
    digests = _digests(fake_slack, "U0DEV1")
    assert 2 == len(digests) and all("A-1" in str(d["blocks"]) for d in digests)
    assert all("while <@U0LEAD> is away: you stand in" in str(d["blocks"]) for d in digests)
    assert [] == _digests(fake_slack, "U0LEAD")
    assert [("routed", "daily escalation digest", "U0DEV1")] == [
        n for n in _texts(session, "U0LEAD") if "digest" in n[1]
    ]
    _run(factory, settings, BACK_MONDAY_BERLIN)
    [summary] = _summaries(fake_slack, "U0LEAD")
    assert "daily escalation digest → <@U0DEV1>" in summary
    assert 1 == len(_digests(fake_slack, "U0LEAD")) and 2 == len(_digests(fake_slack, "U0DEV1"))


STAKEHOLDERS = "C0STAKE"
FRIDAY_1600_BERLIN = datetime(2026, 12, 18, 15, 0, tzinfo=UTC)  # 07:00 in Los Angeles, 20:30 in Kolkata


def _report_drafts(fake: FakeSlack, user: str) -> list[dict[str, Any]]:
    return [m for m in fake.messages(f"D{user}") if "status report" in str(m["text"]).lower()]


def test_the_status_report_draft_of_a_lead_away_goes_to_their_delegate_who_sends_it_for_them(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """The Berlin lead is away with Los Angeles as delegate: Friday's draft reaches Los Angeles at 09:00 there (not
    the lead), saying whom for; a stranger's Send is refused; the delegate's Send posts it, "for" the lead; back,
    the lead's summary says so."""
    _pm(slack, "config tz Europe/Berlin", "U0LEAD")
    _pm(slack, f"config stakeholders <#{STAKEHOLDERS}|apollo-updates>", "U0LEAD")
    _pm(slack, "config leads <@U0LEAD>", "U0LEAD")
    _pm(slack, "away Dec 14 - Dec 18 delegate <@U0DEV1>", "U0LEAD")
    _run(factory, settings, FRIDAY_1600_BERLIN, FRIDAY_1600_BERLIN + timedelta(hours=1))
    assert [] == _report_drafts(fake_slack, "U0DEV1") + _report_drafts(fake_slack, "U0LEAD")
    _run(factory, settings, FRIDAY_1600_BERLIN + timedelta(hours=2, minutes=5))  # 09:05 in Los Angeles
    assert [] == _report_drafts(fake_slack, "U0LEAD")
    [draft] = _report_drafts(fake_slack, "U0DEV1")
    assert "<@U0LEAD> is away: you may Send or Skip it for them" in str(draft["blocks"])
    value = next(e["value"] for b in draft["blocks"] if b["type"] == "actions" for e in b["elements"])
    with frozen(FRIDAY_1600_BERLIN + timedelta(hours=3)):
        slack.block_action(user_id="U0DEV3", action_id="report_send", value=value, channel_id="DU0DEV3",
                           message=draft)  # fmt: skip
        slack.block_action(user_id="U0DEV1", action_id="report_send", value=value, channel_id="DU0DEV1",
                           message_ts=draft["ts"], message=draft)  # fmt: skip
    assert any("Only this project's leads" in e["text"] for e in fake_slack.ephemerals("U0DEV3"))
    _run(factory, settings, FRIDAY_1600_BERLIN + timedelta(hours=3, minutes=5))
    assert 1 == len(fake_slack.messages(STAKEHOLDERS))
    [draft] = _report_drafts(fake_slack, "U0DEV1")
    assert f"Sent to <#{STAKEHOLDERS}> by <@U0DEV1> for <@U0LEAD>" in str(draft["blocks"])
    _run(factory, settings, BACK_MONDAY_BERLIN)
    [summary] = _summaries(fake_slack, "U0LEAD")
    assert "status report draft for 2026-W51 → <@U0DEV1>" in summary
    assert "status report for 2026-W51 sent by <@U0DEV1>" in summary


def test_with_every_lead_away_and_no_delegate_the_digest_and_the_draft_are_held_and_noted(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """The only lead is away with nobody to stand in: no escalation digest and no status report draft reach anyone
    (no report is made that week), each noted once as held; back, the summary lists them."""
    _pm(slack, "config tz Europe/Berlin", "U0LEAD")
    _pm(slack, f"config stakeholders <#{STAKEHOLDERS}|apollo-updates>", "U0LEAD")
    _pm(slack, "config leads <@U0LEAD>", "U0LEAD")
    _command(slack, "/action", "<@U0DEV3> renew the certificate by 2026-12-11")
    _pm(slack, "away Dec 14 - Dec 18", "U0LEAD")
    _run(factory, settings, datetime(2026, 12, 17, 8, 5, tzinfo=UTC), datetime(2026, 12, 18, 8, 5, tzinfo=UTC))
    _run(factory, settings, FRIDAY_1600_BERLIN, FRIDAY_1600_BERLIN + timedelta(hours=3))
    assert [] == [t for t in dm_texts(fake_slack, "U0LEAD") if "Escalation digest" in t or "status report" in t]
    session.expire_all()
    assert [] == list(session.scalars(select(StatusReport)))
    session.rollback()
    held = [n for n in _texts(session, "U0LEAD") if n[0] == "held"]
    assert [("held", "daily escalation digest", None), ("held", "status report draft for 2026-W51", None)] == held
    _run(factory, settings, BACK_MONDAY_BERLIN)
    [summary] = _summaries(fake_slack, "U0LEAD")
    assert "daily escalation digest" in summary and "status report draft for 2026-W51" in summary


def test_nudges_reach_a_stand_in_in_their_own_working_hours(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """Kolkata approves a decision past its needed-by date but is away, with Los Angeles as delegate: the nudge
    waits for Los Angeles's working hours (not Kolkata's), once that day."""
    _pm(slack, "config leads <@U0LEAD>", "U0LEAD")
    _propose(slack, fake_slack, approver="U0DEV2", at=THURSDAY, needed_by="2026-12-11")
    _pm(slack, "away Dec 14 - Dec 18 delegate <@U0DEV1>", "U0DEV2")
    kolkata_afternoon = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)  # 15:30 Kolkata, 02:00 Los Angeles
    _run(factory, settings, kolkata_afternoon)
    assert [] == [t for t in dm_texts(fake_slack, "U0DEV1") if t.startswith("Still waiting")]
    _run(factory, settings, datetime(2026, 12, 15, 17, 5, tzinfo=UTC), datetime(2026, 12, 15, 20, 0, tzinfo=UTC))
    assert 1 == len([t for t in dm_texts(fake_slack, "U0DEV1") if t.startswith("Still waiting")])
    assert [] == [t for t in dm_texts(fake_slack, "U0DEV2") if t.startswith("Still waiting")]


def test_a_change_request_nudge_reaches_a_stand_in_in_their_own_working_hours(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """The schedule approver in Kolkata is away with Los Angeles as delegate; past its needed-by date the request's
    nudge reaches Los Angeles at 09:00 there, not in Kolkata's working hours."""
    monday = changes_tests.MONDAY
    milestone = changes_tests._milestone(factory, PROJECT_CHANNEL)
    _pm(slack, "config leads <@U0LEAD>", "U0LEAD", at=monday)
    _command(slack, "/change", "approvers schedule <@U0DEV2>", at=monday)
    _pm(slack, "away Nov 23 - Nov 27 delegate <@U0DEV1>", "U0DEV2", at=monday)
    needed_by = _v(type="datepicker", selected_date="2026-11-25")
    assert 200 == changes_tests._raise(slack, fake_slack, chosen=[milestone], needed_by=needed_by, at=monday).status

    def nudged(user: str) -> int:
        return len([m for m in fake_slack.messages(f"D{user}") if "Still waiting" in str(m["text"])])

    _run(factory, settings, datetime(2026, 11, 26, 5, 0, tzinfo=UTC))  # 10:30 Kolkata, 21:00 Los Angeles
    assert (0, 0) == (nudged("U0DEV1"), nudged("U0DEV2"))
    _run(factory, settings, datetime(2026, 11, 26, 17, 5, tzinfo=UTC))  # 09:05 Los Angeles
    assert (1, 0) == (nudged("U0DEV1"), nudged("U0DEV2"))


def test_an_approver_back_who_decides_themself_closes_the_stand_ins_request(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Kolkata, away with Los Angeles as delegate, is asked to approve; Los Angeles gets the request too. Kolkata
    comes back early and approves in their own DM: Los Angeles's request then says who decided, with no button."""
    _pm(slack, "config leads <@U0LEAD>", "U0LEAD")
    _pm(slack, "away Dec 14 - Dec 18 delegate <@U0DEV1>", "U0DEV2")
    _propose(slack, fake_slack, approver="U0DEV2", at=TUESDAY)
    [stand_in] = [m for m in fake_slack.messages("DU0DEV1") if "Approval requested" in str(m["text"])]
    assert "decision_approve" in str(stand_in["blocks"])
    wednesday = TUESDAY + timedelta(days=1)
    assert "Welcome back" in _pm(slack, "away cancel", "U0DEV2", at=wednesday)
    [own] = [m for m in fake_slack.messages("DU0DEV2") if "Approval requested" in str(m["text"])]
    with frozen(wednesday):
        assert 200 == slack.block_action(user_id="U0DEV2", action_id="decision_approve", value="D-1",
                                         channel_id="DU0DEV2", message=own).status  # fmt: skip
    [stand_in] = [m for m in fake_slack.messages("DU0DEV1") if m["ts"] == stand_in["ts"]]
    assert "decision_approve" not in str(stand_in["blocks"])
    assert "Approved by <@U0DEV2>: *D-1*" in str(stand_in["blocks"]) and " for <@" not in str(stand_in["blocks"])


def test_a_stand_in_whose_day_begins_after_the_lead_is_back_may_no_longer_answer_the_draft(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """The Berlin lead is away until Friday with Kolkata as delegate: Friday's draft (20:30 in Kolkata) waits for
    Monday 09:00 in Kolkata, when the lead is back; Kolkata's Skip is then refused (the draft is the lead's again),
    and nothing is skipped."""
    _pm(slack, "config tz Europe/Berlin", "U0LEAD")
    _pm(slack, f"config stakeholders <#{STAKEHOLDERS}|apollo-updates>", "U0LEAD")
    _pm(slack, "config leads <@U0LEAD>", "U0LEAD")
    _pm(slack, "away Dec 14 - Dec 18 delegate <@U0DEV2>", "U0LEAD")
    _run(factory, settings, FRIDAY_1600_BERLIN, datetime(2026, 12, 20, 12, 0, tzinfo=UTC))
    assert [] == _report_drafts(fake_slack, "U0DEV2")
    monday_kolkata = datetime(2026, 12, 21, 3, 35, tzinfo=UTC)  # 09:05 in Kolkata; 04:35 in Berlin
    _run(factory, settings, monday_kolkata)
    [draft] = _report_drafts(fake_slack, "U0DEV2")
    value = next(e["value"] for b in draft["blocks"] if b["type"] == "actions" for e in b["elements"])
    with frozen(monday_kolkata + timedelta(minutes=10)):
        slack.block_action(user_id="U0DEV2", action_id="report_skip", value=value, channel_id="DU0DEV2",
                           message_ts=draft["ts"], message=draft)  # fmt: skip
    assert ["<@U0LEAD> is back: the draft is theirs."] == [e["text"] for e in fake_slack.ephemerals("U0DEV2")]
    _run(factory, settings, monday_kolkata + timedelta(minutes=15))
    [draft] = _report_drafts(fake_slack, "U0DEV2")
    assert "Skipped" not in str(draft["blocks"]) and [] == fake_slack.messages(STAKEHOLDERS)
    with factory() as check:
        assert ["drafted"] == [str(r.status) for r in check.scalars(select(StatusReport))]


def _own_drafts(fake: FakeSlack, user: str) -> list[dict[str, Any]]:
    """The report's draft DMs to `user` (not the welcome-back summary that names it)."""
    return [m for m in fake.messages(f"D{user}") if str(m["text"]).startswith(("Draft status report", "Status report"))]


def _draft_command(slack: SlackSender, at: datetime) -> str:
    return str(_command(slack, "/digest", "report draft", at=at)["text"])


def test_a_lead_back_who_asks_for_the_draft_their_stand_in_has_gets_it_in_their_dm_and_sends_it(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """The Berlin lead is away with Kolkata as delegate: Friday's draft waits for Monday 09:00 in Kolkata. Back on
    Friday evening, the lead asks for it: it is DM'd to them now (not "see your DM", which they have none of), with
    the buttons; their Send posts it once, and Kolkata's DM, out on Monday, says so; asked again, the lead is
    pointed to their DM, and nothing is DM'd twice."""
    _pm(slack, "config tz Europe/Berlin", "U0LEAD")
    _pm(slack, f"config stakeholders <#{STAKEHOLDERS}|apollo-updates>", "U0LEAD")
    _pm(slack, "config leads <@U0LEAD>", "U0LEAD")
    _pm(slack, "away Dec 14 - Dec 18 delegate <@U0DEV2>", "U0LEAD")
    _run(factory, settings, FRIDAY_1600_BERLIN)
    back = FRIDAY_1600_BERLIN + timedelta(hours=3)  # 19:00 in Berlin, 11:00 in Los Angeles, 00:30 in Kolkata
    assert "Welcome back" in _pm(slack, "away cancel", "U0LEAD", at=back)
    said = _draft_command(slack, back + timedelta(minutes=1))
    assert "Sent to your DM: this week's draft, which went to <@U0DEV2> while you were away." == said
    _run(factory, settings, back + timedelta(minutes=2))
    assert [] == _own_drafts(fake_slack, "U0DEV2")
    [draft] = _own_drafts(fake_slack, "U0LEAD")
    assert "report_send" in str(draft["blocks"]) and "is away" not in str(draft["blocks"])
    value = next(e["value"] for b in draft["blocks"] if b["type"] == "actions" for e in b["elements"])
    with frozen(back + timedelta(minutes=5)):
        response = slack.block_action(user_id="U0LEAD", action_id="report_send", value=value, channel_id="DU0LEAD",
                                      message_ts=draft["ts"], message=draft)  # fmt: skip
        assert 200 == response.status
    monday_kolkata = datetime(2026, 12, 21, 3, 35, tzinfo=UTC)  # 09:05 in Kolkata
    _run(factory, settings, back + timedelta(minutes=6), monday_kolkata)
    assert 1 == len(fake_slack.messages(STAKEHOLDERS))
    [draft], [stand_in] = _own_drafts(fake_slack, "U0LEAD"), _own_drafts(fake_slack, "U0DEV2")
    for dm in (draft, stand_in):
        assert f"Sent to <#{STAKEHOLDERS}> by <@U0LEAD>" in str(dm["blocks"]) and "report_send" not in str(dm)
    said = _draft_command(slack, back + timedelta(minutes=10))
    assert "This week's status report is already sent: see your DM with pmbot." == said
    _run(factory, settings, back + timedelta(minutes=11))
    assert 1 == len(_own_drafts(fake_slack, "U0LEAD")) and 1 == len(fake_slack.messages(STAKEHOLDERS))


def test_a_lead_asking_for_the_draft_their_stand_in_has_is_told_who_has_it_and_who_sent_it(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """The Berlin lead is away until Friday with Los Angeles as delegate: asking for the draft while away, they are
    told Los Angeles has it; Los Angeles sends it; back on Saturday, they are told who sent it, and are DM'd no
    draft."""
    _pm(slack, "config tz Europe/Berlin", "U0LEAD")
    _pm(slack, f"config stakeholders <#{STAKEHOLDERS}|apollo-updates>", "U0LEAD")
    _pm(slack, "config leads <@U0LEAD>", "U0LEAD")
    _pm(slack, "away Dec 14 - Dec 18 delegate <@U0DEV1>", "U0LEAD")
    _run(factory, settings, FRIDAY_1600_BERLIN, FRIDAY_1600_BERLIN + timedelta(hours=2, minutes=5))
    [draft] = _own_drafts(fake_slack, "U0DEV1")
    said = _draft_command(slack, FRIDAY_1600_BERLIN + timedelta(hours=2, minutes=10))
    assert "This week's draft went to <@U0DEV1> while you are away: they may Send or Skip it for you." == said
    value = next(e["value"] for b in draft["blocks"] if b["type"] == "actions" for e in b["elements"])
    with frozen(FRIDAY_1600_BERLIN + timedelta(hours=3)):
        slack.block_action(user_id="U0DEV1", action_id="report_send", value=value, channel_id="DU0DEV1",
                           message_ts=draft["ts"], message=draft)  # fmt: skip
    saturday = datetime(2026, 12, 19, 10, 0, tzinfo=UTC)  # 11:00 in Berlin, still the report's week
    _run(factory, settings, FRIDAY_1600_BERLIN + timedelta(hours=3, minutes=5), saturday)
    said = _draft_command(slack, saturday + timedelta(minutes=5))
    assert "This week's status report was already sent by <@U0DEV1> while you were away." == said
    _run(factory, settings, saturday + timedelta(minutes=6))
    assert [] == _own_drafts(fake_slack, "U0LEAD") and 1 == len(fake_slack.messages(STAKEHOLDERS))


SECRET = "G0SECRET"


def _secret(slack: SlackSender, fake: FakeSlack, *members: str) -> None:
    """#proj-secret, private, with the Berlin lead as its lead and `members` in it besides."""
    fake.add_channel(SECRET, name="proj-secret", members=["U0LEAD", *members, "UBOT"], is_private=True)
    with frozen(THURSDAY):
        slack.command("/pm", "config leads <@U0LEAD>", user_id="U0LEAD", channel_id=SECRET)


def _pm_in(slack: SlackSender, channel: str, text: str, user: str, at: datetime = THURSDAY) -> str:
    with frozen(at):
        return str(slack.command("/pm", text, user_id=user, channel_id=channel).json()["text"])


def _mentioning(fake: FakeSlack, user: str, *words: str) -> list[str]:
    return [str(m) for m in fake.messages(f"D{user}") if any(w in str(m) for w in words)]


def test_a_delegate_outside_a_private_channel_never_gets_its_approvals_or_nudges(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """Los Angeles, away with Kolkata as delegate, is asked to approve a decision of #proj-secret, which Kolkata is
    not in: the request and its nudges go to the lead, who can see the channel, and never to Kolkata."""
    _secret(slack, fake_slack, "U0DEV1")
    said = _pm_in(slack, SECRET, "away Dec 14 - Dec 18 delegate <@U0DEV2|dev-kolkata>", "U0DEV1")
    assert "<@U0DEV2> isn't in this private channel, so its leads stand in for you here instead." in said
    assert "isn't in" not in _pm(slack, "delegate <@U0DEV2>", "U0DEV1")  # a channel they are in
    _propose(slack, fake_slack, approver="U0DEV1", at=TUESDAY, needed_by="2026-12-15", channel=SECRET)
    assert [] == _mentioning(fake_slack, "U0DEV2", "move the launch", "D-1")
    assert any("you stand in for them" in t for t in dm_texts(fake_slack, "U0LEAD"))
    _run(factory, settings, datetime(2026, 12, 16, 8, 5, tzinfo=UTC), datetime(2026, 12, 16, 4, 0, tzinfo=UTC))
    assert [] == _mentioning(fake_slack, "U0DEV2", "move the launch", "D-1")
    assert 1 == len([t for t in dm_texts(fake_slack, "U0LEAD") if t.startswith("Still waiting")])
    assert ("routed", "D-1", "U0LEAD") in _notes(session, "U0DEV1")
    with frozen(TUESDAY + timedelta(hours=1)):
        [asked] = [m for m in fake_slack.messages("DU0LEAD") if "Approval requested" in str(m["text"])]
        slack.block_action(user_id="U0DEV2", action_id="decision_approve", value="D-1", channel_id="DU0DEV2",
                           message=asked)  # fmt: skip
    session.expire_all()
    assert "proposed" == session.scalars(select(Decision)).one().status  # Kolkata cannot answer for them either
    session.rollback()


def test_with_nobody_able_to_see_a_private_channel_to_stand_in_it_is_held_not_sent(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """#proj-secret's only lead is away with Kolkata (not in it) as delegate, and so is its member Los Angeles: the
    approval asked of Los Angeles, the escalation digest and the status report's draft reach nobody outside the
    channel; each is noted as held for its person's return."""
    _secret(slack, fake_slack, "U0DEV1")
    _pm_in(slack, SECRET, "config tz Europe/Berlin", "U0LEAD")
    _pm_in(slack, SECRET, f"config stakeholders <#{STAKEHOLDERS}|apollo-updates>", "U0LEAD")
    with frozen(THURSDAY):
        slack.command("/action", "<@U0DEV1> renew the secret certificate by 2026-12-11", user_id="U0LEAD",
                      channel_id=SECRET)  # fmt: skip
    _pm_in(slack, SECRET, "away Dec 14 - Dec 18 delegate <@U0DEV2>", "U0LEAD")
    _pm_in(slack, SECRET, "away Dec 14 - Dec 18 delegate <@U0DEV2>", "U0DEV1")
    _propose(slack, fake_slack, approver="U0DEV1", at=TUESDAY, channel=SECRET)
    _run(factory, settings, *(datetime(2026, 12, 16, h, 5, tzinfo=UTC) for h in (3, 8, 17)))
    _run(factory, settings, FRIDAY_1600_BERLIN, FRIDAY_1600_BERLIN + timedelta(hours=3))
    assert [] == _mentioning(fake_slack, "U0DEV2", "secret", "D-1", "A-1", "Escalation", "status report")
    assert ("held", "D-1", None) in _notes(session, "U0DEV1")
    held = [n for n in _texts(session, "U0LEAD") if n[0] == "held"]
    assert [("held", "daily escalation digest", None), ("held", "status report draft for 2026-W51", None)] == held


def test_a_change_request_of_a_private_channel_goes_to_a_lead_in_it_not_to_a_delegate_outside(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session]
) -> None:
    """The schedule approver of #proj-secret, Kolkata, is away with Kathmandu (not in it) as delegate: the raised
    change request reaches the lead instead, and Kathmandu gets nothing."""
    monday = changes_tests.MONDAY
    fake_slack.add_channel(SECRET, name="proj-secret", members=["U0LEAD", "U0DEV1", "U0DEV2", "UBOT"], is_private=True)
    milestone = changes_tests._milestone(factory, SECRET)
    _pm_in(slack, SECRET, "config leads <@U0LEAD>", "U0LEAD", at=monday)
    with frozen(monday):
        slack.command("/change", "approvers schedule <@U0DEV2>", user_id="U0LEAD", channel_id=SECRET)
    _pm_in(slack, SECRET, "away Nov 23 - Nov 27 delegate <@U0DEV3>", "U0DEV2", at=monday)
    assert 200 == changes_tests._raise(slack, fake_slack, chosen=[milestone], at=monday, channel=SECRET).status
    assert [] == fake_slack.messages("DU0DEV3")
    [asked] = changes_tests._requests(fake_slack, "U0LEAD")
    assert "you stand in for them" in str(asked["blocks"])


def test_a_stand_in_for_two_approvers_away_gets_a_request_for_each(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session]
) -> None:
    """Kolkata and Kathmandu both approve schedule changes and are both away with Los Angeles as delegate: Los
    Angeles gets one request for each of them; once one is answered, both lose their buttons."""
    monday = changes_tests.MONDAY
    milestone = changes_tests._milestone(factory, PROJECT_CHANNEL)
    _pm(slack, "config leads <@U0LEAD>", "U0LEAD", at=monday)
    _command(slack, "/change", "approvers schedule <@U0DEV2> <@U0DEV3>", at=monday)
    _pm(slack, "away Nov 23 - Nov 27 delegate <@U0DEV1>", "U0DEV2", at=monday)
    _pm(slack, "away Nov 23 - Nov 27 delegate <@U0DEV1>", "U0DEV3", at=monday)
    assert 200 == changes_tests._raise(slack, fake_slack, chosen=[milestone], at=monday).status
    asked = changes_tests._requests(fake_slack, "U0DEV1")
    assert 2 == len(asked)
    assert ["<@U0DEV2>", "<@U0DEV3>"] == sorted(
        who for who in ("<@U0DEV2>", "<@U0DEV3>") for m in asked if f"asks {who} to approve" in str(m["blocks"])
    )
    changes_tests._click(slack, "U0DEV1", "change_approve", asked[0], channel="DU0DEV1", at=monday)
    assert all([] == changes_tests._buttons(m) for m in changes_tests._requests(fake_slack, "U0DEV1"))


def test_the_summary_on_return_lists_no_decision_of_a_channel_left_meanwhile(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """Los Angeles owns an item of #proj-secret and is away; they leave the channel, and a decision is approved
    there meanwhile: their summary on return does not list it (one of a channel they are in still is)."""
    _secret(slack, fake_slack, "U0DEV1")
    _pm(slack, "config leads <@U0LEAD>", "U0LEAD")
    with frozen(THURSDAY):
        slack.command("/action", "<@U0DEV1> audit the vault by 2026-12-30", user_id="U0LEAD", channel_id=SECRET)
        slack.command("/decision", "approved: acquire competitor X", user_id="U0LEAD", channel_id=SECRET)
    _command(slack, "/action", "<@U0DEV1> tidy the wiki by 2026-12-30")
    _pm(slack, "away Dec 14 - Dec 18", "U0DEV1")
    _run(factory, settings, MONDAY_LA_MORNING)
    fake_slack.add_channel(SECRET, name="proj-secret", members=["U0LEAD", "UBOT"], is_private=True)  # they left
    slack.event({"type": "member_left_channel", "user": "U0DEV1", "channel": SECRET, "channel_type": "G"})
    with frozen(TUESDAY):
        slack.command("/decision", "approved: acquire competitor Y", user_id="U0LEAD", channel_id=SECRET)
        slack.command("/decision", "approved: ship the public beta", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    _run(factory, settings, BACK_MONDAY_LA)
    [summary] = _summaries(fake_slack, "U0DEV1")
    assert "ship the public beta" in summary and "competitor" not in summary


def test_cancelling_time_away_ends_what_has_begun_and_keeps_what_is_planned(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """Los Angeles plans Dec 14-18 and Dec 21-31. `/pm away cancel` before either begins cancels nothing; on
    Wednesday the 16th (their date) it ends the first yesterday and says the second is still planned."""
    _pm(slack, "away Dec 14 - Dec 18", "U0DEV1")
    _pm(slack, "away Dec 21 - Dec 31", "U0DEV1")
    said = _pm(slack, "away cancel", "U0DEV1")
    assert "You aren't away now" in said and "from Mon 21 Dec 2026 to Thu 31 Dec 2026 is still planned" in said
    wednesday_la = datetime(2026, 12, 16, 18, 0, tzinfo=UTC)  # 10:00 Wednesday in Los Angeles
    said = _pm(slack, "away cancel", "U0DEV1", at=wednesday_la)
    assert said.startswith(":wave: Welcome back") and "Mon 21 Dec 2026 to Thu 31 Dec 2026 is still planned" in said
    listed = _pm(slack, "away", "U0DEV1", at=wednesday_la)
    assert "Mon 21 Dec 2026 to Thu 31 Dec 2026" in listed and "14 Dec" not in listed
    assert "Mon 14 Dec 2026 to Tue 15 Dec 2026" in _pm(slack, "away", "U0DEV1", at=datetime(2026, 12, 15, 18, 0,
                                                                                              tzinfo=UTC))  # fmt: skip


def test_this_week_and_next_week_are_their_working_days(slack: SlackSender, session: Session) -> None:
    """On Thursday 10 Dec, `next week` is Mon 14 to Fri 18 Dec and `this week` Thursday to Friday."""
    assert "Mon 14 Dec 2026 to Fri 18 Dec 2026" in _pm(slack, "away next week", "U0DEV2")
    assert "Thu 10 Dec 2026 to Fri 11 Dec 2026" in _pm(slack, "away this week", "U0DEV2")


def test_an_unknown_delegate_is_named_and_nothing_is_saved(slack: SlackSender, session: Session) -> None:
    """`delegate @bob` with nobody called bob: pmbot says it cannot find @bob (not that it cannot read a date), and
    saves no time away; `delegate` with nobody after it asks whom."""
    said = _pm(slack, "away Dec 21 - Dec 31 delegate @bob", "U0DEV1")
    assert "I couldn't find @bob" in said and "date" not in said
    assert "Whom do you delegate to?" in _pm(slack, "away Dec 21 - Dec 31 delegate", "U0DEV1")
    assert "I couldn't find @bob" in _pm(slack, "delegate @bob", "U0DEV1")
    assert "none planned" in _pm(slack, "away", "U0DEV1")
    assert [] == list(session.scalars(select(Delegation)))
