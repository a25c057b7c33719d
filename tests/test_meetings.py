"""Meetings and exports through the real HTTP endpoint: captured lines, minutes, agendas, files parsed back."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from handlers.meetings import render as render_meetings
from sandbox.standin import FakeSlack
from storage.models import ActionItem, Decision, Meeting, Risk
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender

TUESDAY = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _say(slack: SlackSender, user: str, text: str, at: datetime, n: int) -> None:
    event = {
        "type": "message",
        "channel_type": "channel",
        "channel": PROJECT_CHANNEL,
        "user": user,
        "text": text,
        "ts": f"{int(at.timestamp())}.{n:06d}",
    }
    with frozen(at):
        assert 200 == slack.event(event, event_id=f"EvM{n}").status


def _posted(fake: FakeSlack, start: str, timeout: float = 10.0) -> dict[str, Any]:
    """The one message in the project channel whose text starts with `start`, once it is there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in fake.messages(PROJECT_CHANNEL) if str(m["text"]).startswith(start)]
        if found:
            [message] = found
            return message
        time.sleep(0.05)
    raise AssertionError(f"no message starting {start!r} in {timeout}s")


def _meeting(slack: SlackSender) -> None:
    with frozen(TUESDAY):
        slack.command(
            "/meeting", "start Sprint review <@U0DEV4|dev-auckland>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL
        )
    _say(slack, "U0DEV1", "hello all", TUESDAY + timedelta(minutes=1), 1)
    _say(
        slack,
        "U0DEV2",
        "ACTION: <@U0DEV3|dev-kathmandu> update the runbook by friday",
        TUESDAY + timedelta(minutes=5),
        2,
    )
    _say(slack, "U0LEAD", "DECISION: we release on Thursdays", TUESDAY + timedelta(minutes=9), 3)
    _say(
        slack, "U0DEV1", "RISK: the CDN contract ends p:3 i:4 <@U0LEAD|lead-berlin>", TUESDAY + timedelta(minutes=12), 4
    )
    _say(slack, "U0DEV2", "NOTE: demo went well, <!channel> loved it", TUESDAY + timedelta(minutes=15), 5)
    _say(slack, "U0DEV2", "ACTION: ship it by 2026-13-45", TUESDAY + timedelta(minutes=16), 6)


