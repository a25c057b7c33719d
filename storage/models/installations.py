"""Slack's OAuth installations, bots and OAuth states, in pmbot's database (slack_sdk's SQLAlchemy stores).

The tables are slack_sdk's own definitions, declared on our metadata so that Alembic creates and checks
them with the rest; the token columns are wider than slack_sdk's, because encrypted tokens are longer.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Index, MetaData, String, Table

from storage.models.base import Base

TOKEN_COLUMNS = frozenset({"bot_token", "bot_refresh_token", "user_token", "user_refresh_token"})
TOKEN_LENGTH = 1000  # an encrypted refresh token is about 300 characters; slack_sdk allows 200


def widened(build: Callable[[MetaData, str], Table], metadata: MetaData, name: str) -> Table:
    """slack_sdk's table `name` on `metadata`, with room for encrypted tokens in its token columns."""
    scratch = build(MetaData(), name)
    columns = []
    for column in scratch.columns:
        copy = column._copy()
        if column.name in TOKEN_COLUMNS:
            copy.type = String(TOKEN_LENGTH)
        columns.append(copy)
    indexes = [Index(index.name, *(c.name for c in index.columns)) for index in scratch.indexes]
    return Table(name, metadata, *columns, *indexes)


INSTALLATIONS = widened(
    SQLAlchemyInstallationStore.build_installations_table,
    Base.metadata,
    SQLAlchemyInstallationStore.default_installations_table_name,
)
BOTS = widened(
    SQLAlchemyInstallationStore.build_bots_table, Base.metadata, SQLAlchemyInstallationStore.default_bots_table_name
)
OAUTH_STATES = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    Base.metadata, SQLAlchemyOAuthStateStore.default_table_name
)
