"""Members: profiles come from users.info (with locale) and are fetched again only when stale."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from bot.settings import Settings
from bot.slack_client import make_client
from domain.errors import NotFound
from domain.workspaces import workspace_for
from handlers.directory import fetch_member
from sandbox.standin import FakeSlack
from tests.test_outbox import NOW


def test_first_sight_fetches_profile_with_locale(session: Session, settings: Settings, fake_slack: FakeSlack) -> None:
    """An unknown member is fetched with include_locale and stored with time zone and locale."""
    workspace = workspace_for(session, team_id="T0001", now=NOW)
    member = fetch_member(session, make_client(settings), workspace_id=workspace.id, user_id="U0DEV3", at=NOW)
    assert ("Asia/Kathmandu", "en-US", "dev-kathmandu") == (member.time_zone, member.locale, member.name)
    [call] = fake_slack.calls_to("users.info")
    assert str(call.args["include_locale"]).lower() in ("true", "1")


def test_a_fresh_profile_is_not_fetched_again(session: Session, settings: Settings, fake_slack: FakeSlack) -> None:
    """Within a day the cached profile is used; after it, users.info is asked again and a new zone taken."""
    workspace = workspace_for(session, team_id="T0001", now=NOW)
    client = make_client(settings)
    fetch_member(session, client, workspace_id=workspace.id, user_id="U0DEV1", at=NOW)
    fetch_member(session, client, workspace_id=workspace.id, user_id="U0DEV1", at=NOW + timedelta(hours=23))
    assert 1 == len(fake_slack.calls_to("users.info"))
    fake_slack.set_user_tz("U0DEV1", "America/Denver")
    member = fetch_member(session, client, workspace_id=workspace.id, user_id="U0DEV1", at=NOW + timedelta(hours=25))
    assert 2 == len(fake_slack.calls_to("users.info"))
    assert "America/Denver" == member.time_zone


def test_an_unknown_user_is_a_clear_error(session: Session, settings: Settings, fake_slack: FakeSlack) -> None:
    """A user Slack does not know is reported as not found, not as a crash."""
    workspace = workspace_for(session, team_id="T0001", now=NOW)
    with pytest.raises(NotFound):
        fetch_member(session, make_client(settings), workspace_id=workspace.id, user_id="U0NOBODY", at=NOW)


def test_a_slack_outage_falls_back_to_the_cached_profile(
    session: Session, settings: Settings, fake_slack: FakeSlack
) -> None:
    """When users.info fails for a stale member, yesterday's profile is used rather than failing the request."""
    workspace = workspace_for(session, team_id="T0001", now=NOW)
    client = make_client(settings, patient=False)
    fetch_member(session, client, workspace_id=workspace.id, user_id="U0DEV2", at=NOW)
    fake_slack.fail_next("users.info", status=500)
    member = fetch_member(session, client, workspace_id=workspace.id, user_id="U0DEV2", at=NOW + timedelta(days=2))
    assert "Asia/Kolkata" == member.time_zone