def test_a_full_meeting_captures_lines_and_posts_minutes(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Lines starting ACTION:/DECISION:/RISK:/NOTE: are captured as the commands would and acknowledged with a
    reaction; `/meeting end` posts minutes with attendees, duration, notes and every item with id and owner."""
    _meeting(slack)
    with frozen(TUESDAY + timedelta(minutes=45)):
        answer = slack.command("/meeting", "end", user_id="U0LEAD", channel_id=PROJECT_CHANNEL).json()
    assert "Ended M-1" in answer["text"]
    # Four cards and the minutes went to the channel within a second or two: what was over Slack's pace went out
    # a moment later, from the background (so wait for it before reading the database, whose lock it needs).
    reactions = fake_slack.wait_for("reactions.add", count=4)
    minutes = _posted(fake_slack, "Minutes of")
    time.sleep(0.3)
    assert 4 == len(fake_slack.calls_to("reactions.add")) == len(reactions)  # the bad ACTION: line is not...
    assert any(
        "can't read" in e["text"] or "Try" in e["text"] for e in fake_slack.ephemerals("U0DEV2")
    )  # ...but explained
    [action] = session.scalars(select(ActionItem)).all()
    assert ("update the runbook", "U0DEV3", "U0DEV2") == (action.title, action.owner_id, action.creator_id)
    assert ["we release on Thursdays"] == [d.statement for d in session.scalars(select(Decision))]
    assert [(12, "U0LEAD")] == [(r.score, r.owner_id) for r in session.scalars(select(Risk))]
    shown = json.dumps(minutes["blocks"])
    for expected in ("45 min", "<@U0DEV1>", "<@U0DEV4>", "A-1", "D-1", "R-1", "<@U0DEV3>", "demo went well"):
        assert expected in shown, expected
    assert "<!channel>" not in shown
    meeting = session.scalars(select(Meeting)).one()
    assert {"U0LEAD", "U0DEV1", "U0DEV2"} <= set(meeting.attendees)


def test_a_meeting_title_never_pings_and_a_bad_id_is_refused(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """A title that comes out of Slack as `<!channel>` (typed escaped, or hidden in a link's label) is escaped
    wherever it is mrkdwn in the started message, the minutes and an agenda; `minutes M-²` is refused."""
    title = "&lt;!channel&gt; review <https://example.com|<!here>>"
    with frozen(TUESDAY):
        slack.command("/meeting", f"start {title}", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/meeting", "end", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        refused = slack.command("/meeting", "minutes M-\u00b2", user_id="U0LEAD", channel_id=PROJECT_CHANNEL).json()
    started, minutes = fake_slack.messages(PROJECT_CHANNEL)
    agenda_text, agenda_blocks = render_meetings.agenda("<!channel> sync", {"Notes": []})
    for sent in (started, minutes, {"text": agenda_text, "blocks": agenda_blocks}):
        mrkdwn = [b["text"]["text"] for b in sent["blocks"] if b.get("text", {}).get("type") == "mrkdwn"]
        shown = " ".join([sent["text"], *mrkdwn])  # plain_text (the minutes' header) never pings
        assert "<!channel>" not in shown and "<!here>" not in shown, shown
    assert "&lt;!channel&gt;" in started["text"]
    assert "is not a meeting id" in refused["text"]


def test_minutes_export_as_markdown(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """`/meeting minutes` uploads the minutes as a Markdown file with every section."""
    _meeting(slack)
    with frozen(TUESDAY + timedelta(minutes=30)):
        slack.command("/meeting", "end", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/meeting", "minutes M-1", user_id="U0DEV1", channel_id=PROJECT_CHANNEL)
    [upload] = fake_slack.uploads()
    text = upload["content"].decode()
    assert text.startswith("# Sprint review (M-1)")
    for section in (
        "## Notes",
        "## Decisions",
        "## Action items",
        "## Risks",
        "- A-1: update the runbook (owner @dev-kathmandu",
    ):
        assert section in text


def test_a_meeting_left_open_is_closed_after_three_hours(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """The scheduled work closes a meeting open for three hours and posts its minutes, once; they and the file say it
    was closed automatically, not how long it was left open."""
    with frozen(TUESDAY):
        slack.command("/meeting", "start Long one", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    client = make_client(settings, patient=False)
    run_due(factory, client, now=TUESDAY + timedelta(hours=2, minutes=59))
    assert [] == [m for m in fake_slack.messages(PROJECT_CHANNEL) if str(m["text"]).startswith("Minutes of")]
    run_due(factory, client, now=TUESDAY + timedelta(hours=3, minutes=1))
    run_due(factory, client, now=TUESDAY + timedelta(hours=4))
    [minutes] = [m for m in fake_slack.messages(PROJECT_CHANNEL) if str(m["text"]).startswith("Minutes of")]
    with frozen(TUESDAY + timedelta(hours=5)):
        slack.command("/meeting", "minutes M-1", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    [upload] = fake_slack.uploads()
    for said in (json.dumps(minutes["blocks"]), upload["content"].decode()):
        assert "closed automatically after 3 hours (nobody ran `/meeting end`)" in said
        assert " min" not in said


def test_recurring_meeting_posts_its_agenda_an_hour_before(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """`/meeting schedule "Weekly sync" every tuesday 10:00` (project zone) posts the agenda at 09:00, with open
    actions due before the next meeting, high risks and pending decisions."""
    with frozen(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)):
        slack.command("/pm", "config tz Europe/Berlin", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        answer = slack.command(
            "/meeting", 'schedule "Weekly sync" every tuesday 10:00', user_id="U0LEAD", channel_id=PROJECT_CHANNEL
        ).json()
        slack.command(
            "/action", "<@U0DEV1|dev-la> prepare the demo by friday", user_id="U0LEAD", channel_id=PROJECT_CHANNEL
        )
        slack.command("/risk", "vendor may slip p:4 i:4", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    assert "every Tuesday at 10:00" in answer["text"]
    client = make_client(settings, patient=False)
    sent = []
    for minutes in range(0, 4 * 60, 15):  # Tuesday 06:00-10:00 UTC
        at = datetime(2026, 11, 24, 6, 0, tzinfo=UTC) + timedelta(minutes=minutes)
        before = len(fake_slack.messages(PROJECT_CHANNEL))
        run_due(factory, client, now=at)
        sent += [at] * (len(fake_slack.messages(PROJECT_CHANNEL)) - before)
    assert [datetime(2026, 11, 24, 8, 0, tzinfo=UTC)] == sent  # 09:00 Berlin, an hour before 10:00
    agenda = json.dumps(fake_slack.messages(PROJECT_CHANNEL)[-1]["blocks"])
    assert "prepare the demo" in agenda and "vendor may slip" in agenda


def test_export_csv_and_markdown_parse_back(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """`/pm export csv` uploads one CSV per kind that reads back row for row; `md` one Markdown document."""
    with frozen(TUESDAY):
        slack.command(
            "/action",
            '=HYPERLINK("x") <@U0DEV1|dev-la> prepare the demo by friday',
            user_id="U0LEAD",
            channel_id=PROJECT_CHANNEL,
        )
        slack.command("/risk", "vendor may slip p:4 i:4", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/decision", "we release on Thursdays", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/pm", "export csv", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/pm", "export md", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    uploads = {u["filename"]: u["content"].decode() for u in fake_slack.uploads()}
    assert {"actions.csv", "risks.csv", "decisions.csv", "meetings.csv", "milestones.csv", "change_requests.csv",
            "lessons.csv", "pmbot-export.md"} == set(uploads)  # fmt: skip
    [action] = list(csv.DictReader(io.StringIO(uploads["actions.csv"])))
    assert ("A-1", "U0DEV1", "dev-la", "open") == (
        action["id"],
        action["owner_id"],
        action["owner_name"],
        action["status"],
    )
    assert action["title"].startswith("'=")  # a spreadsheet never runs it as a formula
    [risk] = list(csv.DictReader(io.StringIO(uploads["risks.csv"])))
    assert ("R-1", "16", "high") == (risk["id"], risk["score"], risk["level"])
    [decision] = list(csv.DictReader(io.StringIO(uploads["decisions.csv"])))
    assert "we release on Thursdays" == decision["statement"]
    document = uploads["pmbot-export.md"]
    rows = [line for line in document.splitlines() if line.startswith("| A-1 ")]
    assert 1 == len(rows) and "@dev-la" in rows[0]
    assert "| R-1 | risk | vendor may slip | 16 (high) |" in document


def test_exports_and_minutes_are_in_the_projects_zone_with_names_and_iso_dates(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """For a Berlin project, minutes and the Markdown export give times in Berlin's zone, never UTC; each meeting in
    the export is a section with its own sections one level below; the CSVs put names beside ids and dates in ISO
    8601, to the second, with Berlin's offset."""
    with frozen(TUESDAY):
        slack.command("/pm", "config tz Europe/Berlin", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/meeting", "start Planning", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    said = TUESDAY + timedelta(seconds=5, microseconds=250_000)
    _say(slack, "U0LEAD", "ACTION: <@U0DEV1|dev-la> book the room by 2026-12-05 02:00", said, 1)
    with frozen(TUESDAY + timedelta(minutes=30)):
        slack.command("/meeting", "end", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/meeting", "minutes M-1", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/pm", "export md", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/pm", "export csv", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    uploads = {u["filename"]: u["content"].decode() for u in fake_slack.uploads()}
    minutes, document = uploads["minutes-M-1.md"], uploads["pmbot-export.md"]
    for text in (minutes, document):
        assert "- Date: Tue 2026-11-24 10:00 CET" in text
        assert "- A-1: book the room (owner @dev-la, due Sat 2026-12-05 02:00 CET)" in text
        assert "UTC" not in text
    assert "Exported Tue 2026-11-24 10:30 CET; times are in the project's zone, Europe/Berlin." in document
    headings = [line for line in document.splitlines() if line.startswith("#")]
    assert [
        "# #proj: pmbot export",
        "## Action items",
        "## RAID log",
        "## Decisions",
        "## Milestones",
        "## Change requests",
        "## Lessons learned",
        "## Planning (M-1)",
        "### Notes",
        "### Decisions",
        "### Action items",
        "### Risks",
    ] == headings
    [action] = list(csv.DictReader(io.StringIO(uploads["actions.csv"])))
    assert ("U0DEV1", "dev-la", "U0LEAD", "lead-berlin") == (
        action["owner_id"],
        action["owner_name"],
        action["creator_id"],
        action["creator_name"],
    )
    assert ("2026-12-05T02:00:00+01:00", "2026-11-24T10:00:05+01:00") == (action["due_at"], action["created_at"])
    [meeting] = list(csv.DictReader(io.StringIO(uploads["meetings.csv"])))
    assert ("2026-11-24T10:00:00+01:00", "2026-11-24T10:30:00+01:00", "no") == (
        meeting["started_at"],
        meeting["ended_at"],
        meeting["closed_automatically"],
    )
    assert ("U0LEAD", "lead-berlin") == (meeting["attendee_ids"], meeting["attendee_names"])
