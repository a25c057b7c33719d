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
    RETRO = "/retro"
    GOLIVE = "/golive"


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
    RETRO_OFFERED = "retro_offered"  # "Run a retro" offered when a milestone closes or a go-live ends
    # retros (add retro ids below this line)
    RETRO_ADD_NOTES = "retro_add_notes"  # a participant's prompt DM: opens the notes form
    RETRO_VOTE = "retro_vote"  # a note on the revealed board
    RETRO_UNVOTE = "retro_unvote"  # take a vote back (in the ephemeral after a second click or the last vote)
    RETRO_CLOSE = "retro_close"  # "Close and make actions" on the board
    RETRO_REVEAL_ANYWAY = "retro_reveal_anyway"  # the warning when the notes come from too few people to hide who
    # go-lives (add go-live ids below this line)
    GOLIVE_STEP_DONE = "golive_step_done"  # a step's DM to its owner: Done, Failed, Skip
    GOLIVE_STEP_FAILED = "golive_step_failed"
    GOLIVE_STEP_SKIP = "golive_step_skip"
    GOLIVE_GO = "golive_go"  # an approver's go/no-go DM
    GOLIVE_NO_GO = "golive_no_go"  # opens the reason form
    GOLIVE_STEP_ACTION = "golive_step_action"  # a failed step's thread reply or DM: "Make an action item"
    GOLIVE_MINUTES_POST = "golive_minutes_post"  # `/golive minutes`: "Post to the channel"
    # away (add away/delegation ids below this line)
    BLOCKER_TO_ACTION = "blocker_to_action"  # a stand-up blocker's "Make an action item"


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
    # retros (add retro ids below this line)
    RETRO_NOTES = "retro_notes_submit"
    RETRO_CLOSE = "retro_close_submit"
    # go-lives (add go-live ids below this line)
    GOLIVE_NO_GO = "golive_no_go_submit"
    # away (add away/delegation ids below this line)


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
    # retros (add retro ids below this line)
    RETRO_WENT_WELL = "retro_went_well"
    RETRO_TO_IMPROVE = "retro_to_improve"
    RETRO_IDEAS = "retro_ideas"
    RETRO_OWNER = "retro_owner"  # the close form: `retro_owner_<note id>`, one per top note
    RETRO_DUE = "retro_due"  # the close form: `retro_due_<note id>`
    # go-lives (add go-live ids below this line)
    GOLIVE_REASON = "golive_reason"  # why it is a no-go
    # away (add away/delegation ids below this line)
