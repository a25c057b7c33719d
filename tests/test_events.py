"""Events API callbacks: retries processed once, profiles kept fresh, the Home tab published."""

from __future__ import annotations

from sqlalchemy.orm import Session

from domain import members
from domain.workspaces import workspace_for
from sandbox.standin import FakeSlack
from tests.slack_requests import SlackSender
from tests.test_outbox import NOW


def _home_opened(user: str = "U0DEV1") -> dict[str, object]:
    return {"type": "app_home_opened", "user": user, "channel": "D0DEV1", "tab": "home"}


def test_a_retried_event_is_processed_once(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """The same event_id delivered again with X-Slack-Retry-Num is acknowledged and does nothing more."""
    first = slack.event(_home_opened(), event_id="Ev0001")
    retry = slack.event(_home_opened(), event_id="Ev0001", retry_num=1, retry_reason="http_timeout")
    assert (200, 200) == (first.status, retry.status)
    assert 1 == len(fake_slack.calls_to("views.publish"))


def test_distinct_events_are_each_processed(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """Two different event ids are two pieces of work."""
    slack.event(_home_opened(), event_id="Ev0001")
    slack.event(_home_opened(), event_id="Ev0002")
    assert 2 == len(fake_slack.calls_to("views.publish"))


def test_home_tab_shows_how_to_start(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """Opening the Home tab publishes a home view for that user that explains how to start."""
    slack.event(_home_opened("U0DEV2"), event_id="Ev0003")
    view = fake_slack.home_view("U0DEV2")
    assert view is not None
    assert "/pm help" in str(view["blocks"])


def test_user_change_updates_the_cached_time_zone(slack: SlackSender, session: Session) -> None:
    """A user_change event stores the person's new time zone."""
    profile = {"id": "U0DEV1", "name": "dev-la", "real_name": "Developer", "tz": "Europe/Lisbon", "profile": {}}
    response = slack.event({"type": "user_change", "user": profile}, event_id="Ev0004")
    assert 200 == response.status
    workspace = workspace_for(session, team_id="T0001", now=NOW)
    member = members.find(session, workspace_id=workspace.id, user_id="U0DEV1")
    assert member is not None
    assert "Europe/Lisbon" == member.time_zone
