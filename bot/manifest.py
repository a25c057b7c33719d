"""The Slack app manifest shipped in `manifests/manifest.yaml`, with request URLs filled in."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import yaml

from bot.web import REDIRECT_PATH, SLACK_PATH


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
