"""Fixes from the new-user trial, through the real HTTP endpoint and the Slack stand-in: a go-live step marked a second
time keeps its first mark (a note is added in the thread, another mark is a correction said as one), an ended
go-live says truly how its steps stand, a retro whose notes come from too few people warns before the reveal, and a
kept form's "Open it again" says when the form is no longer needed (its DM loses the button)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from sandbox.standin import FakeSlack
from storage.models.golive import GoLiveStep
from storage.models.retros import Retro
from tests.actions_helpers import frozen, items
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender
from tests.test_golive import BEFORE, LEAD, T_PAST, TYO, _channel, _click, _eventually, _plan, _say, _thread, _value
from tests.test_golive import _tick as _golive_tick
from tests.test_retros import (
    RETRO,
    REVEAL,
    START,
    _add_notes,
    _asked,
    _board,
    _collected,
    _notes_by_command,
    _rows,
    _tick,
    _vote,
)
from tests.test_retros import _say as _retro
from tests.test_retros import team as team


def _step(session: Session, position: int) -> tuple[str, str | None, str]:
    session.expire_all()
    found = session.scalars(select(GoLiveStep).where(GoLiveStep.position == position)).one()
    said = (str(found.status), found.by, found.note)
    session.rollback()
    return said


def _live(slack: SlackSender, fake: FakeSlack) -> dict[str, Any]:
    _plan(slack, fake, BEFORE, T_PAST)
    _say(slack, "start G-1", at=T_PAST - timedelta(minutes=30))
    parent: dict[str, Any] = _eventually(lambda: next(iter(_channel(fake, "Payments cutover is live")), None))
    return parent


def test_a_step_marked_again_keeps_its_first_mark_and_a_new_note_is_added_in_the_thread(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """`/golive done G-1 3 checksums ok` by Tokyo, then `done G-1 3 again` by the lead: the step stays done by Tokyo
    with "checksums ok"; the thread has one "done" reply and the lead's note as an addition; the same again (a
    double send) and `done G-1 3` alone add nothing."""
    parent = _live(slack, fake_slack)
    at = T_PAST - timedelta(minutes=20)
    first = _say(slack, "done G-1 3 checksums ok", at=at, user=TYO)["text"]
    assert "*done* by <@U0TYO>" in first
    added = _say(slack, "done G-1 3 again", at=at + timedelta(minutes=5))["text"]
    assert "<@U0LEAD> adds to #3 Backups verified (*done* by <@U0TYO>" in added and "again" in added
    _say(slack, "done G-1 3 again", at=at + timedelta(minutes=6))  # the same note again
    _say(slack, "done G-1 3", at=at + timedelta(minutes=7), user=TYO)  # a double click
    assert ("done", TYO, "checksums ok") == _step(session, 3)
    replies = _eventually(lambda: (r := _thread(fake_slack, parent)) and len(r) >= 2 and r)
    assert 2 == len(_thread(fake_slack, parent))
    assert "*done* by <@U0TYO>" in replies[0] and "checksums ok" in replies[0]
    assert "<@U0LEAD> adds to #3" in replies[1] and "*done*" not in replies[1].split("(")[0]
    shown = json.dumps(_say(slack, "show G-1", at=at + timedelta(minutes=8)))
    assert "done by <@U0TYO>" in shown and "checksums ok" in shown


def test_another_mark_is_a_correction_said_in_the_thread_only_with_why(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """Done, then `failed G-1 3` without why: refused, naming who marked it done and how to change it; with why it
    is recorded as a correction and the thread says "changed ... from done to failed"; someone who may not mark
    the step cannot correct it either."""
    parent = _live(slack, fake_slack)
    at = T_PAST - timedelta(minutes=20)
    _say(slack, "done G-1 3 checksums ok", at=at, user=TYO)
    refused = _say(slack, "failed G-1 3", at=at + timedelta(minutes=1))["text"]
    assert "Step #3 of G-1 was marked done already by <@U0TYO>" in refused
    assert "`/golive failed G-1 3 <why>`" in refused
    assert "Only its owner" in _say(slack, "failed G-1 3 nope", at=at, user="U0NYC")["text"]
    assert ("done", TYO, "checksums ok") == _step(session, 3)
    changed = _say(slack, "failed G-1 3 the restore test failed after all", at=at + timedelta(minutes=2))["text"]
    assert "<@U0LEAD> changed #3 Backups verified from *done* to *failed*" in changed
    assert ("failed", LEAD, "the restore test failed after all") == _step(session, 3)
    replies = _eventually(lambda: (r := _thread(fake_slack, parent)) and len(r) >= 2 and r)
    assert "from *done* to *failed*" in replies[1] and "golive_step_action" in replies[1]


def test_a_stale_step_button_never_replaces_someone_elses_mark(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """Tokyo's step DM still shows Done and Failed after the lead marked the step done: Done tells Tokyo who marked
    it, Failed is refused with how to correct it; the step stays the lead's."""
    _plan(slack, fake_slack, BEFORE, T_PAST)
    moment = T_PAST - timedelta(hours=2)  # step 3, Tokyo's
    _golive_tick(factory, settings, moment)
    _say(slack, "done G-1 3 restored fine", at=moment + timedelta(minutes=1))
    _click(slack, TYO, "golive_step_done", _value(session, 3), moment + timedelta(minutes=2))
    _eventually(lambda: [e for e in fake_slack.ephemerals(TYO) if "was marked done already by <@U0LEAD>" in e["text"]])
    _click(slack, TYO, "golive_step_failed", _value(session, 3), moment + timedelta(minutes=3))
    _eventually(lambda: [e for e in fake_slack.ephemerals(TYO) if "To change it to failed, say why" in e["text"]])
    assert ("done", LEAD, "restored fine") == _step(session, 3)
    _say(slack, "failed G-1 3 the checksums differ", at=moment + timedelta(minutes=4), user=TYO)  # before the cutover
    runbook = fake_slack.messages(PROJECT_CHANNEL)[0]
    _eventually(lambda: [m for m in fake_slack.messages(PROJECT_CHANNEL) if m.get("thread_ts") == runbook["ts"]
                         and "changed #3 Backups verified from *done* to *failed*" in str(m["blocks"])])  # fmt: skip


