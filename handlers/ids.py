"""Every slash command, action_id, callback_id and block_id pmbot uses, as constants."""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    PM = "/pm"
    ACTION = "/action"
    STANDUP = "/standup"
    RISK = "/risk"
    DECISION = "/decision"
    DIGEST = "/digest"
    MEETING = "/meeting"
    MILESTONE = "/milestone"
    CHANGE = "/change"
    LESSON = "/lesson"


class Event(StrEnum):
    APP_HOME_OPENED = "app_home_opened"
    USER_CHANGE = "user_change"
    APP_UNINSTALLED = "app_uninstalled"
    TOKENS_REVOKED = "tokens_revoked"
    MESSAGE = "message"  # subscribed as message.im: replies in pmbot's DM
    MEMBER_JOINED_CHANNEL = "member_joined_channel"
    MEMBER_LEFT_CHANNEL = "member_left_channel"


class Subtype(StrEnum):
    """Message subtypes pmbot listens for (Slack has no event of their own: they come with message.channels and
    message.groups)."""

    CONVERTED_TO_PRIVATE = "channel_convert_to_private"
    CONVERTED_TO_PUBLIC = "channel_convert_to_public"


class Shortcut(StrEnum):
    """Message shortcuts (callback ids)."""

    CREATE_ACTION = "action_from_message"
    LOG_DECISION = "decision_from_message"


class Action(StrEnum):
    """Button and select action ids."""

    ACTION_DONE = "action_done"
    ACTION_ACCEPT = "action_accept"
    ACTION_SNOOZE = "action_snooze"
    ACTION_EDIT = "action_edit"
    ACTION_REOPEN = "action_reopen"
    STANDUP_ANSWER = "standup_answer"
    STANDUP_SKIP = "standup_skip"
    STANDUP_AWAY = "standup_away"
    BLOCKER_RESOLVED = "blocker_resolved"
    RISK_STILL_VALID = "risk_still_valid"
    RISK_UPDATE = "risk_update"
    RISK_CLOSE = "risk_close"
    DECISION_APPROVE = "decision_approve"
    DECISION_REJECT = "decision_reject"
    DECISION_REVISE = "decision_revise"
    DIGEST_ACKNOWLEDGE = "digest_acknowledge"
    RUN_AS_MEANT = "run_as_meant"  # "Did you mean ...?" -> Yes, run it
    RECORD_AS_WRITTEN = "record_as_written"  # -> No, record it as written
    WITHDRAW = "withdraw"  # the creator takes back what they just recorded
    FORM_REOPEN = "form_reopen"  # a form that failed after Slack closed it, opened again as typed
    MILESTONE_MOVE = "milestone_move"  # opens the move form
    MILESTONE_DONE = "milestone_done"
    CHANGE_APPROVE = "change_approve"
    CHANGE_REJECT = "change_reject"  # opens the reason form
    CHANGE_ASK = "change_ask"  # "Ask for more": opens the question form
    CHANGE_UPDATE = "change_update"  # the requester answers / changes it: opens the change form again
    CHANGE_FROM_SLIP = "change_from_slip"  # a slip alert's "Raise a change request", the form pre-filled
    BLOCKER_STILL = "blocker_still"  # a stand-up prompt's "Yes, still blocked"
    REPORT_EDIT = "report_edit"  # a draft status report's buttons, in each lead's DM
    REPORT_SEND = "report_send"
    REPORT_SKIP = "report_skip"


class View(StrEnum):
    """Modal callback ids."""

    ACTION_CREATE = "action_create"
    ACTION_EDIT = "action_edit_submit"
    STANDUP_SETUP = "standup_setup"
    STANDUP_ANSWER = "standup_answer_submit"
    STANDUP_AWAY = "standup_away_submit"
    RISK_CREATE = "risk_create"
    RISK_UPDATE = "risk_update_submit"
    RISK_CLOSE = "risk_close_submit"
    DECISION_CREATE = "decision_create"
    DECISION_REVISE = "decision_revise_submit"
    MILESTONE_CREATE = "milestone_create"
    MILESTONE_MOVE = "milestone_move_submit"
    CHANGE_CREATE = "change_create"
    CHANGE_UPDATE = "change_update_submit"
    CHANGE_REJECT = "change_reject_submit"
    CHANGE_ASK = "change_ask_submit"
    REPORT_EDIT = "report_edit_submit"
    LESSON_CREATE = "lesson_create"


class Block(StrEnum):
    """Modal input block ids (field errors are shown beside these)."""

    TITLE = "title"
    OWNER = "owner"
    DUE_DATE = "due_date"
    DUE_TIME = "due_time"
    NOTES = "notes"
    QUESTIONS = "questions"
    DAYS = "days"
    PROMPT_TIME = "prompt_time"
    PARTICIPANTS = "participants"
    SUMMARY_MODE = "summary_mode"
    SUMMARY_TIME = "summary_time"
    SUMMARY_AFTER = "summary_after"
    REMINDER = "reminder"
    MENTION_MISSING = "mention_missing"
    AWAY_FIRST = "away_first"
    AWAY_LAST = "away_last"
    KIND = "kind"
    DESCRIPTION = "description"
    CATEGORY = "category"
    PROBABILITY = "probability"
    IMPACT = "impact"
    MITIGATION = "mitigation"
    CONTINGENCY = "contingency"
    REVIEW_DATE = "review_date"
    OPPORTUNITY = "opportunity"
    REASON = "reason"
    STATEMENT = "statement"
    CONTEXT = "context"
    OPTIONS = "options"
    RATIONALE = "rationale"
    DECIDED_BY = "decided_by"
    APPROVER = "approver"
    STATUS = "status"
    NEEDED_BY = "needed_by"
    LINKS = "links"
    NAME = "name"
    MILESTONE_DATE = "milestone_date"
    WHY = "why"
    JUSTIFICATION = "justification"
    IMPACT_DAYS = "impact_days"
    IMPACT_COST = "impact_cost"
    MILESTONES = "milestones"
    NOTE = "note"
    MILESTONE_CODE = "milestone_code"  # the milestone form's optional id (`UAT` for M-UAT)
    REPORT_TEXT = "report_text"  # a status report's body, as a lead edits it
    LESSON_HAPPENED = "lesson_happened"
    LESSON_LEARNED = "lesson_learned"
    TAGS = "tags"
