"""`/pm export [csv|md]`: the project's actions, risks, decisions, minutes, milestones and change requests as files in
the channel."""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from domain import exports, members
from domain.errors import InvalidInput
from domain.text import user_mention
from handlers.context import after_answer, now
from handlers.directory import project
from storage.db import unit_of_work
from storage.models import Project

log = logging.getLogger(__name__)


def handle(command: dict[str, Any], fmt: str, context: BoltContext, client: WebClient) -> dict[str, Any]:
    """Answer at once; the files are built and uploaded after the answer (a handful of Web API calls)."""
    fmt = (fmt.strip().lower() or "csv").removeprefix(".")
    if fmt not in ("csv", "md", "markdown"):
        raise InvalidInput("Export as `csv` or `md`.", hint="Like `/pm export md`.")
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    job = functools.partial(_upload, project_id=proj.id, fmt=fmt, user_id=command["user_id"], at=now(context))
    after_answer(context, job)
    return {"text": ":hourglass_flowing_sand: Preparing your export… the files will appear in this channel."}


def _upload(
    factory: sessionmaker[Session], client: WebClient, *, project_id: int, fmt: str, user_id: str, at: datetime
) -> None:
    with unit_of_work(factory) as session:
        proj = session.get(Project, project_id)
        if proj is None:  # forgotten or uninstalled in the meantime
            return
        channel_id, files = proj.channel_id, _files(session, proj, fmt=fmt, at=at)
    try:
        client.files_upload_v2(
            channel=channel_id,
            initial_comment=f"pmbot export ({fmt}) requested by {user_mention(user_id)}",
            file_uploads=[{"content": text.encode(), "filename": name, "title": name} for name, text in files.items()],
        )
    except SlackApiError as err:
        code = err.response.get("error") if isinstance(err.response.data, dict) else err.response.status_code
        log.warning("export upload to %s failed: %s", channel_id, code)
        text = f"I couldn't upload the export (`{code}`). Try `/pm export {fmt}` again."
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)


def _files(session: Session, proj: Project, *, fmt: str, at: datetime) -> dict[str, str]:
    names = members.names(session, workspace_id=proj.workspace_id)
    if fmt == "csv":
        return exports.csv_files(session, proj, names=names)
    return {"pmbot-export.md": exports.markdown(session, proj, names=names, now=at)}
