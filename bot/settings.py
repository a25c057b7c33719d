"""Settings: read once from the environment (and a `.env` file), typed, frozen, validated at start."""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

SLACK_API_DEFAULT = "https://slack.com/api/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_BODY_DEFAULT = 1024 * 1024  # Slack's largest payloads (a full modal's state) are a few dozen KB


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


@dataclass(frozen=True)
class Settings:
    """Everything pmbot reads from its environment."""

    bot_token: str | None
    signing_secret: str | None
    app_token: str | None
    database_url: str
    slack_api_url: str
    port: int
    log_level: str
    tick_seconds: int
    client_id: str | None = None
    client_secret: str | None = None
    encryption_keys: tuple[str, ...] = ()  # Fernet keys: the first encrypts, every one decrypts
    uninstall_grace_days: int = 30
    retention_days: int | None = None  # purge closed items older than this; None keeps them
    host: str = "0.0.0.0"  # every interface, as hosting platforms need; 127.0.0.1 behind a proxy on the same host
    max_body_bytes: int = MAX_BODY_DEFAULT  # larger requests are refused (413) before they are read
    allow_plaintext_tokens: bool = False  # OAuth mode without PMBOT_ENCRYPTION_KEY, on purpose

    @property
    def oauth(self) -> bool:
        """Whether pmbot is installed to many workspaces over OAuth (else one workspace, SLACK_BOT_TOKEN)."""
        return bool(self.client_id and self.client_secret)

    def require(self, *names: str) -> Settings:
        """Return self, or raise SettingsError naming the first required setting that is absent."""
        for name in names:
            if not getattr(self, _FIELD_OF[name]):
                raise SettingsError(f"{name} is not set: {_WHERE[name]}")
        return self

    def require_encryption(self) -> Settings:
        """Return self, or raise SettingsError if OAuth tokens would be stored in clear text without an opt-out."""
        if self.oauth and not self.encryption_keys and not self.allow_plaintext_tokens:
            raise SettingsError(
                "PMBOT_ENCRYPTION_KEY is not set: OAuth mode keeps every workspace's bot token in the database; "
                "set a key (`pmbot new-key` makes one), or PMBOT_ALLOW_PLAINTEXT_TOKENS=1 to store them in clear text"
            )
        return self

    def secrets(self) -> list[str]:
        """Return the secret values (the database password too), so logging can redact them."""
        password = make_url(self.database_url).password
        values = (self.bot_token, self.signing_secret, self.app_token, self.client_secret, password)
        return [s for s in (*values, *self.encryption_keys) if s]


_FIELD_OF = {
    "SLACK_BOT_TOKEN": "bot_token",
    "SLACK_SIGNING_SECRET": "signing_secret",
    "SLACK_APP_TOKEN": "app_token",
    "SLACK_CLIENT_ID": "client_id",
}
_WHERE = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-...) from your Slack app's OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "the Signing Secret from your Slack app's Basic Information page",
    "SLACK_APP_TOKEN": "an app-level token (xapp-...) with connections:write, from Basic Information",
    "SLACK_CLIENT_ID": "the Client ID and Client Secret from Basic Information (needed to install over OAuth)",
}


