"""`/pm config`: a channel's project settings, changed only by its leads once it has some."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from domain.workspaces import find_project, parse_days, parse_hours, workspace_for
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_outbox import NOW


def _project(session: Session):  # type: ignore[no-untyped-def]
    workspace = workspace_for(session, team_id="T0001", now=NOW)
    return find_project(session, workspace_id=workspace.id, channel_id=PROJECT_CHANNEL)


def test_config_sets_zone_hours_days_leads_and_escalation(slack: SlackSender, session: Session) -> None:
    """Each `/pm config` setting is stored and the answer shows the saved settings."""
    for text in (
        "tz Asia/Kolkata",
        "hours 08:30-16:30",
        "days sun-thu",
        "escalation <#C0ESC|proj-escalations>",
        "leads <@U0LEAD|lead-berlin> <@U0DEV2|dev-kolkata>",
    ):
        response = slack.command("/pm", f"config {text}", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        assert "Project settings saved" in str(response.json()["blocks"]), text
    project = _project(session)
    assert project is not None
    assert "Asia/Kolkata" == project.time_zone
    assert (510, 990) == (project.workday_start_minute, project.workday_end_minute)
    assert [0, 1, 2, 3, 6] == sorted(project.working_days)
    assert ["U0LEAD", "U0DEV2"] == project.lead_user_ids
    assert "C0ESC" == project.escalation_channel_id


def test_only_leads_change_settings_once_there_are_leads(slack: SlackSender, session: Session) -> None:
    """After leads are named, anyone else is refused politely and nothing changes."""
    slack.command("/pm", "config leads <@U0LEAD|lead-berlin>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    response = slack.command("/pm", "config tz Europe/Paris", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    body = response.json()
    assert "ephemeral" == body["response_type"]
    assert "Only this project's leads" in body["text"]
    project = _project(session)
    assert project is not None and "UTC" == project.time_zone


def test_a_bad_value_is_refused_and_nothing_is_saved(slack: SlackSender, session: Session) -> None:
    """An unknown time zone gets an ephemeral error, and the project keeps its settings."""
    slack.command("/pm", "config tz Europe/Berlin", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    response = slack.command("/pm", "config tz Mars/Olympus", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    assert "not a time zone I know" in response.json()["text"]
    project = _project(session)
    assert project is not None and "Europe/Berlin" == project.time_zone


@pytest.mark.parametrize("name", ["America", "Europe/" + "x" * 300])
def test_a_folder_or_an_overlong_name_is_not_a_time_zone(slack: SlackSender, session: Session, name: str) -> None:
    """`America` (a folder of zones) and a name too long for a file are refused like any unknown zone."""
    response = slack.command("/pm", f"config tz {name}", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    assert "not a time zone I know" in response.json()["text"]
    project = _project(session)
    assert project is None or "UTC" == project.time_zone


def test_showing_settings_needs_no_rights(slack: SlackSender) -> None:
    """`/pm config` alone shows the settings to anyone."""
    response = slack.command("/pm", "config", user_id="U0DEV3", channel_id=PROJECT_CHANNEL)
    assert "Working hours:* 09:00-17:00" in response.json()["blocks"][1]["text"]["text"]


def test_hours_and_days_parsing() -> None:
    """Working hours and days read the way people write them."""
    assert (540, 1020) == parse_hours("9-17")
    assert (510, 1050) == parse_hours("08:30 - 17.30")
    assert [0, 1, 2, 3, 4] == parse_days("mon-fri")
    assert [0, 1, 2, 3, 6] == parse_days("sun-thu")
    assert [0, 2, 4] == parse_days("mon, wed, fri")
