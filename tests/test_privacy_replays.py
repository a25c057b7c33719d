"""Buttons and forms replayed by someone outside a private channel: what they name by row id (or by ref) answers
exactly like a missing record, acts for nobody, and shows nothing of the channel beyond what is theirs.

#proj-secret is private (the lead, dev-la and pmbot); U0DEV2 is outside it. Every private record carries the word
"zanzibar", so whatever reaches a person can be searched for it.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from domain import milestones
from sandbox.standin import FakeSlack
from storage.models import (
    ActionItem,
    ActionStatus,
    Blocker,
    BlockerStatus,
    Milestone,
    Project,
    Standup,
    StandupAnswer,
    StatusReport,
    Workspace,
)
from storage.models.retros import Retro
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_changes import MONDAY, _ask, _changes, _click, _milestone, _values

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
SECRET = "G0SECRET"
WORD = "zanzibar"
OUTSIDER = "U0DEV2"  # in the workspace, not in #proj-secret


def _private(fake: FakeSlack, *members: str) -> None:
    fake.add_channel(SECRET, name="proj-secret", members=[*(members or ("U0LEAD", "U0DEV1")), "UBOT"],
                     is_private=True)  # fmt: skip


def _told(fake: FakeSlack, user: str) -> list[str]:
    """Everything pmbot told the person: ephemerals and DMs."""
    return [str(e["text"]) for e in fake.ephemerals(user)] + [str(m["text"]) for m in fake.messages(user)]


def _heard(fake: FakeSlack, user: str) -> tuple[int, int]:
    return len(fake.ephemerals(user)), len(fake.messages(user))


def _new(before: tuple[int, int], fake: FakeSlack, user: str) -> list[str]:
    """What pmbot told the person since `before` (`_heard`)."""
    return [str(e["text"]) for e in fake.ephemerals(user)[before[0] :]] + [
        str(m["text"]) for m in fake.messages(user)[before[1] :]
    ]


def _id(session: Session, stmt: Any) -> int:
    found = session.scalar(stmt)
    session.rollback()
    assert isinstance(found, int)
    return found


def _v(text: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": text}}


def _options(view: dict[str, Any]) -> list[str]:
    fields = {b.get("block_id"): b.get("element", {}) for b in view["blocks"]}
    return [o["text"]["text"] for o in fields.get("milestones", {}).get("options", [])]


# ---- (3) "Raise a change request" from a slip alert, and the requester's Answer, for a party outside the channel


def _secret_milestones(slack: SlackSender, factory: sessionmaker[Session]) -> tuple[int, int]:
    """M-GO (owned by U0DEV1, who is outside #proj-secret) slipped a week; M-ZANZIBAR is the channel's alone."""
    with frozen(MONDAY):
        slack.command("/pm", "config leads <@U0LEAD>", user_id="U0LEAD", channel_id=SECRET)
    go = _milestone(factory, SECRET, name="Go live")
    with factory() as s:
        project = s.get_one(Milestone, go).project
        other = milestones.create(s, project=project, creator="U0LEAD", name=f"{WORD} takeover", day=date(2027, 2, 10),
                                  owner="U0LEAD", now=MONDAY)  # fmt: skip
        milestones.move(s, s.get_one(Milestone, go), actor="U0LEAD", day=date(2027, 1, 22), why="late", now=MONDAY)
        s.commit()
        return go, other.id


def test_a_slip_alerts_change_form_offers_an_outsider_only_their_own_milestone(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], session: Session
) -> None:
    """U0DEV1 owns M-GO in #proj-secret without being in it: "Raise a change request" on its slip alert offers M-GO
    alone (not the channel's other milestone), a form naming the other one anyway raises nothing, and the lead (in
    the channel) is offered both."""
    _private(fake_slack, "U0LEAD")
    go, other = _secret_milestones(slack, factory)
    value = json.dumps({"milestone": go, "ref": "M-GO"})
    with frozen(MONDAY):
        slack.block_action(user_id="U0DEV1", action_id="change_from_slip", value=value, channel_id="DU0DEV1")
    view = fake_slack.calls_to("views.open")[-1].args["view"]
    assert "change_create" == view["callback_id"]
    assert ["M-GO Go live (Jan 15)"] == _options(view)
    assert WORD not in json.dumps(view).lower()

    with frozen(MONDAY):  # the form's word is not trusted: the other milestone's row id, typed into the payload
        forged = slack.view_submission(user_id="U0DEV1", callback_id="change_create",
                                       private_metadata=view["private_metadata"],
                                       values=_values(chosen=[go, other], title="Move M-GO"))  # fmt: skip
    assert 200 == forged.status
    assert [] == _changes(session)
    assert any("One of the milestones chosen is gone" in t for t in _told(fake_slack, "U0DEV1"))
    assert WORD not in json.dumps(_told(fake_slack, "U0DEV1")).lower()
    with frozen(MONDAY):
        slack.view_submission(user_id="U0DEV1", callback_id="change_create", private_metadata=view["private_metadata"],
                              values=_values(chosen=[go], title="Move M-GO"))  # fmt: skip
    assert [("Move M-GO", [go])] == [(c.title, c.milestone_ids) for c in _changes(session)]

    with frozen(MONDAY):
        slack.block_action(user_id="U0LEAD", action_id="change_from_slip", value=value, channel_id="DU0LEAD")
    lead_view = fake_slack.calls_to("views.open")[-1].args["view"]
    assert 2 == len(_options(lead_view)) and WORD in json.dumps(lead_view)