def load_settings(environ: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")) -> Settings:
    """Read and validate settings; raise SettingsError naming the first bad one."""
    env = dict(os.environ if environ is None else environ)
    if dotenv is not None and dotenv.is_file():
        from dotenv import dotenv_values

        for key, value in dotenv_values(dotenv).items():
            if value is not None:
                env.setdefault(key, value)
    return Settings(
        bot_token=_token(env, "SLACK_BOT_TOKEN", "xoxb-"),
        signing_secret=_signing_secret(env),
        app_token=_token(env, "SLACK_APP_TOKEN", "xapp-"),
        database_url=_database_url(env.get("DATABASE_URL", "")),
        slack_api_url=_api_url(env.get("SLACK_API_URL", "")),
        port=_int(env, "PORT", 3000, 1, 65535),
        log_level=_log_level(env.get("LOG_LEVEL", "")),
        tick_seconds=_int(env, "PMBOT_TICK_SECONDS", 30, 1, 3600),
        **_oauth(env),
        encryption_keys=_encryption_keys(env.get("PMBOT_ENCRYPTION_KEY", "")),
        uninstall_grace_days=_int(env, "PMBOT_UNINSTALL_GRACE_DAYS", 30, 0, 3650),
        retention_days=_int(env, "PMBOT_RETENTION_DAYS", 0, 0, 36500) or None,
        host=_host(env.get("HOST", "")),
        max_body_bytes=_int(env, "PMBOT_MAX_BODY_BYTES", MAX_BODY_DEFAULT, 1024, 64 * 1024 * 1024),
        allow_plaintext_tokens=_flag(env, "PMBOT_ALLOW_PLAINTEXT_TOKENS"),
    )


def _oauth(env: Mapping[str, str]) -> dict[str, str | None]:
    client_id, client_secret = env.get("SLACK_CLIENT_ID", "").strip(), env.get("SLACK_CLIENT_SECRET", "").strip()
    if bool(client_id) != bool(client_secret):
        missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
        raise SettingsError(f"{missing} is not set: OAuth installs need both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    if client_id and not re.fullmatch(r"[0-9]+\.[0-9]+", client_id):
        raise SettingsError("SLACK_CLIENT_ID is malformed: it should look like 1234567890.1234567890")
    return {"client_id": client_id or None, "client_secret": client_secret or None}


def _encryption_keys(raw: str) -> tuple[str, ...]:
    """Comma-separated Fernet keys (`pmbot new-key` makes one); the first encrypts, all of them decrypt."""
    keys = tuple(k.strip() for k in raw.split(",") if k.strip())
    for key in keys:
        try:
            ok = len(base64.urlsafe_b64decode(key.encode())) == 32
        except (binascii.Error, ValueError):
            ok = False
        if not ok:
            raise SettingsError("PMBOT_ENCRYPTION_KEY is malformed: expected Fernet keys (`pmbot new-key` makes one)")
    return keys


def _token(env: Mapping[str, str], name: str, prefix: str) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    if not value.startswith(prefix) or len(value) < len(prefix) + 4:
        raise SettingsError(f"{name} is malformed: it should start with {prefix}")
    return value


def _signing_secret(env: Mapping[str, str]) -> str | None:
    value = env.get("SLACK_SIGNING_SECRET", "").strip()
    if not value:
        return None
    if not re.fullmatch(r"[0-9A-Za-z]{8,}", value):
        raise SettingsError("SLACK_SIGNING_SECRET is malformed: it should be the hex string Slack shows")
    return value


def _database_url(raw: str) -> str:
    value = raw.strip() or f"sqlite:///{Path.cwd() / 'pmbot.db'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    value = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", value)
    try:
        url = make_url(value)
        url.port  # noqa: B018  (a non-numeric port only fails when read)
    except (ArgumentError, ValueError):
        raise SettingsError("DATABASE_URL is malformed: expected a URL such as sqlite:///pmbot.db") from None
    if url.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise SettingsError("DATABASE_URL is malformed: pmbot supports sqlite:/// and postgresql:// URLs")
    return value


def _api_url(raw: str) -> str:
    value = raw.strip() or SLACK_API_DEFAULT
    if not re.match(r"^https?://[^/\s]+", value):
        raise SettingsError("SLACK_API_URL is malformed: expected an http(s) URL such as https://slack.com/api/")
    return value if value.endswith("/") else value + "/"


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SettingsError(f"{name} is malformed: expected a whole number from {low} to {high}")
    return int(raw)


def _host(raw: str) -> str:
    value = raw.strip().strip("[]") or "0.0.0.0"
    if not re.fullmatch(r"[0-9A-Za-z.:-]+", value):
        raise SettingsError("HOST is malformed: expected an address such as 127.0.0.1 or 0.0.0.0")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw not in ("", "0", "1", "false", "true", "no", "yes"):
        raise SettingsError(f"{name} is malformed: expected 1 or 0")
    return raw in ("1", "true", "yes")


def _log_level(raw: str) -> str:
    value = (raw.strip() or "INFO").upper()
    if value not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL is malformed: expected one of {', '.join(LOG_LEVELS)}")
    return value
