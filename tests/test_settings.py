"""Settings: read once, validated, one clear line and exit status 2 when something is wrong."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.logs import RedactingFormatter
from bot.settings import SettingsError, load_settings

GOOD = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "abcdef0123456789"}


def _pmbot(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT", "LOG_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_defaults(tmp_path: Path) -> None:
    """With only the tokens set: SQLite in the working directory, Slack's own API, port 3000, INFO."""
    settings = load_settings(GOOD, dotenv=None)
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("pmbot.db")
    assert "https://slack.com/api/" == settings.slack_api_url
    assert (3000, "INFO") == (settings.port, settings.log_level)


def test_postgres_urls_get_the_psycopg_driver() -> None:
    """A platform's postgres:// URL is used with psycopg 3."""
    settings = load_settings({**GOOD, "DATABASE_URL": "postgres://u:p@db:5432/pm"}, dotenv=None)
    assert "postgresql+psycopg://u:p@db:5432/pm" == settings.database_url


def test_api_url_gets_a_trailing_slash() -> None:
    """SLACK_API_URL works with or without its trailing slash."""
    assert (
        "http://127.0.0.1:9/api/"
        == load_settings({"SLACK_API_URL": "http://127.0.0.1:9/api"}, dotenv=None).slack_api_url
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token"),
        ("SLACK_SIGNING_SECRET", "not hex!"),
        ("DATABASE_URL", "mysql://x/y"),
        ("DATABASE_URL", "::::"),
        ("DATABASE_URL", "postgresql://u:p@db:abc/pm"),
        ("DATABASE_URL", "postgresql+asyncpg://u:p@db/pm"),
        ("SLACK_API_URL", "ftp://x"),
        ("PORT", "70000"),
        ("PORT", "http"),
        ("LOG_LEVEL", "LOUD"),
        ("HOST", "every interface"),
        ("PMBOT_MAX_BODY_BYTES", "10"),
        ("PMBOT_ALLOW_PLAINTEXT_TOKENS", "maybe"),
    ],
)
def test_malformed_settings_are_named(name: str, value: str) -> None:
    """A malformed setting raises an error whose message starts with its name."""
    with pytest.raises(SettingsError) as caught:
        load_settings({**GOOD, name: value}, dotenv=None)
    assert str(caught.value).startswith(f"{name} is malformed")


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    """A .env file fills in settings that the environment does not set."""
    dotenv = tmp_path / ".env"
    dotenv.write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\nPORT=4000\n")
    settings = load_settings({"PORT": "5000"}, dotenv=dotenv)
    assert ("xoxb-from-dotenv", 5000) == (settings.bot_token, settings.port)


def test_missing_token_stops_serve_with_one_line_and_status_2(tmp_path: Path) -> None:
    """`pmbot serve` without SLACK_BOT_TOKEN prints one line naming it and exits 2."""
    result = _pmbot(["serve"], {"SLACK_SIGNING_SECRET": "abcdef0123456789"}, tmp_path)
    assert 2 == result.returncode
    assert 1 == len(result.stderr.strip().splitlines())
    assert result.stderr.startswith("pmbot: SLACK_BOT_TOKEN is not set")


def test_socket_mode_needs_the_app_token(tmp_path: Path) -> None:
    """`pmbot socket` without SLACK_APP_TOKEN exits 2 naming it."""
    result = _pmbot(["socket"], GOOD, tmp_path)
    assert 2 == result.returncode
    assert "SLACK_APP_TOKEN" in result.stderr


def test_rotate_key_in_single_workspace_mode_explains_what_it_is_for(tmp_path: Path) -> None:
    """`pmbot rotate-key` with SLACK_BOT_TOKEN (no OAuth) says it re-encrypts OAuth installations' tokens and that
    this token lives in the environment; it touches no database."""
    result = _pmbot(["rotate-key"], GOOD, tmp_path)
    assert 2 == result.returncode
    assert "workspaces installed over OAuth" in result.stderr
    assert "nothing to re-encrypt" in result.stderr
    assert [] == list(tmp_path.iterdir())


