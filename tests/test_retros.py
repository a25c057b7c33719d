"""Retrospectives through the real HTTP endpoint and the Slack stand-in, with the scheduled work run at chosen
instants: three people in Berlin, Los Angeles and Kolkata are each asked at their own local time, their notes stay
private until the reveal, votes count once and up to three, and the close makes the top notes action items.
(The timing rules alone, every case: tests/test_retro_rules.py.)"""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import UTC, date, datetime, timedelta
from random import Random
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from domain import retros, standups
from handlers.render.split import fit
from handlers.retros import keys, render
from sandbox.standin import FakeSlack
from storage.models import Project
from storage.models.delegation import AwayLog
from storage.models.retros import Retro, RetroNote, RetroParticipant, RetroStatus, RetroVote
from tests.actions_helpers import frozen, items
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import Response, SlackSender
from tests.test_privacy import rows_mentioning
from tests.test_standups import set_up

RETRO = "C0RETRO"  # a private channel: the three of them and pmbot
TEAM = ["U0LEAD", "U0DEV1", "U0DEV2"]  # Berlin, Los Angeles, Kolkata
START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # Tuesday: 07:00 in Berlin, Monday 22:00 in LA, 11:30 in Kolkata
KOLKATA_NOW = START + timedelta(minutes=1)  # 11:30 there, in the working day: asked at once
BERLIN_10 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LA_10 = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # Tuesday 10:00 in Los Angeles (Monday's working day was over)
REVEAL = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # the end of the next working day in the project's zone (UTC)


@pytest.fixture
def team(fake_slack: FakeSlack) -> FakeSlack:
    fake_slack.add_channel(RETRO, name="proj-retro", members=[*TEAM, "UBOT"], is_private=True)
    return fake_slack


def _say(slack: SlackSender, text: str, *, user: str = "U0LEAD", channel: str = RETRO,
         at: datetime = START) -> dict[str, Any]:  # fmt: skip
    with frozen(at):
        answer: dict[str, Any] = slack.command("/retro", text, user_id=user, channel_id=channel).json()
    return answer


def _tick(factory: sessionmaker[Session], settings: Settings, fake: FakeSlack, at: datetime) -> list[tuple[str, str]]:
    """Run the scheduled work at `at`; return (where, text) of each message that appeared (a DM: the user id)."""
    watched = [f"D{u}" for u in TEAM] + [RETRO]
    before = {c: len(fake.messages(c)) for c in watched}
    run_due(factory, make_client(settings, patient=False), now=at)
    return [(c.removeprefix("D"), str(m["text"])) for c in watched for m in fake.messages(c)[before[c] :]]


def _prompted(seen: list[tuple[str, str]]) -> list[str]:
    return [where for where, text in seen if text.endswith("your notes")]


def _add_notes(slack: SlackSender, fake: FakeSlack, user: str, at: datetime, **boxes: str) -> Response:
    """Click Add notes in the person's prompt DM and submit the form with `boxes` (block id -> text)."""
    prompt = next(m for m in fake.messages(user) if "retro_add_notes" in str(m["blocks"]))
    value = prompt["blocks"][-1]["elements"][0]["value"]
    with frozen(at):
        clicked = slack.block_action(user_id=user, action_id="retro_add_notes", value=value, channel_id=f"D{user}",
                                     message=prompt)  # fmt: skip
        assert 200 == clicked.status
        view = fake.calls_to("views.open")[-1].args["view"]
        assert "retro_notes_submit" == view["callback_id"]
        values = {block: {"value": {"type": "plain_text_input", "value": text}} for block, text in boxes.items()}
        return slack.view_submission(user_id=user, callback_id="retro_notes_submit", values=values,
                                     private_metadata=view["private_metadata"], view=view)  # fmt: skip


def _board(fake: FakeSlack) -> dict[str, Any]:
    boards = [m for m in fake.messages(RETRO) if str(m["text"]).endswith("the notes")]
    assert 1 == len(boards), [m["text"] for m in fake.messages(RETRO)]
    return boards[0]


def _note_block(board: dict[str, Any], words: str) -> dict[str, Any]:
    return next(b for b in board["blocks"] if b["type"] == "section" and words in b["text"]["text"])


def _numbers(fake: FakeSlack) -> dict[str, int]:
    """Each note's number on the board, by its words."""
    lines = [b["text"]["text"] for b in _board(fake)["blocks"] if b["type"] == "section"]
    found = (re.match(r"`#(\d+)` (.*?)(?: · \*| → \*|$)", line) for line in lines)
    return {m[2]: int(m[1]) for m in found if m}


def _vote(slack: SlackSender, fake: FakeSlack, user: str, words: str, *, at: datetime = REVEAL) -> None:
    board = _board(fake)
    block = _note_block(board, words)
    with frozen(at):
        response = slack.block_action(user_id=user, action_id="retro_vote", value=block["accessory"]["value"],
                                      channel_id=RETRO, message=board, block_id=block.get("block_id", "b"))  # fmt: skip
    assert 200 == response.status


def _markdown(slack: SlackSender, fake: FakeSlack, *, at: datetime) -> str:
    """The channel's `/pm export md`, as uploaded."""
    with frozen(at):
        slack.command("/pm", "export md", user_id="U0LEAD", channel_id=RETRO)
    return str([u["content"].decode() for u in fake.uploads() if u["filename"] == "pmbot-export.md"][-1])


def _rows(session: Session, model: Any) -> list[Any]:
    session.expire_all()
    found = list(session.scalars(select(model)))
    session.expunge_all()
    session.rollback()
    return found


