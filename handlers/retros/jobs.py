"""Scheduled work for retros: each person's prompt at their own local time, one reminder a few working hours
before the reveal to whoever has not added notes, and the reveal when time is up.

Each participant's prompt instant was worked out at the start (`domain.retro_schedule`); a tick queues the prompts
whose instant has come and that were not queued yet (`RetroParticipant.prompted_at`), so a second tick queues
nothing. Who is away at that moment (time away added since the start, a holiday status) is asked on a later day
instead. The reminder's moment is worked out each tick from the same rules; its key makes it once. A retro still
collecting when its `collect_until` passes is revealed: its board goes to the channel. Notes from fewer than
`retros.FEW` people are revealed then too (the time was announced at the start, and everyone was told their notes
are revealed then), the board saying that from so few they are easy to tell apart; `/retro reveal` before it warns
first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from domain import away, retros
from handlers.retros import notices


def queue(session: Session, now: datetime) -> int:
    """Queue the reveals, the prompts and the reminders due at `now`; return how many messages were queued."""
    count = 0
    for retro in retros.due_reveals(session, now=now):
        retros.reveal(session, retro, now=now)
        count += notices.revealed(session, retro, now=now)
    for retro, person in retros.due_prompts(session, now=now):
        count += notices.prompt(session, retro, person, now=now)
    due, held = retros.due_reminders(session, now=now)
    for found in held:  # told in their summary when they are back
        away.hold(session, workspace_id=found.retro.workspace_id, user_id=found.user_id, ref=found.retro.ref,
                  what=f"retro reminder: {found.retro.title}", now=now)  # fmt: skip
    return count + notices.reminders(session, due, now=now)
