"""Free text keeps the names of the people it mentions: `<@U0DEV2>` is stored as `@dev-kolkata`, never as an id
pmbot would later show as `@U0DEV2`. In /risk (title, mitigation, description, the reason for closing), /meeting (its
notes, the minutes, a series' title), a stand-up answer replied in the DM, the status note of `/pm status set` and
`/decision revise` and `supersede`. Through signed requests and events, on both databases.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import PmbotApp
from bot.settings import Settings
from sandbox.standin import FakeSlack
from storage.models import Decision, Meeting, MeetingSeries, Risk, StandupAnswer
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_standups import set_up, step

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday
KOLKATA, LA = "@dev-kolkata", "@dev-la"
T = TypeVar("T")


def _say(slack: SlackSender, command: str, text: str, user: str = "U0LEAD", at: datetime = NOW) -> str:
    with frozen(at):
        return str(slack.command(command, text, user_id=user, channel_id=PROJECT_CHANNEL).text)


def _rows(session: Session, model: type[T]) -> list[T]:
    session.expire_all()
    found = list(session.scalars(select(model)))
    session.expunge_all()
    session.rollback()
    return found


def test_a_risk_keeps_the_names_in_its_text_and_its_owner_is_the_one_named_before_the_labels(
    slack: SlackSender, session: Session
) -> None:
    """The owner is the person named in the line; one named in the mitigation is a name there, not the owner; an
    update's description and a close's reason keep theirs, and leave the owner as it was."""
    said = _say(slack, "/risk", "vendor may slip p:3 i:4 <@U0DEV1> mitigation: ask <@U0DEV2> for a second quote")
    assert "Recorded R-1" in said
    [risk] = _rows(session, Risk)
    assert ("U0DEV1", "vendor may slip", f"ask {KOLKATA} for a second quote") == (
        risk.owner_id, risk.title, risk.mitigation
    )  # fmt: skip
    updated = _say(slack, "/risk", "update R-1 description: waiting on <@U0DEV2|dev-kolkata> and <@U0DEV1>")
    assert "Updated R-1" in updated
    [risk] = _rows(session, Risk)
    assert ("U0DEV1", f"waiting on {KOLKATA} and {LA}") == (risk.owner_id, risk.description)
    assert "Closed R-1" in _say(slack, "/risk", "close R-1 <@U0DEV2> signed the contract")
    [risk] = _rows(session, Risk)
    assert f"{KOLKATA} signed the contract" == risk.close_reason
    shown = _say(slack, "/risk", "show R-1")
    assert "U0DEV2" not in shown


def test_a_meetings_notes_minutes_and_series_keep_the_names(
    slack: SlackSender, fake_slack: FakeSlack, app: PmbotApp, session: Session
) -> None:
    """A NOTE: line naming dev-kolkata is kept with her name, in the minutes posted and uploaded; a series' title
    too."""
    _say(slack, "/meeting", "start Sprint review")
    event = {"type": "message", "channel_type": "channel", "channel": PROJECT_CHANNEL, "user": "U0DEV1",
             "text": "NOTE: <@U0DEV2> demoed the search", "ts": f"{int(NOW.timestamp()) + 60}.000001"}  # fmt: skip
    with frozen(NOW + timedelta(minutes=1)):
        assert 200 == slack.event(event, event_id="EvNames1").status
    [meeting] = _rows(session, Meeting)
    assert f"{KOLKATA} demoed the search" in json.dumps(meeting.notes, ensure_ascii=False)
    _say(slack, "/meeting", "end", at=NOW + timedelta(minutes=30))
    _say(slack, "/meeting", "minutes", at=NOW + timedelta(minutes=31))
    assert app.settle(timeout=60)
    minutes = json.dumps([m for m in fake_slack.messages(PROJECT_CHANNEL) if "Minutes" in str(m["text"])])
    assert f"{KOLKATA} demoed the search" in minutes and "U0DEV2" not in minutes
    [upload] = fake_slack.uploads()
    assert f"{KOLKATA} demoed the search" in upload["content"].decode()
    _say(slack, "/meeting", 'schedule "Sync with <@U0DEV2>" every thursday 10:00')
    [series] = _rows(session, MeetingSeries)
    assert f"Sync with {KOLKATA}" == series.title


def test_a_standup_answer_replied_in_the_dm_keeps_the_names(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """dev-kolkata replies to her prompt naming dev-la: the answer and the day's thread say @dev-la."""
    set_up(slack, fake_slack, people=["U0DEV2"])
    step(factory, settings, fake_slack, datetime(2026, 11, 23, 3, 45, tzinfo=UTC),
         datetime(2026, 11, 23, 4, 0, tzinfo=UTC))  # fmt: skip
    event = {"type": "message", "channel_type": "im", "channel": "DU0DEV2", "user": "U0DEV2",
             "text": "paired with <@U0DEV1> on the build, next: docs", "ts": "1763870500.000200"}  # fmt: skip
    with frozen(datetime(2026, 11, 23, 4, 5, tzinfo=UTC)):
        assert 200 == slack.event(event, event_id="EvNamesDM").status
    [answer] = _rows(session, StandupAnswer)
    assert ([f"paired with {LA} on the build", "docs", ""], date(2026, 11, 23)) == (answer.answers, answer.day)
    posted = [str(m["blocks"]) for m in fake_slack.messages(PROJECT_CHANNEL) if "paired with" in str(m["blocks"])]
    assert 1 == len(posted) and f"paired with {LA} on the build" in posted[0] and "U0DEV1" not in posted[0]


def test_the_status_note_keeps_the_names(slack: SlackSender) -> None:
    """`/pm status set amber waiting on @dev-kolkata`: the status names her."""
    _say(slack, "/pm", "config leads <@U0LEAD>")
    _say(slack, "/pm", "status set amber waiting on <@U0DEV2> for the keys")
    with frozen(NOW):
        shown = json.dumps(slack.command("/pm", "status", user_id="U0LEAD", channel_id=PROJECT_CHANNEL).json())
    assert f"waiting on {KOLKATA} for the keys" in shown and "U0DEV2" not in shown


def test_a_revised_or_superseding_decision_keeps_the_names(slack: SlackSender, session: Session) -> None:
    """`/decision revise` and `supersede` store the names of the people their statements mention."""
    assert "Recorded D-1" in _say(slack, "/decision", "we ship on Fridays")
    assert "revision 2" in _say(slack, "/decision", "revise D-1 we ship when <@U0DEV2> says so")
    assert "superseding D-1" in _say(slack, "/decision", "supersede D-1 <@U0DEV1|dev-la> picks the day")
    old, new = sorted(_rows(session, Decision), key=lambda d: d.number)
    assert (f"we ship when {KOLKATA} says so", f"{LA} picks the day") == (old.statement, new.statement)


def test_a_name_slack_cannot_give_now_stays_the_id_and_the_record_is_kept(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Slack is rate limiting users.info when a risk mentions someone pmbot never saw in its description: the risk
    is recorded with the id where the name would be, not lost."""
    fake_slack.add_user("U0NEW", name="new-joiner", tz="Europe/London")
    fake_slack.fail_next("users.info", status=200, error="ratelimited", times=3)
    said = _say(slack, "/risk", "vendor may slip p:3 i:4 mitigation: pair <@U0NEW> with the vendor")
    assert "Recorded R-1" in said, said
    [risk] = _rows(session, Risk)
    assert "pair @U0NEW with the vendor" == risk.mitigation
