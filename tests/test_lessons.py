"""Lessons learned through the real HTTP endpoint: recorded in a line or a form with tags, posted as a card, listed,
shown, and found by search across every project the reader may see (a private channel's only by its members)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.app import PmbotApp
from domain import lessons
from handlers.lessons import keys
from sandbox.standin import FakeSlack
from storage.models import Lesson, OutboxMessage
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL, RunningServer, sender_for
from tests.slack_requests import Response, SlackSender
from tests.test_privacy import rows_mentioning

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # a Tuesday
PAYMENTS = "C0PAY"  # a second project's channel, public: the lead and dev-kolkata
SECRET = "C0SEC"  # a private project channel: the lead and dev-la


def _say(slack: SlackSender, text: str, user: str = "U0LEAD", channel: str = PROJECT_CHANNEL) -> dict[str, Any]:
    with frozen(NOW):
        answer: dict[str, Any] = slack.command("/lesson", text, user_id=user, channel_id=channel).json()
    return answer


def _lessons(session: Session) -> list[Lesson]:
    """The lessons as stored now, read in a transaction closed at once (SQLite would keep the app's writes waiting)."""
    session.expire_all()
    found = list(session.scalars(select(Lesson).order_by(Lesson.number)))
    session.expunge_all()
    session.rollback()
    return found


def _other_projects(fake: FakeSlack) -> None:
    fake.add_channel(PAYMENTS, name="proj-payments", members=["U0LEAD", "U0DEV2", "UBOT"])
    fake.add_channel(SECRET, name="proj-secret", members=["U0LEAD", "U0DEV1", "UBOT"], is_private=True)


def _v(**element: Any) -> dict[str, Any]:
    return {"value": element}


def _form(slack: SlackSender, fake: FakeSlack, user: str = "U0DEV1", **typed: str) -> Response:
    """Open `/lesson` in the project channel and submit the form with what was `typed` (block id -> text)."""
    with frozen(NOW):
        assert 200 == slack.command("/lesson", "", user_id=user, channel_id=PROJECT_CHANNEL).status
        view = fake.calls_to("views.open")[-1].args["view"]
        assert "lesson_create" == view["callback_id"]
        values = {block: _v(type="plain_text_input", value=text) for block, text in typed.items()}
        return slack.view_submission(
            user_id=user, callback_id="lesson_create", private_metadata=view["private_metadata"], values=values
        )


def _refs(answer: dict[str, Any]) -> list[str]:
    """The lessons an answer lists, in its order."""
    lines = [b["text"]["text"] for b in answer.get("blocks", []) if b["type"] == "section"]
    return [line.split("*")[1] for line in lines if line.startswith("*L-")]


def test_one_line_records_what_was_learned_with_its_tags_and_posts_the_card(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """The text is what was learned; each `#word` standing alone is a tag, lower-cased, once; a channel Slack linked
    stays in the text; the caller is told the id, and the card is in the channel once, escaped, pinging nobody."""
    answer = _say(
        slack, "keep <#C0PAY|proj-payments> posted on <!channel> cutovers #Cutover #comms #cutover", user="U0DEV2"
    )
    assert answer["text"].startswith(":bulb: Recorded L-1 (tagged `#cutover` `#comms`)"), answer
    [lesson] = _lessons(session)
    assert ("keep #proj-payments posted on @channel cutovers", "", ["cutover", "comms"], "U0DEV2") == (
        lesson.learned,
        lesson.happened,
        lesson.tags,
        lesson.author_id,
    )
    [card] = fake_slack.messages(PROJECT_CHANNEL)
    shown = str(card["blocks"])
    assert ":bulb: *L-1* keep #proj-payments posted on @channel cutovers" == card["blocks"][0]["text"]["text"]
    assert "by <@U0DEV2>" in shown and "`#cutover` `#comms`" in shown and "<!channel>" not in str(card)
    session.expire_all()
    queued = session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like("lesson:%"))).all()
    session.rollback()
    assert [keys.card(lesson.id)] == queued


