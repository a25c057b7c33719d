"""`/milestone` as people actually type it, through the real endpoint: a mistyped subcommand is asked about and
makes nothing; a one-line milestone with an open quote, an empty name, two owners or a group as owner is refused;
a mention in a name or a reason keeps the person's name; an empty timeline is said privately, nothing uploaded;
a status names no record of another channel that is not public."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.app import PmbotApp
from handlers.ids import Action
from sandbox.standin import FakeSlack
from storage.models import ActionItem, MilestoneEvent, MilestoneEventKind
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_milestones import NOW, SECRET, _milestones, _other_projects, _say


def _click(slack: SlackSender, question: dict[str, Any], action_id: str) -> None:
    [actions] = [b for b in question["blocks"] if b["type"] == "actions"]
    [button] = [e for e in actions["elements"] if e["action_id"] == action_id]
    with frozen(NOW):
        response = slack.block_action(
            user_id="U0LEAD",
            action_id=action_id,
            value=button["value"],
            block_id=actions["block_id"],
            channel_id=PROJECT_CHANNEL,
            container={"type": "message", "message_ts": "1.0", "channel_id": PROJECT_CHANNEL, "is_ephemeral": True},
        )
    assert 200 == response.status


def _buttons(answer: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in answer.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def test_a_mistyped_subcommand_is_asked_about_and_makes_nothing(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Each near-miss of a subcommand gets "Did you mean ...?" privately; no milestone is made, no card posted.
    Where the text could not be a milestone anyway (no date) the only choice offered is the subcommand."""
    _say(slack, '"UAT sign-off" 2027-01-15')
    asked = {
        "moev M-UAT friday": "Did you mean `/milestone move M-UAT friday`?",
        "mve M-UAT jan 22": "Did you mean `/milestone move M-UAT jan 22`?",
        "serch sign jan 22": "Did you mean `/milestone search sign jan 22`?",
        "dependz M-UAT on M-API 2027-01-01": "Did you mean `/milestone depends M-UAT on M-API 2027-01-01`?",
        "shwo M-UAT": "Did you mean `/milestone show M-UAT`?",
        "dnoe M-UAT": "Did you mean `/milestone done M-UAT`?",
    }
    answers = {said: _say(slack, said) for said in asked}
    wrong = {said: a["text"] for said, a in answers.items() if asked[said] not in a["text"]}
    assert {} == wrong
    assert ["UAT"] == [m.code for m in _milestones(session)]
    assert 1 == len(fake_slack.messages(PROJECT_CHANNEL))  # M-UAT's card only
    assert [Action.RUN_AS_MEANT, Action.RECORD_AS_WRITTEN] == _buttons(answers["moev M-UAT friday"])
    assert [Action.RUN_AS_MEANT] == _buttons(answers["shwo M-UAT"])  # it has no date: it can't be a milestone
    # An unknown word before a milestone id is not a milestone's name either.
    assert "I don't know `/milestone frobnicate`" in _say(slack, "frobnicate M-UAT")["text"]
    assert ["UAT"] == [m.code for m in _milestones(session)]


