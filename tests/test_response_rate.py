"""One stand-up response rate: answers over prompts sent since set-up, the same in /pm status, the weekly digest,
the Home tab and /standup stats."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.app import PmbotApp
from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from sandbox.standin import FakeSlack
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_standups import _answer, set_up

TUESDAY_EVENING = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # after Tuesday's prompts everywhere
FRIDAY_1600_BERLIN = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def test_the_response_rate_agrees_in_status_digest_home_and_stats(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, app: PmbotApp
) -> None:
    """Set up Tuesday evening for the Berlin lead and dev-kolkata; the lead answers Wed-Fri, dev-kolkata Wednesday:
    4 of 6 prompts sent (Tuesday and the days before set-up are not counted) is 67% in all four places."""
    with frozen(TUESDAY_EVENING):
        slack.command("/pm", "config tz Europe/Berlin", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    set_up(slack, fake_slack, people=["U0LEAD", "U0DEV2"], at=TUESDAY_EVENING)
    client = make_client(settings, patient=False)
    for day in (25, 26, 27):
        for hour, minute in ((4, 0), (8, 30)):  # 09:30 in Kolkata, then in Berlin
            run_due(factory, client, now=datetime(2026, 11, day, hour, minute, tzinfo=UTC))
        answered_at = datetime(2026, 11, day, 9, 0, tzinfo=UTC)
        _answer(slack, fake_slack, "U0LEAD", answered_at, ["specs", "more specs", "none"])
        if day == 25:
            _answer(slack, fake_slack, "U0DEV2", answered_at, ["tests", "more tests", "none"])
    run_due(factory, client, now=FRIDAY_1600_BERLIN)
    assert app.delivery.drain(timeout=30)  # the app's own loop may have claimed the digest, paced behind the threads
    [digest] = [m for m in fake_slack.messages(PROJECT_CHANNEL) if str(m["text"]).startswith("Weekly status")]
    with frozen(FRIDAY_1600_BERLIN):
        status = slack.command("/pm", "status", user_id="U0LEAD", channel_id=PROJECT_CHANNEL).json()
        stats = slack.command("/standup", "stats", user_id="U0LEAD", channel_id=PROJECT_CHANNEL).json()
        slack.event({"type": "app_home_opened", "user": "U0LEAD", "tab": "home"}, event_id="EvRate1")
    home = json.dumps(fake_slack.home_view("U0LEAD"))
    for place in (str(digest["blocks"]), str(status["blocks"]), home):
        assert "stand-up response 67%" in place
    assert "Everyone: 67% answered (4/6)" in str(stats["blocks"])