def _collected(slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings) -> None:
    """A retro started Tuesday 06:00 UTC, everyone asked, each with notes given at their own time."""
    _say(slack, "start sprint 15")
    for at in (KOLKATA_NOW, BERLIN_10, LA_10):
        _tick(factory, settings, team, at)
    _add_notes(slack, team, "U0DEV2", KOLKATA_NOW + timedelta(hours=1), retro_went_well="Demo went smoothly",
               retro_to_improve="Flaky CI on main\nToo many meetings")  # fmt: skip
    _add_notes(slack, team, "U0LEAD", BERLIN_10 + timedelta(hours=1), retro_to_improve="Flaky CI on main again",
               retro_ideas="Pair on reviews")  # fmt: skip
    _add_notes(slack, team, "U0DEV1", LA_10 + timedelta(hours=1), retro_went_well="Shipped the API early")


def test_each_person_is_asked_at_their_own_local_time_and_notes_stay_private_until_the_reveal(
    slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """Started Tuesday 06:00 UTC: Kolkata (11:30, in its working day) is asked at once, Berlin at its 10:00, Los
    Angeles at its Tuesday 10:00 (Monday's working day was over); never before, each once. Before the reveal `show`
    gives others only counts and each author their own notes; at the end of the next working day the board is
    posted once, without names, and the prompts point to it."""
    answer = _say(slack, "start sprint 15")
    assert answer["text"].startswith(":mirror: Started *RT-1* Sprint 15 retro: I'll ask 3 people"), answer
    [started] = team.messages(RETRO)
    assert "started by <@U0LEAD>" in started["blocks"][0]["text"]["text"]

    asked = {at: _prompted(_tick(factory, settings, team, at)) for at in
             (START - timedelta(minutes=1), KOLKATA_NOW, BERLIN_10 - timedelta(minutes=1), BERLIN_10,
              LA_10 - timedelta(minutes=1), LA_10, LA_10 + timedelta(minutes=15))}  # fmt: skip
    assert {KOLKATA_NOW: ["U0DEV2"], BERLIN_10: ["U0LEAD"], LA_10: ["U0DEV1"]} == {a: u for a, u in asked.items() if u}
    [participants] = [_rows(session, RetroParticipant)]
    assert {"U0LEAD": "Europe/Berlin", "U0DEV1": "America/Los_Angeles", "U0DEV2": "Asia/Kolkata"} == {
        p.user_id: p.zone for p in participants
    }

    submitted = _add_notes(slack, team, "U0DEV2", KOLKATA_NOW + timedelta(hours=1),
                           retro_went_well="Demo went <!channel> smoothly",
                           retro_to_improve="Flaky CI on main\n\n  Too many meetings  ")  # fmt: skip
    assert 200 == submitted.status and not submitted.body, submitted.text
    _add_notes(slack, team, "U0DEV1", LA_10 + timedelta(hours=1), retro_ideas="Pair on reviews")
    notes = _rows(session, RetroNote)
    assert [(1, "went_well", "Demo went <!channel> smoothly"), (2, "to_improve", "Flaky CI on main"),
            (3, "to_improve", "Too many meetings"), (4, "idea", "Pair on reviews")] == [
        (n.position, n.kind, n.text) for n in notes]  # fmt: skip
    thanked = team.messages("U0DEV2")[0]
    assert "your 3 notes" in str(thanked["blocks"]) and "retro_add_notes" in str(thanked["blocks"])

    other = str(_say(slack, "show RT-1", user="U0LEAD", at=LA_10 + timedelta(hours=2)))
    assert "4 notes in all" in other and "Flaky CI" not in other and "Pair on reviews" not in other
    own = str(_say(slack, "show", user="U0DEV2", at=LA_10 + timedelta(hours=2)))
    assert "Flaky CI on main" in own and "Pair on reviews" not in own

    assert [] == [m for m in _tick(factory, settings, team, REVEAL - timedelta(minutes=1)) if m[0] == RETRO]
    revealed = _tick(factory, settings, team, REVEAL)
    assert [RETRO] == [where for where, text in revealed if where == RETRO]
    assert [] == _tick(factory, settings, team, REVEAL + timedelta(minutes=15))
    board = str(_board(team)["blocks"])
    assert "Demo went &lt;!channel&gt; smoothly" in board and "Pair on reviews" in board and "<!channel>" not in board
    assert all(u not in board for u in TEAM)  # nobody's name on the notes
    numbers = _numbers(team)  # numbered afresh by kind: went well, to improve, ideas
    assert (1, {2, 3}, 4) == (
        numbers["Demo went &lt;!channel&gt; smoothly"],
        {numbers["Flaky CI on main"], numbers["Too many meetings"]},
        numbers["Pair on reviews"],
    )
    assert "is revealed" in str(team.messages("U0DEV1")[0]["blocks"])
    assert "retro_add_notes" not in str(team.messages("U0DEV1")[0]["blocks"])


def test_votes_count_once_up_to_three_and_the_close_makes_the_top_notes_action_items(
    slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """A second vote for a note changes nothing and says so; a fourth vote is refused with an ephemeral whose Take
    back frees one; the board shows the counts. Someone who neither started it nor leads cannot close it; the
    starter closes it and the top notes given owners become their action items from the retro, named in the
    channel's summary."""
    _collected(slack, team, factory, settings)
    assert "Revealed RT-1" in _say(slack, "reveal", at=REVEAL - timedelta(hours=3))["text"]
    at = REVEAL - timedelta(hours=2)
    for words in ("Flaky CI on main again", "Flaky CI on main again", "Pair on reviews", "Shipped the API"):
        _vote(slack, team, "U0DEV2", words, at=at)
    _vote(slack, team, "U0DEV2", "Demo went", at=at)  # a fourth
    told = [e["text"] for e in team.ephemerals("U0DEV2")]
    assert any("counted already" in t for t in told) and any("used your 3 votes" in t for t in told), told
    assert 3 == len(_rows(session, RetroVote))
    full = team.ephemerals("U0DEV2")[-1]
    numbers = _numbers(team)
    shipped = next(e for e in full["blocks"][-1]["elements"]
                   if e["text"]["text"] == f"Take back #{numbers['Shipped the API early']}")  # fmt: skip
    for _ in range(2):  # the second finds nothing to take back
        with frozen(at):
            slack.block_action(user_id="U0DEV2", action_id="retro_unvote", value=shipped["value"], channel_id=RETRO,
                               container={"type": "message", "message_ts": full["ts"], "channel_id": RETRO,
                                          "is_ephemeral": True})  # fmt: skip
    told = [e["text"] for e in team.ephemerals("U0DEV2")]
    assert "Your vote is back with you" in told[-2] and "You have no vote on that note." == told[-1]
    _vote(slack, team, "U0DEV2", "Demo went", at=at)
    _vote(slack, team, "U0DEV1", "Flaky CI on main again", at=at)
    _vote(slack, team, "U0LEAD", "Pair on reviews", at=at)
    assert 5 == len(_rows(session, RetroVote))
    board = _board(team)
    assert "*2 votes*" in _note_block(board, "Flaky CI on main again")["text"]["text"]
    assert "*1 vote*" in _note_block(board, "Demo went")["text"]["text"]
    assert "vote" not in _note_block(board, "Shipped the API")["text"]["text"].split("early")[1]

    with frozen(at):
        closing = _board(team)
        refused = slack.block_action(user_id="U0DEV2", action_id="retro_close", value=closing["blocks"][-1][
            "elements"][0]["value"], channel_id=RETRO, message=closing)  # fmt: skip
    assert 200 == refused.status and not team.calls_to("views.open")[3:]
    assert any("Only whoever started RT-1" in e["text"] for e in team.ephemerals("U0DEV2"))

    with frozen(at):
        assert 200 == slack.command("/retro", "close", user_id="U0LEAD", channel_id=RETRO).status
        view = team.calls_to("views.open")[-1].args["view"]
        owners = [b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("retro_owner_")]
        assert 3 == len(owners)
        values = {
            owners[0]: {"value": {"type": "users_select", "selected_user": "U0DEV2"}},
            owners[1]: {"value": {"type": "users_select", "selected_user": "U0DEV1"}},
            owners[0].replace("owner", "due"): {"value": {"type": "datepicker", "selected_date": "2026-12-10"}},
        }
        submitted = slack.view_submission(user_id="U0LEAD", callback_id="retro_close_submit", values=values,
                                          private_metadata=view["private_metadata"], view=view)  # fmt: skip
    assert 200 == submitted.status and not submitted.body, submitted.text
    made = items(session)
    assert [("Flaky CI on main again", "U0DEV2", "retro", "Sprint 15 retro"), ("Pair on reviews", "U0DEV1", "retro",
            "Sprint 15 retro")] == [(i.title, i.owner_id, i.source_kind, i.source_label) for i in made]  # fmt: skip
    assert made[0].due_at is not None and made[0].due_at.date() == datetime(2026, 12, 10).date()
    _tick(factory, settings, team, at + timedelta(minutes=1))  # what the channel's pace left for later

    def closed() -> list[str]:  # the app's own delivery loop may still be sending it, at the channel's pace
        return [str(m["blocks"]) for m in team.messages(RETRO) if m["text"] == "RT-1 closed"]

    def settled() -> bool:  # the summary posted and the board's update (queued beside it) applied
        return bool(closed()) and "Voting is over" in str(_board(team)["blocks"])

    deadline = time.monotonic() + 30
    while not settled() and time.monotonic() < deadline:
        time.sleep(0.1)
    [summary] = closed()
    assert "→ *A-1* for <@U0DEV2>" in summary and "→ *A-2* for <@U0DEV1>" in summary
    assert "no owner: no action item" in summary
    assert "retro_vote" not in str(_board(team)["blocks"]) and "Voting is over" in str(_board(team)["blocks"])
    [retro] = _rows(session, Retro)
    assert ("closed", "U0LEAD") == (retro.status, retro.closed_by)
    assert "is closed already" in _say(slack, "close RT-1", at=at)["text"]
    markdown = _markdown(slack, team, at=at)
    assert markdown.index("## Lessons learned") < markdown.index("## Retrospectives")
    held = markdown.split("## Retrospectives", 1)[1]
    assert "### RT-1 Sprint 15 retro" in held and "closed." in held
    rows = [line for line in held.splitlines() if line.startswith("| #")]
    expected = [
        ("Went well", "Demo went smoothly", "1 | "),
        ("Went well", "Shipped the API early", "0 | "),
        ("To improve", "Flaky CI on main", "0 | "),
        ("To improve", "Too many meetings", "0 | "),
        ("To improve", "Flaky CI on main again", "2 | A-1"),
        ("Ideas", "Pair on reviews", "2 | A-2"),
    ]
    assert [1, 2, 6] == sorted(numbers[words] for kind, words, _ in expected if kind != "To improve")  # by kind
    assert sorted((f"| #{numbers[words]} | {kind} | {words} | {end} |" for kind, words, end in expected),
                  key=lambda row: numbers[row.split(" | ")[2]]) == rows  # in the board's order  # fmt: skip
    assert all(u not in held for u in TEAM)  # nobody's name on the notes


def test_who_cannot_see_the_channel_cannot_see_the_retro(slack: SlackSender, team: FakeSlack) -> None:
    """Someone outside the private channel asking for RT-1 from another channel hears it does not exist, like an
    id that never was; a member may show it from anywhere."""
    _say(slack, "start")
    outsider = _say(slack, "show RT-1", user="U0DEV3", channel=PROJECT_CHANNEL)
    assert "I can't find RT-1 in a channel you're in." == outsider["text"] and "blocks" not in outsider
    assert outsider["text"] == _say(slack, "show RT-9", user="U0DEV3", channel=PROJECT_CHANNEL)["text"].replace(
        "RT-9", "RT-1")  # fmt: skip
    member = _say(slack, "show RT-1", user="U0DEV1", channel=PROJECT_CHANNEL)
    assert "collecting notes" in str(member["blocks"]) and "Retro Tue 1 Dec 2026" in str(member["blocks"])


def test_a_done_milestone_offers_a_retro_and_its_button_starts_one_once(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Marking a milestone done puts "Run a retro" on its card; clicking it starts "M-API retro" with the channel's
    people asked; a second click is told it runs already."""
    with frozen(START):
        slack.command("/milestone", "M-API API ready jan 10", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        slack.command("/milestone", "done M-API", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    card = fake_slack.messages(PROJECT_CHANNEL)[0]
    [offer] = [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert ("Run a retro", "retro_offered") == (offer["text"]["text"], offer["action_id"])
    for _ in range(2):
        with frozen(START):
            slack.block_action(user_id="U0DEV1", action_id="retro_offered", value=offer["value"],
                               channel_id=PROJECT_CHANNEL, message=card)  # fmt: skip
    [retro] = _rows(session, Retro)
    assert ("M-API retro", "U0DEV1", 5) == (retro.title, retro.started_by, len(_rows(session, RetroParticipant)))
    told = [e["text"] for e in fake_slack.ephemerals("U0DEV1")]
    assert any("Started *RT-1* M-API retro" in t for t in told) and any("running already" in t for t in told), told


def test_bad_notes_are_refused_beside_their_box_and_nothing_is_saved(
    slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """An empty form, a note over 280 characters, or more than ten lines in a box keep the form open with the
    error beside its box; nothing is saved."""
    _say(slack, "start sprint 15")
    _tick(factory, settings, team, KOLKATA_NOW)
    empty = _add_notes(slack, team, "U0DEV2", KOLKATA_NOW, retro_went_well="  \n ")
    assert {"retro_went_well"} == set(empty.json()["errors"])
    long = _add_notes(slack, team, "U0DEV2", KOLKATA_NOW, retro_to_improve="x" * 281)
    assert "at most 280 characters; one line has 281" in long.json()["errors"]["retro_to_improve"]
    many = _add_notes(slack, team, "U0DEV2", KOLKATA_NOW, retro_ideas="\n".join(f"idea {n}" for n in range(11)))
    assert "At most 10 notes at a time here (11 lines now)" in many.json()["errors"]["retro_ideas"]
    assert [] == _rows(session, RetroNote)


def test_one_open_retro_a_channel_and_only_the_starter_or_a_lead_reveals(slack: SlackSender, team: FakeSlack) -> None:
    """A second start while one is open is refused with how to close it; someone else's reveal is refused; list,
    help (or the command alone) and an unknown word answer."""
    _say(slack, "start sprint 15")
    assert "RT-1 _Sprint 15 retro_ is still open" in _say(slack, "start sprint 16", user="U0DEV1")["text"]
    assert "Only whoever started RT-1" in _say(slack, "reveal", user="U0DEV1")["text"]
    assert "RT-1" in str(_say(slack, "list")["blocks"])
    said = _say(slack, "help")["text"]
    assert all(f"`/retro {w}" in said for w in ("start", "show", "reveal", "close", "list")) and "3 votes" in said
    assert "I don't know `/retro nope`" in _say(slack, "nope")["text"]
    assert said == _say(slack, "")["text"]
    assert "at most 114 characters" in _say(slack, "start " + "x" * 200, channel=PROJECT_CHANNEL)["text"]


def test_a_forgotten_person_leaves_their_notes_without_them_and_the_export_names_nobody(
    slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings, engine: Engine
) -> None:
    """`/pm export csv` adds retros.csv with the revealed notes and votes, never an author; `/pm forget` deletes
    the person's votes and place, keeps their notes without them, and leaves no row naming them."""
    team.add_user("U0ADMIN", name="workspace-admin", tz="Europe/Berlin", is_admin=True)
    _collected(slack, team, factory, settings)
    _say(slack, "reveal", at=REVEAL - timedelta(hours=3))
    _vote(slack, team, "U0DEV2", "Pair on reviews")
    with frozen(REVEAL):
        slack.command("/pm", "export csv", user_id="U0LEAD", channel_id=RETRO)
    exported = {u["filename"]: u["content"].decode() for u in team.uploads()}["retros.csv"]
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert ("RT-1", "#6", "Ideas", "Pair on reviews", "1") == (
        rows[5]["retro"], rows[5]["note"], rows[5]["kind"], rows[5]["text"], rows[5]["votes"])  # fmt: skip
    assert all(u not in exported for u in TEAM)
    with frozen(REVEAL):
        slack.command("/pm", "forget <@U0DEV2> confirm", user_id="U0ADMIN", channel_id=PROJECT_CHANNEL)
    assert [] == rows_mentioning(engine, "U0DEV2")
    with frozen(REVEAL):
        shown = str(slack.command("/retro", "show RT-1", user_id="U0LEAD", channel_id=RETRO).json())
    assert "Demo went smoothly" in shown and "Pair on reviews" in shown


def test_a_channel_with_a_stand_up_asks_its_people_at_its_prompt_time_and_skips_who_is_away(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """With a stand-up for three of the five members at 09:30, the retro asks those three at 09:30 their time; one
    away until the reveal is not asked at all, and the start says how many are."""
    set_up(slack, fake_slack, people=TEAM)
    workspace_id = session.scalars(select(Project.workspace_id)).one()
    standups.add_away(session, workspace_id=workspace_id, user_id="U0DEV1", first=date(2026, 11, 30),
                      last=date(2026, 12, 4), now=START)  # fmt: skip
    session.commit()
    answer = _say(slack, "start sprint 15", channel=PROJECT_CHANNEL)
    assert "I'll ask 2 people for notes" in answer["text"], answer
    asked = {p.user_id: p.asked_at for p in _rows(session, RetroParticipant)}
    assert START <= asked.pop("U0DEV2") < START + timedelta(seconds=5)  # 11:30 in Kolkata: at once
    assert {"U0LEAD": datetime(2026, 12, 1, 8, 30, tzinfo=UTC), "U0DEV1": None} == asked


def test_a_long_board_goes_in_parts_that_each_vote_updates() -> None:
    """Sixty notes make a board of more than 50 blocks: it goes in parts, each within Slack's limits, and the same
    number of blocks whether voting or closed (so an update finds each part); the keys are spelled as queued."""
    retro = Retro(id=7, number=3, title="Big retro", status="revealed", votes_each=3, started_by="U0LEAD",
                  created_at=START, collect_until=REVEAL, closed_by=None, closed_at=None)  # fmt: skip
    notes = [RetroNote(id=n, retro_id=7, author_id="U0DEV1", kind=["went_well", "to_improve", "idea"][n % 3],
                       text=f"note {n}", created_at=START, position=n) for n in range(1, 61)]  # fmt: skip
    _, voting = render.board(retro, notes, {1: 2})
    retro.status = RetroStatus.CLOSED
    _, closed = render.board(retro, notes, {1: 2})
    assert len(voting) == len(closed) and [50, len(voting) - 50] == [len(p) for p in fit(voting)]
    assert "`#1` note 1 · *2 votes*" in str(voting)
    spelled = (keys.board(7), keys.board_update(7, 4), keys.prompt_update(7, "U1", "n2"), keys.told(7, "U1", "1.5"))
    assert ("retro:7:board", "retro:7:board:r4", "retro:7:prompt:U1:n2", "retro:7:told:U1:1.5") == spelled


def test_an_offer_carrying_only_a_title_starts_its_retro_where_it_was_clicked(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A go-live's end offers "Run a retro" with the title alone: clicked in its channel, that channel's retro starts
    under that name, cut to a retro name's length when longer."""
    offered = "Payments cutover " + "x" * 300 + " retro"
    with frozen(START):
        slack.block_action(user_id="U0LEAD", action_id="retro_offered", value=offered, channel_id=PROJECT_CHANNEL)
    [retro] = _rows(session, Retro)
    assert retro.title.startswith("Payments cutover xxx") and retro.title.endswith(" retro") and len(retro.title) <= 120


REMIND_LA = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # Tuesday 17:00 in Los Angeles: 07:00 there would be before hours
REMIND_KOLKATA = datetime(2026, 12, 2, 11, 30, tzinfo=UTC)  # Wednesday 17:00 there: 20:30 would be after hours
REMIND_BERLIN = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # Wednesday 16:00 there: two hours before the reveal


def _reminded(seen: list[tuple[str, str]]) -> list[str]:
    return [where for where, text in seen if text.endswith("notes due soon")]


def _asked(slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings) -> None:
    """A retro started Tuesday 06:00 UTC and each of the three asked at their own time."""
    _say(slack, "start sprint 15")
    for at in (KOLKATA_NOW, BERLIN_10, LA_10):
        _tick(factory, settings, team, at)


def _away(session: Session, user: str, day: date, *, at: datetime) -> None:
    """Time away for one day, added after the retro started."""
    workspace_id = session.scalars(select(Retro.workspace_id)).one()
    standups.add_away(session, workspace_id=workspace_id, user_id=user, first=day, last=day, now=at)
    session.commit()


def test_who_has_not_added_notes_is_reminded_once_two_working_hours_before_the_reveal_in_their_own_hours(
    slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """The reveal is Wednesday 17:00 UTC. Los Angeles is reminded at the end of its Tuesday (two hours before the
    reveal is 07:00 there, before its hours), Berlin at 16:00 its time; Kolkata gave notes already and is not
    reminded; each reminder once, never before its moment, with an Add notes that opens the notes form."""
    _asked(slack, team, factory, settings)
    _add_notes(slack, team, "U0DEV2", KOLKATA_NOW + timedelta(hours=1), retro_went_well="Demo went smoothly")
    moments = (REMIND_LA - timedelta(minutes=1), REMIND_LA, REMIND_LA + timedelta(minutes=15), REMIND_KOLKATA,
               REMIND_BERLIN - timedelta(minutes=1), REMIND_BERLIN, REMIND_BERLIN + timedelta(minutes=15),
               REVEAL - timedelta(minutes=1))  # fmt: skip
    reminded = {at: _reminded(_tick(factory, settings, team, at)) for at in moments}
    assert {REMIND_LA: ["U0DEV1"], REMIND_BERLIN: ["U0LEAD"]} == {at: who for at, who in reminded.items() if who}
    [reminder] = [m for m in team.messages("U0DEV1") if str(m["text"]).endswith("notes due soon")]
    said = reminder["blocks"][0]["text"]["text"]
    assert "A reminder: *RT-1* Sprint 15 retro" in said and f"<!date^{int(REVEAL.timestamp())}^" in said
    [button] = reminder["blocks"][-1]["elements"]
    with frozen(REMIND_LA):
        clicked = slack.block_action(user_id="U0DEV1", action_id=button["action_id"], value=button["value"],
                                     channel_id="DU0DEV1", message=reminder)  # fmt: skip
    assert 200 == clicked.status
    assert "retro_notes_submit" == team.calls_to("views.open")[-1].args["view"]["callback_id"]
    private = _markdown(slack, team, at=REVEAL - timedelta(minutes=1))  # notes still private: none exported
    assert "## Retrospectives" not in private and "Demo went smoothly" not in private
    _add_notes(slack, team, "U0LEAD", REVEAL - timedelta(minutes=1), retro_ideas="Pair on reviews")
    thanked = [str(m["blocks"]) for m in team.messages("U0LEAD")]
    assert 2 == len(thanked) and all("Thanks: your 1 note for" in t for t in thanked)  # the prompt and reminder
    _tick(factory, settings, team, REVEAL)
    told = [str(m["blocks"]) for m in team.messages("U0DEV1")]
    assert 2 == len(told) and all("is revealed" in t and "retro_add_notes" not in t for t in told)


def test_time_away_added_after_the_start_is_heeded_when_the_prompt_or_the_reminder_is_due(
    slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """Berlin takes Tuesday off after the retro started: at its 10:00 it is not asked, but on Wednesday at 10:00.
    Los Angeles, asked on Tuesday, then takes Tuesday off: its reminder that evening is not sent (held for its
    summary on return), nor later; the others are asked and reminded as planned."""
    _say(slack, "start sprint 15")
    _away(session, "U0LEAD", date(2026, 12, 1), at=START + timedelta(minutes=5))
    asked = {at: _prompted(_tick(factory, settings, team, at)) for at in (KOLKATA_NOW, BERLIN_10, LA_10)}
    assert {KOLKATA_NOW: ["U0DEV2"], BERLIN_10: [], LA_10: ["U0DEV1"]} == asked
    wednesday_10 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    moved = {p.user_id: p.asked_at for p in _rows(session, RetroParticipant)}["U0LEAD"]
    assert wednesday_10 == moved
    _away(session, "U0DEV1", date(2026, 12, 1), at=LA_10 + timedelta(hours=1))
    seen = {at: _tick(factory, settings, team, at) for at in
            (REMIND_LA, REMIND_LA + timedelta(hours=3), wednesday_10, REMIND_KOLKATA, REMIND_BERLIN)}  # fmt: skip
    assert {REMIND_KOLKATA: ["U0DEV2"], REMIND_BERLIN: ["U0LEAD"]} == {
        at: _reminded(s) for at, s in seen.items() if _reminded(s)
    }
    assert ["U0LEAD"] == _prompted(seen[wednesday_10])
    held = _rows(session, AwayLog)
    assert [("U0DEV1", "held", "RT-1")] == [(h.user_id, h.kind, h.ref) for h in held if h.kind == "held"]


def _home(slack: SlackSender, fake: FakeSlack, user: str, at: datetime) -> dict[str, Any]:
    """The person opens their Home tab; return what was published."""
    with frozen(at):
        slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
    view = fake.home_view(user)
    assert view is not None
    return view


def _retro_rows(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in view["blocks"] if b["type"] == "section" and "Sprint 15 retro" in b["text"]["text"]]


def test_the_home_tab_asks_for_notes_until_they_are_in_then_points_to_the_board_to_vote(
    slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings, engine: Engine
) -> None:
    """Someone asked who has not added notes sees the retro on their Home tab with the reveal's date and the
    prompt's Add notes; notes added from there take it off the tab. After the reveal everyone in the channel with
    votes left sees "vote" linking to the board, asked of Slack with no database connection held; someone outside
    the private channel never sees it."""
    _asked(slack, team, factory, settings)
    at = LA_10 + timedelta(minutes=5)
    home = _home(slack, team, "U0DEV1", at)
    [row] = _retro_rows(home)
    assert f"*RT-1* Sprint 15 retro: add your notes by <!date^{int(REVEAL.timestamp())}^" in row["text"]["text"]
    prompt = next(m for m in team.messages("U0DEV1") if "retro_add_notes" in str(m["blocks"]))
    assert prompt["blocks"][-1]["elements"][0]["value"] == row["accessory"]["value"]
    assert "retro_add_notes" == row["accessory"]["action_id"]
    assert [] == _retro_rows(_home(slack, team, "U0DEV3", at))
    with frozen(at):
        slack.block_action(user_id="U0DEV1", action_id="retro_add_notes", value=row["accessory"]["value"],
                           view=home)  # fmt: skip
        form = team.calls_to("views.open")[-1].args["view"]
        values = {"retro_went_well": {"value": {"type": "plain_text_input", "value": "Shipped the API early"}}}
        submitted = slack.view_submission(user_id="U0DEV1", callback_id="retro_notes_submit", values=values,
                                          private_metadata=form["private_metadata"], view=form)  # fmt: skip
    assert 200 == submitted.status and not submitted.body, submitted.text
    assert [] == _retro_rows(team.home_view("U0DEV1") or {"blocks": []})  # refreshed once the notes are in
    assert 1 == len(_retro_rows(_home(slack, team, "U0LEAD", at)))  # still owes theirs

    _add_notes(slack, team, "U0DEV2", at, retro_went_well="Demo went smoothly\nFlaky CI on main")
    _tick(factory, settings, team, REVEAL)
    board = _board(team)
    link = f"https://fake.slack.test/archives/{RETRO}/p{board['ts'].replace('.', '')}"
    held: list[tuple[int, int]] = []  # (the call's place among the calls, database connections in use meanwhile)

    def watch() -> bool:
        held.append((len(team.calls), engine.pool.checkedout()))  # type: ignore[attr-defined]
        return False

    team.fail_while(watch)
    [row] = _retro_rows(_home(slack, team, "U0DEV1", REVEAL + timedelta(minutes=1)))
    asked = [in_use for place, in_use in held if team.calls[place].method == "chat.getPermalink"]
    assert [0] == asked
    assert f"*RT-1* Sprint 15 retro: <{link}|vote>" in row["text"]["text"] and "accessory" not in row
    for words in ("Shipped the API", "Demo went", "Flaky CI on main"):
        _vote(slack, team, "U0DEV1", words, at=REVEAL + timedelta(minutes=2))
    assert [] == _retro_rows(_home(slack, team, "U0DEV1", REVEAL + timedelta(minutes=3)))  # no votes left


def _open_notes(slack: SlackSender, user: str, at: datetime, text: str = "notes", channel: str = RETRO) -> int:
    with frozen(at):
        return slack.command("/retro", text, user_id=user, channel_id=channel).status


def test_notes_can_be_added_by_command_before_the_prompt_and_only_by_those_asked_until_the_reveal(
    slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """`/retro notes` opens the notes form at once for someone asked (Los Angeles, whose prompt is hours away), also
    from another channel when named; the notes count as the prompt's would. After the reveal nobody can add notes."""
    team.add_channel("C0WIDER", name="proj-wider", members=["U0LEAD", "U0DEV1", "UBOT"])
    _say(slack, "start sprint 15")
    opened = len(team.calls_to("views.open"))
    assert 200 == _open_notes(slack, "U0DEV1", START + timedelta(minutes=5))
    assert opened + 1 == len(team.calls_to("views.open"))
    view = team.calls_to("views.open")[-1].args["view"]
    assert "retro_notes_submit" == view["callback_id"]
    values = {"retro_ideas": {"value": {"type": "plain_text_input", "value": "Demo every Friday"}}}
    with frozen(START + timedelta(minutes=6)):
        submitted = slack.view_submission(user_id="U0DEV1", callback_id="retro_notes_submit", values=values,
                                          private_metadata=view["private_metadata"], view=view)  # fmt: skip
    assert 200 == submitted.status
    assert ["Demo every Friday"] == [n.text for n in _rows(session, RetroNote)]
    assert 200 == _open_notes(slack, "U0LEAD", START + timedelta(minutes=7), "notes RT-1", channel="C0WIDER")
    assert opened + 2 == len(team.calls_to("views.open"))
    unnamed = _say(slack, "notes", user="U0LEAD", channel="C0WIDER", at=START + timedelta(minutes=7))
    assert "This channel has had no retro yet." in unnamed["text"]
    warned = _say(slack, "reveal", at=START + timedelta(minutes=8))  # notes from one person: it asks first
    [anyway] = [e for b in warned["blocks"] if b["type"] == "actions" for e in b["elements"]]
    with frozen(START + timedelta(minutes=8)):
        slack.block_action(user_id="U0LEAD", action_id=anyway["action_id"], value=anyway["value"], channel_id=RETRO)
    late = _say(slack, "notes", user="U0DEV2", at=START + timedelta(minutes=9))
    assert "was revealed already" in late["text"]
    assert opened + 2 == len(team.calls_to("views.open"))


def _notes_by_command(slack: SlackSender, fake: FakeSlack, user: str, at: datetime, **boxes: str) -> Response:
    """`/retro notes` in the channel, and the form it opens submitted with `boxes` (block id -> text)."""
    assert 200 == _open_notes(slack, user, at)
    view = fake.calls_to("views.open")[-1].args["view"]
    values = {block: {"value": {"type": "plain_text_input", "value": text}} for block, text in boxes.items()}
    with frozen(at):
        return slack.view_submission(user_id=user, callback_id="retro_notes_submit", values=values,
                                     private_metadata=view["private_metadata"], view=view)  # fmt: skip


def test_the_reveal_numbers_the_notes_afresh_so_no_number_tells_whose_they_are(
    slack: SlackSender, team: FakeSlack, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each person gives their notes in one go, one after another: at the reveal they are numbered afresh, by kind
    and shuffled within each (the system's randomness, here a known seed), never in the order they came in; the
    board, `show` and the export all give those numbers, and no person's notes make one run of them."""
    monkeypatch.setattr(retros, "SystemRandom", lambda: Random(2025))
    _say(slack, "start sprint 15")
    at = START + timedelta(minutes=5)
    _notes_by_command(slack, team, "U0DEV2", at, retro_to_improve="\n".join(f"DEV2 worry {n}" for n in range(1, 5)),
                      retro_ideas="DEV2 idea")  # fmt: skip
    _notes_by_command(slack, team, "U0LEAD", at, retro_went_well="LEAD good 1\nLEAD good 2",
                      retro_to_improve="\n".join(f"LEAD worry {n}" for n in range(1, 5)))  # fmt: skip
    _notes_by_command(slack, team, "U0DEV1", at, retro_went_well="DEV1 good 1\nDEV1 good 2",
                      retro_to_improve="\n".join(f"DEV1 worry {n}" for n in range(1, 5)))  # fmt: skip
    arrived = sorted(_rows(session, RetroNote), key=lambda n: n.id)
    assert list(range(1, 18)) == [n.position for n in arrived]  # before the reveal: as they came in

    _say(slack, "reveal", at=at + timedelta(minutes=1))
    numbers = _numbers(team)
    shuffled = retros.board_order(arrived, Random(2025))
    assert {n.text: place for place, n in enumerate(shuffled, start=1)} == numbers
    assert {n.text: n.position for n in _rows(session, RetroNote)} == numbers
    assert [n.text for n in arrived] != sorted(numbers, key=numbers.__getitem__)
    assert {"good": [1, 2, 3, 4], "worry": list(range(5, 17)), "idea": [17]} == {
        word: sorted(v for k, v in numbers.items() if word in k) for word in ("good", "worry", "idea")}  # fmt: skip
    for author in ("DEV2", "LEAD", "DEV1"):
        worries = sorted(numbers[f"{author} worry {n}"] for n in range(1, 5))
        assert worries != list(range(worries[0], worries[0] + 4)), author
    [retro] = _rows(session, Retro)  # a Vote names its note by number, not by its row (made in the order they came)
    buttons = {b["text"]["text"]: b["accessory"]["value"] for b in _board(team)["blocks"] if "accessory" in b}
    assert {line: f"{retro.id}:#{number}" for words, number in numbers.items() for line in buttons
            if line.startswith(f"`#{number}` ")} == buttons  # fmt: skip
    shown = str(_say(slack, "show", at=at + timedelta(minutes=2))["blocks"])
    assert all(f"`#{number}` {words}" in shown for words, number in numbers.items())
    with frozen(at + timedelta(minutes=2)):
        slack.command("/pm", "export csv", user_id="U0LEAD", channel_id=RETRO)
    exported = {u["filename"]: u["content"].decode() for u in team.uploads()}["retros.csv"]
    assert {row["text"]: int(row["note"][1:]) for row in csv.DictReader(io.StringIO(exported))} == numbers


def test_who_gave_notes_before_their_prompt_is_not_asked_for_them(
    slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """Los Angeles gives its notes by `/retro notes` hours before its prompt: when the prompt time comes nothing is
    sent to it (it counts as asked), while the others are asked as planned; nor is it reminded."""
    _say(slack, "start sprint 15")
    _notes_by_command(slack, team, "U0DEV1", START + timedelta(minutes=5), retro_ideas="Demo every Friday")
    asked = {at: _prompted(_tick(factory, settings, team, at)) for at in (KOLKATA_NOW, BERLIN_10, LA_10)}
    assert {KOLKATA_NOW: ["U0DEV2"], BERLIN_10: ["U0LEAD"], LA_10: []} == asked
    assert [] == team.messages("U0DEV1")
    assert LA_10 == {p.user_id: p.prompted_at for p in _rows(session, RetroParticipant)}["U0DEV1"]
    assert [] == _tick(factory, settings, team, LA_10 + timedelta(minutes=15))
    assert [] == _reminded(_tick(factory, settings, team, REMIND_LA))


def test_a_title_is_stored_as_typed_and_escaped_once_and_never_broadcasts(
    slack: SlackSender, team: FakeSlack, session: Session
) -> None:
    """`/retro start R&D <b> @channel` (as Slack sends it: `&amp;`, `&lt;b&gt;`, `<!channel>`) is stored as typed
    and shown as "R&D <b> @channel retro", escaped once: no `&amp;amp;`, no broadcast."""
    answer = str(_say(slack, "start R&amp;D &lt;b&gt; &lt;!here&gt; <!channel>"))
    [retro] = _rows(session, Retro)
    assert "R&D <b> <!here> @channel retro" == retro.title
    started = str(team.messages(RETRO)[0]["blocks"])
    for said in (answer, started):
        assert "R&amp;D &lt;b&gt; &lt;!here&gt; @channel retro" in said, said
        assert "&amp;amp;" not in said and "<!channel>" not in said and "<!here>" not in said


def test_show_gives_every_note_of_a_long_board_in_sections_within_slacks_limits(
    slack: SlackSender, team: FakeSlack
) -> None:
    """Thirty notes of 280 characters in one column (three people's ten each) are more than one section holds:
    `show` gives every one of them whole, in several sections of at most 3,000 characters."""
    _say(slack, "start sprint 15")
    at = START + timedelta(minutes=5)
    written = {user: [f"{user} {n:02} " + "x" * 269 for n in range(10)] for user in TEAM}
    for user, lines in written.items():
        _notes_by_command(slack, team, user, at, retro_to_improve="\n".join(lines))
    _say(slack, "reveal", at=at)
    blocks = _say(slack, "show", at=at)["blocks"]
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(blocks) <= 50 and all(len(t) <= 3000 for t in texts)
    shown = "\n".join(texts)
    assert all(line in shown for lines in written.values() for line in lines)


def test_show_and_list_too_long_for_one_message_say_what_they_leave_out() -> None:
    """Six hundred long notes cannot all be shown: `show` keeps to 50 blocks of at most 3,000 characters, each note
    whole, and says how many more are on the board; twenty retros with the longest names are all listed."""
    retro = Retro(id=7, number=3, title="Big retro", status="revealed", votes_each=3, started_by="U0LEAD",
                  created_at=START, collect_until=REVEAL, closed_by=None, closed_at=None)  # fmt: skip
    retro.project = Project(channel_id=RETRO)
    retro.participants = []
    kinds = ["went_well", "to_improve", "idea"]
    notes = [RetroNote(id=n, retro_id=7, author_id="U0DEV1", kind=kinds[n % 3], text=f"note {n:03} " + "x" * 270,
                       created_at=START, position=n) for n in range(1, 601)]  # fmt: skip
    _, blocks = render.show(retro, count=600, own=[], notes=notes, votes={})
    texts = [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    assert 50 == len(blocks) and all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    whole = [n for n in notes if f"note {n.id:03} " + "x" * 270 in str(blocks)]
    [more] = [t for t in texts if t.startswith("…and")]
    assert f"…and {600 - len(whole)} more notes: see the board." == more and 0 < len(whole) < 600
    older = [Retro(id=n, number=n, title=f"{n:02} " + "y" * 117, status="closed", created_at=START)
             for n in range(21, 0, -1)]  # fmt: skip
    _, listed = render.retro_list(older)
    assert all(len(b["text"]["text"]) <= 3000 for b in listed)
    assert all(f"*RT-{n}* {n:02} " + "y" * 117 in str(listed) for n in range(2, 22)) and "older ones" in str(listed)


def test_a_past_due_date_keeps_the_close_form_open_with_the_error_beside_it(
    slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """A due date before today (in every zone) is refused beside its date before Slack closes the form, and the
    retro stays open; nothing is made."""
    _collected(slack, team, factory, settings)
    at = REVEAL - timedelta(hours=2)
    _say(slack, "reveal", at=at)
    _vote(slack, team, "U0DEV2", "Pair on reviews", at=at)
    with frozen(at):
        assert 200 == slack.command("/retro", "close", user_id="U0LEAD", channel_id=RETRO).status
        view = team.calls_to("views.open")[-1].args["view"]
        [owner] = [b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("retro_owner_")]
        due = owner.replace("owner", "due")
        values = {owner: {"value": {"type": "users_select", "selected_user": "U0DEV2"}},
                  due: {"value": {"type": "datepicker", "selected_date": "2026-11-30"}}}  # fmt: skip
        refused = slack.view_submission(user_id="U0LEAD", callback_id="retro_close_submit", values=values,
                                        private_metadata=view["private_metadata"], view=view)  # fmt: skip
    assert {"response_action": "errors", "errors": {due: "That due date is in the past."}} == refused.json()
    assert ["revealed"] == [r.status for r in _rows(session, Retro)] and [] == items(session)


def test_a_channel_of_more_than_a_thousand_is_read_to_its_last_member(slack: SlackSender, team: FakeSlack) -> None:
    """Slack gives a channel's members a page at a time: a retro started in a channel of 1,204 people asks every
    one of them, not only the first page's."""
    crowd = [f"U0CROWD{n:04}" for n in range(1200)]
    team.add_channel("C0CROWD", name="proj-crowd", members=[*TEAM, *crowd, "UBOT"])
    answer = _say(slack, "start sprint 15", channel="C0CROWD")
    assert "I'll ask 1203 people" in answer["text"], answer["text"]
