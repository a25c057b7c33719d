"""Outbox keys are spelled byte for byte as before: rows already queued in production carry them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.reminders import Reminder
from handlers import outgoing
from handlers.actions import keys as actions
from handlers.away import keys as away
from handlers.changes import keys as changes
from handlers.decisions import keys as decisions
from handlers.digests import keys as digests
from handlers.escalations import keys as escalations
from handlers.golive import keys as golive
from handlers.meetings import keys as meetings
from handlers.retros import keys as retros
from handlers.risks import keys as risks
from handlers.standups import keys as standups

AT = datetime(2026, 3, 9, 14, 5, 59, tzinfo=UTC)  # 1773065159
DAY = date(2026, 3, 9)


def test_action_keys() -> None:
    """Action items' keys, and the prefixes that find and cancel them."""
    reminder = Reminder("overdue", AT, "2026-03-09")
    assert "action:7:card" == actions.card(7)
    assert "action:7:card:ephemeral" == actions.card_ephemeral(7)
    assert "action:7:card:r3" == actions.card_update(7, 3)
    assert "action:7:assigned:U0DEV1:r3" == actions.assigned(7, "U0DEV1", 3)
    assert "action:7:assigned:" == actions.assigned_prefix(7)
    assert "action:7:assigned:U0DEV1:r3:now:r4" == actions.assigned_update(actions.assigned(7, "U0DEV1", 3), 4)
    assert "action:7:msg:D0DEV1:1700000000.000100:r4" == actions.clicked_message(7, "D0DEV1", "1700000000.000100", 4)
    assert "action:7:done-notice:r4" == actions.done_notice(7, 4)
    assert "action:7:ephemeral:12" == actions.confirmation(7, 12)
    assert "action:7:remind:U0DEV1:overdue:2026-03-09" == actions.reminder(7, "U0DEV1", reminder)
    assert "action:7:remind:U0DEV1:due:20260309T1405" == actions.reminder(
        7, "U0DEV1", Reminder("due", AT, "20260309T1405")
    )
    assert "action:7:escalation:20260309T1405:2:C0ESC" == actions.escalation(7, AT, 2, "C0ESC")
    assert ["action:7:remind:", "action:7:escalation:"] == actions.pending(
        7, (actions.Pending.REMINDERS, actions.Pending.ESCALATIONS)
    )
    assert ["action:7:remind:"] == actions.pending(7, (actions.Pending.REMINDERS,))


def test_pending_prefixes_match_the_keys_they_cancel() -> None:
    """A reminder and an escalation start with their cancelling prefix; the card and assigned DM do not."""
    reminders, escalated = actions.pending(7, (actions.Pending.REMINDERS, actions.Pending.ESCALATIONS))
    assert actions.reminder(7, "U1", Reminder("before", AT, "2026-03-06")).startswith(reminders)
    assert actions.escalation(7, AT, 1, "U1").startswith(escalated)
    assert not actions.card(7).startswith((reminders, escalated))
    assert not actions.reminder(70, "U1", Reminder("before", AT, "x")).startswith(reminders)  # not item 70's
    assert actions.assigned(7, "U1", 0).startswith(actions.assigned_prefix(7))


def test_risk_keys() -> None:
    """RAID entries' keys, with each cause of escalation."""
    assert "risk:4:card" == risks.card(4)
    assert "risk:4:card:r2" == risks.card_update(4, 2)
    assert "risk:4:review:20260309T1405" == risks.review(4, AT)
    assert "risk:4:escalation:unowned:U0LEAD" == risks.escalation(4, risks.UNOWNED, "U0LEAD")
    assert "risk:4:escalation:overdue-20260309T1405:C0ESC" == risks.escalation(4, risks.overdue(AT), "C0ESC")
    assert "risk:4:escalation:score-16-r2:U0LEAD" == risks.escalation(4, risks.score_rise(16, 2), "U0LEAD")


