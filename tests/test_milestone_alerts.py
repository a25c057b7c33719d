"""Slip alerts and their fan-out to dependent projects, and the milestones' job, on both databases: what reaches
Slack, when (each person's working hours), and only once; driven through run_due and the stand-in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from domain import actions, members, milestones
from domain import channels as domain_channels
from domain.workspaces import project_for, workspace_for
from handlers.ids import Action
from handlers.milestones import cards, keys, notices
from sandbox.standin import FakeSlack
from storage.models import Milestone, MilestoneStatus, Project
from tests.actions_helpers import frozen
from tests.slack_requests import SlackSender

SET_UP = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday
SLIP_AT = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)  # Wed 07:00 London, 08:00 Berlin, 12:30 Kolkata; Tue 23:00 LA
LA_0900 = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # Wed 09:00 in Los Angeles
BERLIN_0900 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
WHY = "vendor sandbox down"
NEW_FORECAST = int(datetime(2027, 1, 22, 16, 0, tzinfo=UTC).timestamp())  # Fri 22 Jan, 17:00 in Berlin
BASELINE = int(datetime(2027, 1, 15, 16, 0, tzinfo=UTC).timestamp())  # the old forecast too
CHAIN = "M-API (<#C0PAY>) → M-UAT (<#C0WEB>) → M-GOLIVE (<#C0WEB>)"
HIDDEN_CHAIN = "a milestone in a private channel → M-UAT (<#C0WEB>) → M-GOLIVE (<#C0WEB>)"
HIDDEN_MOVE = "A milestone in a private channel moved"  # how #proj-web hears of private #proj-payments' M-API


@pytest.fixture
def channels(fake_slack: FakeSlack) -> Iterator[FakeSlack]:
    """#proj-payments (private; lead-berlin and dev-kolkata in it) and #proj-web (public; dev-la leads it)."""
    fake_slack.add_channel("C0PAY", name="proj-payments", members=["U0LEAD", "U0DEV2", "UBOT"], is_private=True)
    fake_slack.add_channel("C0WEB", name="proj-web", members=["U0DEV1", "U0DEV3", "UBOT"])
    yield fake_slack


def _project(s: Session, channel: str, *, lead: str, tz: str, private: bool) -> Project:
    ws = workspace_for(s, team_id=FakeSlack.team_id, now=SET_UP)
    project = project_for(s, workspace=ws, channel_id=channel, now=SET_UP)
    project.time_zone, project.lead_user_ids, project.is_private = tz, [lead], private
    for user, zone in (("U0LEAD", "Europe/Berlin"), ("U0DEV1", "America/Los_Angeles"), ("U0DEV2", "Asia/Kolkata")):
        members.upsert_from_profile(s, workspace_id=ws.id, user={"id": user, "name": user, "tz": zone}, now=SET_UP)
    return project


def _milestone(s: Session, project: Project, name: str, day: date, owner: str) -> Milestone:
    lead = project.lead_user_ids[0]
    return milestones.create(s, project=project, creator=lead, name=name, day=day, owner=owner, now=SET_UP)


def _chain(factory: sessionmaker[Session], *, payments_private: bool = True) -> None:
    """M-API in #proj-payments (Berlin); M-UAT then M-GOLIVE in #proj-web (its zone London, its lead in LA)."""
    with factory() as s:
        pay = _project(s, "C0PAY", lead="U0LEAD", tz="Europe/Berlin", private=payments_private)
        web = _project(s, "C0WEB", lead="U0DEV1", tz="Europe/London", private=False)
        api = _milestone(s, pay, "API ready", date(2027, 1, 15), "U0DEV2")
        uat = _milestone(s, web, "UAT sign-off", date(2027, 1, 20), "U0DEV3")
        golive = _milestone(s, web, "GOLIVE", date(2027, 1, 29), "U0DEV3")
        milestones.depend(s, uat, upstream=api, actor="U0DEV1", now=SET_UP)
        milestones.depend(s, golive, upstream=uat, actor="U0DEV1", now=SET_UP)
        s.commit()


