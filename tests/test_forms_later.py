"""Forms are acknowledged first: what the form alone shows is wrong stays beside its field; what only the database
or Slack can tell fails after the modal has closed, and then the person hears why and can open the form again as
they typed it. Nothing typed is lost, nothing half-saved."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from domain import forms
from sandbox.standin import FakeSlack
from storage.models import Workspace
from tests.actions_helpers import dm_texts, frozen, items
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_actions_flows import MONDAY, _form

META = json.dumps({"channel": PROJECT_CHANNEL, "channel_name": "proj-apollo"})


def _opened_form(slack: SlackSender, fake: FakeSlack, user: str) -> dict[str, Any]:
    """The new-item modal as `/action` alone opens it."""
    slack.command("/action", "", user_id=user, channel_id=PROJECT_CHANNEL)
    view: dict[str, Any] = fake.calls_to("views.open")[-1].args["view"]
    return view


def _submit(slack: SlackSender, view: dict[str, Any], values: dict[str, Any], user: str = "U0DEV2") -> Any:
    with frozen(MONDAY):
        return slack.view_submission(user_id=user, callback_id="action_create", private_metadata=META,
                                     values=values, view=view)  # fmt: skip


def _click(slack: SlackSender, button: dict[str, Any], user: str, **where: Any) -> Any:
    with frozen(MONDAY):  # the same day: a form is kept for a week
        return slack.block_action(user_id=user, action_id=button["action_id"], value=button["value"], **where)


def _reopen_button(fake: FakeSlack, user: str) -> dict[str, Any]:
    [message] = [m for m in fake.messages(f"D{user}") if "couldn't save" in str(m.get("text"))]
    [button] = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return dict(button)


def test_a_form_that_fails_after_closing_is_told_and_opens_again_as_typed(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """An owner who is a bot is only known once Slack is asked: the form has closed by then, so the person gets a
    DM saying why, nothing is saved, and "Open it again" opens the form filled in as typed with the error beside
    the owner field."""
    view = _opened_form(slack, fake_slack, "U0DEV2")
    values = _form("ship the release notes", fake_slack.bot_user_id, "2026-11-27", "15:00", notes="with the changelog")
    ack = _submit(slack, view, values)
    assert (200, b"") == (ack.status, ack.body)  # closed at once
    assert [] == items(session)
    [told] = [t for t in dm_texts(fake_slack, "U0DEV2") if "couldn't save" in t]
    assert "is a bot" in told and "Nothing was saved" in told
    button = _reopen_button(fake_slack, "U0DEV2")
    opened = len(fake_slack.calls_to("views.open"))
    _click(slack, button, "U0DEV2")
    [again] = [c.args["view"] for c in fake_slack.calls_to("views.open")[opened:]]
    assert ("action_create", META) == (again["callback_id"], again["private_metadata"])
    by_id = {b.get("block_id"): b for b in again["blocks"]}
    assert "ship the release notes" == by_id["title"]["element"]["initial_value"]
    assert fake_slack.bot_user_id == by_id["owner"]["element"]["initial_user"]
    assert ("2026-11-27", "15:00") == (by_id["due_date"]["element"]["initial_date"],
                                       by_id["due_time"]["element"]["initial_time"])  # fmt: skip
    assert "with the changelog" == by_id["notes"]["element"]["initial_value"]
    after_owner = again["blocks"][again["blocks"].index(by_id["owner"]) + 1]
    assert "context" == after_owner["type"] and "is a bot" in after_owner["elements"][0]["text"]
    assert not {"id", "hash", "state"} & set(again)  # what Slack adds to a view, and refuses back


def test_the_form_opened_again_saves_once_corrected(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Submitted again with a person as owner, the kept form saves the item, once."""
    view = _opened_form(slack, fake_slack, "U0DEV2")
    _submit(slack, view, _form("ship the release notes", fake_slack.bot_user_id, None, None))
    button = _reopen_button(fake_slack, "U0DEV2")
    _click(slack, button, "U0DEV2")
    again = fake_slack.calls_to("views.open")[-1].args["view"]
    assert (200, b"") == _status(_submit(slack, again, _form("ship the release notes", "U0DEV3", None, None)))
    assert [("ship the release notes", "U0DEV3")] == [(i.title, i.owner_id) for i in items(session)]


def _status(response: Any) -> tuple[int, bytes]:
    return response.status, response.body