def test_the_answer_form_offers_a_requester_outside_the_channel_only_their_own_milestones(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], session: Session
) -> None:
    """The lead asks U0DEV1 (outside #proj-secret) for more on the request they raised from M-GO's alert: their
    Answer opens the form with M-GO, not the channel's other milestone; naming it anyway changes nothing."""
    _private(fake_slack, "U0LEAD")
    go, other = _secret_milestones(slack, factory)
    with frozen(MONDAY):
        slack.block_action(user_id="U0DEV1", action_id="change_from_slip", value=json.dumps({"milestone": go}),
                           channel_id="DU0DEV1")  # fmt: skip
        view = fake_slack.calls_to("views.open")[-1].args["view"]
        slack.view_submission(user_id="U0DEV1", callback_id="change_create", private_metadata=view["private_metadata"],
                              values=_values(chosen=[go], title="Move M-GO"))  # fmt: skip
    question = _ask(slack, fake_slack, "U0LEAD", "Why a week?")
    _click(slack, "U0DEV1", "change_update", question, channel="DU0DEV1")
    answer = fake_slack.calls_to("views.open")[-1].args["view"]
    assert "change_update_submit" == answer["callback_id"], _told(fake_slack, "U0DEV1")
    assert ["M-GO Go live (Jan 15)"] == _options(answer)
    assert WORD not in json.dumps(answer).lower()
    with frozen(MONDAY):
        slack.view_submission(user_id="U0DEV1", callback_id="change_update_submit",
                              private_metadata=answer["private_metadata"],
                              values=_values(chosen=[go, other], title="Move M-GO", note=_v("vendor")))  # fmt: skip
    assert [(1, [go])] == [(c.revision, c.milestone_ids) for c in _changes(session)]


# ---- (5) a record named by its row id: refused exactly like a missing one


