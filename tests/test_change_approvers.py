"""Who a change request goes to, and what it proposes once the baseline it was raised on has moved."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from sandbox.standin import FakeSlack
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_changes import MONDAY, _changes, _click, _milestone, _raise, _requests, _say


@pytest.fixture
def uat(slack: SlackSender, factory: sessionmaker[Session]) -> int:
    """A project led by U0LEAD with one milestone, M-UAT, due Friday 15 January 2027 (as in test_changes)."""
    with frozen(MONDAY):
        slack.command("/pm", "config leads <@U0LEAD>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    return _milestone(factory, PROJECT_CHANNEL)


def test_nobody_approves_their_own_request_while_someone_else_can(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """The schedule's approvers are the requester and a lead: the request goes to the lead alone, and the requester
    cannot approve it from anywhere."""
    _say(slack, "approvers schedule <@U0DEV1|dev-la> <@U0LEAD|lead-berlin>")
    _raise(slack, fake_slack, chosen=[uat])  # raised by U0DEV1
    [change] = _changes(session)
    assert ["U0LEAD"] == change.approver_ids
    assert [] == _requests(fake_slack, "U0DEV1") and 1 == len(_requests(fake_slack, "U0LEAD"))
    with frozen(MONDAY):
        slack.command("/change", "approve CR-1", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    assert ["pending"] == [c.status for c in _changes(session)]


def test_a_lead_raising_one_where_only_they_approve_sends_it_to_the_other_leads(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """The category's one approver raises it: the project's other leads approve it instead. With no other lead,
    the one-person project's lead approves their own."""
    with frozen(MONDAY):
        slack.command("/pm", "config leads <@U0LEAD> <@U0DEV2>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    _say(slack, "approvers schedule <@U0DEV1|dev-la>")
    _raise(slack, fake_slack, chosen=[uat])
    [change] = _changes(session)
    assert ["U0LEAD", "U0DEV2"] == change.approver_ids

    with frozen(MONDAY):
        slack.command("/pm", "config leads <@U0DEV1>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    assert "the leads" in str(_say(slack, "approvers schedule leads", user="U0DEV1")["blocks"])
    _raise(slack, fake_slack, chosen=[uat])
    assert ["U0DEV1"] == _changes(session)[1].approver_ids


def test_a_request_still_shows_what_it_asked_for_after_another_moved_the_baseline(
    slack: SlackSender, fake_slack: FakeSlack, session: Session, uat: int
) -> None:
    """CR-1 and CR-2 both ask for a week from Jan 15; CR-1 is approved (Jan 22). CR-2 still reads Jan 15 → Jan 22
    (what its requester asked, and why approving it is refused), not a week from the new baseline."""
    _raise(slack, fake_slack, chosen=[uat], title="Move UAT a week")
    _raise(slack, fake_slack, chosen=[uat], title="UAT a week later")
    first = next(m for m in _requests(fake_slack, "U0LEAD") if "CR-1" in str(m["text"]))
    _click(slack, "U0LEAD", "change_approve", first, channel="DU0LEAD")
    shown = str(_say(slack, "show CR-2")["blocks"])
    assert "|Jan 15> → <!date^" in shown and "|Jan 22>" in shown and "|Jan 29>" not in shown, shown
