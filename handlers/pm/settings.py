"""`/pm config`: show or change the channel's project settings."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from domain import status_reports, visibility, workspaces
from domain.errors import InvalidInput, PermissionDenied
from domain.intent import PM_CONFIG
from handlers.channels import learn_kind
from handlers.directory import channel_ids_in, member, project, user_ids_in
from handlers.intent import did_you_mean
from handlers.pm.render import settings_blocks, settings_text


def handle(command: dict[str, Any], text: str, context: BoltContext) -> dict[str, Any]:
    """Apply `/pm config <setting> <value>` (or just show the settings); return the ephemeral answer."""
    proj = project(context, command["channel_id"], name=command.get("channel_name", ""))
    setting, _, value = text.strip().partition(" ")
    setting, value = setting.lower(), value.strip()
    if setting:
        caller = member(context, context.client, command["user_id"])
        if not workspaces.may_configure(proj, caller.user_id, is_admin=caller.is_admin):
            raise PermissionDenied("Only this project's leads (or a workspace admin) can change its settings.")
        if setting in ("leads", "lead") and not proj.lead_user_ids:
            learn_kind(context.client, proj)
            if not visibility.may_name_first_leads(proj, caller.user_id, is_admin=caller.is_admin):
                raise PermissionDenied(
                    "This project's first leads are named by the channel's creator or a workspace admin.",
                    hint="Ask them to run `/pm config leads @lead`.",
                )
        _apply(proj, setting, value)
        if setting in ("leads", "lead"):
            for lead in proj.lead_user_ids:  # their own zones time their escalations
                member(context, context.client, lead)
    return {"text": settings_text(proj), "blocks": settings_blocks(proj, changed=bool(setting))}


def _apply(proj: Any, setting: str, value: str) -> None:
    if setting in ("tz", "timezone", "time_zone"):
        proj.time_zone = workspaces.validate_time_zone(value)
    elif setting == "hours":
        proj.workday_start_minute, proj.workday_end_minute = workspaces.parse_hours(value)
    elif setting == "days":
        proj.working_days = workspaces.parse_days(value)
    elif setting in ("leads", "lead"):
        leads = user_ids_in(value)
        if not leads:
            raise InvalidInput("Name the leads with @-mentions.", hint="Like `/pm config leads @lead @pm`.")
        proj.lead_user_ids = leads
    elif setting in ("stakeholders", "stakeholder"):
        channels = channel_ids_in(value)
        if value.lower() in ("none", "off"):
            proj.settings = {**(proj.settings or {}), "stakeholder_channel": None}
        elif not channels:
            raise InvalidInput("Name the channel with #.", hint="Like `/pm config stakeholders #apollo-updates`.")
        else:
            proj.settings = {**(proj.settings or {}), "stakeholder_channel": channels[0]}
    elif setting in ("escalation", "escalations"):
        channels = channel_ids_in(value)
        if value.lower() in ("none", "off"):
            proj.escalation_channel_id = None
        elif not channels:
            raise InvalidInput("Name the channel with #.", hint="Like `/pm config escalation #proj-escalations`.")
        else:
            proj.escalation_channel_id = channels[0]
    elif setting in ("report", "reports"):
        audience = status_reports.read_audience(value)
        proj.settings = {**(proj.settings or {}), status_reports.AUDIENCE_SETTING: audience}
    else:
        raise InvalidInput(
            "I can set `tz`, `hours`, `days`, `leads`, `escalation`, `stakeholders` and `report`.",
            hint=did_you_mean(PM_CONFIG, setting) or "See `/pm help` for examples.",
        )