def test_decision_keys() -> None:
    """Decisions' keys."""
    assert "decision:5:card" == decisions.card(5)
    assert "decision:5:card:r1" == decisions.card_update(5, 1)
    assert "decision:5:approval" == decisions.approval(5)
    assert "decision:5:result-approved" == decisions.result(5, "approved")
    assert "decision:5:broadcast" == decisions.broadcast(5)
    assert "decision:5:broadcast:r1" == decisions.broadcast_update(5, 1)
    assert "decision:5:broadcast:announce-r1" == decisions.announcement(5, 1)
    assert "decision:5:nudge:2026-03-09" == decisions.nudge(5, DAY)
    assert "decision:5:approval:for:U0DEV2" == decisions.approval_for(5, "U0DEV2")
    assert "decision:5:nudge:for:U0DEV2:2026-03-09" == decisions.nudge_for(5, "U0DEV2", DAY)
    assert "decision:5:approval:for:U0DEV2:approved" == decisions.approval_for_closed(5, "U0DEV2", "approved")


def test_away_keys() -> None:
    """The summary on return: once per absence, named by its first note."""
    assert "away:U0DEV1:12:summary" == away.summary("U0DEV1", 12)
    assert "standup:blocker-8:made:U0DEV2" == standups.blocker_made(8, "U0DEV2")  # the blocker's item, its Edit


def test_change_stand_in_keys() -> None:
    """A stand-in's DM names the approver away as well as the stand-in: one for each approver they stand in for."""
    assert "change:5:request:U0DEV2:r2:for:U0DEV1" == changes.request_for(5, "U0DEV2", "U0DEV1", 2)
    assert "change:5:request:U0DEV2:r2:for:U0DEV1:approved" == changes.request_for_update(
        5, "U0DEV2", "U0DEV1", 2, "approved"
    )
    assert changes.request_for(5, "U0DEV2", "U0DEV1", 2) != changes.request_for(5, "U0DEV3", "U0DEV1", 2)


def test_standup_keys() -> None:
    """Stand-ups' keys, and the pattern that finds every prompt."""
    answer = standups.message(3, standups.Kind.ANSWER, DAY, "U0DEV2")
    assert "standup:3:prompt:2026-03-09:U0DEV2" == standups.message(3, standups.Kind.PROMPT, DAY, "U0DEV2")
    assert "standup:3:remind:2026-03-09:U0DEV2" == standups.message(3, standups.Kind.REMIND, DAY, "U0DEV2")
    assert "standup:3:thread:2026-03-09" == standups.message(3, standups.Kind.THREAD, DAY)
    assert "standup:3:summary:2026-03-09" == standups.message(3, standups.Kind.SUMMARY, DAY)
    assert "standup:3:answer:2026-03-09:U0DEV2" == answer
    assert "standup:3:answer:2026-03-09:U0DEV2:v1773065159" == standups.answer_edit(answer, AT)
    assert "standup:3:prompt:2026-03-09:U0DEV2:closed" == standups.closed(
        standups.message(3, standups.Kind.PROMPT, DAY, "U0DEV2")
    )
    assert "standup:3:answer:2026-03-09:U0DEV2:blocker-8-resolved" == standups.blocker_update(answer, 8, "resolved")
    assert "standup:%:prompt:%" == standups.PROMPTS_LIKE
    assert "standup:3:prompt:2026-03-09:U0DEV2:blocker-8-still" == standups.answered_blocker(
        standups.message(3, standups.Kind.PROMPT, DAY, "U0DEV2"), 8, "still"
    )


def test_meeting_keys() -> None:
    """Meetings' keys."""
    assert "meeting:2:started" == meetings.started(2)
    assert "meeting:2:started:end" == meetings.started_at_end(2)
    assert "meeting:2:minutes" == meetings.minutes(2)
    assert "meeting:2:err:1700000000.000100" == meetings.capture_error(2, "1700000000.000100")
    assert "meeting:2:err:1700000000.000100:3" == meetings.capture_error(2, "1700000000.000100", 3)
    assert "meeting:2:err:None" == meetings.capture_error(2, None)
    assert "meeting:2:react:1700000000.000100" == meetings.reaction(2, "1700000000.000100")
    assert "meeting-series:6:agenda:2026-03-09" == meetings.agenda(6, DAY)