def test_an_ended_go_live_says_how_its_steps_truly_stand(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """Ended with one step done, one failed and five never marked: the end, the retro offer and a later mark all say
    "1 of 7 steps done · 1 failed · 5 not marked", never "has ended (done)"."""
    parent = _live(slack, fake_slack)
    at = T_PAST - timedelta(minutes=20)
    _say(slack, "done G-1 1", at=at)
    _say(slack, "failed G-1 3 restore too slow", at=at, user=TYO)
    truly = "1 of 7 steps done · 1 failed · 5 not marked"
    assert f"G-1 has ended: {truly}." == _say(slack, "end G-1", at=at + timedelta(hours=1))["text"]
    late = _say(slack, "done G-1 2", at=at + timedelta(hours=2))["text"]
    assert f"G-1 has ended: {truly}." in late and "(done)" not in late
    offer = f"Payments cutover has ended ({truly})"
    _eventually(lambda: [m for m in fake_slack.messages(PROJECT_CHANNEL) if offer in str(m["text"])])
    _eventually(
        lambda: [
            m
            for m in fake_slack.messages(PROJECT_CHANNEL)
            if m.get("thread_ts") == parent["ts"] and "ended by <@U0LEAD>" in m["text"] and truly in m["text"]
        ]
    )


# ---------------------------------------------------------------------------------------------------------------
# Retros


def test_revealing_notes_from_too_few_people_asks_first_and_reveals_only_on_reveal_anyway(
    slack: SlackSender, team: FakeSlack, session: Session
) -> None:
    """`/retro reveal` with notes from one person: a warning only the starter sees, with "Reveal anyway"; nothing is
    revealed. Someone else may not reveal, nor click it. The click reveals them; the board says that from so few,
    they are easy to tell apart, and the warning gives way to where the board is."""
    _retro(slack, "start sprint 15")
    at = START + timedelta(minutes=5)
    _notes_by_command(slack, team, "U0DEV1", at, retro_ideas="Demo every Friday\nShorter stand-ups")
    warned = _retro(slack, "reveal", at=at)
    assert "come from only 1 person" in warned["text"] and "Nothing is revealed yet" in warned["text"]
    [button] = [e for b in warned["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "Reveal anyway" == button["text"]["text"]
    assert ["collecting"] == [r.status for r in _rows(session, Retro)]
    assert not [m for m in team.messages(RETRO) if str(m["text"]).endswith("the notes")]

    def click(user: str) -> None:
        with frozen(at + timedelta(minutes=1)):
            assert 200 == slack.block_action(user_id=user, action_id=button["action_id"], value=button["value"],
                                             channel_id=RETRO, container={"type": "message", "message_ts": "1.0",
                                             "channel_id": RETRO, "is_ephemeral": True}).status  # fmt: skip

    click("U0DEV1")
    assert ["collecting"] == [r.status for r in _rows(session, Retro)]
    assert any("Only whoever started RT-1" in e["text"] for e in team.ephemerals("U0DEV1"))
    click("U0LEAD")
    assert ["revealed"] == [r.status for r in _rows(session, Retro)]
    board = str(_board(team)["blocks"])
    assert "2 notes from 1 person, shown without names (from so few, they are easy to tell apart)." in board
    assert any("Revealed RT-1" in str(r) for r in team.responses())


def test_the_automatic_reveal_of_notes_from_two_people_says_so_on_the_board(
    slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """At the end of the next working day the notes are revealed as announced, even from two people; the board says
    they are easy to tell apart. From three people it does not."""
    _asked(slack, team, factory, settings)
    _add_notes(slack, team, "U0DEV2", START + timedelta(hours=1), retro_went_well="Demo went smoothly")
    _add_notes(slack, team, "U0LEAD", START + timedelta(hours=4), retro_ideas="Pair on reviews")
    _tick(factory, settings, team, REVEAL)
    assert "from 2 people, shown without names (from so few" in str(_board(team)["blocks"])


# ---------------------------------------------------------------------------------------------------------------
# A kept form's "Open it again"


def _failed_close(slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings) -> Any:
    """RT-1 revealed with a vote; its close form submitted with pmbot as an owner: refused after Slack closed it.
    Return the DM with "Open it again"."""
    _collected(slack, team, factory, settings)
    at = REVEAL - timedelta(hours=2)
    _retro(slack, "reveal", at=at)
    _vote(slack, team, "U0DEV2", "Pair on reviews", at=at)
    _close(slack, team, team.bot_user_id)
    [dm] = [m for m in team.messages("DU0LEAD") if "couldn't save" in str(m.get("text"))]
    assert "retro_close" not in str(dm["blocks"]) and "form_reopen" in str(dm["blocks"])
    return dm


def _close(slack: SlackSender, team: FakeSlack, owner: str, view: dict[str, Any] | None = None) -> Any:
    """`/retro close` (or `view`, opened again) submitted with `owner` for the top note."""
    with frozen(REVEAL - timedelta(hours=1)):
        if view is None:
            assert 200 == slack.command("/retro", "close", user_id="U0LEAD", channel_id=RETRO).status
            view = team.calls_to("views.open")[-1].args["view"]
        [block] = [b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("retro_owner_")]
        values = {block: {"value": {"type": "users_select", "selected_user": owner}}}
        payload = slack._interaction("view_submission", "U0LEAD", None)
        payload["view"] = {**view, "state": {"values": values}, "hash": f"h{len(team.calls)}",
                           "external_id": view.get("external_id", ""),
                           "app_installed_team_id": slack.team_id}  # fmt: skip
        payload["view"].setdefault("id", f"V{len(team.calls)}")
        return slack.post_interaction(payload)


def _reopen(slack: SlackSender, dm: dict[str, Any]) -> None:
    [button] = [e for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"]]
    with frozen(REVEAL - timedelta(hours=1)):
        assert 200 == slack.block_action(user_id="U0LEAD", action_id=button["action_id"], value=button["value"],
                                         channel_id="DU0LEAD", trigger_id="T-reopen").status  # fmt: skip


def test_a_kept_form_saved_once_opened_again_loses_its_button(
    slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """Opened again from its DM and saved with a person as owner: the DM says it was saved since, without the
    button; an old click on it opens nothing."""
    dm = _failed_close(slack, team, factory, settings)
    opened = len(team.calls_to("views.open"))
    _reopen(slack, dm)
    [again] = [c.args["view"] for c in team.calls_to("views.open")[opened:]]
    assert again["external_id"].startswith("pmbot-form:")
    reopened = {**again, "id": "V-again"}
    assert 200 == _close(slack, team, "U0DEV2", reopened).status
    assert [("Pair on reviews", "U0DEV2")] == [(i.title, i.owner_id) for i in items(session)]
    now = _eventually(lambda: (m := next(m for m in team.messages("DU0LEAD") if m["ts"] == dm["ts"]))
                      and "Saved since" in str(m["blocks"]) and m)  # fmt: skip
    assert "form_reopen" not in str(now["blocks"])
    _reopen(slack, dm)  # a click that was on its way
    assert opened + 1 == len(team.calls_to("views.open"))


def test_a_kept_form_whose_retro_was_closed_since_says_it_is_no_longer_needed(
    slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings, session: Session
) -> None:
    """The close form failed, then the lead closed RT-1 with a new form: "Open it again" opens nothing, and the DM
    says plainly the form is no longer needed, without the button."""
    dm = _failed_close(slack, team, factory, settings)
    assert 200 == _close(slack, team, "U0DEV2").status
    assert ["closed"] == [r.status for r in _rows(session, Retro)]
    opened = len(team.calls_to("views.open"))
    _reopen(slack, dm)
    assert opened == len(team.calls_to("views.open"))
    now = _eventually(lambda: (m := next(m for m in team.messages("DU0LEAD") if m["ts"] == dm["ts"]))
                      and "no longer needed" in str(m["blocks"]) and m)  # fmt: skip
    assert "RT-1 is closed already: this form is no longer needed." in str(now["blocks"])
    assert "form_reopen" not in str(now["blocks"])


def test_a_kept_form_opened_again_that_fails_again_leaves_one_button(
    slack: SlackSender, team: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """Opened again and failing again: the newer DM offers it, the older one loses its button."""
    dm = _failed_close(slack, team, factory, settings)
    _reopen(slack, dm)
    again = {**team.calls_to("views.open")[-1].args["view"], "id": "V-again"}
    _close(slack, team, team.bot_user_id, again)
    kept = [m for m in team.messages("DU0LEAD") if "couldn't save" in str(m.get("text"))]
    assert 2 == len(kept) and "form_reopen" in str(kept[-1]["blocks"])
    older = _eventually(lambda: (m := next(m for m in team.messages("DU0LEAD") if m["ts"] == dm["ts"]))
                        and "the newer message keeps it" in str(m["blocks"]) and m)  # fmt: skip
    assert "form_reopen" not in str(older["blocks"])
