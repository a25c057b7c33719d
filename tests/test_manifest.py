"""The manifest is the single source of truth: every entry has a listener and every listener an entry."""

from __future__ import annotations

from typing import Any

import yaml

from bot.app import PmbotApp
from bot.manifest import load, render
from handlers.ids import Action


def test_every_manifest_command_has_a_listener_and_back(app: PmbotApp) -> None:
    """The slash commands in the manifest are exactly the commands with listeners."""
    manifest = {c["command"] for c in load()["features"].get("slash_commands", [])}
    assert manifest == app.registered.commands


def test_every_manifest_event_has_a_listener_and_back(app: PmbotApp) -> None:
    """The bot events in the manifest are exactly the events with listeners."""
    assert set(load()["settings"]["event_subscriptions"]["bot_events"]) == app.registered.events


def test_every_manifest_shortcut_has_a_listener_and_back(app: PmbotApp) -> None:
    """The shortcuts in the manifest are exactly the shortcuts with listeners."""
    manifest = {s["callback_id"] for s in load()["features"].get("shortcuts", [])}
    assert manifest == app.registered.shortcuts


def test_every_registered_action_is_a_declared_constant(app: PmbotApp) -> None:
    """Each action id with a listener is one of the Action constants (no stray string ids)."""
    assert app.registered.actions <= {a.value for a in Action}


def test_commands_have_descriptions_and_usage_hints() -> None:
    """Every slash command tells people what it does and how to call it."""
    for command in load()["features"]["slash_commands"]:
        assert command["description"] and command["usage_hint"], command["command"]
        assert command["should_escape"] is True  # we receive <@U…> ids, never bare names


def test_render_points_every_request_url_at_the_given_host() -> None:
    """`pmbot manifest --url` puts the host's /slack/events in every request URL."""
    manifest: dict[str, Any] = yaml.safe_load(render(base_url="https://bot.example.org/"))
    url = "https://bot.example.org/slack/events"
    assert {url} == {c["url"] for c in manifest["features"]["slash_commands"]}
    assert url == manifest["settings"]["event_subscriptions"]["request_url"]
    assert url == manifest["settings"]["interactivity"]["request_url"]


def test_socket_mode_manifest_has_no_request_urls() -> None:
    """The Socket Mode manifest enables socket mode and names no URL."""
    text = render(base_url="https://unused.example", socket_mode=True)
    assert "unused.example" not in text
    assert yaml.safe_load(text)["settings"]["socket_mode_enabled"] is True


def test_home_tab_and_bot_user_are_enabled() -> None:
    """The app has a bot user and a Home tab (the dashboard lives there)."""
    features = load()["features"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["bot_user"]["display_name"]