def test_a_malformed_setting_never_echoes_the_secret(tmp_path: Path) -> None:
    """The error for a malformed token names the setting without printing its value."""
    result = _pmbot(["serve"], {**GOOD, "SLACK_BOT_TOKEN": "xoxp-secret-value-123"}, tmp_path)
    assert 2 == result.returncode
    assert "secret-value" not in result.stderr


def test_logs_redact_tokens_and_the_signing_secret() -> None:
    """Log lines (tracebacks included) never show a Slack token or the signing secret."""
    formatter = RedactingFormatter(["abcdef0123456789"])
    try:
        raise RuntimeError("token xoxb-1-2-abc leaked")
    except RuntimeError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "secret %s", ("abcdef0123456789",), sys.exc_info())
    text = formatter.format(record)
    assert "xoxb-1-2-abc" not in text and "abcdef0123456789" not in text
    assert "[redacted]" in text


def test_oauth_needs_both_client_settings_and_then_no_bot_token(tmp_path: Path) -> None:
    """SLACK_CLIENT_ID without its secret is named; with both, `serve` starts without SLACK_BOT_TOKEN."""
    with pytest.raises(SettingsError, match="SLACK_CLIENT_SECRET is not set"):
        load_settings({"SLACK_CLIENT_ID": "1111.2222"}, dotenv=None)
    with pytest.raises(SettingsError, match="SLACK_CLIENT_ID is malformed"):
        load_settings({"SLACK_CLIENT_ID": "not-an-id", "SLACK_CLIENT_SECRET": "s3cret"}, dotenv=None)
    settings = load_settings({"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "s3cret"}, dotenv=None)
    assert settings.oauth and settings.bot_token is None and "s3cret" in settings.secrets()
    assert not load_settings(GOOD, dotenv=None).oauth


def test_encryption_keys_are_checked_and_redacted() -> None:
    from cryptography.fernet import Fernet

    with pytest.raises(SettingsError, match="PMBOT_ENCRYPTION_KEY is malformed"):
        load_settings({**GOOD, "PMBOT_ENCRYPTION_KEY": "too-short"}, dotenv=None)
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings = load_settings({**GOOD, "PMBOT_ENCRYPTION_KEY": f"{new}, {old}"}, dotenv=None)
    assert (new, old) == settings.encryption_keys
    assert {new, old} <= set(settings.secrets())


def test_data_keeping_settings() -> None:
    settings = load_settings(GOOD, dotenv=None)
    assert (30, None) == (settings.uninstall_grace_days, settings.retention_days)
    settings = load_settings({**GOOD, "PMBOT_UNINSTALL_GRACE_DAYS": "7", "PMBOT_RETENTION_DAYS": "365"}, dotenv=None)
    assert (7, 365) == (settings.uninstall_grace_days, settings.retention_days)
    with pytest.raises(SettingsError, match="PMBOT_RETENTION_DAYS is malformed"):
        load_settings({**GOOD, "PMBOT_RETENTION_DAYS": "-1"}, dotenv=None)


def test_hardening_settings() -> None:
    """Every interface and a 1 MiB body limit by default; HOST and PMBOT_MAX_BODY_BYTES change them."""
    settings = load_settings(GOOD, dotenv=None)
    assert ("0.0.0.0", 1024 * 1024, False) == (settings.host, settings.max_body_bytes, settings.allow_plaintext_tokens)
    settings = load_settings({**GOOD, "HOST": "[::1]", "PMBOT_MAX_BODY_BYTES": "65536"}, dotenv=None)
    assert ("::1", 65536) == (settings.host, settings.max_body_bytes)


def test_oauth_without_a_key_is_refused_unless_plaintext_is_allowed() -> None:
    """require_encryption names PMBOT_ENCRYPTION_KEY in OAuth mode without a key; the opt-out lets it pass."""
    oauth = {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "s3cret"}
    with pytest.raises(SettingsError, match=r"^PMBOT_ENCRYPTION_KEY is not set"):
        load_settings(oauth, dotenv=None).require_encryption()
    assert load_settings({**oauth, "PMBOT_ALLOW_PLAINTEXT_TOKENS": "1"}, dotenv=None).require_encryption()
    assert load_settings(GOOD, dotenv=None).require_encryption()  # one workspace: the token is not in the database
