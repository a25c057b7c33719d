"""Block Kit for a project's settings."""

from __future__ import annotations

from typing import Any

from domain.text import channel_mention, user_mention
from domain.workspaces import describe_days
from storage.models import Project


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def settings_text(project: Project) -> str:
    """Render the settings as mrkdwn."""
    leads = " ".join(user_mention(u) for u in project.lead_user_ids) or "none yet (anyone may configure)"
    escalation = channel_mention(project.escalation_channel_id) if project.escalation_channel_id else "none"
    stakeholder_channel = (project.settings or {}).get("stakeholder_channel")
    stakeholders = channel_mention(stakeholder_channel) if stakeholder_channel else "none"
    return "\n".join(
        [
            f"*Time zone:* {project.time_zone}",
            f"*Working hours:* {_hhmm(project.workday_start_minute)}-{_hhmm(project.workday_end_minute)}",
            f"*Working days:* {describe_days(project.working_days)}",
            f"*Leads:* {leads}",
            f"*Escalation channel:* {escalation}",
            f"*Stakeholder channel:* {stakeholders}",
        ]
    )


def settings_blocks(project: Project, *, changed: bool) -> list[dict[str, Any]]:
    """Render the settings, saying whether they were just changed."""
    title = ":white_check_mark: Project settings saved" if changed else "Project settings"
    return [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{title}* for {channel_mention(project.channel_id)}"},
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": settings_text(project)}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "Change one with `/pm config <setting> <value>`; see `/pm help`."}],
        },
    ]
