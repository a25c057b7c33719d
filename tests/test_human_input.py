"""What people actually type, through the real endpoint: each input is recorded as meant, or asked back first.

Every row is one slash command as a person would type it, with either the table that must grow (and what it
then holds) or the ephemeral question or refusal it gets, in which case no row anywhere may change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.app import PmbotApp
from handlers.ids import Action, Command
from sandbox.standin import FakeSlack
from storage.models import ActionEvent, ActionItem, Decision, DecisionRevision, OutboxMessage, Risk, RiskEvent
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL, RunningServer, sender_for
from tests.slack_requests import SlackSender
from tests.test_fuzz_commands import row_counts

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LEAD = "U0LEAD"
ACTION, RISK, DECISION = Command.ACTION, Command.RISK, Command.DECISION


@dataclass(frozen=True)
class Row:
    """`command text` said by the lead: `asks` is a piece of the ephemeral answer (nothing saved), or `records`
    is (table, what its newest row then says)."""

    command: str
    text: str
    asks: str = ""
    records: tuple[str, str] | None = None


def asks(command: str, text: str, answer: str) -> Row:
    return Row(command, text, asks=answer)


def records(command: str, text: str, table: str, what: str) -> Row:
    return Row(command, text, records=(table, what))


NOT_FOUND = "I couldn't find @nobody in this workspace."
UNKNOWN_VERB = "reads like a command, but I don't know it"
TABLE = [
    # /action: synonyms, typos, bare ids, an id and a verb
    asks(ACTION, "complete A-9", "Did you mean `/action done A-9`?"),
    asks(ACTION, "close A-9", "Did you mean `/action done A-9`?"),
    asks(ACTION, "done 9", "Did you mean `/action done A-9`?"),
    asks(ACTION, "finished #1", "Did you mean `/action done A-1`?"),
    asks(ACTION, "frobnicate A-4", f"`/action frobnicate A-4` {UNKNOWN_VERB}"),
    asks(ACTION, "A-9", "Did you mean `/action show A-9`?"),
    asks(ACTION, "a9", "Did you mean `/action show A-9`?"),
    asks(ACTION, "A-1 done", "Did you mean `/action done A-1`?"),
    asks(ACTION, "A-1 complete", "Did you mean `/action done A-1`?"),
    asks(ACTION, "dne A-1", "Did you mean `/action done A-1`?"),
    asks(ACTION, "snoze A-1 tomorrow 9am", "Did you mean `/action snooze A-1 tomorrow 9am`?"),
    asks(ACTION, "snooze 1 tomorrow", "Did you mean `/action snooze A-1 tomorrow`?"),
    asks(ACTION, "lsit", "Did you mean `/action list`?"),
    asks(ACTION, "delet A-1", "Did you mean `/action delete A-1`?"),
    asks(ACTION, "remove A-1", "Did you mean `/action delete A-1`?"),
    asks(ACTION, "view A-1", "Did you mean `/action show A-1`?"),
    asks(ACTION, "done", f"`/action done` {UNKNOWN_VERB}"),
    # /action: what reads as a title is recorded as written
    records(ACTION, "close the deal with ACME", "action_item", "close the deal with ACME"),
    records(ACTION, "show the client the demo", "action_item", "show the client the demo"),
    records(ACTION, "finish the report", "action_item", "finish the report"),
    records(ACTION, "mail ops@example.com the report", "action_item", "mail ops@example.com the report"),
    records(ACTION, "<@U0DEV1|dev-la> book the venue", "action_item", "book the venue"),
    # /action: people Slack could not find
    asks(ACTION, "@nobody do a thing by friday", NOT_FOUND),
    asks(ACTION, "<@U0DEV1|dev-la> ask @nobody about the API", NOT_FOUND),
    # /risk
    asks(RISK, "lsit", "Did you mean `/risk list`?"),
    asks(RISK, "R-1", "Did you mean `/risk show R-1`?"),
    asks(RISK, "R-1 close", "Did you mean `/risk close R-1`?"),
    asks(RISK, "resolve R-1 vendor delivered", "Did you mean `/risk close R-1 vendor delivered`?"),
    asks(RISK, "updte R-1 p:2", "Did you mean `/risk update R-1 p:2`?"),
    asks(RISK, "matirx", "Did you mean `/risk matrix`?"),
    asks(RISK, "frobnicate R-1", f"`/risk frobnicate R-1` {UNKNOWN_VERB}"),
    records(RISK, "vendor slips p:likely i:major", "risk", "vendor slips p4 i4"),
    records(RISK, "vendor slips p:high", "risk", "vendor slips p4 i3"),
    records(RISK, "vendor slips p:almost-certain i:severe", "risk", "vendor slips p5 i5"),
    records(RISK, "vendor slips P:Rare I:negligible", "risk", "vendor slips p1 i1"),
    records(RISK, "vendor slips p:2 i:minor", "risk", "vendor slips p2 i2"),
    asks(RISK, "vendor slips p:4 i:5x", "I can't read `i:5x` as an impact."),
    asks(RISK, "vendor slips p:sometimes", "I can't read `p:sometimes` as a probability."),
    asks(RISK, "vendor slips p:9", "`p:` is 1 to 5."),
    asks(RISK, "vendor slips @nobody", NOT_FOUND),
    records(RISK, "update R-1 i:severe", "risk_event", "R-1 p3 i5"),
    # /decision
    asks(DECISION, "serach kafka", "Did you mean `/decision search kafka`?"),
    asks(DECISION, "lst", "Did you mean `/decision list`?"),
    asks(DECISION, "D-1", "Did you mean `/decision show D-1`?"),
    asks(DECISION, "revies D-1 we use Kafka", "Did you mean `/decision revise D-1 we use Kafka`?"),
    asks(DECISION, "amend D-1 we use Kafka", "Did you mean `/decision revise D-1 we use Kafka`?"),
    asks(DECISION, "frobnicate D-1", f"`/decision frobnicate D-1` {UNKNOWN_VERB}"),
    asks(DECISION, "we use Kafka, approved by @nobody", NOT_FOUND),
    records(DECISION, "we use Kafka for events", "decision", "we use Kafka for events"),
    records(DECISION, "least cost vendor wins", "decision", "least cost vendor wins"),
    # commands that record nothing from free text still say what was probably meant
    asks(Command.STANDUP, "stup", "I don't know `/standup stup`.\nDid you mean `/standup setup`?"),
    asks(Command.STANDUP, "statistics", "Did you mean `/standup stats`?"),
    asks(Command.MEETING, "strat", "Did you mean `/meeting start`?"),
    asks(Command.PM, "staus", "Did you mean `/pm status`?"),
    asks(Command.PM, "frobnicate", "I don't know `/pm frobnicate`."),
]


def newest(session: Session, table: str) -> str:
    """What the newest row of `table` says, in the words of the table above."""
    session.expire_all()
    model: Any = {"action_item": ActionItem, "risk": Risk, "decision": Decision, "risk_event": RiskEvent}[table]
    row = session.scalars(select(model).order_by(model.id.desc()).limit(1)).one()
    says: dict[str, Callable[[], object]] = {
        "action_item": lambda: row.title,
        "risk": lambda: f"{row.title} p{row.probability} i{row.impact}",
        "decision": lambda: row.statement,
        "risk_event": lambda: _score_of(session, row.risk_id),
    }
    said = says[table]()
    session.rollback()
    return str(said)


def _score_of(session: Session, risk_id: int) -> str:
    risk = session.get_one(Risk, risk_id)
    return f"{risk.ref} p{risk.probability} i{risk.impact}"


@pytest.fixture
def said(server: RunningServer, app: PmbotApp, fake_slack: FakeSlack) -> SlackSender:
    """A sender whose response_url is the fake's, with A-1, R-1 and D-1 already recorded by the lead."""
    sender = sender_for(server, app, fake_slack)
    with frozen(MONDAY):
        for command, text in [(ACTION, "send the deck"), (RISK, "vendor may slip p:3 i:4"), (DECISION, "we use PG")]:
            assert 200 == sender.command(command, text, user_id=LEAD, channel_id=PROJECT_CHANNEL).status
    return sender