def _slip_api(factory: sessionmaker[Session], *, at: datetime = SLIP_AT) -> None:
    """M-API's owner moves it a week, past its baseline and past M-UAT's forecast, and the slip is told."""
    with factory() as s:
        api = milestones.get(s, workspace_id=_workspace_id(s), ref="M-API")
        slip = milestones.move(s, api, actor="U0DEV2", day=date(2027, 1, 22), why=WHY, now=at)
        assert slip is not None
        notices.slipped(s, slip, now=at)
        s.commit()


def _slipped_again(factory: sessionmaker[Session], *, at: datetime) -> None:
    """The same slip told a second time (a retried request): the alerts' keys are the slip's."""
    with factory() as s:
        api = milestones.get(s, workspace_id=_workspace_id(s), ref="M-API")
        previous = milestones.history(s, api)[-1].old_forecast_at
        assert previous is not None
        notices.slipped(s, milestones.Slip(api, api.slips, previous, milestones.slip_days(api), WHY), now=at)
        s.commit()


def _workspace_id(s: Session) -> int:
    return workspace_for(s, team_id=FakeSlack.team_id, now=SET_UP).id


def _about(fake: FakeSlack, conversation: str, ref: str) -> list[dict[str, Any]]:
    """The messages in a conversation about one milestone's slip or status."""
    return [m for m in fake.messages(conversation) if str(m["text"]).startswith(ref)]


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_a_slip_reaches_the_dependent_project_once_in_working_hours_with_the_chain(
    channels: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """A slip of #proj-payments' M-API at 23:00 for #proj-web's lead in LA: #proj-web hears at once, in one message
    naming both its milestones and the chain through two hops; the lead at 09:00 his time; a retried slip and re-runs
    send nothing twice. #proj-payments is private and the lead is not in it: neither the public channel nor his DM
    names M-API, its channel, its dates or its reason, only that "a milestone in a private channel" moved 5 working
    days later and what that means for #proj-web's own milestones."""
    _chain(factory)
    _slip_api(factory)
    client = make_client(settings, patient=False)
    run_due(factory, client, now=SLIP_AT + timedelta(minutes=1))
    [notice] = _about(channels, "C0WEB", HIDDEN_MOVE)
    assert f"{HIDDEN_MOVE} 5 working days later: M-UAT, M-GOLIVE at risk" == notice["text"]
    blocks = json.dumps(notice["blocks"], ensure_ascii=False)
    assert HIDDEN_CHAIN in blocks and "moved *5 working days later*" in blocks
    assert (
        "*M-UAT* UAT sign-off is now *at risk*, its forecast can't hold: what it waits for is expected after" in blocks
    )
    assert "*M-GOLIVE* GOLIVE is *at risk*" in blocks and "it waits for M-UAT" in blocks
    assert "Show them: `/milestone show M-UAT` · `/milestone show M-GOLIVE`" in blocks
    for secret in ("M-API", "API ready", "C0PAY", WHY, f"<!date^{NEW_FORECAST}^", f"<!date^{BASELINE}^"):
        assert secret not in blocks and secret not in notice["text"]
    for hour in range(8, 17):  # 08:00 London is the project's working hours, not the lead's in LA
        run_due(factory, client, now=SLIP_AT.replace(hour=hour, minute=59))
    assert [] == _about(channels, "DU0DEV1", HIDDEN_MOVE)
    _slipped_again(factory, at=LA_0900 - timedelta(minutes=5))
    run_due(factory, client, now=LA_0900)
    [dm] = _about(channels, "DU0DEV1", HIDDEN_MOVE)
    dm_blocks = json.dumps(dm["blocks"], ensure_ascii=False)
    assert HIDDEN_CHAIN in dm_blocks and "M-API" not in dm_blocks and WHY not in dm_blocks
    for later in (LA_0900, LA_0900 + timedelta(hours=1), LA_0900 + timedelta(days=1)):
        run_due(factory, client, now=later)
    assert (1, 1) == (len(_about(channels, "C0WEB", HIDDEN_MOVE)), len(_about(channels, "DU0DEV1", HIDDEN_MOVE)))
    with factory() as s:
        statuses = {m.ref: m.status for m in s.query(Milestone)}
    assert {"M-API": "late", "M-UAT": "at_risk", "M-GOLIVE": "on_track"} == statuses


def test_a_move_sent_twice_through_slack_alerts_each_party_once(
    channels: FakeSlack, slack: SlackSender, factory: sessionmaker[Session], settings: Settings
) -> None:
    """`/milestone move M-API ...` sent by its owner, then the same request again: one notice in each channel and one
    DM to each person, the dependent project's with the chain through two hops (its private step unnamed); M-API's
    owner hears of it once, by the slip alert, not a second time as "now late"."""
    _chain(factory)
    with frozen(SLIP_AT):
        for _ in range(2):
            response = slack.command("/milestone", f"move M-API 2027-01-22 {WHY}", user_id="U0DEV2", channel_id="C0PAY")
            assert 200 == response.status
    client = make_client(settings, patient=False)
    for at in (SLIP_AT + timedelta(minutes=1), BERLIN_0900, LA_0900, LA_0900 + timedelta(days=1)):
        run_due(factory, client, now=at)
    counts = {c: len(_about(channels, c, "M-API")) for c in ("C0PAY", "DU0DEV2", "DU0LEAD")}
    counts |= {c: len(_about(channels, c, HIDDEN_MOVE)) for c in ("C0WEB", "DU0DEV1")}
    assert dict.fromkeys(counts, 1) == counts
    assert HIDDEN_CHAIN in json.dumps(_about(channels, "C0WEB", HIDDEN_MOVE)[0]["blocks"], ensure_ascii=False)
    # #proj-web's lead heard it from the slip's message, which says M-UAT is at risk: not a second time as a status
    # alert; M-UAT's owner, who is no lead, hears it as one.
    assert 1 == len(channels.messages("DU0DEV1"))
    assert [] == _about(channels, "DU0DEV1", "M-UAT") and 1 == len(_about(channels, "DU0DEV3", "M-UAT"))


def test_the_owner_and_the_leads_hear_why_and_by_how_much_with_a_change_request_button(
    channels: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """The owner in Kolkata hears at once, the lead in Berlin at 09:00 hers, the channel at once: why, how far past
    the baseline, old and new dates, a Raise a change request button for M-API; the job adds no second alert."""
    _chain(factory)
    _slip_api(factory)
    client = make_client(settings, patient=False)
    run_due(factory, client, now=SLIP_AT + timedelta(minutes=1))
    assert [] == _about(channels, "DU0LEAD", "M-API")
    run_due(factory, client, now=BERLIN_0900)
    with factory() as s:
        api_id = milestones.get(s, workspace_id=_workspace_id(s), ref="M-API").id
    for conversation in ("DU0DEV2", "DU0LEAD", "C0PAY"):
        [alert] = _about(channels, conversation, "M-API")
        assert "M-API slipped 5 working days past its baseline" == alert["text"]
        blocks = json.dumps(alert["blocks"], ensure_ascii=False)
        assert WHY in blocks and "slip 1" in blocks and "<@U0DEV2>" in blocks
        assert f"<!date^{NEW_FORECAST}^" in blocks and f"<!date^{BASELINE}^" in blocks
        assert f"• {CHAIN}" in blocks and "`/milestone show M-API`" in blocks
        [button] = _buttons(alert)
        assert ("Raise a change request", Action.CHANGE_FROM_SLIP) == (button["text"]["text"], button["action_id"])
        assert api_id == json.loads(button["value"])["milestone"]
    run_due(factory, client, now=BERLIN_0900 + timedelta(days=1))
    assert 1 == len(_about(channels, "DU0DEV2", "M-API")) == len(_about(channels, "DU0LEAD", "M-API"))


def test_a_public_upstreams_reason_reaches_the_dependent_project(
    channels: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """When #proj-payments is public, #proj-web's message says why M-API moved; the slip's own channel names its
    dependents in the public #proj-web."""
    channels.make_private("C0PAY", private=False)
    _chain(factory, payments_private=False)
    _slip_api(factory)
    run_due(factory, make_client(settings, patient=False), now=LA_0900)
    for conversation in ("C0WEB", "DU0DEV1"):
        [notice] = _about(channels, conversation, "M-API")
        assert f"*Why:* {WHY}" in json.dumps(notice["blocks"], ensure_ascii=False)


def test_a_private_dependent_is_not_named_in_the_upstreams_channel(
    channels: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """#proj-web made private: #proj-payments' slip notice counts its waiting milestones without naming them, while
    #proj-web itself still hears the chain."""
    _chain(factory)
    with factory() as s:
        web = s.query(Project).filter_by(channel_id="C0WEB").one()
        web.is_private = True
        s.commit()
    _slip_api(factory)
    run_due(factory, make_client(settings, patient=False), now=SLIP_AT + timedelta(minutes=1))
    [own] = _about(channels, "C0PAY", "M-API")
    blocks = json.dumps(own["blocks"], ensure_ascii=False)
    assert "M-UAT" not in blocks and "2 milestones in channels not named here" in blocks
    assert HIDDEN_CHAIN in json.dumps(_about(channels, "C0WEB", HIDDEN_MOVE)[0]["blocks"], ensure_ascii=False)


def test_the_job_alerts_once_when_a_linked_action_becomes_overdue(
    channels: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """M-UAT waits for A-1, due Thursday 17:00 UTC: nothing before; after it, #proj-web's lead hears at once (09:01 in
    LA) and M-UAT's owner at 09:00 in Kolkata that it is at risk and why, and its card says so; re-runs and the next
    days send no more."""
    due = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    with factory() as s:
        web = _project(s, "C0WEB", lead="U0DEV1", tz="Europe/London", private=False)
        uat = _milestone(s, web, "UAT sign-off", date(2027, 1, 20), "U0DEV2")
        item = actions.create(s, project=web, title="test data", owner="U0DEV3", creator="U0DEV1", due_at=due,
                              now=SET_UP)  # fmt: skip
        milestones.link(s, uat, kind="action", record_id=item.id, ref=item.ref, actor="U0DEV1", now=SET_UP)
        cards.post_card(s, uat, now=SET_UP)
        s.commit()
    client = make_client(settings, patient=False)
    run_due(factory, client, now=due - timedelta(minutes=1))
    assert [] == _about(channels, "DU0DEV2", "M-UAT")
    assert ["M-UAT (on track): UAT sign-off"] == [m["text"] for m in _about(channels, "C0WEB", "M-UAT")]
    for at in (due + timedelta(minutes=1), due + timedelta(minutes=2)):  # 09:01 in LA; 22:31 in Kolkata
        run_due(factory, client, now=at)
    assert (1, 0) == (len(_about(channels, "DU0DEV1", "M-UAT")), len(_about(channels, "DU0DEV2", "M-UAT")))
    for at in (due + timedelta(hours=3), due + timedelta(days=1), due + timedelta(days=2)):
        run_due(factory, client, now=at)
    for conversation in ("DU0DEV2", "DU0DEV1"):
        [alert] = _about(channels, conversation, "M-UAT")
        assert "M-UAT is now at risk: A-1 overdue" == alert["text"]
        assert "*M-UAT* UAT sign-off in <#C0WEB> is now *at risk*: A-1 overdue" in json.dumps(alert["blocks"])
    assert 1 == len(_about(channels, "DU0DEV2", "M-UAT")) == len(_about(channels, "DU0DEV1", "M-UAT"))
    assert ["M-UAT (at risk): UAT sign-off"] == [m["text"] for m in _about(channels, "C0WEB", "M-UAT")]
    with factory() as s:
        assert MilestoneStatus.AT_RISK == s.query(Milestone).one().status


def test_the_job_tells_a_lead_of_a_late_milestone_in_her_working_hours(
    channels: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """A milestone whose day passed without being done is late: its Berlin lead hears at 09:00 hers, not at night,
    with a Raise a change request button; in the same run the milestone waiting for it becomes at risk, and its
    project's lead in LA hears that at 09:00 his."""
    with factory() as s:
        pay = _project(s, "C0PAY", lead="U0LEAD", tz="Europe/Berlin", private=True)
        web = _project(s, "C0WEB", lead="U0DEV1", tz="Europe/London", private=False)
        api = _milestone(s, pay, "API ready", date(2026, 12, 2), "U0DEV2")  # due Wed 17:00 Berlin
        uat = _milestone(s, web, "UAT sign-off", date(2027, 1, 20), "U0DEV3")
        milestones.depend(s, uat, upstream=api, actor="U0DEV1", now=SET_UP)
        s.commit()
    client = make_client(settings, patient=False)
    night = datetime(2026, 12, 2, 22, 0, tzinfo=UTC)  # 23:00 Berlin
    run_due(factory, client, now=night)
    assert [] == _about(channels, "DU0LEAD", "M-API")
    with factory() as s:
        assert {"M-API": "late", "M-UAT": "at_risk"} == {m.ref: m.status for m in s.query(Milestone)}
    run_due(factory, client, now=datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    [alert] = _about(channels, "DU0LEAD", "M-API")
    assert "M-API is now late: its date has passed" == alert["text"]
    assert [Action.CHANGE_FROM_SLIP] == [b["action_id"] for b in _buttons(alert)]
    run_due(factory, client, now=datetime(2026, 12, 3, 17, 0, tzinfo=UTC))
    [at_risk] = _about(channels, "DU0DEV1", "M-UAT")
    assert "M-UAT is now at risk: waits for a milestone in another channel" == at_risk["text"]  # M-API is private


def test_a_milestone_already_reached_is_not_told_it_is_at_risk(
    channels: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """M-GOLIVE marked done: #proj-web's message about M-API's slip names M-UAT alone."""
    _chain(factory)
    with factory() as s:
        golive = milestones.get(s, workspace_id=_workspace_id(s), ref="M-GOLIVE")
        milestones.complete(s, golive, actor="U0DEV1", now=SET_UP)
        s.commit()
    _slip_api(factory)
    run_due(factory, make_client(settings, patient=False), now=SLIP_AT + timedelta(minutes=1))
    [notice] = _about(channels, "C0WEB", HIDDEN_MOVE)
    assert f"{HIDDEN_MOVE} 5 working days later: M-UAT at risk" == notice["text"]
    assert "M-GOLIVE" not in json.dumps(notice["blocks"])


def test_alert_keys() -> None:
    """The alerts' outbox keys, spelled as rows already queued carry them."""
    assert "milestone:7:slip2:dm:U0LEAD" == keys.slip_dm(7, 2, "U0LEAD")
    assert "milestone:7:slip2:channel" == keys.slip_channel(7, 2)
    assert "milestone:7:slip2:project:3" == keys.slip_downstream(7, 2, 3)
    assert "milestone:7:slip2:project:3:lead:U0DEV1" == keys.slip_downstream_lead(7, 2, 3, "U0DEV1")
    day = date(2026, 12, 3)
    assert "milestone:7:status-at_risk:2026-12-03:U0DEV1" == keys.status_alert(7, "at_risk", day, "U0DEV1")


def test_a_lead_who_can_see_the_private_upstreams_channel_hears_it_in_full(
    channels: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """#proj-web led also by lead-berlin, who is in private #proj-payments: her DM names M-API, its chain, dates and
    reason; the channel and the other lead still hear only of "a milestone in a private channel"."""
    _chain(factory)
    with factory() as s:
        web = s.query(Project).filter_by(channel_id="C0WEB").one()
        web.lead_user_ids = ["U0DEV1", "U0LEAD"]
        domain_channels.record(s, workspace_id=web.workspace_id, channel_id="C0PAY", user_id="U0LEAD", present=True,
                               now=SET_UP)  # fmt: skip
        s.commit()
    _slip_api(factory)
    run_due(factory, make_client(settings, patient=False), now=LA_0900)
    [full] = [m for m in channels.messages("DU0LEAD") if str(m["text"]).startswith("M-API moved")]
    blocks = json.dumps(full["blocks"], ensure_ascii=False)
    assert "M-API moved to 2027-01-22: M-UAT, M-GOLIVE at risk" == full["text"]
    assert CHAIN in blocks and f"*Why:* {WHY}" in blocks and f"<!date^{NEW_FORECAST}^" in blocks
    for conversation in ("C0WEB", "DU0DEV1"):
        [hidden] = _about(channels, conversation, HIDDEN_MOVE)
        assert "M-API" not in json.dumps(hidden["blocks"]) and WHY not in json.dumps(hidden["blocks"])


def _status_alerts(fake: FakeSlack, conversation: str, ref: str) -> list[str]:
    return [str(m["text"]) for m in fake.messages(conversation) if str(m["text"]).startswith(f"{ref} is now")]


def test_linking_an_overdue_action_alerts_at_once_and_the_job_not_again(
    channels: FakeSlack, slack: SlackSender, factory: sessionmaker[Session], settings: Settings
) -> None:
    """`/milestone link M-UAT A-1` when A-1 is already overdue puts M-UAT at risk inside the request: its owner and
    its lead hear it (in their working hours), once, though the job runs on for days."""
    with factory() as s:
        web = _project(s, "C0WEB", lead="U0DEV1", tz="Europe/London", private=False)
        _milestone(s, web, "UAT sign-off", date(2027, 1, 20), "U0DEV3")
        actions.create(s, project=web, title="test data", owner="U0DEV3", creator="U0DEV1",
                       due_at=SET_UP + timedelta(hours=1), now=SET_UP)  # fmt: skip
        s.commit()
    with frozen(SLIP_AT):
        answer = slack.command("/milestone", "link M-UAT A-1", user_id="U0DEV1", channel_id="C0WEB").json()
    assert "Linked A-1 to M-UAT" in answer["text"]
    with factory() as s:
        assert MilestoneStatus.AT_RISK == s.query(Milestone).one().status
    client = make_client(settings, patient=False)
    for at in (SLIP_AT + timedelta(minutes=1), LA_0900, LA_0900 + timedelta(hours=2), LA_0900 + timedelta(days=1)):
        run_due(factory, client, now=at)
    for conversation in ("DU0DEV3", "DU0DEV1"):
        assert ["M-UAT is now at risk: A-1 overdue"] == _status_alerts(channels, conversation, "M-UAT")


def test_a_move_inside_the_baseline_that_puts_a_dependent_at_risk_is_told(
    channels: FakeSlack, slack: SlackSender, factory: sessionmaker[Session], settings: Settings
) -> None:
    """Public #proj-payments' M-API is forecast early (Jan 8, baseline Jan 29); its owner moves it to Jan 22, still
    inside its baseline (no slip), after #proj-web's M-UAT (Jan 20): M-UAT's owner and lead hear it is at risk,
    once; M-API's people hear nothing."""
    channels.make_private("C0PAY", private=False)
    with factory() as s:
        pay = _project(s, "C0PAY", lead="U0LEAD", tz="Europe/Berlin", private=False)
        web = _project(s, "C0WEB", lead="U0DEV1", tz="Europe/London", private=False)
        api = _milestone(s, pay, "API ready", date(2027, 1, 29), "U0DEV2")
        milestones.move(s, api, actor="U0DEV2", day=date(2027, 1, 8), why="ahead", now=SET_UP)
        uat = _milestone(s, web, "UAT sign-off", date(2027, 1, 20), "U0DEV3")
        milestones.depend(s, uat, upstream=api, actor="U0DEV1", now=SET_UP)
        s.commit()
    with frozen(SLIP_AT):
        answer = slack.command("/milestone", "move M-API 2027-01-22 vendor", user_id="U0DEV2", channel_id="C0PAY")
    assert "Moved M-API" in answer.json()["text"]
    client = make_client(settings, patient=False)
    for at in (SLIP_AT + timedelta(minutes=1), BERLIN_0900, LA_0900, LA_0900 + timedelta(days=1)):
        run_due(factory, client, now=at)
    for conversation in ("DU0DEV3", "DU0DEV1"):
        assert ["M-UAT is now at risk: waits for M-API"] == _status_alerts(channels, conversation, "M-UAT")
    assert [] == [m for c in ("DU0DEV2", "DU0LEAD", "C0PAY") for m in channels.messages(c) if "M-API" in m["text"]]
