"""The manifest is the single source of truth: every entry has a listener and every listener an entry."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import PmbotApp
from bot.manifest import BUILT_IN_COMMANDS, bot_scopes, load, problems, render
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


# Which bot scopes let a Web API method be called (any one of them will do), from Slack's method reference.
# A method the code calls that is missing here fails the test below: look its scope up and add it.
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "auth.test": frozenset({"none"}),
    "oauth.v2.access": frozenset({"none"}),
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.delete": frozenset({"chat:write"}),
    "chat.getPermalink": frozenset({"none"}),
    "conversations.members": frozenset({"channels:read", "groups:read", "im:read", "mpim:read"}),
    "conversations.info": frozenset({"channels:read", "groups:read", "im:read", "mpim:read"}),
    "conversations.open": frozenset({"im:write", "mpim:write"}),
    "conversations.history": frozenset({"channels:history", "groups:history", "im:history", "mpim:history"}),
    "conversations.replies": frozenset({"channels:history", "groups:history", "im:history", "mpim:history"}),
    "users.conversations": frozenset({"channels:read", "groups:read", "im:read", "mpim:read"}),
    "users.info": frozenset({"users:read"}),
    "users.list": frozenset({"users:read"}),
    "views.open": frozenset({"none"}),
    "views.push": frozenset({"none"}),
    "views.update": frozenset({"none"}),
    "views.publish": frozenset({"none"}),
    "reactions.add": frozenset({"reactions:write"}),
    "reactions.remove": frozenset({"reactions:write"}),
    "files.getUploadURLExternal": frozenset({"files:write"}),
    "files.completeUploadExternal": frozenset({"files:write"}),
    "team.info": frozenset({"team:read"}),
}
# slack_sdk helpers that call several methods.
CLIENT_HELPERS = {"files_upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal")}
# Which bot scope an event subscription needs (None: no scope), from Slack's event reference.
EVENT_SCOPES: dict[str, str | None] = {
    "app_home_opened": None,
    "app_uninstalled": None,
    "tokens_revoked": None,
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
    "user_change": "users:read",
    "team_join": "users:read",
    "member_joined_channel": "channels:read",
    "member_left_channel": "channels:read",
    "channel_archive": "channels:read",
    "channel_unarchive": "channels:read",
    "group_archive": "groups:read",
    "group_unarchive": "groups:read",
}
METHOD_LITERAL = re.compile(r"\"((?:chat|conversations|users|views|reactions|files|team|auth)\.[A-Za-z.]+)\"")
SOURCE_PACKAGES = ("bot", "handlers", "domain", "storage")
STAND_INS = ("sandbox/standin", "sandbox")  # they answer Slack's methods; they do not call them


def _source_files() -> list[Path]:
    root = Path(__file__).resolve().parent.parent
    files = [p for package in SOURCE_PACKAGES for p in (root / package).rglob("*.py")]
    return [p for p in files if not any(part in p.as_posix() for part in STAND_INS)]


def methods_called() -> dict[str, str]:
    """Every Web API method pmbot's code calls, with one file that calls it."""
    found: dict[str, str] = {}
    for path in _source_files():
        text = path.read_text("utf-8")
        for name in re.findall(r"\bclient\.([a-z]+_[A-Za-z0-9_]+)\(", text):
            if name == "api_call":
                continue
            group, _, method = name.partition("_")
            for called in CLIENT_HELPERS.get(name, (f"{group}.{method}",)):
                found.setdefault(called, path.name)
        for called in METHOD_LITERAL.findall(text):
            found.setdefault(called, path.name)
    return found


def test_the_manifest_is_one_slack_accepts() -> None:
    """The shipped manifest breaks none of Slack's published manifest rules."""
    assert [] == problems(load())


@pytest.mark.parametrize("name", sorted(BUILT_IN_COMMANDS))
def test_a_built_in_command_name_is_refused(name: str) -> None:
    """A manifest that registers one of Slack's own commands (like /status) is refused, naming the command."""
    manifest = load()
    manifest["features"]["slash_commands"].append({"command": name, "description": "mine now"})
    assert [f"{name} is one of Slack's built-in commands; no app may register it"] == problems(manifest)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/Status-Report", "'/Status-Report': a command is '/' and 1-31 of lowercase letters, digits, '-' and '_'"),
        ("/" + "a" * 32, f"'/{'a' * 32}': a command is '/' and 1-31 of lowercase letters, digits, '-' and '_'"),
        ("/pm", "/pm is registered twice"),
    ],
)
def test_malformed_command_names_are_refused(command: str, expected: str) -> None:
    """Command names are lowercase letters, digits, '-' and '_', at most 32 characters with the slash, and unique."""
    manifest = load()
    manifest["features"]["slash_commands"].append({"command": command, "description": "x"})
    assert [expected] == problems(manifest)


def test_lengths_and_counts_over_slacks_limits_are_refused() -> None:
    """Too many commands, and a name, description, usage hint or display name past Slack's limits, are refused."""
    manifest = load()
    manifest["display_information"]["name"] = "p" * 36
    manifest["features"]["bot_user"]["display_name"] = "PM Bot"
    first = manifest["features"]["slash_commands"][0]
    first["usage_hint"] = "u" * 1001
    manifest["features"]["slash_commands"] += [{"command": f"/c{i}", "description": "x"} for i in range(50)]
    found = problems(manifest)
    assert "display_information.name is 36 characters; Slack allows 35" in found
    assert "bot_user.display_name 'PM Bot' must be 1-80 of a-z, 0-9, '.', '_' and '-'" in found
    assert f"{first['command']}'s usage_hint is 1001 characters; Slack allows 1000" in found
    assert f"{len(manifest['features']['slash_commands'])} slash commands; Slack allows 50" in found


def test_every_web_api_method_the_code_calls_has_a_declared_scope() -> None:
    """Each Slack method pmbot calls is allowed by a bot scope the manifest asks for."""
    scopes = set(bot_scopes()) | {"none"}
    called = methods_called()
    assert {"chat.postMessage", "views.publish", "users.info", "conversations.members"} <= set(called)
    unknown = sorted(m for m in called if m not in METHOD_SCOPES)
    assert [] == unknown, "add these methods' scopes (from Slack's method reference) to METHOD_SCOPES"
    uncovered = {m: sorted(METHOD_SCOPES[m]) for m in called if not METHOD_SCOPES[m] & scopes}
    assert {} == uncovered


def test_every_subscribed_event_has_its_scope_declared() -> None:
    """Each bot event the manifest subscribes to (and so each one pmbot listens to) has its scope declared."""
    events = load()["settings"]["event_subscriptions"]["bot_events"]
    unknown = sorted(e for e in events if e not in EVENT_SCOPES)
    assert [] == unknown, "add these events' scopes (from Slack's event reference) to EVENT_SCOPES"
    missing = {e: EVENT_SCOPES[e] for e in events if EVENT_SCOPES[e] and EVENT_SCOPES[e] not in bot_scopes()}
    assert {} == missing


def test_a_scope_missing_for_a_called_method_is_caught() -> None:
    """The scope check can fail: without users:read, users.info is reported as uncovered."""
    scopes = (set(bot_scopes()) - {"users:read"}) | {"none"}
    assert "users.info" in [m for m in methods_called() if not METHOD_SCOPES[m] & scopes]
