"""`/pm export [csv|md]`: the project's actions, risks, decisions and minutes as files in the channel."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from sqlalchemy import select

from domain import exports
from domain.errors import InvalidInput
from domain.text import user_mention
from handlers.context import db, now
from handlers.directory import project
from storage.models import Member


def handle(command: dict[str, Any], fmt: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    """Upload the export; return the ephemeral answer."""
    fmt = (fmt.strip().lower() or "csv").removeprefix(".")
    if fmt not in ("csv", "md", "markdown"):
        raise InvalidInput("Export as `csv` or `md`.", hint="Like `/pm export md`.")
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    if fmt == "csv":
        files = exports.csv_files(db(context), proj)
    else:
        rows = db(context).execute(select(Member.user_id, Member.name).where(Member.workspace_id == proj.workspace_id))
        names = {r.user_id: r.name for r in rows}
        files = {"pmbot-export.md": exports.markdown(db(context), proj, names=names, now=now(context))}
    client.files_upload_v2(
        channel=proj.channel_id,
        initial_comment=f"pmbot export ({fmt}) requested by {user_mention(command['user_id'])}",
        file_uploads=[{"content": text.encode(), "filename": name, "title": name} for name, text in files.items()],
    )
    return {"text": f"Uploaded {len(files)} file(s) to the channel."}
