"""Global middleware: resolve the workspace, drop retried events."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from domain import lifecycle
from domain.events import first_sight
from domain.text import without_control
from domain.workspaces import workspace_for
from handlers.context import WORKSPACE, db, now
from handlers.ids import Event

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.middleware(attach_workspace)
    app.middleware(drop_retried_events)
    app.middleware(clean_form_text)


def clean_form_text(body: dict[str, Any], next: Callable[[], None]) -> None:
    """Drop control characters from every text a form submits, once, for every form (slash commands get the same
    from `plain_from_slack`)."""
    if body.get("type") == "view_submission":
        for block in ((body.get("view") or {}).get("state") or {}).get("values", {}).values():
            for element in block.values():
                if isinstance(element, dict) and isinstance(element.get("value"), str):
                    element["value"] = without_control(element["value"])
    next()


def attach_workspace(context: BoltContext, body: dict[str, Any], next: Callable[[], None]) -> None:
    """Put the request's workspace into the context, creating it on first sight."""
    team_id = context.team_id or body.get("team_id") or (body.get("team") or {}).get("id")
    if team_id:
        found = workspace_for(db(context), team_id=str(team_id), now=now(context))
        event = (body.get("event") or {}).get("type")
        if found.uninstalled_at is not None and event not in (Event.APP_UNINSTALLED, Event.TOKENS_REVOKED):
            lifecycle.reinstalled(found)  # Slack sends nothing for a workspace that has not installed pmbot again
        context[WORKSPACE] = found
    next()


def drop_retried_events(context: BoltContext, body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
    """Answer a retried or duplicate event with 200 and do nothing; the first delivery did the work."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if event_id and not first_sight(
        db(context), event_id=str(event_id), team_id=str(context.team_id or ""), now=now(context)
    ):
        log.info("event %s already processed; ignoring the retry", event_id)
        return BoltResponse(status=200, body="")
    next()
    return None
