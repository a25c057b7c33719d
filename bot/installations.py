"""Installations: where each workspace's bot token comes from, sealed at rest when a key is set.

One workspace (`SLACK_BOT_TOKEN`) or many (OAuth, "Add to Slack"): either way the rest of pmbot asks
`Tokens.client_for(workspace_id)` for a Web API client and never holds a token itself.

Tokens are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) when
`PMBOT_ENCRYPTION_KEY` holds one or more keys: the first encrypts, every one decrypts, so a key is
rotated by putting the new key first, running `pmbot rotate-key`, then dropping the old one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine, MetaData, Table, select, update
from sqlalchemy.exc import DBAPIError

from storage.models import Workspace
from storage.models.installations import TOKEN_COLUMNS, widened

log = logging.getLogger(__name__)

SEALED = "fernet:"  # marks an encrypted value; anything else is a token stored before encryption was on


class Sealer:
    """Encrypts and decrypts token strings; with no keys it passes them through unchanged."""

    def __init__(self, keys: Sequence[str]) -> None:
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys]) if keys else None

    @property
    def enabled(self) -> bool:
        return self._fernet is not None

    def seal(self, value: str | None) -> str | None:
        if value is None or self._fernet is None or value.startswith(SEALED):
            return value
        return SEALED + self._fernet.encrypt(value.encode()).decode()

    def open(self, value: str | None) -> str | None:
        if value is None or not value.startswith(SEALED):
            return value
        if self._fernet is None:
            raise InvalidToken("a token is encrypted but PMBOT_ENCRYPTION_KEY is not set")
        return self._fernet.decrypt(value[len(SEALED) :].encode()).decode()

    def reseal(self, value: str | None) -> str | None:
        """The value encrypted with the first key (whatever key, or none, it was under before)."""
        if value is None or self._fernet is None:
            return value
        if value.startswith(SEALED):
            return SEALED + self._fernet.rotate(value[len(SEALED) :].encode()).decode()
        return self.seal(value)


class _SealedEntity:
    """An Installation or Bot whose `to_dict()` carries sealed tokens (what slack_sdk's store writes)."""

    def __init__(self, entity: Installation | Bot, sealer: Sealer) -> None:
        self._entity, self._sealer = entity, sealer

    def to_dict(self) -> dict[str, Any]:
        values = self._entity.to_dict()
        for name in TOKEN_COLUMNS & values.keys():
            values[name] = self._sealer.seal(values[name])
        return values

    def __getattr__(self, name: str) -> Any:  # enterprise_id, team_id, to_bot(), ...
        return getattr(self._entity, name)


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's SQLAlchemy installation store on pmbot's tables, with tokens sealed at rest."""

    def __init__(self, client_id: str, engine: Engine, sealer: Sealer) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self.sealer = sealer
        self._failed = threading.local()

    def database_failure(self) -> DBAPIError | None:
        """The database error of this thread's last lookup, if it failed (Bolt's authorize swallows it)."""
        error: DBAPIError | None = getattr(self._failed, "error", None)
        return error

    @classmethod
    def build_installations_table(cls, metadata: MetaData, table_name: str) -> Table:
        return widened(super().build_installations_table, metadata, table_name)

    @classmethod
    def build_bots_table(cls, metadata: MetaData, table_name: str) -> Table:
        return widened(super().build_bots_table, metadata, table_name)

    def save(self, installation: Installation) -> None:
        super().save(_SealedEntity(installation, self.sealer))  # type: ignore[arg-type]

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(_SealedEntity(bot, self.sealer))  # type: ignore[arg-type]

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        self._failed.error = None
        try:
            bot = super().find_bot(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
            )
        except DBAPIError as err:
            self._failed.error = err
            raise
        if bot is not None:
            bot.bot_token = self.sealer.open(bot.bot_token) or ""
            bot.bot_refresh_token = self.sealer.open(bot.bot_refresh_token)
        return bot

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = super().find_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, is_enterprise_install=is_enterprise_install
        )
        if found is not None:
            for name in TOKEN_COLUMNS:
                setattr(found, name, self.sealer.open(getattr(found, name)))
        return found

    def reseal_all(self) -> int:
        """Re-encrypt every stored token with the first key; return how many rows changed."""
        changed = 0
        with self.engine.begin() as conn:
            for table in (self.installations, self.bots):
                names = [c.name for c in table.columns if c.name in TOKEN_COLUMNS]
                for row in conn.execute(select(table.c.id, *(table.c[n] for n in names))).mappings():
                    values = {n: self.sealer.reseal(row[n]) for n in names}
                    if any(values[n] != row[n] for n in names):
                        conn.execute(update(table).where(table.c.id == row["id"]).values(**values))
                        changed += 1
        return changed


class StoreAuthorize(InstallationStoreAuthorize):
    """Bolt's authorize from our installations, except that a database outage is not "pmbot is not installed".

    Bolt logs and swallows a failing lookup and then asks the person to install the app again; raising the
    database error instead sends the request down pmbot's error path ("temporarily unavailable").
    """

    def __init__(self, store: InstallationStore, **kwargs: Any) -> None:
        super().__init__(installation_store=store, bot_only=True, **kwargs)
        self.store = store

    def __call__(self, **kwargs: Any) -> AuthorizeResult | None:
        result = super().__call__(**kwargs)
        if result is None and (error := self.store.database_failure()) is not None:
            raise error
        return result


class Tokens:
    """Web API clients by workspace: one token for every workspace, or each workspace's installed bot."""

    def __init__(
        self,
        engine: Engine,
        make_client: Callable[[str], WebClient],
        *,
        token: str | None = None,
        store: InstallationStore | None = None,
    ) -> None:
        self.engine, self.store, self._make = engine, store, make_client
        self._single = make_client(token) if token else None
        self._clients: dict[str, WebClient] = {}
        self._teams: dict[int, str] = {}
        self._lock = threading.Lock()

    def client_for(self, workspace_id: int) -> WebClient | None:
        """The client that speaks for this workspace; None when it has no bot token (uninstalled)."""
        if self.store is None:
            return self._single
        # Looked up on every call, not cached: a token deleted at uninstall must stop being used at once.
        bot = self.store.find_bot(enterprise_id=None, team_id=self._team_of(workspace_id))
        if bot is None or not bot.bot_token:
            return None
        with self._lock:
            if bot.bot_token not in self._clients:
                self._clients[bot.bot_token] = self._make(bot.bot_token)
            return self._clients[bot.bot_token]

    def _team_of(self, workspace_id: int) -> str | None:
        with self._lock:
            if workspace_id in self._teams:
                return self._teams[workspace_id]
        with self.engine.connect() as conn:
            team = conn.scalar(select(Workspace.team_id).where(Workspace.id == workspace_id))
        if team is not None:
            with self._lock:
                self._teams[workspace_id] = team
        return team
