"""`/milestone` through the real HTTP endpoint: made by one line or the form, moved, done, linked, depending on
another project's milestone, listed, shown (private stays private), its card kept true, the timeline uploaded."""

from __future__ import annotations

import io
import time
from datetime import UTC, date, datetime
from typing import Any

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app import PmbotApp
from domain import milestones
from sandbox.standin import FakeSlack
from storage.models import Milestone, MilestoneEvent
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL, SIGNING_SECRET, RunningServer
from tests.slack_requests import SlackSender

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # a Tuesday
PAYMENTS = "C0PAY"  # a second project's channel, public
SECRET = "C0SEC"  # a private project channel: the lead and dev-la


def _say(slack: SlackSender, text: str, user: str = "U0LEAD", channel: str = PROJECT_CHANNEL) -> dict[str, Any]:
    with frozen(NOW):
        answer: dict[str, Any] = slack.command("/milestone", text, user_id=user, channel_id=channel).json()
    return answer


def _open_form(slack: SlackSender) -> None:
    with frozen(NOW):
        assert 200 == slack.command("/milestone", "", user_id="U0LEAD", channel_id=PROJECT_CHANNEL).status


def _milestones(session: Session) -> list[Milestone]:
    session.expire_all()
    found = list(session.scalars(select(Milestone).order_by(Milestone.id)))
    session.expunge_all()
    session.rollback()
    return found


def _card(fake: FakeSlack, channel: str = PROJECT_CHANNEL) -> dict[str, Any]:
    """The first message in the channel: the first milestone's card, as it stands now."""
    card: dict[str, Any] = fake.messages(channel)[0]
    return card


def _v(**element: Any) -> dict[str, Any]:
    return {"value": element}


def _other_projects(fake: FakeSlack) -> None:
    fake.add_channel(PAYMENTS, name="proj-payments", members=["U0LEAD", "U0DEV2", "UBOT"])
    fake.add_channel(SECRET, name="proj-secret", members=["U0LEAD", "U0DEV1", "UBOT"], is_private=True)