def test_the_form_records_what_happened_what_was_learned_tags_and_related_records(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """The form keeps both texts, its tags (spaces or commas, `#` or not) and the channel's records it relates to;
    the card shows them all and the recorder gets an ephemeral with the id."""
    _say(slack, "a first lesson")
    with frozen(NOW):
        slack.command(
            "/action", "<@U0DEV1> rehearse the cutover by friday", user_id="U0LEAD", channel_id=PROJECT_CHANNEL
        )
    submitted = _form(
        slack,
        fake_slack,
        lesson_happened="The DNS switch took <b>4 hours</b>",
        lesson_learned="Lower the TTL a day before",
        tags="DNS, #cutover  ops",
        links="a-1",
    )
    assert 200 == submitted.status and not submitted.body, submitted.text
    _, lesson = _lessons(session)
    assert ("L-2", "The DNS switch took <b>4 hours</b>", "Lower the TTL a day before") == (
        lesson.ref,
        lesson.happened,
        lesson.learned,
    )
    assert (["dns", "cutover", "ops"], ["A-1"]) == (lesson.tags, lesson.links)
    card = str(fake_slack.messages(PROJECT_CHANNEL)[-1]["blocks"])
    assert "*What happened:* The DNS switch took &lt;b&gt;4 hours&lt;/b&gt;" in card and "related: A-1" in card
    [confirmation] = fake_slack.ephemerals("U0DEV1")
    assert confirmation["text"].startswith(":bulb: Recorded L-2 (tagged `#dns` `#cutover` `#ops`)"), confirmation


def test_bad_input_is_refused_and_saves_nothing(slack: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """Tags alone, text over 3000 characters, more than ten tags or a tag that is no word are refused ephemerally;
    the form shows an empty lesson beside its field and a record of no such id here after it closed; nothing is
    saved or posted."""
    refusals = {
        "#just #tags": "The lesson is empty",
        "x" * 3001: "at most 3000 characters (3001 now)",
        "too many " + " ".join(f"#t{n}" for n in range(11)): "at most 10 tags (11 given)",
        "spaces #bad!tag": "`#bad!tag` is not a tag",
    }
    for said, words in refusals.items():
        answer = _say(slack, said)
        assert words in answer["text"] and "blocks" not in answer, (said[:20], answer)
    empty = _form(slack, fake_slack, lesson_happened="Something went wrong", lesson_learned="  ")
    assert {"lesson_learned"} == set(empty.json()["errors"])
    long_story = _form(slack, fake_slack, lesson_happened="y" * 3001, lesson_learned="ok", tags="a b")
    assert {"lesson_happened"} == set(long_story.json()["errors"])
    unknown = _form(slack, fake_slack, lesson_learned="Check the records", links="R-7")
    assert 200 == unknown.status and not unknown.body
    assert "R-7 is not a record of this channel." in str(fake_slack.messages("U0DEV1"))
    assert [] == _lessons(session)
    assert [] == fake_slack.messages(PROJECT_CHANNEL)


def test_search_finds_lessons_across_the_projects_each_reader_may_see(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Every word (in what happened or was learned, any case, `%` literal) and every tag must match; newest first,
    each with its channel. A member of all three channels finds all three; someone outside the private one never
    finds its lesson, from any channel."""
    _other_projects(fake_slack)
    _say(slack, "Book the vendor's engineer for the CUTOVER night #vendor #cutover")
    _say(slack, "A vendor sign-off needs two weeks #vendor", channel=PAYMENTS)
    _say(slack, "Cutover rehearsals catch the vendor's 100% mistakes #cutover", channel=SECRET)

    everything = _say(slack, "search vendor #cutover")
    assert ["L-3", "L-1"] == _refs(everything)
    shown = str(everything["blocks"])
    assert f"in <#{SECRET}>" in shown and f"in <#{PROJECT_CHANNEL}>" in shown
    assert ["L-3", "L-2", "L-1"] == _refs(_say(slack, "search VENDOR"))
    assert ["L-2"] == _refs(_say(slack, "search vendor sign-off", channel=PAYMENTS))
    assert ["L-3"] == _refs(_say(slack, "search 100%"))
    assert [] == _refs(_say(slack, "search 1%"))  # not any text with a 1 in it

    for channel in (PROJECT_CHANNEL, PAYMENTS):
        assert ["L-2", "L-1"] == _refs(_say(slack, "search vendor", user="U0DEV2", channel=channel))
    assert ["L-1"] == _refs(_say(slack, "search #cutover", user="U0DEV2"))
    assert ["L-3", "L-1"] == _refs(_say(slack, "search #cutover", user="U0DEV1"))
    assert "Search for what?" in _say(slack, "search ")["text"]


def test_show_and_list_keep_a_private_channels_lesson_to_its_members(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """`show L-2` of the private channel: a member reads it from anywhere, with its channel; anyone else gets the
    words for a lesson that does not exist. `list` holds only the channel's own lessons, newest first."""
    _other_projects(fake_slack)
    _say(slack, "first here #one")
    _say(slack, "Rotate the keys before the audit", channel=SECRET)
    _say(slack, "second here")

    member = _say(slack, "show L-2", user="U0DEV1")
    assert "Rotate the keys before the audit" in str(member["blocks"]) and f"<#{SECRET}>" in str(member["blocks"])
    outsider = _say(slack, "show L-2", user="U0DEV2")
    assert "I can't find L-2 in a channel you're in." == outsider["text"] and "blocks" not in outsider
    assert outsider["text"] == _say(slack, "show L-9", user="U0DEV2")["text"].replace("L-9", "L-2")
    assert "first here" in str(_say(slack, "show L-1", user="U0DEV4", channel=PAYMENTS)["blocks"])  # public

    assert ["L-3", "L-1"] == _refs(_say(slack, "list", user="U0DEV2"))
    assert ["L-2"] == _refs(_say(slack, "list", channel=SECRET))
    assert "None." in str(_say(slack, "list", channel=PAYMENTS)["blocks"])
    assert "not a lesson id" in _say(slack, "show R-1")["text"]


def test_help(slack: SlackSender) -> None:
    """`help` shows every usage and the limits."""
    said = _say(slack, "help")["text"]
    assert all(f"`/lesson {word}" in said for word in ("search", "list", "show L-3"))
    assert "at most 10 tags" in said


def test_tags_and_links_are_read_as_people_write_them() -> None:
    """Tags lose their `#` and their capitals; links take the short ids' own case; a channel link is no tag."""
    assert ("keep #general told", ["ops", "Ops"]) == lessons.split_tags("keep <#C1|general> told #ops #Ops")
    draft = lessons.Draft(learned=" x ", tags=("#Ops", "ops", "on-call"), links=("cr3", "m-uat", "d-09")).validate()
    assert ("x", ("ops", "on-call"), ("CR-3", "M-UAT", "D-9")) == (draft.learned, draft.tags, draft.links)
    assert "vendor 100% #cutover" == str(lessons.query_of("vendor 100% #Cutover"))


def test_keys() -> None:
    """Lessons' outbox keys, spelled as rows already queued carry them."""
    assert "lesson:3:card" == keys.card(3)
    assert "lesson:3:confirmation" == keys.confirmation(3)


def test_a_forgotten_author_leaves_lessons_by_a_former_member(
    slack: SlackSender, fake_slack: FakeSlack, engine: Engine
) -> None:
    """`/pm forget` keeps the team's lesson and its card, and leaves no trace of who recorded it."""
    fake_slack.add_user("U0ADMIN", name="workspace-admin", tz="Europe/Berlin", is_admin=True)
    _say(slack, "Ask the person who built it #handover", user="U0DEV1")
    with frozen(NOW):
        slack.command("/pm", "forget <@U0DEV1> confirm", user_id="U0ADMIN", channel_id=PROJECT_CHANNEL)
    assert [] == rows_mentioning(engine, "U0DEV1")
    shown = str(_say(slack, "show L-1")["blocks"])
    assert "Ask the person who built it" in shown and "by _a former member_" in shown


def test_exports_hold_the_channels_lessons_never_as_formulas(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """`/pm export csv` adds lessons.csv (the author's name beside their id, tags and related records), `md` a
    section of them; text that starts like a formula is never one."""
    with frozen(NOW):  # the people named, as pmbot knows them
        slack.command("/action", "<@U0DEV1|dev-la> read the export", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    _say(slack, "=SUM(1) keep the runbook current #ops #docs", user="U0DEV1")
    _form(slack, fake_slack, lesson_happened="The restore failed", lesson_learned="Test restores monthly", links="A1")
    with frozen(NOW):
        slack.command("/pm", "export csv", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/pm", "export md", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    uploads = {u["filename"]: u["content"].decode() for u in fake_slack.uploads()}
    first, second = list(csv.DictReader(io.StringIO(uploads["lessons.csv"])))
    assert ("L-1", "'=SUM(1) keep the runbook current", "", "ops docs", "", "U0DEV1", "dev-la") == (
        first["id"],
        first["learned"],
        first["happened"],
        first["tags"],
        first["related"],
        first["author_id"],
        first["author_name"],
    )
    assert ("L-2", "The restore failed", "A-1") == (second["id"], second["happened"], second["related"])
    assert first["created_at"].startswith("2026-12-01T")
    markdown = uploads["pmbot-export.md"]
    assert "## Lessons learned" in markdown and "| L-1 | =SUM(1) keep the runbook current |  | #ops #docs |" in markdown


def test_another_workspace_never_finds_this_ones_lessons(
    slack: SlackSender, fake_slack: FakeSlack, server: RunningServer, app: PmbotApp
) -> None:
    """Someone in another workspace that installed pmbot searches and asks for L-1: nothing of this one's reaches
    them, even from a public channel."""
    fake_slack.add_user("U0ALIEN", name="alien", tz="UTC")
    fake_slack.add_channel("C0ALIEN", name="alien-home", members=["U0ALIEN", "UBOT"])
    _say(slack, "Freeze changes a week before go-live #golive")
    alien = sender_for(server, app, fake_slack, team_id="T0OTHER")
    with frozen(NOW):
        found = alien.command("/lesson", "search freeze", user_id="U0ALIEN", channel_id="C0ALIEN").json()
        shown = alien.command("/lesson", "show L-1", user_id="U0ALIEN", channel_id="C0ALIEN").json()
    assert [] == _refs(found) and "Freeze" not in str(found)
    assert "I can't find L-1 in a channel you're in." == shown["text"]
    assert ["L-1"] == _refs(_say(slack, "search freeze #golive", user="U0DEV4"))
