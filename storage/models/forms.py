"""Forms that could not be saved after Slack closed them, kept so that the person can open them again as typed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class FormDraft(Base):
    """A submitted modal (its view, with what was typed in its state) and why it was not saved."""

    __tablename__ = "form_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    view: Mapped[dict[str, Any]]
    errors: Mapped[dict[str, Any]]  # block id (or "" for the whole form) -> what is wrong
    created_at: Mapped[datetime] = mapped_column(index=True)
