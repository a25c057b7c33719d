"""The RAID log through the real HTTP endpoint: capture, scores and levels, history, permissions, reviews,
escalation, and the heat map."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from domain.risks import level
from sandbox.standin import FakeSlack
from storage.models import Risk
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _risks(session: Session) -> list[Risk]:
    session.expire_all()
    found = list(session.scalars(select(Risk).order_by(Risk.number)))
    session.expunge_all()
    session.rollback()
    return found


def _risk(slack: SlackSender, text: str, user: str = "U0DEV1") -> dict[str, Any]:
    with frozen(MONDAY):
        return slack.command("/risk", text, user_id=user, channel_id=PROJECT_CHANNEL).json()


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (1, "low"),
        (4, "low"),
        (5, "medium"),
        (9, "medium"),
        (10, "high"),
        (16, "high"),
        (20, "critical"),
        (25, "critical"),
    ],
)
def test_levels_at_every_boundary(score: int, expected: str) -> None:
    """Low 1-4, medium 5-9, high 10-16, critical 20-25."""
    assert expected == level(score)


def test_one_line_records_a_scored_risk_with_words(slack: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """`/risk title p:4 i:5 @owner` stores it and posts a card showing the score with its words."""
    answer = _risk(slack, "vendor may slip the <!channel> release p:4 i:5 <@U0DEV2|dev-kolkata>")
    assert "R-1" in answer["text"] and "critical" in answer["text"]
    [risk] = _risks(session)
    assert ("vendor may slip the @channel release", 4, 5, "U0DEV2") == (
        risk.title,
        risk.probability,
        risk.impact,
        risk.owner_id,
    )
    [card] = fake_slack.messages(PROJECT_CHANNEL)
    shown = str(card["blocks"])
    assert "likely" in shown and "severe" in shown and "critical" in shown
    assert "<!channel>" not in shown + str(card["text"])


def test_the_form_records_every_field(slack: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """`/risk` opens the form; submitting it records kind, category, scores, owner, plans and the opportunity flag."""
    with frozen(MONDAY):
        slack.command("/risk", "", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
        view = fake_slack.calls_to("views.open")[-1].args["view"]

        def v(**element: Any) -> dict[str, Any]:
            return {"value": element}

        values = {
            "kind": v(type="static_select", selected_option={"value": "dependency"}),
            "title": v(type="plain_text_input", value="API from the payments team"),
            "description": v(type="plain_text_input", value="we need v2 of their API"),
            "category": v(type="static_select", selected_option={"value": "vendor"}),
            "probability": v(type="static_select", selected_option={"value": "2"}),
            "impact": v(type="static_select", selected_option={"value": "4"}),
            "owner": v(type="users_select", selected_user="U0DEV3"),
            "mitigation": v(type="plain_text_input", value="weekly sync"),
            "contingency": v(type="plain_text_input", value=None),
            "review_date": v(type="datepicker", selected_date="2026-12-01"),
            "opportunity": v(type="checkboxes", selected_options=[{"value": "yes"}]),
        }
        response = slack.view_submission(
            user_id="U0DEV1", callback_id="risk_create", private_metadata=view["private_metadata"], values=values
        )
    assert 200 == response.status and not response.body
    [risk] = _risks(session)
    assert ("dependency", "vendor", 8, "U0DEV3", "weekly sync", True) == (
        risk.kind,
        risk.category,
        risk.score,
        risk.owner_id,
        risk.mitigation,
        risk.opportunity,
    )
    assert risk.review_at is not None and "2026-12-01" == risk.review_at.date().isoformat()


def test_bad_scores_are_refused(slack: SlackSender, session: Session) -> None:
    """`p:7` is refused with the range, and nothing is stored."""
    assert "1 to 5" in _risk(slack, "servers melt p:7 i:2")["text"]
    assert [] == _risks(session)


def test_numbers_that_are_not_numbers_are_refused(slack: SlackSender, session: Session) -> None:
    """A 5,000-digit score is out of range like any other, and `R-²` is not a risk id: refused, not a crash."""
    assert "1 to 5" in _risk(slack, "servers melt p:" + "9" * 5_000)["text"]
    assert "is not a risk id" in _risk(slack, "show R-\u00b2")["text"]
    assert [] == _risks(session)


def test_update_records_old_and_new_scores_in_history(slack: SlackSender, session: Session) -> None:
    """`/risk update` changes scores and plans; `/risk show` lists every change with old and new score."""
    _risk(slack, "vendor may slip p:2 i:3 <@U0DEV2|dev-kolkata>")
    answer = _risk(slack, "update R-1 p:4 i:4 mitigation: find a second vendor", user="U0DEV2")
    assert "R-1" in answer["text"] and "16" in answer["text"]
    shown = str(_risk(slack, "show R-1")["blocks"])
    assert "score 6 → 16" in shown and "mitigation" in shown
    [risk] = _risks(session)
    assert ("find a second vendor", 16) == (risk.mitigation, risk.score)


@pytest.mark.parametrize("command", ["update R-1 p:5", "close R-1 not a risk"])
def test_only_owner_creator_or_lead_may_change_or_close(slack: SlackSender, session: Session, command: str) -> None:
    """Anyone else is refused politely and nothing changes."""
    _risk(slack, "vendor may slip p:2 i:3 <@U0DEV2|dev-kolkata>")
    assert "Only R-1's owner, its creator or a project lead" in _risk(slack, command, user="U0DEV4")["text"]
    [risk] = _risks(session)
    assert ("open", 2) == (risk.status, risk.probability)


def test_close_needs_a_reason_and_is_recorded(slack: SlackSender, session: Session) -> None:
    """Closing without a reason is refused; with one it closes."""
    _risk(slack, "vendor may slip p:2 i:3")
    assert "Say why" in _risk(slack, "close R-1")["text"]
    _risk(slack, "close R-1 vendor delivered")
    [risk] = _risks(session)
    assert ("closed", "vendor delivered") == (risk.status, risk.close_reason)


def test_list_sorts_by_score_and_filters(slack: SlackSender) -> None:
    """`/risk list` is highest score first; `list high` only high and critical; `list mine` only mine."""
    _risk(slack, "small thing p:1 i:2")
    _risk(slack, "big thing p:5 i:5")
    _risk(slack, "middle thing p:3 i:3 <@U0DEV3|dev-kathmandu>")
    every = [b["text"]["text"] for b in _risk(slack, "list")["blocks"] if b["type"] == "section"]
    assert ["big thing", "middle thing", "small thing"] == [
        next(t for t in ("big thing", "middle thing", "small thing") if t in line) for line in every
    ]
    high = str(_risk(slack, "list high")["blocks"])
    assert "big thing" in high and "middle thing" not in high
    mine = str(_risk(slack, "list mine", user="U0DEV3")["blocks"])
    assert "middle thing" in mine and "big thing" not in mine


def test_escalation_once_per_rise_to_the_threshold(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """A risk raised to 15 or more is posted to the lead (in her working hours) and the escalation channel at once,
    once per rise."""
    with frozen(MONDAY):
        for setting in ("escalation <#C0ESC|esc>", "leads <@U0LEAD|lead-berlin>"):
            slack.command("/pm", f"config {setting}", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    _risk(slack, "vendor may slip p:2 i:3 <@U0DEV2|dev-kolkata>")
    assert [] == fake_slack.messages("C0ESC")
    _risk(slack, "update R-1 p:3 i:5")  # 15: escalates
    _risk(slack, "update R-1 mitigation: calls")  # same score: nothing new
    _risk(slack, "update R-1 p:4")  # 20: a further rise escalates again
    _risk(slack, "update R-1 p:1")  # 5: below
    _risk(slack, "update R-1 p:4")  # 20 again after falling: escalates
    assert 3 == len(fake_slack.messages("C0ESC"))
    assert 3 == len([m for m in fake_slack.messages("DU0LEAD") if "Escalation" in str(m["text"])])


def test_reviews_are_due_by_level_and_sent_once_in_working_hours(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """A high risk (7 days) owned in Kolkata gets one review DM when due, in their hours; Still valid restarts it."""
    _risk(slack, "vendor may slip p:3 i:4 <@U0DEV2|dev-kolkata>")  # 12: high, review in 7 days
    client = make_client(settings, patient=False)
    due = MONDAY + timedelta(days=7)  # 14:30 in Kolkata (when a review found at night goes: tests/test_due_rules.py)
    for at in (due - timedelta(hours=1), due, due, due + timedelta(hours=2)):
        run_due(factory, client, now=at)
    reviews = [m for m in fake_slack.messages("DU0DEV2") if str(m["text"]).startswith("Review")]
    assert 1 == len(reviews)
    with frozen(MONDAY + timedelta(days=8)):
        slack.block_action(
            user_id="U0DEV2",
            action_id="risk_still_valid",
            value="R-1",
            channel_id="DU0DEV2",
            message_ts=reviews[0]["ts"],
            message=reviews[0],
        )
    for at in (MONDAY + timedelta(days=8, hours=1), MONDAY + timedelta(days=14, hours=-1)):
        run_due(factory, client, now=at)
    assert 1 == len([m for m in fake_slack.messages("DU0DEV2") if str(m["text"]).startswith("Review")])
    run_due(factory, client, now=MONDAY + timedelta(days=15, hours=1))  # 7 days after Still valid
    assert 2 == len([m for m in fake_slack.messages("DU0DEV2") if str(m["text"]).startswith("Review")])


def test_an_issue_without_owner_escalates_once(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """An issue with no owner goes to the escalation channel, once however often the work runs."""
    with frozen(MONDAY):
        slack.command("/pm", "config escalation <#C0ESC|esc>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    _risk(slack, "staging is down p:5 i:2")
    with factory() as s:
        s.scalars(select(Risk)).one().kind = "issue"
        s.commit()
    client = make_client(settings, patient=False)
    for minutes in (0, 1, 60):
        run_due(factory, client, now=MONDAY + timedelta(minutes=minutes))
    assert 1 == len([m for m in fake_slack.messages("C0ESC") if "no owner" in str(m["blocks"])])


def test_the_matrix_is_a_png_uploaded_with_a_text_fallback(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """`/risk matrix` uploads a PNG (files upload v2) that decodes, with every id in the text fallback."""
    _risk(slack, "vendor may slip p:4 i:5")
    _risk(slack, "small thing p:1 i:1")
    _risk(slack, "an assumption p:2 i:2")
    assert "Posted the risk matrix" in _risk(slack, "matrix")["text"]
    [upload] = fake_slack.uploads()
    image = Image.open(io.BytesIO(upload["content"]))
    assert ("PNG", 5 * 150 + 190) == (image.format, image.size[0])
    assert "R-1" in upload["initial_comment"] and "R-2" in upload["initial_comment"]
    assert PROJECT_CHANNEL == upload["channel_id"]
    complete = fake_slack.calls_to("files.completeUploadExternal")[-1]
    files = complete.args["files"] if isinstance(complete.args["files"], list) else json.loads(complete.args["files"])
    assert "R-1" in files[0].get("alt_txt", "") or "R-1" in json.dumps(complete.args)


def test_a_long_list_counts_every_open_entry(slack: SlackSender, factory: sessionmaker[Session]) -> None:
    """`/risk list` over 250 open risks shows 45 and says exactly how many more there are."""
    from domain import risks as risk_service
    from domain.risks import Fields
    from domain.workspaces import project_for, workspace_for

    with factory() as s:
        project = project_for(
            s, workspace=workspace_for(s, team_id="T0001", now=MONDAY), channel_id=PROJECT_CHANNEL, now=MONDAY
        )
        for n in range(250):
            risk_service.create(
                s,
                project=project,
                creator="U0LEAD",
                now=MONDAY,
                fields=Fields(title=f"risk {n}", probability=1 + n % 5, impact=1 + n % 3),
            )
        s.commit()
    answer = _risk(slack, "list")
    assert "Open RAID entries: 250" == answer["text"]
    assert "…and 205 more." in json.dumps(answer["blocks"], ensure_ascii=False)
