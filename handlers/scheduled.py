"""Import every feature's scheduled work so `bot.jobs.run_due` sees its producers."""

from __future__ import annotations

from handlers import (  # noqa: F401
    action_reminders,
    decision_jobs,
    digest_jobs,
    escalation_jobs,
    meeting_jobs,
    risk_jobs,
    standup_jobs,
)
