"""The same form submission arriving twice (the same view id and hash: Slack sent it again, or the person pressed
Submit again after a slow answer) makes one record: the repeat is acknowledged and does nothing, with no message
saying it failed. A submission refused beside its fields does not stop the corrected one."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from sandbox.standin import FakeSlack
from tests.actions_helpers import dm_texts, frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import Response, SlackSender
from tests.test_changes import MONDAY, REQUESTER, _changes, _requests, _values, uat  # noqa: F401 (uat: a fixture)
from tests.test_milestones import _milestones

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
VIEW_ID, HASH = "V0REPEAT1", "1764601200.Xy7Qp2Lm"


def _v(**element: Any) -> dict[str, Any]:
    return {"value": element}


def _submission(
    slack: SlackSender,
    *,
    user: str,
    callback_id: str,
    metadata: str,
    values: dict[str, Any],
    view_id: str = VIEW_ID,
    stamp: str = HASH,
) -> dict[str, Any]:
    """A view_submission payload as Slack sends it, with the view's own id and hash (fixed, so it can be sent
    again exactly)."""
    return {
        "type": "view_submission",
        "token": slack.verification_token,
        "api_app_id": slack.api_app_id,
        "team": {"id": slack.team_id, "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": slack.team_id},
        "enterprise": None,
        "is_enterprise_install": False,
        "trigger_id": "1.2.abc",
        "view": {
            "id": view_id, "team_id": slack.team_id, "type": "modal", "blocks": [], "private_metadata": metadata,
            "callback_id": callback_id, "state": {"values": values}, "hash": stamp,
            "title": {"type": "plain_text", "text": "Modal"}, "clear_on_close": False, "notify_on_close": False,
            "close": None, "submit": {"type": "plain_text", "text": "Submit"}, "previous_view_id": None,
            "root_view_id": view_id, "app_id": slack.api_app_id, "external_id": "",
            "app_installed_team_id": slack.team_id, "bot_id": "B0001",
        },
        "response_urls": [],
    }  # fmt: skip


def _milestone_form(slack: SlackSender, fake: FakeSlack, **typed: Any) -> tuple[str, dict[str, Any]]:
    with frozen(NOW):
        slack.command("/milestone", "", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    view = fake.calls_to("views.open")[-1].args["view"]
    values = {"name": _v(type="plain_text_input", value=typed.get("name", "Go live")),
              "milestone_date": _v(type="datepicker", selected_date=typed.get("day", "2027-02-01")),
              "owner": _v(type="users_select", selected_user="U0DEV2"),
              "milestone_code": _v(type="plain_text_input", value=typed.get("code"))}  # fmt: skip
    return str(view["private_metadata"]), values


def _failed(fake: FakeSlack, user: str) -> list[str]:
    return [t for t in dm_texts(fake, user) if "couldn't save" in t]


def test_a_milestone_form_sent_twice_makes_one_milestone(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    metadata, values = _milestone_form(slack, fake_slack)
    payload = _submission(slack, user="U0LEAD", callback_id="milestone_create", metadata=metadata, values=values)
    for _ in range(2):
        with frozen(NOW):
            answer = slack.post_interaction(payload)
        assert (200, b"") == (answer.status, answer.body)
    assert [("GO", "Go live")] == [(m.code, m.name) for m in _milestones(session)]
    assert [] == _failed(fake_slack, "U0LEAD")


def test_with_an_id_typed_the_repeat_is_not_told_it_failed(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """M-LAUNCH typed: the repeat would find the id taken; it does nothing instead, and nobody is told it failed."""
    metadata, values = _milestone_form(slack, fake_slack, code="LAUNCH")
    payload = _submission(slack, user="U0LEAD", callback_id="milestone_create", metadata=metadata, values=values)
    for _ in range(2):
        with frozen(NOW):
            assert 200 == slack.post_interaction(payload).status
    assert ["LAUNCH"] == [m.code for m in _milestones(session)]
    assert [] == _failed(fake_slack, "U0LEAD")


def test_a_change_request_sent_twice_is_raised_and_sent_to_its_approvers_once(
    slack: SlackSender,
    fake_slack: FakeSlack,
    session: Session,
    uat: int,  # noqa: F811 (the fixture)
) -> None:
    with frozen(MONDAY):
        slack.command("/change", "", user_id=REQUESTER, channel_id=PROJECT_CHANNEL)
    view = fake_slack.calls_to("views.open")[-1].args["view"]
    payload = _submission(slack, user=REQUESTER, callback_id="change_create", metadata=view["private_metadata"],
                          values=_values(chosen=[uat]))  # fmt: skip
    for _ in range(2):
        with frozen(MONDAY):
            assert 200 == slack.post_interaction(payload).status
    assert ["CR-1"] == [c.ref for c in _changes(session)]
    assert 1 == len(_requests(fake_slack, "U0LEAD"))
    assert [] == _failed(fake_slack, REQUESTER)


def test_two_at_once_make_one(slack: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """Both copies arrive together and run side by side: one milestone, no failure told."""
    metadata, values = _milestone_form(slack, fake_slack, code="TWIN")
    payload = _submission(slack, user="U0LEAD", callback_id="milestone_create", metadata=metadata, values=values)
    body = json.dumps(payload)
    answers: list[Response] = []

    def send() -> None:
        answers.append(slack.post_form({"payload": body}))

    threads = [threading.Thread(target=send) for _ in range(2)]  # (a frozen clock stops at a thread's start)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [200, 200] == [a.status for a in answers]
    assert ["TWIN"] == [m.code for m in _milestones(session)]
    assert [] == _failed(fake_slack, "U0LEAD")


def test_a_submission_refused_beside_its_fields_does_not_stop_the_corrected_one(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Slack keeps the form open with the error beside the date; the person corrects it and submits the same view
    (its id and hash unchanged): it is saved."""
    metadata, values = _milestone_form(slack, fake_slack, day="2020-01-01")
    with frozen(NOW):
        refused = slack.post_interaction(
            _submission(slack, user="U0LEAD", callback_id="milestone_create", metadata=metadata, values=values)
        )
    assert "errors" == refused.json()["response_action"]
    values["milestone_date"] = _v(type="datepicker", selected_date="2027-02-01")
    with frozen(NOW):
        saved = slack.post_interaction(
            _submission(slack, user="U0LEAD", callback_id="milestone_create", metadata=metadata, values=values)
        )
    assert (200, b"") == (saved.status, saved.body)
    assert ["Go live"] == [m.name for m in _milestones(session)]


def test_another_view_or_a_changed_one_is_a_new_submission(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A form opened again is a new view; a view updated has a new hash: each is saved as its own."""
    metadata, values = _milestone_form(slack, fake_slack)
    for view_id, stamp in ((VIEW_ID, HASH), ("V0REPEAT2", HASH), (VIEW_ID, HASH + "b")):
        payload = _submission(slack, user="U0LEAD", callback_id="milestone_create", metadata=metadata, values=values,
                              view_id=view_id, stamp=stamp)  # fmt: skip
        with frozen(NOW):
            assert 200 == slack.post_interaction(payload).status
    assert 3 == len(_milestones(session))