def _answer_text(body: str) -> str:
    answer = json.loads(body) if body.startswith("{") else {"text": body}
    return str(answer.get("text") or "")


def test_what_people_type_is_recorded_as_meant_or_asked_back(said: SlackSender, engine: Engine) -> None:
    """Each row's input grows exactly its table with what it says, or gets its question and changes nothing."""
    wrong = []
    with frozen(MONDAY), Session(engine) as session:
        for row in TABLE:
            before = row_counts(engine)
            response = said.command(row.command, row.text, user_id=LEAD, channel_id=PROJECT_CHANNEL)
            after, text = row_counts(engine), _answer_text(response.text)
            grown = sorted(t for t in after if after[t] > before[t])
            if row.asks:
                got = f"asks {text!r}, grows {grown}"
                ok = row.asks in text and before == after
            else:
                assert row.records is not None
                table, what = row.records
                got = f"grows {grown}, {table} says {newest(session, table) if table in grown else '-'!r}"
                ok = table in grown and newest(session, table) == what
            if not ok:
                wrong.append(f"{row.command} {row.text!r}: {got}")
    assert [] == wrong, "\n".join(wrong)
    assert len(TABLE) >= 40


def _question(sender: SlackSender, command: str, text: str) -> dict[str, Any]:
    response = sender.command(command, text, user_id=LEAD, channel_id=PROJECT_CHANNEL)
    answer: dict[str, Any] = response.json()
    return answer