def test_one_line_makes_a_milestone_and_posts_its_card(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A quoted name, an ISO date and an owner; then an unquoted name up to "jan 10" with an id chosen, owned by
    the caller: both saved with their baseline at the end of that working day, each card posted once."""
    said = _say(slack, '"UAT sign-off" 2027-01-15 <@U0DEV1|dev-la>')["text"]
    assert said.startswith("Made M-UAT UAT sign-off"), said
    assert "Made M-API API ready" in _say(slack, "M-API API ready jan 10")["text"]
    uat, api = _milestones(session)
    assert ("UAT", "UAT sign-off", "U0DEV1", "U0LEAD") == (uat.code, uat.name, uat.owner_id, uat.creator_id)
    assert datetime(2027, 1, 15, 17, 0) == uat.baseline_at.replace(tzinfo=None) == uat.forecast_at.replace(tzinfo=None)
    assert ("API", "API ready", "U0LEAD", date(2027, 1, 10)) == (
        api.code,
        api.name,
        api.owner_id,
        api.baseline_at.date(),
    )
    cards = fake_slack.messages(PROJECT_CHANNEL)
    assert 2 == len(cards)
    assert "M-UAT" in str(cards[0]["blocks"]) and "milestone_move" in str(cards[0]["blocks"])
    assert "<@U0DEV1>" in str(cards[0]["blocks"])


def test_the_form_makes_a_milestone(slack: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """`/milestone` alone opens the form (the caller as owner); submitting it saves the milestone and posts its
    card."""
    _open_form(slack)
    view = fake_slack.calls_to("views.open")[-1].args["view"]
    assert "milestone_create" == view["callback_id"] and "U0LEAD" in str(view["blocks"])
    values = {
        "name": _v(type="plain_text_input", value="Go live"),
        "milestone_date": _v(type="datepicker", selected_date="2027-02-01"),
        "owner": _v(type="users_select", selected_user="U0DEV2"),
        "milestone_code": _v(type="plain_text_input", value="m-live"),
    }
    with frozen(NOW):
        response = slack.view_submission(
            user_id="U0LEAD", callback_id="milestone_create", private_metadata=view["private_metadata"], values=values
        )
    assert 200 == response.status and not response.body, response.text
    [made] = _milestones(session)
    assert ("LIVE", "Go live", "U0DEV2", date(2027, 2, 1)) == (
        made.code,
        made.name,
        made.owner_id,
        made.baseline_at.date(),
    )
    assert "M-LIVE" in str(fake_slack.messages(PROJECT_CHANNEL)[0]["blocks"])


def test_the_forms_check_refuses_a_past_date_and_a_bad_id(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A date that has passed and an id that can't be one are shown beside their fields; nothing is saved."""
    _open_form(slack)
    view = fake_slack.calls_to("views.open")[-1].args["view"]
    values = {
        "name": _v(type="plain_text_input", value="Go live"),
        "milestone_date": _v(type="datepicker", selected_date="2026-11-02"),
        "owner": _v(type="users_select", selected_user="U0LEAD"),
        "milestone_code": _v(type="plain_text_input", value="9 lives"),
    }
    with frozen(NOW):
        response = slack.view_submission(
            user_id="U0LEAD", callback_id="milestone_create", private_metadata=view["private_metadata"], values=values
        )
    errors = response.json()["errors"]
    assert {"milestone_date", "milestone_code"} == set(errors)
    assert [] == _milestones(session)


def test_errors_save_nothing(slack: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """A past date, an unreadable one, no date, a person Slack does not know and an id that can't be one: each is
    a clear refusal, and nothing is saved or posted."""
    assert "in the past" in _say(slack, '"UAT sign-off" 2026-11-30')["text"]
    assert "couldn't read" in _say(slack, '"UAT sign-off" someday soonish')["text"]
    assert "When is the milestone due?" in _say(slack, "UAT sign-off")["text"]
    assert "can't find the user" in _say(slack, '"UAT sign-off" 2027-01-15 <@U0NOBODY>')["text"]
    assert "couldn't find @bob" in _say(slack, '"UAT sign-off" 2027-01-15 @bob')["text"]
    assert "can't be a milestone id" in _say(slack, 'M-9x "UAT sign-off" 2027-01-15')["text"]
    assert "I don't know `/milestone lsit`" in _say(slack, "lsit")["text"]
    assert [] == _milestones(session)
    assert [] == fake_slack.messages(PROJECT_CHANNEL)


def test_a_move_with_why_is_in_the_history_and_on_the_card(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Moving the forecast past the baseline says by how much, keeps the old forecast and the reason in the history,
    and updates the card in the channel (late, +5 working days)."""
    _say(slack, '"UAT sign-off" 2027-01-15 <@U0DEV1>')
    said = _say(slack, "move M-UAT 2027-01-22 vendor is late", user="U0DEV1")["text"]
    assert "+5 working days past its baseline" in said, said
    [uat] = _milestones(session)
    assert (1, "late", date(2027, 1, 22), date(2027, 1, 15)) == (
        uat.slips,
        uat.status,
        uat.forecast_at.date(),
        uat.baseline_at.date(),
    )
    shown = str(_say(slack, "show M-UAT")["blocks"])
    assert "vendor is late" in shown and "moved the forecast" in shown
    card = _card(fake_slack)
    assert "+5 working days" in str(card["blocks"]) and ":red_circle:" in str(card["blocks"])
    assert fake_slack.calls_to("chat.update")
    assert "Only M-UAT's owner" in _say(slack, "move M-UAT 2027-01-29 me too", user="U0DEV2")["text"]
    assert "in the past" in _say(slack, "move M-UAT 2026-11-20 oops", user="U0DEV1")["text"]


def test_the_move_button_opens_a_form_that_moves_it(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """The card's Move opens the move form at the current forecast; submitting it moves the milestone with its
    reason."""
    _say(slack, '"UAT sign-off" 2027-01-15')
    [card] = fake_slack.messages(PROJECT_CHANNEL)
    [uat] = _milestones(session)
    with frozen(NOW):
        slack.block_action(user_id="U0LEAD", action_id="milestone_move", value=str(uat.id),
                           channel_id=PROJECT_CHANNEL, message_ts=card["ts"], message=card)  # fmt: skip
    view = fake_slack.calls_to("views.open")[-1].args["view"]
    assert "2027-01-15" in str(view["blocks"])
    values = {
        "milestone_date": _v(type="datepicker", selected_date="2027-01-13"),
        "why": _v(type="plain_text_input", value="tests went well"),
    }
    with frozen(NOW):
        response = slack.view_submission(
            user_id="U0LEAD", callback_id="milestone_move_submit", private_metadata=view["private_metadata"],
            values=values,
        )  # fmt: skip
    assert 200 == response.status and not response.body, response.text
    [uat] = _milestones(session)
    assert (date(2027, 1, 13), 0) == (uat.forecast_at.date(), uat.slips)
    assert ["created", "moved"] == [e.kind for e in session.scalars(select(MilestoneEvent).order_by(MilestoneEvent.id))]
    assert "tests went well" == session.scalars(select(MilestoneEvent.why).order_by(MilestoneEvent.id.desc())).first()
    session.rollback()


def test_done_and_reopen(slack: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """Only its owner, creator or a lead may mark it done; done takes the buttons off its card; reopen brings it
    back on track."""
    _say(slack, '"UAT sign-off" 2027-01-15 <@U0DEV1>')
    assert "Only M-UAT's owner" in _say(slack, "done M-UAT", user="U0DEV2")["text"]
    assert "M-UAT is done" in _say(slack, "done M-UAT", user="U0DEV1")["text"]
    assert "already done" in _say(slack, "done M-UAT")["text"]
    [card] = fake_slack.messages(PROJECT_CHANNEL)
    assert "milestone_move" not in str(card["blocks"]) and ":white_check_mark:" in str(card["blocks"])
    assert "done" == _milestones(session)[0].status
    assert "Reopened M-UAT: on track" in _say(slack, "reopen M-UAT")["text"]
    [card] = fake_slack.messages(PROJECT_CHANNEL)
    assert "milestone_move" in str(card["blocks"])


def test_the_done_button_marks_it_done(slack: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """The card's Done marks it done and updates the card."""
    _say(slack, '"UAT sign-off" 2027-01-15')
    [card] = fake_slack.messages(PROJECT_CHANNEL)
    [uat] = _milestones(session)
    with frozen(NOW):
        slack.block_action(user_id="U0LEAD", action_id="milestone_done", value=str(uat.id),
                           channel_id=PROJECT_CHANNEL, message_ts=card["ts"], message=card)  # fmt: skip
    assert "done" == _milestones(session)[0].status
    assert "milestone_done" not in str(fake_slack.messages(PROJECT_CHANNEL)[0]["blocks"])


def test_link_says_what_was_linked_already_linked_or_not_found(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Linking an action, a risk and a decision of the workspace; a second time they are already linked; an id
    nobody has, or one in a private channel the caller is not in, is not found. `show` lists them with their
    state."""
    _other_projects(fake_slack)
    with frozen(NOW):
        slack.command("/action", "<@U0DEV1> book the UAT room", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/risk", "testers may be away p:3 i:4", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/decision", "UAT runs on staging", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/risk", "secret vendor p:2 i:2", user_id="U0LEAD", channel_id=SECRET)
    _say(slack, '"UAT sign-off" 2027-01-15 <@U0DEV2>')
    said = _say(slack, "link M-UAT A-1 R-1 D-1 A-99 R-2", user="U0DEV2")["text"]
    assert "Linked A-1, R-1, D-1 to M-UAT. Not found: A-99, R-2." == said
    assert "Already linked: A-1." in _say(slack, "link M-UAT A-1", user="U0DEV2")["text"]
    shown = str(_say(slack, "show M-UAT", user="U0DEV2")["blocks"])
    assert "book the UAT room (open)" in shown and "UAT runs on staging (approved)" in shown
    assert "Only M-UAT's owner" in _say(slack, "link M-UAT A-1", user="U0DEV3")["text"]


def test_depends_on_another_projects_milestone(slack: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """`depends M-UAT on #proj-payments M-API` records it; each `show` names the other with its channel; the same
    again is told it is recorded already, `M-API` alone finding the only one in the workspace."""
    _other_projects(fake_slack)
    _say(slack, 'M-API "API ready" 2027-01-20', channel=PAYMENTS)
    _say(slack, '"UAT sign-off" 2027-01-15')
    said = _say(slack, "depends M-UAT on <#C0PAY|proj-payments> M-API")["text"]
    assert "M-UAT now depends on M-API in <#C0PAY>. M-UAT is at risk (waits for M-API)." == said
    assert "waits for M-API" in str(fake_slack.messages(PROJECT_CHANNEL)[0]["blocks"])  # the card is updated
    assert "Depends on" in str(shown := _say(slack, "show M-UAT")["blocks"]) and "<#C0PAY>" in str(shown)
    assert "Waited on by" in str(_say(slack, "show M-API", channel=PAYMENTS)["blocks"])
    assert "already depends on M-API" in _say(slack, "depends M-UAT M-API")["text"]
    assert "can't go round in a circle" in _say(slack, f"depends M-API on <#{PROJECT_CHANNEL}|proj> M-UAT",
                                                 channel=PAYMENTS)["text"]  # fmt: skip


def test_depends_is_refused_on_a_private_channel_the_caller_is_not_in(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Someone outside #proj-secret is told its milestone is not found, as for one that does not exist; nothing is
    recorded."""
    _other_projects(fake_slack)
    _say(slack, 'M-SEC "Secret launch" 2027-01-20', channel=SECRET)
    _say(slack, '"UAT sign-off" 2027-01-15 <@U0DEV2>', user="U0DEV2")
    hidden = _say(slack, "depends M-UAT on <#C0SEC|proj-secret> M-SEC", user="U0DEV2")["text"]
    missing = _say(slack, "depends M-UAT on <#C0SEC|proj-secret> M-NONE", user="U0DEV2")["text"]
    assert hidden == missing.replace("M-NONE", "M-SEC") and "I can't find" in hidden
    assert "I can't find M-SEC" in _say(slack, "depends M-UAT M-SEC", user="U0DEV2")["text"]
    assert [] == [e for e in _events(session) if e.kind == "depends"]


def _events(session: Session) -> list[MilestoneEvent]:
    found = list(session.scalars(select(MilestoneEvent)))
    session.rollback()
    return found


def test_a_private_channels_milestone_is_shown_only_to_its_members(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """`show M-SEC` from another channel: a member of #proj-secret reads it; anyone else gets the words for a
    milestone that does not exist; `list` in their channel never holds it."""
    _other_projects(fake_slack)
    _say(slack, 'M-SEC "Secret launch" 2027-01-20', channel=SECRET)
    assert "Secret launch" in str(_say(slack, "show M-SEC", user="U0DEV1"))
    outsider = _say(slack, "show M-SEC", user="U0DEV2")
    assert "Secret launch" not in str(outsider)
    assert outsider["text"] == _say(slack, "show M-NOPE", user="U0DEV2")["text"].replace("M-NOPE", "M-SEC")
    assert "Secret launch" not in str(_say(slack, "list all", user="U0DEV2"))
    assert "Secret launch" in str(_say(slack, "list", channel=SECRET))


def test_list_search_and_help(slack: SlackSender, session: Session) -> None:
    """`list` holds the open ones with baseline and forecast, `list all` the done ones too; `search` finds by name;
    `help` shows every usage."""
    _say(slack, '"UAT sign-off" 2027-01-15')
    _say(slack, '"Go live" 2027-02-01')
    _say(slack, "done M-GO")
    listed = str(_say(slack, "list")["blocks"])
    assert "M-UAT" in listed and "M-GO" not in listed and "baseline <!date^" in listed
    assert "M-GO" in str(_say(slack, "list all")["blocks"])
    found = str(_say(slack, "search sign")["blocks"])
    assert "M-UAT" in found and "M-GO" not in found
    assert "depends M-UAT on #proj-payments M-API" in _say(slack, "help")["text"]


def test_the_timeline_is_uploaded_after_the_answer(
    app: PmbotApp, server: RunningServer, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """`/milestone timeline` answers at once; the PNG (with the milestones and the other project's in its text)
    is uploaded to the channel after the answer."""
    _other_projects(fake_slack)
    _say(slack, 'M-API "API ready" 2027-01-20', channel=PAYMENTS)
    _say(slack, '"UAT sign-off" 2027-01-15')
    _say(slack, "depends M-UAT on <#C0PAY|proj-payments> M-API")
    fake_slack.slow(2.0, method="files.getUploadURLExternal")
    quick = SlackSender(server.url, SIGNING_SECRET, team_id=FakeSlack.team_id,
                        response_url_base=fake_slack.response_url_base)  # fmt: skip
    started = time.monotonic()
    response = quick.command("/milestone", "timeline", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    took = time.monotonic() - started
    assert 200 == response.status and took < 1.5, took
    assert [] == fake_slack.uploads()
    assert app.settle(timeout=60)
    assert "Drawing the timeline" in fake_slack.responses()[-1]["text"]
    [upload] = fake_slack.uploads()
    image = Image.open(io.BytesIO(upload["content"]))
    assert "PNG" == image.format and PROJECT_CHANNEL == upload["channel_id"]
    assert "M-UAT UAT sign-off" in upload["initial_comment"] and "M-API" in upload["initial_comment"]


def test_a_lone_id_shows_it(slack: SlackSender) -> None:
    """`/milestone M-UAT` shows the milestone rather than making one."""
    _say(slack, '"UAT sign-off" 2027-01-15')
    assert "History" in str(_say(slack, "M-UAT")["blocks"])


def test_reading_a_line_takes_the_name_the_date_the_owner_and_the_id() -> None:
    """The line reader: quoted or not, a chosen id, an owner mention; the day is the project's."""
    from storage.models import Project

    project = Project(channel_id="C1", time_zone="America/New_York", workday_start_minute=540,
                      workday_end_minute=1020, working_days=[0, 1, 2, 3, 4])  # fmt: skip
    line = milestones.read_line('M-API "API ready" 2027-01-10 <@U0DEV1|dev>', project=project, now=NOW)
    assert ("API ready", date(2027, 1, 10), "U0DEV1", "API") == (line.name, line.day, line.owner, line.code)
    line = milestones.read_line("UAT sign-off by jan 15 <@U0DEV2>", project=project, now=NOW)
    assert ("UAT sign-off", date(2027, 1, 15), "U0DEV2", None) == (line.name, line.day, line.owner, line.code)
    assert (date(2027, 1, 22), "vendor late") == milestones.read_day_and_why(
        "jan 22 vendor late", project=project, now=NOW
    )


def test_a_change_made_elsewhere_posts_or_updates_the_card(session: Session) -> None:
    """What another feature calls after changing a milestone (the registered `milestone` record kind): the card is
    posted when there is none, and updated after a new baseline."""
    from domain.workspaces import project_for, workspace_for
    from handlers.milestones import cards, keys
    from storage.models import OutboxMessage

    workspace = workspace_for(session, team_id="T0001", now=NOW)
    project = project_for(session, workspace=workspace, channel_id=PROJECT_CHANNEL, now=NOW)
    uat = milestones.create(session, project=project, creator="U0LEAD", name="UAT", day=date(2027, 1, 15),
                            owner="U0LEAD", now=NOW)  # fmt: skip
    cards.refresh_card(session, uat, now=NOW)  # no card yet: nothing to update
    cards.told(session, uat, now=NOW)
    at = milestones.due_moment(date(2027, 1, 29), project)
    milestones.rebaseline(session, uat, actor="U0LEAD", at=at, why="CR-1 approved", now=NOW)
    cards.told(session, uat, now=NOW)
    queued = [(m.method, m.key) for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert [("chat.postMessage", keys.card(uat.id)), "chat.update"] == [queued[0], queued[1][0]]
    assert 2 == len(queued) and queued[1][1].startswith(keys.card(uat.id) + ":")
    session.rollback()


def test_a_reason_that_starts_with_a_number_stays_out_of_the_date(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """`move M-UAT 2027-01-22 2 weeks late: vendor`: the ISO date alone is the date, the rest the reason; a date
    readable two ways (`tomorrow 2 weeks late`) is refused with both readings, and nothing moves."""
    _say(slack, '"UAT sign-off" 2027-01-15 <@U0DEV1>')
    said = _say(slack, "move M-UAT 2027-01-22 2 weeks late: vendor", user="U0DEV1")["text"]
    assert said.startswith("Moved M-UAT"), said
    [uat] = _milestones(session)
    assert date(2027, 1, 22) == uat.forecast_at.date()
    events = list(session.scalars(select(MilestoneEvent).order_by(MilestoneEvent.id)))
    assert "2 weeks late: vendor" == events[-1].why
    session.rollback()
    _say(slack, "move M-UAT 2027-01-20: 3 people out", user="U0DEV1")
    assert date(2027, 1, 20) == _milestones(session)[0].forecast_at.date()
    refused = _say(slack, "move M-UAT tomorrow 2 weeks late", user="U0DEV1")["text"]
    assert "two ways" in refused and "2026-12-16" in refused and "2026-12-02" in refused, refused
    assert "`tomorrow: 2 weeks late`" in refused
    assert date(2027, 1, 20) == _milestones(session)[0].forecast_at.date()


def test_naming_a_milestone_from_a_dm_or_another_channel_makes_no_project(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """`show M-UAT` (and `move`) from a DM and from a channel pmbot is not in find the milestone and leave no project
    behind for those conversations."""
    from storage.models import Project

    fake_slack.add_channel("C0RANDOM", name="random", members=["U0LEAD"])  # pmbot is not in #random
    _say(slack, '"UAT sign-off" 2027-01-15')
    projects = [p.channel_id for p in session.scalars(select(Project))]
    session.rollback()
    for conversation in ("C0RANDOM", "DU0LEAD"):
        assert "UAT sign-off" in str(_say(slack, "show M-UAT", channel=conversation))
    assert _say(slack, "move M-UAT 2027-01-22: vendor", channel="DU0LEAD")["text"].startswith("Moved M-UAT")
    assert projects == [p.channel_id for p in session.scalars(select(Project))]
    session.rollback()
