"""All models, importable from one place (Alembic's autogenerate reads Base.metadata)."""

from storage.models.actions import ActionEvent, ActionItem, Counter
from storage.models.base import Base
from storage.models.channels import ChannelMember, ChannelRoster
from storage.models.decisions import Decision, DecisionRevision
from storage.models.digests import DigestSubscription
from storage.models.events import ProcessedEvent
from storage.models.forms import FormDraft
from storage.models.installations import BOTS, INSTALLATIONS, OAUTH_STATES
from storage.models.meetings import Meeting, MeetingSeries
from storage.models.outbox import OutboxMessage
from storage.models.risks import Risk, RiskEvent
from storage.models.standups import Away, Blocker, Holiday, Standup, StandupAnswer
from storage.models.workspace import Member, Project, Workspace

__all__ = [
    "BOTS",
    "INSTALLATIONS",
    "OAUTH_STATES",
    "ActionEvent",
    "ActionItem",
    "Away",
    "Base",
    "Blocker",
    "ChannelMember",
    "ChannelRoster",
    "Counter",
    "Decision",
    "DecisionRevision",
    "DigestSubscription",
    "FormDraft",
    "Holiday",
    "Meeting",
    "MeetingSeries",
    "Member",
    "OutboxMessage",
    "ProcessedEvent",
    "Project",
    "Risk",
    "RiskEvent",
    "Standup",
    "StandupAnswer",
    "Workspace",
]
