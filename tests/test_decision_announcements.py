"""Decisions announced truly: an approval says who approved; the stakeholders' copy follows revisions and
supersessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from sandbox.standin import FakeSlack
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_decisions import MONDAY, _propose, _say


def _stakeholders(slack: SlackSender) -> None:
    with frozen(MONDAY):
        slack.command(
            "/pm", "config stakeholders <#C0STAKE|apollo-updates>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL
        )


def test_an_approval_says_who_approved_in_the_channel_and_to_stakeholders(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """dev-kolkata approves D-1 from her DM: the channel and the stakeholder channel read "Approved by @dev-kolkata"."""
    _stakeholders(slack)
    _propose(slack, fake_slack)
    [request] = [m for m in fake_slack.messages("DU0DEV2") if "Approval requested" in str(m["text"])]
    with frozen(MONDAY + timedelta(hours=2)):
        slack.block_action(user_id="U0DEV2", action_id="decision_approve", value="D-1", channel_id="DU0DEV2",
                           message_ts=request["ts"], message=request)  # fmt: skip
    [result] = [m for m in fake_slack.messages(PROJECT_CHANNEL) if "(approved) by" in str(m["text"])]
    [copy] = fake_slack.messages("C0STAKE")
    for message in (result, copy):
        assert ":white_check_mark: Approved by <@U0DEV2>: *D-1*" == message["blocks"][0]["text"]["text"]


def _posts(fake: FakeSlack, factory: sessionmaker[Session], settings: Settings) -> list[dict[str, Any]]:
    """The stakeholder channel's messages once all is delivered (Slack's one-a-second pacing defers some)."""
    run_due(factory, make_client(settings, patient=False), now=MONDAY + timedelta(hours=1))
    return fake.messages("C0STAKE")


def test_the_stakeholders_copy_follows_a_revision_and_a_supersession(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """A revision of D-1 is re-announced to stakeholders and their copy updated; superseding it announces D-2 with
    "Supersedes: D-1" and marks their D-1 copy superseded; a later revision of D-2 keeps "Supersedes: D-1"."""
    _stakeholders(slack)
    _say(slack, "we ship on Fridays")
    _say(slack, "revise D-1 we ship on Thursdays")
    posts = _posts(fake_slack, factory, settings)
    assert ["D-1", "D-1 changed"] == [str(m["text"]).split(" (")[0].split(":")[0] for m in posts]
    assert "Thursdays" in str(posts[0]["blocks"]) and "revision 2" in str(posts[1]["blocks"])
    _say(slack, "supersede D-1 we ship on Tuesdays")
    posts = _posts(fake_slack, factory, settings)
    assert 3 == len(posts)
    assert "Superseded by:* D-2" in str(posts[0]["blocks"])
    assert "Supersedes:* D-1" in str(posts[2]["blocks"]) and "Tuesdays" in str(posts[2]["blocks"])
    assert "revision 2" in _say(slack, "revise D-2 we ship on Wednesdays")["text"]
    posts = _posts(fake_slack, factory, settings)
    assert 4 == len(posts)
    for message in (posts[2], posts[3]):
        assert "Supersedes:* D-1" in str(message["blocks"]) and "Wednesdays" in str(message["blocks"])
