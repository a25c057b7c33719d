"""The Slack app manifest shipped in `manifests/manifest.yaml`, with request URLs filled in."""

from __future__ import annotations

import re
from importlib.resources import files
from typing import Any

import yaml

# Where Slack reaches the app (the manifest's request URLs, and what `pmbot serve` answers).
SLACK_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"  # "Add to Slack" (OAuth mode only)
REDIRECT_PATH = "/slack/oauth_redirect"


def load() -> dict[str, Any]:
    """Return the manifest as data."""
    data: dict[str, Any] = yaml.safe_load(files("manifests").joinpath("manifest.yaml").read_text("utf-8"))
    return data


def bot_scopes() -> list[str]:
    """The bot scopes pmbot asks for when a workspace installs it."""
    return list(load()["oauth_config"]["scopes"]["bot"])


def render(*, base_url: str, socket_mode: bool = False) -> str:
    """Return the manifest as YAML, every request URL pointing at `base_url` (or none, for Socket Mode)."""
    manifest = load()
    url = base_url.rstrip("/") + SLACK_PATH
    features, settings = manifest["features"], manifest["settings"]
    for command in features.get("slash_commands", []):
        _point(command, url, socket_mode)
    _point(settings["event_subscriptions"], url, socket_mode)
    _point(settings["interactivity"], url, socket_mode)
    if not socket_mode:  # where "Add to Slack" returns to (used only when installed over OAuth)
        manifest["oauth_config"]["redirect_urls"] = [base_url.rstrip("/") + REDIRECT_PATH]
    settings["socket_mode_enabled"] = socket_mode
    return yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)


def _point(section: dict[str, Any], url: str, socket_mode: bool) -> None:
    key = "url" if "url" in section else "request_url"
    if socket_mode:
        section.pop(key, None)
    else:
        section[key] = url


# Slack's own slash commands: an app may not register any of them, and Slack rejects the whole manifest if it does.
BUILT_IN_COMMANDS = frozenset(
    {
        "/active",
        "/archive",
        "/away",
        "/call",
        "/collapse",
        "/dm",
        "/dnd",
        "/expand",
        "/feed",
        "/giphy",
        "/invite",
        "/join",
        "/kick",
        "/leave",
        "/me",
        "/msg",
        "/mute",
        "/open",
        "/remind",
        "/remove",
        "/rename",
        "/search",
        "/shortcuts",
        "/shrug",
        "/star",
        "/status",
        "/topic",
        "/who",
    }
)
COMMAND_NAME = re.compile(r"/[a-z0-9_-]{1,31}")
LIMITS = {  # Slack's published manifest limits (characters, or entries for lists)
    "name": 35,
    "description": 140,
    "long_description": 4000,
    "display_name": 80,
    "commands": 50,
    "command_description": 2000,
    "usage_hint": 1000,
    "shortcuts": 10,
    "shortcut_description": 150,
    "callback_id": 255,
    "bot_events": 100,
    "scopes": 255,
}
LONG_DESCRIPTION_MIN = 174
DISPLAY_NAME = re.compile(r"[a-z0-9._-]{1,80}")


def problems(manifest: dict[str, Any]) -> list[str]:
    """Return what Slack would refuse in `manifest` under its published rules (empty when it would accept it)."""
    found: list[str] = []
    info, features = manifest.get("display_information") or {}, manifest.get("features") or {}

    def too_long(what: str, text: Any, limit: str) -> None:
        if len(str(text or "")) > LIMITS[limit]:
            found.append(f"{what} is {len(str(text))} characters; Slack allows {LIMITS[limit]}")

    if not info.get("name"):
        found.append("display_information.name is missing")
    too_long("display_information.name", info.get("name"), "name")
    too_long("display_information.description", info.get("description"), "description")
    long_description = str(info.get("long_description") or "")
    if long_description and not LONG_DESCRIPTION_MIN <= len(long_description) <= LIMITS["long_description"]:
        found.append(f"display_information.long_description must be {LONG_DESCRIPTION_MIN}-4000 characters")
    display_name = str((features.get("bot_user") or {}).get("display_name") or "")
    if not DISPLAY_NAME.fullmatch(display_name):
        found.append(f"bot_user.display_name {display_name!r} must be 1-80 of a-z, 0-9, '.', '_' and '-'")
    commands = features.get("slash_commands") or []
    if len(commands) > LIMITS["commands"]:
        found.append(f"{len(commands)} slash commands; Slack allows {LIMITS['commands']}")
    seen: set[str] = set()
    for command in commands:
        name = str(command.get("command") or "")
        if not COMMAND_NAME.fullmatch(name):
            found.append(f"{name!r}: a command is '/' and 1-31 of lowercase letters, digits, '-' and '_'")
        if name in BUILT_IN_COMMANDS:
            found.append(f"{name} is one of Slack's built-in commands; no app may register it")
        if name in seen:
            found.append(f"{name} is registered twice")
        seen.add(name)
        if not command.get("description"):
            found.append(f"{name} has no description")
        too_long(f"{name}'s description", command.get("description"), "command_description")
        too_long(f"{name}'s usage_hint", command.get("usage_hint"), "usage_hint")
    shortcuts = features.get("shortcuts") or []
    if len(shortcuts) > LIMITS["shortcuts"]:
        found.append(f"{len(shortcuts)} shortcuts; Slack allows {LIMITS['shortcuts']}")
    for shortcut in shortcuts:
        label = f"shortcut {shortcut.get('name')!r}"
        if shortcut.get("type") not in ("global", "message") or not shortcut.get("callback_id"):
            found.append(f"{label} needs a type (global or message) and a callback_id")
        too_long(f"{label}'s description", shortcut.get("description"), "shortcut_description")
        too_long(f"{label}'s callback_id", shortcut.get("callback_id"), "callback_id")
    events = ((manifest.get("settings") or {}).get("event_subscriptions") or {}).get("bot_events") or []
    if len(events) > LIMITS["bot_events"]:
        found.append(f"{len(events)} bot events; Slack allows {LIMITS['bot_events']}")
    scopes = ((manifest.get("oauth_config") or {}).get("scopes") or {}).get("bot") or []
    if len(scopes) > LIMITS["scopes"]:
        found.append(f"{len(scopes)} bot scopes; Slack allows {LIMITS['scopes']}")
    return found
