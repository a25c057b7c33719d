"""Retrospectives: a retro, each person's notes, votes, and what they became."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.workspace import Project
from storage.types import StrEnumType


class RetroStatus(StrEnum):
    """Where a retro stands (stored as these strings): notes come in privately, then everyone sees and votes on
    them, then the top ones become action items."""

    COLLECTING = "collecting"
    REVEALED = "revealed"  # notes shown to the channel; voting is open
    CLOSED = "closed"


class NoteKind(StrEnum):
    """The three columns of a retro board."""

    WENT_WELL = "went_well"
    TO_IMPROVE = "to_improve"
    IDEA = "idea"


class Retro(Base):
    """A retrospective, RT-3: who is asked for notes and until when, then the reveal, the votes and the close."""

    __tablename__ = "retro"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_retro_status_until", "status", "collect_until"),
        Index("ix_retro_project_number", "project_id", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(120))
    started_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    collect_until: Mapped[datetime]  # the reveal, when nobody reveals it earlier
    status: Mapped[RetroStatus] = mapped_column(StrEnumType(RetroStatus), default=RetroStatus.COLLECTING)
    votes_each: Mapped[int] = mapped_column(default=3)
    revealed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(32))
    # Bumped on every change the revealed message shows (a vote), so each update is its own outbox message.
    revision: Mapped[int] = mapped_column(default=0)

    project: Mapped[Project] = relationship()
    participants: Mapped[list[RetroParticipant]] = relationship(
        cascade="all, delete-orphan", order_by="RetroParticipant.asked_at", lazy="selectin"
    )

    @property
    def ref(self) -> str:
        """The short id people type: RT-3."""
        return f"RT-{self.number}"


class RetroParticipant(Base):
    """Someone asked for notes: in the zone they were in at the start, at their own local prompt time."""

    __tablename__ = "retro_participant"
    __table_args__ = (Index("ix_retro_participant_due", "prompted_at", "asked_at"),)

    retro_id: Mapped[int] = mapped_column(ForeignKey("retro.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    zone: Mapped[str] = mapped_column(String(64))
    asked_at: Mapped[datetime | None]  # planned prompt (their local prompt time); None: away for the whole retro
    prompted_at: Mapped[datetime | None]  # when the prompt was queued
    done: Mapped[bool] = mapped_column(default=False)  # gave their notes


class RetroNote(Base):
    """One line a participant wrote: went well, to improve, or an idea. Private to its author until the reveal."""

    __tablename__ = "retro_note"
    __table_args__ = (Index("ix_retro_note_retro", "retro_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    retro_id: Mapped[int] = mapped_column(ForeignKey("retro.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[NoteKind] = mapped_column(StrEnumType(NoteKind))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    # Its number on the board (#1, #2...): given at the reveal, by kind and in a random order within each (the order
    # notes came in would tell whose they are); before it, the order they came in, seen only by their author.
    position: Mapped[int]
    action_ref: Mapped[str | None] = mapped_column(String(16))  # the action item it became at the close


class RetroVote(Base):
    """One person's vote for a note (once each)."""

    __tablename__ = "retro_vote"
    __table_args__ = (UniqueConstraint("note_id", "user_id"), Index("ix_retro_vote_retro_user", "retro_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    retro_id: Mapped[int] = mapped_column(ForeignKey("retro.id", ondelete="CASCADE"))
    note_id: Mapped[int] = mapped_column(ForeignKey("retro_note.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