def _click(sender: SlackSender, question: dict[str, Any], action_id: str) -> None:
    [actions] = [b for b in question["blocks"] if b["type"] == "actions"]
    [button] = [e for e in actions["elements"] if e["action_id"] == action_id]
    response = sender.block_action(
        user_id=LEAD,
        action_id=action_id,
        value=button["value"],
        block_id=actions["block_id"],
        channel_id=PROJECT_CHANNEL,
        container={"type": "message", "message_ts": "1.0", "channel_id": PROJECT_CHANNEL, "is_ephemeral": True},
    )
    assert 200 == response.status


def test_yes_runs_what_was_meant(said: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """`/action complete A-1`, then "Yes, run it": A-1 is done, and the answer replaces the question."""
    with frozen(MONDAY):
        _click(said, _question(said, ACTION, "complete A-1"), Action.RUN_AS_MEANT)
    items = list(session.scalars(select(ActionItem)))
    assert [("A-1", "done")] == [(i.ref, i.status) for i in items]
    assert "done" in str(fake_slack.responses()[-1]) and fake_slack.responses()[-1]["replace_original"]


def test_no_records_it_as_written(said: SlackSender, session: Session) -> None:
    """`/decision serach kafka`, then "No, record it as written": a decision with exactly those words."""
    with frozen(MONDAY):
        _click(said, _question(said, DECISION, "serach kafka"), Action.RECORD_AS_WRITTEN)
    statements = session.scalars(select(Decision.statement).order_by(Decision.id)).all()
    assert ["we use PG", "serach kafka"] == list(statements)


def test_nothing_is_saved_until_the_person_chooses(said: SlackSender, engine: Engine) -> None:
    """The question alone changes no row; "No" on `/action close A-9` records one item titled with that text."""
    with frozen(MONDAY):
        before = row_counts(engine)
        question = _question(said, ACTION, "close A-9")
        assert before == row_counts(engine)
        _click(said, question, Action.RECORD_AS_WRITTEN)
    with Session(engine) as session:
        titles = [i.title for i in session.scalars(select(ActionItem).order_by(ActionItem.number))]
        events = session.scalars(select(ActionEvent.kind)).all()
    assert ["send the deck", "close A-9"] == titles
    assert ["created", "created"] == list(events)


KINDS = [
    (ACTION, "book the venue", ActionItem, "list all", "A-2"),
    (RISK, "the venue may cancel p:likely", Risk, "list", "R-2"),
    (DECISION, "we book the venue", Decision, "list", "D-2"),
]


def _withdraw(sender: SlackSender, answer: dict[str, Any], *, user: str) -> None:
    [actions] = [b for b in answer["blocks"] if b["type"] == "actions"]
    [button] = actions["elements"]
    assert "Withdraw" == button["text"]["text"]
    response = sender.block_action(
        user_id=user,
        action_id=Action.WITHDRAW,
        value=button["value"],
        block_id=actions["block_id"],
        channel_id=PROJECT_CHANNEL,
        container={"type": "message", "message_ts": "1.0", "channel_id": PROJECT_CHANNEL, "is_ephemeral": True},
    )
    assert 200 == response.status


@pytest.mark.parametrize(("command", "text", "model", "listing", "ref"), KINDS)
def test_the_creator_withdraws_what_they_just_recorded(
    said: SlackSender, engine: Engine, command: str, text: str, model: Any, listing: str, ref: str
) -> None:
    """Withdraw on the creator's confirmation: status withdrawn, a history row, the card updated, off the list."""
    with frozen(MONDAY):
        _withdraw(said, _question(said, command, text), user=LEAD)
        listed = said.command(command, listing, user_id=LEAD, channel_id=PROJECT_CHANNEL).text
    with Session(engine) as session:
        record = session.scalars(select(model).order_by(model.id.desc()).limit(1)).one()
        histories: dict[Any, Callable[[], Any]] = {
            ActionItem: lambda: session.scalars(select(ActionEvent.kind).where(ActionEvent.action_id == record.id)),
            Risk: lambda: session.scalars(select(RiskEvent.kind).where(RiskEvent.risk_id == record.id)),
            Decision: lambda: session.scalars(
                select(DecisionRevision.status).where(DecisionRevision.decision_id == record.id)
            ),
        }
        history = histories[model]()
        card = f"{model.__tablename__.split('_')[0]}:{record.id}:card:r%"
        updates = session.scalars(select(OutboxMessage.method).where(OutboxMessage.key.like(card)))
        assert (ref, "withdrawn") == (record.ref, record.status)
        assert "withdrawn" == list(history)[-1]
        assert "chat.update" in list(updates)
    assert ref not in listed


def test_only_the_creator_may_withdraw_and_only_for_a_day(said: SlackSender, engine: Engine) -> None:
    """Another person's click, or the creator's after 24 hours, withdraws nothing."""
    with frozen(MONDAY) as clock:
        confirmation = _question(said, RISK, "the venue may cancel")
        _withdraw(said, confirmation, user="U0DEV1")
        clock.tick(timedelta(hours=25))
        _withdraw(said, confirmation, user=LEAD)
    with Session(engine) as session:
        assert ["open", "open"] == list(session.scalars(select(Risk.status).order_by(Risk.id)))