def test_digest_keys() -> None:
    """Digests' keys, and the parts of one too long for a message."""
    assert "digest:weekly:1:2026-03-09" == digests.weekly(1, DAY)
    assert "digest:escalation:1:2026-03-09:U0LEAD" == digests.escalation(1, DAY, "U0LEAD")
    assert "digest:rollup:9:2026-03-09" == digests.rollup(9, DAY)
    assert "digest:weekly:1:manual:1773065159" == digests.manual("weekly", 1, AT)
    assert "digest:ack:risk:R-4:U0LEAD:1773065159" == digests.acknowledgement("risk", "R-4", "U0LEAD", AT)
    assert "digest:weekly:1:2026-03-09:part2" == outgoing.part_key(digests.weekly(1, DAY), 2)
    assert "report:7:draft:U0DEV1" == digests.report_draft(7, "U0DEV1")
    assert "report:7:draft:U0DEV1:r2" == digests.report_draft_update(7, "U0DEV1", "r2")
    assert "report:7:back:U0LEAD" == digests.report_draft_back(7, "U0LEAD")
    assert "report:7:back:U0LEAD:sent" == digests.report_draft_back_update(7, "U0LEAD", "sent")
    assert "report:7:sent" == digests.report_sent(7)


def test_escalation_batch_keys() -> None:
    """An escalation batch is named by its recipient and its first note."""
    assert "escalations:U0LEAD:41" == escalations.batch("U0LEAD", 41)


def test_retro_keys() -> None:
    """Retros' keys: the start, each person's prompt, its updates and their one reminder, the board, its updates,
    the summary and the answers to clicks."""
    assert "retro:7:started" == retros.started(7)
    assert "retro:7:prompt:U0DEV1" == retros.prompt(7, "U0DEV1")
    assert "retro:7:prompt:U0DEV1:revealed" == retros.prompt_update(7, "U0DEV1", "revealed")
    assert "retro:7:remind:U0DEV1" == retros.reminder(7, "U0DEV1")
    assert "retro:7:remind:U0DEV1:n2" == retros.reminder_update(7, "U0DEV1", "n2")
    assert "retro:7:board" == retros.board(7)
    assert "retro:7:board:r4" == retros.board_update(7, 4)
    assert "retro:7:board:part2" == outgoing.part_key(retros.board(7), 2)
    assert "retro:7:summary" == retros.summary(7)
    assert "retro:7:told:U0DEV1:1700000000.000100" == retros.told(7, "U0DEV1", "1700000000.000100")


def test_golive_keys() -> None:
    """Go-lives' keys: every one names its go-live; the owners' reminders name the owner (a step that changes hands
    is told to its new owner afresh), a failed step's reply names the item it became, the minutes their revision."""
    assert "golive:3:planned" == golive.planned(3)
    assert "golive:3:planned:r4" == golive.planned_update(3, 4)
    assert "golive:3:step:5:heads-up:U0TYO:20270330T1745" == golive.heads_up(3, 5, "U0TYO", "20270330T1745")
    assert "golive:3:step:5:due:U0NYC:20270330T1800" == golive.step_due(3, 5, "U0NYC", "20270330T1800")
    assert "golive:3:step:5:due:U0NYC:20270330T1800:action" == golive.step_due_update(
        golive.step_due(3, 5, "U0NYC", "20270330T1800"), "action"
    )
    assert "golive:3:poll:U0LEAD" == golive.poll(3, "U0LEAD")
    assert "golive:3:result" == golive.result(3)
    assert "golive:3:no-go:U0LEAD" == golive.no_go_told(3, "U0LEAD")
    assert "golive:3:live:r4" == golive.live_update(3, 4)
    assert "golive:3:timeline:5:r1:action" == golive.timeline_update(3, 5, 1, "action")
    assert "golive:3:closing" == golive.closing(3)
    assert "golive:3:retro-offer" == golive.retro_offer(3)
    assert "golive:3:all-finished:U0LEAD" == golive.all_finished(3, "U0LEAD")  # the planner told they can end it
    assert "golive:3:step:5:due:U0NYC:20270330T1800:removed" == golive.step_due_update(
        golive.step_due(3, 5, "U0NYC", "20270330T1800"), "removed"
    )  # the step's DM once the step was removed
    assert "golive:3:minutes:r9" == golive.minutes(3, 9)
    assert "golive:3:minutes:r9:part2" == outgoing.part_key(golive.minutes(3, 9), 2)
    assert "golive:3:told:U0NYC:1700000000.000100" == golive.told(3, "U0NYC", "1700000000.000100")
