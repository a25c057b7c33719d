"""All models, importable from one place (Alembic's autogenerate reads Base.metadata)."""

from storage.models.actions import ActionEvent, ActionItem, ActionStatus, Counter, SourceKind
from storage.models.base import Base
from storage.models.changes import ChangeCategory, ChangeEvent, ChangeEventKind, ChangeRequest, ChangeStatus
from storage.models.channels import ChannelMember, ChannelRoster
from storage.models.decisions import Decision, DecisionRevision, DecisionStatus
from storage.models.digests import DigestSubscription
from storage.models.events import ProcessedEvent
from storage.models.forms import FormDraft
from storage.models.installations import BOTS, INSTALLATIONS, OAUTH_STATES
from storage.models.lessons import Lesson, LessonTag
from storage.models.meetings import Meeting, MeetingSeries
from storage.models.milestones import (
    Milestone,
    MilestoneDependency,
    MilestoneEvent,
    MilestoneEventKind,
    MilestoneLink,
    MilestoneStatus,
)
from storage.models.outbox import OutboxMessage, SlackPace
from storage.models.reports import ReportStatus, StatusReport
from storage.models.risks import Risk, RiskEvent, RiskStatus
from storage.models.standups import Away, Blocker, BlockerStatus, Holiday, Standup, StandupAnswer
from storage.models.workspace import Member, Project, Workspace

# Each of these holds its own tables; importing them puts their tables in Base.metadata.
from storage.models import delegation, golive, retros  # noqa: F401  isort: skip

__all__ = [
    "BOTS",
    "INSTALLATIONS",
    "OAUTH_STATES",
    "ActionEvent",
    "ActionItem",
    "ActionStatus",
    "Away",
    "Base",
    "Blocker",
    "BlockerStatus",
    "ChangeCategory",
    "ChangeEvent",
    "ChangeEventKind",
    "ChangeRequest",
    "ChangeStatus",
    "ChannelMember",
    "ChannelRoster",
    "Counter",
    "Decision",
    "DecisionRevision",
    "DecisionStatus",
    "DigestSubscription",
    "FormDraft",
    "Holiday",
    "Lesson",
    "LessonTag",
    "Meeting",
    "MeetingSeries",
    "Member",
    "Milestone",
    "MilestoneDependency",
    "MilestoneEvent",
    "MilestoneEventKind",
    "MilestoneLink",
    "MilestoneStatus",
    "OutboxMessage",
    "ProcessedEvent",
    "Project",
    "ReportStatus",
    "Risk",
    "RiskEvent",
    "RiskStatus",
    "SlackPace",
    "SourceKind",
    "Standup",
    "StandupAnswer",
    "StatusReport",
    "Workspace",
]
