"""Who may take back what they just recorded, and for how long: its creator, within a day."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.errors import Conflict, PermissionDenied

WINDOW = timedelta(hours=24)


def require_may_withdraw(
    ref: str, *, creator_id: str, created_at: datetime, withdrawn: bool, actor: str, now: datetime
) -> None:
    """Raise unless `actor` recorded `ref` less than a day ago and it is not withdrawn already."""
    if actor != creator_id:
        raise PermissionDenied(f"Only whoever recorded {ref} can withdraw it.")
    if withdrawn:
        raise Conflict(f"{ref} is already withdrawn.")
    if now - created_at > WINDOW:
        raise Conflict(
            f"{ref} was recorded more than a day ago, so it can no longer be withdrawn.",
            hint="Close, delete or supersede it instead; the history keeps what happened.",
        )