def test_only_its_author_can_open_a_kept_form(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """Someone else with the button's value (a forwarded message, a guessed id) gets no form and no text of it."""
    view = _opened_form(slack, fake_slack, "U0DEV2")
    _submit(slack, view, _form("the secret plan", fake_slack.bot_user_id, None, None))
    button = _reopen_button(fake_slack, "U0DEV2")
    opened = len(fake_slack.calls_to("views.open"))
    _click(slack, button, "U0DEV1", channel_id=PROJECT_CHANNEL)
    assert opened == len(fake_slack.calls_to("views.open"))
    said = [str(c.args) for c in fake_slack.calls if c.method in ("chat.postEphemeral", "chat.postMessage")]
    assert any("no longer kept" in s for s in said) and not any("secret plan" in s for s in said[-1:])


def test_what_the_form_alone_shows_is_wrong_stays_beside_the_field(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """An empty title, or a time without a date, is answered in the acknowledgement: the form stays open, nothing
    is asked of the database or Slack, nothing is kept."""
    view = _opened_form(slack, fake_slack, "U0DEV2")
    calls = len(fake_slack.calls)
    body = _submit(slack, view, _form("   ", "U0DEV3", None, "10:00")).json()
    assert "errors" == body["response_action"]
    assert {"title": "What needs doing?", "due_date": "Pick a date for that time too."} == body["errors"]
    assert calls == len(fake_slack.calls) and [] == items(session)


def test_a_kept_form_is_gone_after_a_week(slack: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """The scheduler's housekeeping deletes a form kept for over a week; its button then says so."""
    view = _opened_form(slack, fake_slack, "U0DEV2")
    _submit(slack, view, _form("ship the release notes", fake_slack.bot_user_id, None, None))
    button = _reopen_button(fake_slack, "U0DEV2")
    with session.begin():
        assert 0 == forms.forget_old(session, now=MONDAY + timedelta(days=6))
        assert 1 == forms.forget_old(session, now=MONDAY + timedelta(days=8))
    opened = len(fake_slack.calls_to("views.open"))
    _click(slack, button, "U0DEV2")
    assert opened == len(fake_slack.calls_to("views.open"))
    assert any("no longer kept" in t for t in dm_texts(fake_slack, "U0DEV2"))


def test_a_form_failing_twice_shows_only_the_latest_problem(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Opened again and failing again, the form carries the new error, not the old one beside it."""
    fake_slack.add_user("U0GONE", name="gone", deleted=True)
    view = _opened_form(slack, fake_slack, "U0DEV2")
    _submit(slack, view, _form("ship the release notes", fake_slack.bot_user_id, None, None))
    _click(slack, _reopen_button(fake_slack, "U0DEV2"), "U0DEV2")
    again = fake_slack.calls_to("views.open")[-1].args["view"]
    _submit(slack, again, _form("ship the release notes", "U0GONE", None, None))
    buttons = [b for m in fake_slack.messages("DU0DEV2") for b in m.get("blocks") or [] if b["type"] == "actions"]
    _click(slack, buttons[-1]["elements"][0], "U0DEV2")
    third = fake_slack.calls_to("views.open")[-1].args["view"]
    problems = [b["elements"][0]["text"] for b in third["blocks"] if b["type"] == "context"]
    assert 1 == len(problems) and "is a bot" not in problems[0], problems
    assert [] == items(session)


def test_a_form_in_a_slack_connect_channel_is_kept_for_the_installing_workspace(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A submitter from another organisation carries their own team in the payload; the form is kept under the
    workspace that installed pmbot (Slack's view.app_installed_team_id), so its button opens it."""
    view = _opened_form(slack, fake_slack, "U0DEV2")
    values = _form("ship the release notes", fake_slack.bot_user_id, None, None)
    payload = slack._interaction("view_submission", "U0DEV2", None)
    payload["team"] = {"id": "T0OTHER", "domain": "partner"}
    payload["user"]["team_id"] = "T0OTHER"
    payload["view"] = {**view, "id": "V9", "callback_id": "action_create", "private_metadata": META,
                       "state": {"values": values}, "app_installed_team_id": slack.team_id}  # fmt: skip
    with frozen(MONDAY):
        assert 200 == slack.post_interaction(payload).status
    _click(slack, _reopen_button(fake_slack, "U0DEV2"), "U0DEV2")
    again = fake_slack.calls_to("views.open")[-1].args["view"]
    assert (
        "ship the release notes" == {b.get("block_id"): b for b in again["blocks"]}["title"]["element"]["initial_value"]
    )
    assert [slack.team_id] == [w.team_id for w in session.scalars(select(Workspace))]  # no workspace invented


def test_a_form_that_cannot_be_kept_gives_back_what_was_typed(
    slack: SlackSender, fake_slack: FakeSlack, engine: Engine, session: Session
) -> None:
    """With the database refusing every write, the form cannot be saved nor kept: the DM says so once, and holds
    what was typed, so nothing is lost."""
    view = _opened_form(slack, fake_slack, "U0DEV2")

    def refuse(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            raise OperationalError(statement, {}, Exception("the disk is full"))

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        _submit(slack, view, _form("ship the release notes", "U0DEV3", None, None, notes="and the <b>changelog"))
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
    [message] = [m for m in fake_slack.messages("DU0DEV2") if "couldn't save" in str(m.get("text"))]
    shown = str(message["blocks"])
    assert 1 == str(message["text"]).count("Nothing was saved")
    assert "ship the release notes" in shown and "and the &lt;b&gt;changelog" in shown
    assert not [b for b in message["blocks"] if b["type"] == "actions"] and [] == items(session)


def test_a_refusal_about_the_record_itself_offers_no_form_to_open_again(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A form about a record the person may not change (here: an item that no longer exists) is refused in the DM
    with no button: opening it again could not help."""
    with frozen(MONDAY):
        slack.view_submission(user_id="U0DEV2", callback_id="action_edit_submit", values=_form("x", None, None, None),
                              private_metadata=json.dumps({"ref": "A-99"}))  # fmt: skip
    [message] = [m for m in fake_slack.messages("DU0DEV2") if "couldn't save" in str(m.get("text"))]
    assert not [b for b in message["blocks"] if b["type"] == "actions"]