def test_a_move_button_by_row_id_answers_a_private_milestone_like_a_missing_one(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    _private(fake_slack)
    with frozen(NOW):
        slack.command("/milestone", f'"{WORD} signing" 2027-01-20', user_id="U0LEAD", channel_id=SECRET)
    secret = _id(session, select(Milestone.id))
    answers = []
    for value in (str(secret), "99"):
        before = _heard(fake_slack, OUTSIDER)
        with frozen(NOW):
            slack.block_action(user_id=OUTSIDER, action_id="milestone_move", value=value, channel_id=PROJECT_CHANNEL)
        answers.append(_new(before, fake_slack, OUTSIDER))
    assert answers[0] == answers[1] == ["I can't find the milestone in a channel you're in."]


def test_a_slip_alerts_button_by_row_id_answers_a_private_milestone_like_a_missing_one(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    _private(fake_slack)
    with frozen(NOW):
        slack.command("/milestone", f'"{WORD} signing" 2027-01-20', user_id="U0LEAD", channel_id=SECRET)
    secret = _id(session, select(Milestone.id))
    opened = len(fake_slack.calls_to("views.open"))
    answers = []
    for milestone_id in (secret, 99):
        before = _heard(fake_slack, OUTSIDER)
        with frozen(NOW):
            slack.block_action(user_id=OUTSIDER, action_id="change_from_slip", channel_id=PROJECT_CHANNEL,
                               value=json.dumps({"milestone": milestone_id}))  # fmt: skip
        answers.append(_new(before, fake_slack, OUTSIDER))
    assert answers[0] == answers[1] == ["I can't find the milestone in a channel you're in."]
    assert opened == len(fake_slack.calls_to("views.open"))


def test_a_move_form_by_row_id_answers_a_private_milestone_like_a_missing_one(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A move form's metadata names the milestone by row id: submitted by an outsider, nothing moves, and what they
    are told is what a missing milestone's form tells."""
    _private(fake_slack)
    with frozen(NOW):
        slack.command("/milestone", f'"{WORD} signing" 2027-01-20', user_id="U0LEAD", channel_id=SECRET)
    secret = _id(session, select(Milestone.id))
    values = {"milestone_date": {"value": {"type": "datepicker", "selected_date": "2027-01-29"}},
              "why": {"value": {"type": "plain_text_input", "value": "because"}}}  # fmt: skip
    answers = []
    for milestone_id in (secret, 99):
        before = _heard(fake_slack, OUTSIDER)
        with frozen(NOW):
            slack.view_submission(user_id=OUTSIDER, callback_id="milestone_move_submit", values=values,
                                  private_metadata=json.dumps({"milestone": milestone_id}))  # fmt: skip
        answers.append(_new(before, fake_slack, OUTSIDER))
    assert answers[0] == answers[1] and answers[0]
    assert "SIGNING" not in json.dumps(answers) and WORD not in json.dumps(answers).lower()
    assert [] == list(session.scalars(select(Milestone).where(Milestone.forecast_at != Milestone.baseline_at)))
    session.rollback()


def test_a_retro_button_by_row_id_answers_a_private_retro_like_a_missing_one(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    _private(fake_slack)
    with frozen(NOW):
        slack.command("/retro", "start sprint 15", user_id="U0LEAD", channel_id=SECRET)
    retro = _id(session, select(Retro.id))
    answers = []
    for value in (str(retro), "99"):
        before = _heard(fake_slack, OUTSIDER)
        with frozen(NOW):
            slack.block_action(user_id=OUTSIDER, action_id="retro_add_notes", value=value, channel_id=PROJECT_CHANNEL)
        answers.append(_new(before, fake_slack, OUTSIDER))
    assert answers[0] == answers[1] == ["I can't find that retro in a channel you're in."]


# ---- (7) the Withdraw button replayed


def test_a_replayed_withdraw_answers_a_private_record_like_a_missing_one(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """D-1, A-1 and R-1 of #proj-secret: an outsider's Withdraw naming them is answered as D-99, A-99 and R-99 are,
    and nothing is withdrawn; their creator still withdraws them."""
    _private(fake_slack)
    with frozen(NOW):
        slack.command("/decision", f"we buy {WORD}", user_id="U0LEAD", channel_id=SECRET)
        slack.command("/action", f"<@U0DEV1> price {WORD} by friday", user_id="U0LEAD", channel_id=SECRET)
        slack.command("/risk", f"{WORD} may walk away p:3 i:4", user_id="U0LEAD", channel_id=SECRET)
    for kind, letter in (("decision", "D"), ("action", "A"), ("risk", "R")):
        answers = []
        for ref in (f"{letter}-1", f"{letter}-99"):
            before = _heard(fake_slack, OUTSIDER)
            with frozen(NOW):
                slack.block_action(user_id=OUTSIDER, action_id="withdraw", value=ref, channel_id=PROJECT_CHANNEL,
                                   block_id=f"withdraw_{kind}")  # fmt: skip
            answers.append([t.replace(ref, "<ref>") for t in _new(before, fake_slack, OUTSIDER)])
        assert answers[0] == answers[1] == ["I can't find <ref> in a channel you're in."], kind
    assert [False] == [i.status == ActionStatus.WITHDRAWN for i in session.scalars(select(ActionItem))]
    session.rollback()
    with frozen(NOW):
        slack.block_action(user_id="U0LEAD", action_id="withdraw", value="A-1", channel_id=SECRET,
                           block_id="withdraw_action")  # fmt: skip
    assert [True] == [i.status == ActionStatus.WITHDRAWN for i in session.scalars(select(ActionItem))]
    session.rollback()


# ---- (4) the stand-up prompt's buttons replayed


def _secret_standup(slack: SlackSender, fake: FakeSlack, session: Session) -> int:
    """#proj-secret's stand-up asks the lead and dev-la about zanzibar."""
    _private(fake)
    with frozen(datetime(2026, 11, 22, 12, 0, tzinfo=UTC)):
        slack.command("/standup", "setup", user_id="U0LEAD", channel_id=SECRET)
        [opened] = fake.calls_to("views.open")[-1:]
        values = {
            "questions": {"value": {"type": "plain_text_input", "value": f"How is the {WORD} deal?\nBlockers?"}},
            "days": {"value": {"type": "checkboxes", "selected_options": [{"value": str(d)} for d in range(5)]}},
            "prompt_time": {"value": {"type": "timepicker", "selected_time": "09:30"}},
            "participants": {"value": {"type": "multi_users_select", "selected_users": ["U0LEAD", "U0DEV1"]}},
            "summary_mode": {"value": {"type": "radio_buttons", "selected_option": {"value": "after_last"}}},
            "summary_after": {"value": {"type": "static_select", "selected_option": {"value": "3"}}},
            "summary_time": {"value": {"type": "timepicker", "selected_time": "17:00"}},
            "reminder": {"value": {"type": "static_select", "selected_option": {"value": "60"}}},
            "mention_missing": {"value": {"type": "checkboxes", "selected_options": []}},
        }
        response = slack.view_submission(user_id="U0LEAD", callback_id="standup_setup", values=values,
                                         private_metadata=opened.args["view"]["private_metadata"])  # fmt: skip
        assert 200 == response.status and not response.body, response.text
    return _id(session, select(Standup.id))


def test_a_replayed_standup_answer_or_skip_acts_only_for_a_participant(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """An outsider's Answer, Skip and answer form naming #proj-secret's stand-up: no form opens, nothing is recorded,
    and each is answered as a missing stand-up's; a participant's Answer still opens the form with its questions."""
    standup = _secret_standup(slack, fake_slack, session)
    opened = len(fake_slack.calls_to("views.open"))
    for action in ("standup_answer", "standup_skip", "standup_away"):
        answers = []
        for standup_id in (standup, 99):
            before = _heard(fake_slack, OUTSIDER)
            with frozen(NOW):
                slack.block_action(user_id=OUTSIDER, action_id=action, value=f"{standup_id}|2026-12-01",
                                   channel_id=f"D{OUTSIDER}")  # fmt: skip
            answers.append(_new(before, fake_slack, OUTSIDER))
        assert answers[0] == answers[1] == ["That stand-up no longer exists."], action
    assert opened == len(fake_slack.calls_to("views.open"))
    answers = []
    for standup_id in (standup, 99):
        before = _heard(fake_slack, OUTSIDER)
        with frozen(NOW):
            slack.view_submission(user_id=OUTSIDER, callback_id="standup_answer_submit",
                                  private_metadata=json.dumps({"standup": standup_id, "day": "2026-12-01"}),
                                  values={"q0": {"value": {"type": "plain_text_input", "value": "fine"}}})  # fmt: skip
        answers.append(_new(before, fake_slack, OUTSIDER))
    assert answers[0] == answers[1] and answers[0]
    assert WORD not in json.dumps(answers).lower()
    assert [] == list(session.scalars(select(StandupAnswer)))
    session.rollback()

    with frozen(NOW):
        slack.block_action(user_id="U0DEV1", action_id="standup_answer", value=f"{standup}|2026-12-01",
                           channel_id="DU0DEV1")  # fmt: skip
    assert WORD in json.dumps(fake_slack.calls_to("views.open")[-1].args["view"])


def test_someone_in_the_channel_but_not_asked_is_told_so(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """U0DEV3 is in #proj-secret but the stand-up does not ask them: their replayed Skip records nothing and says
    they are not a participant (they may read the channel, so the stand-up is no secret to them)."""
    standup = _secret_standup(slack, fake_slack, session)
    fake_slack.add_channel(SECRET, name="proj-secret", members=["U0LEAD", "U0DEV1", "U0DEV3", "UBOT"],
                           is_private=True)  # fmt: skip
    with frozen(NOW):
        slack.event({"type": "member_joined_channel", "user": "U0DEV3", "channel": SECRET, "channel_type": "G"})
        slack.block_action(user_id="U0DEV3", action_id="standup_skip", value=f"{standup}|2026-12-01",
                           channel_id="DU0DEV3")  # fmt: skip
    assert any("not a participant" in t for t in _told(fake_slack, "U0DEV3"))
    assert [] == list(session.scalars(select(StandupAnswer)))
    session.rollback()


def test_a_replayed_blocker_button_answers_a_private_blocker_like_a_missing_one(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """dev-la's stand-up answer in #proj-secret names a blocker: an outsider's Resolved, Still blocked and Make an
    action item naming it are answered as a missing blocker's, and it stays open with no item made."""
    standup = _secret_standup(slack, fake_slack, session)
    with frozen(NOW):
        slack.view_submission(user_id="U0DEV1", callback_id="standup_answer_submit",
                              private_metadata=json.dumps({"standup": standup, "day": "2026-12-01"}),
                              values={"q0": _v("fine"), "q1": _v(f"waiting on {WORD} legal")})  # fmt: skip
    blocker = _id(session, select(Blocker.id))
    for action in ("blocker_resolved", "blocker_still", "blocker_to_action"):
        answers = []
        for blocker_id in (blocker, 99):
            before = _heard(fake_slack, OUTSIDER)
            with frozen(NOW):
                slack.block_action(user_id=OUTSIDER, action_id=action, value=f"{blocker_id}|2026-12-01",
                                   channel_id=PROJECT_CHANNEL)  # fmt: skip
            answers.append(_new(before, fake_slack, OUTSIDER))
        assert answers[0] == answers[1] == ["That blocker no longer exists."], action
    assert [BlockerStatus.OPEN] == list(session.scalars(select(Blocker.status)))
    assert [] == list(session.scalars(select(ActionItem)))
    session.rollback()


def test_a_status_report_button_by_row_id_answers_a_private_report_like_a_missing_one(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A report's buttons carry its row id: an outsider replaying one of a private channel's reports is told what
    a missing report tells, not the week it is about."""
    _private(fake_slack)
    with frozen(NOW):
        slack.command("/pm", "config leads <@U0LEAD>", user_id="U0LEAD", channel_id=SECRET)
    workspace = session.scalar(select(Workspace))
    project = session.scalar(select(Project).where(Project.channel_id == SECRET))
    assert workspace is not None and project is not None
    report = StatusReport(workspace_id=workspace.id, project_id=project.id, week="2026-W49", audience="team",
                          summary=WORD, text=WORD, lead_ids=["U0LEAD"], created_at=NOW, updated_at=NOW)  # fmt: skip
    session.add(report)
    session.commit()
    answers = []
    for value in (str(report.id), "99"):
        before = _heard(fake_slack, OUTSIDER)
        with frozen(NOW):
            slack.block_action(user_id=OUTSIDER, action_id="report_skip", value=value, channel_id=f"D{OUTSIDER}")
        answers.append(_new(before, fake_slack, OUTSIDER))
    assert answers[0] == answers[1] == ["I can't find that status report in a channel you're in."]