def test_yes_runs_the_subcommand_and_a_real_name_can_still_be_made(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """ "Yes, run it" on `mve M-UAT jan 22` moves M-UAT; a name that only looks like a subcommand is made with
    "No, record it as written", or at once when quoted, or when its words don't fit the subcommand."""
    _say(slack, '"UAT sign-off" 2027-01-15')
    _click(slack, _say(slack, "mve M-UAT jan 22"), Action.RUN_AS_MEANT)
    [uat] = _milestones(session)
    assert "2027-01-22" == f"{uat.forecast_at:%Y-%m-%d}"
    assert fake_slack.responses()[-1]["replace_original"] and "Moved M-UAT" in fake_slack.responses()[-1]["text"]
    _click(slack, _say(slack, "serch and rescue drill jan 29"), Action.RECORD_AS_WRITTEN)
    assert "Made M-SEARCH" in _say(slack, '"Search party" 2027-02-01')["text"]
    assert "Made M-SHOWS" in _say(slack, "Shows rehearsal 2027-02-02")["text"]
    names = [m.name for m in _milestones(session)]
    assert ["UAT sign-off", "serch and rescue drill", "Search party", "Shows rehearsal"] == names


def test_a_line_that_can_be_read_two_ways_is_refused(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """An open quote, a stray one, an empty name, two owners, a group as owner: each refused, nothing saved."""
    refusals = {
        '"UAT sign-off 2027-01-15': "opening quote but no closing one",
        'UAT sign-off" 2027-01-15': "no partner",
        '"" 2027-01-15': "Name the milestone",
        '"Sign" 2027-01-20 <@U0DEV1> <@U0DEV2>': "One owner per milestone",
        '"Sign" 2027-01-20 <!subteam^S123|@ops>': "owner is one person, not a group",
    }
    wrong = {said: got for said, want in refusals.items() if want not in (got := _say(slack, said)["text"])}
    assert {} == wrong
    assert [] == _milestones(session)
    assert [] == fake_slack.messages(PROJECT_CHANNEL)


def test_mentions_in_a_name_and_a_reason_keep_the_persons_name(slack: SlackSender, session: Session) -> None:
    """A mention inside a quoted name stays in the name (as `@dev-la`), not the owner; a move's reason keeps the
    name of the person it mentions."""
    assert "Made M-ASK Ask @dev-la to sign" in _say(slack, '"Ask <@U0DEV1> to sign" 2027-01-20')["text"]
    _say(slack, "move M-ASK 2027-01-22: waiting on <@U0DEV2>")
    [ask] = _milestones(session)
    assert ("Ask @dev-la to sign", "U0LEAD") == (ask.name, ask.owner_id)
    why = session.scalar(select(MilestoneEvent.why).where(MilestoneEvent.kind == MilestoneEventKind.MOVED))
    assert "waiting on @dev-kolkata" == why


def test_an_empty_timeline_is_said_privately_and_nothing_is_uploaded(
    app: PmbotApp, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    answer = _say(slack, "timeline")
    app.settle(timeout=30)
    assert answer["text"].startswith(f"No milestones in <#{PROJECT_CHANNEL}> yet."), answer
    assert '/milestone "UAT sign-off" 2027-01-15 @owner' in answer["text"]
    assert [] == fake_slack.uploads()
    assert [] == fake_slack.messages(PROJECT_CHANNEL)


def test_a_status_names_no_record_of_a_private_channel(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A critical risk and an overdue action of a private channel, linked to a public channel's milestone, put it at
    risk without being named on its card, in `show` for an outsider or in the status kept for digests and exports;
    a critical risk of its own channel is still named."""
    _other_projects(fake_slack)
    with frozen(NOW):
        slack.command("/risk", "vendor insolvent p:5 i:5", user_id="U0LEAD", channel_id=SECRET)
        slack.command("/action", "<@U0DEV1> sign NDA by tomorrow 9am", user_id="U0LEAD", channel_id=SECRET)
        slack.command("/risk", "test rig lost p:5 i:5", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    session.execute(update(ActionItem).values(due_at=NOW - timedelta(hours=1)))  # overdue
    session.commit()
    _say(slack, '"UAT sign-off" 2027-01-15')
    assert "Linked R-1, A-1, R-2 to M-UAT." in _say(slack, "link M-UAT R-1 A-1 R-2")["text"]
    [uat] = _milestones(session)
    assert ("at_risk", "an overdue action in another channel, a critical risk in another channel, R-2 critical") == (
        uat.status,
        uat.status_why,
    )
    card = json.dumps(fake_slack.messages(PROJECT_CHANNEL))
    shown = json.dumps(_say(slack, "show M-UAT", user="U0DEV2"))
    for said in (card, shown):
        assert "a critical risk in another channel" in said and "R-2 critical" in said
        assert "R-1 critical" not in said and "A-1 overdue" not in said
