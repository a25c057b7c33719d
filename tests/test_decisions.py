"""The decision log through the real HTTP endpoint: capture, revisions, supersession, approval, search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from domain import decisions
from domain.decisions import Wording
from domain.text import date_token
from domain.workspaces import project_for, workspace_for
from sandbox.standin import FakeSlack
from storage.models import Decision, Project
from tests.actions_helpers import frozen
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _decisions(session: Session) -> list[Decision]:
    session.expire_all()
    found = list(session.scalars(select(Decision).order_by(Decision.number)))
    session.expunge_all()
    session.rollback()
    return found


def _say(slack: SlackSender, text: str, user: str = "U0LEAD", at: datetime = MONDAY) -> dict[str, Any]:
    with frozen(at):
        return slack.command("/decision", text, user_id=user, channel_id=PROJECT_CHANNEL).json()


def _v(**element: Any) -> dict[str, Any]:
    return {"value": element}


def test_one_line_records_a_decision_by_the_caller(slack: SlackSender, fake_slack: FakeSlack, session: Session) -> None:
    """`/decision <statement>` records an approved decision made now by the caller and posts it."""
    assert "Recorded D-1" in _say(slack, "we use PostgreSQL in production, not <!here> MySQL")["text"]
    [decision] = _decisions(session)
    assert ("approved", ["U0LEAD"], "we use PostgreSQL in production, not @here MySQL") == (
        decision.status,
        decision.decided_by,
        decision.statement,
    )
    [card] = fake_slack.messages(PROJECT_CHANNEL)
    assert "D-1" in str(card["blocks"]) and "<!here>" not in str(card["blocks"]) + str(card["text"])


def test_revisions_never_overwrite_and_stay_readable(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A revision writes a new wording; `/decision show` still shows the old one; the card shows the new."""
    _say(slack, "we ship on Fridays")
    assert "revision 2" in _say(slack, "revise D-1 we ship on Thursdays")["text"]
    shown = str(_say(slack, "show D-1")["blocks"])
    assert "*r1*" in shown and "we ship on Fridays" in shown and "*r2*" in shown and "Thursdays" in shown
    assert "Thursdays" in str(fake_slack.messages(PROJECT_CHANNEL)[0]["blocks"])
    assert "we ship on Thursdays" == _decisions(session)[0].statement


def test_supersession_links_both_ways(slack: SlackSender, session: Session) -> None:
    """Superseding D-1 records D-2, marks D-1 superseded, and each shows the other."""
    _say(slack, "we host on VMs")
    assert "superseding D-1" in _say(slack, "supersede D-1 we host on Kubernetes")["text"]
    old, new = _decisions(session)
    assert ("superseded", new.id, old.id) == (old.status, old.superseded_by_id, new.supersedes_id)
    assert "Superseded by:* D-2" in str(_say(slack, "show D-1")["blocks"])
    assert "Supersedes:* D-1" in str(_say(slack, "show D-2")["blocks"])


def test_an_id_with_a_superscript_digit_is_refused(slack: SlackSender) -> None:
    """`D-²` is not a decision id (str.isdigit() would say it is, and int() would then fail)."""
    assert "is not a decision id" in _say(slack, "show D-\u00b2")["text"]


def test_only_those_involved_or_a_lead_may_revise(slack: SlackSender, session: Session) -> None:
    """Someone who neither decided, approves nor leads is refused, and nothing changes."""
    _say(slack, "we ship on Fridays")
    assert "Only D-1's decision makers" in _say(slack, "revise D-1 never", user="U0DEV4")["text"]
    assert "Only D-1's decision makers" in _say(slack, "supersede D-1 never", user="U0DEV4")["text"]
    assert [("we ship on Fridays", "approved")] == [(d.statement, d.status) for d in _decisions(session)]


def _propose(slack: SlackSender, fake: FakeSlack, *, approver: str = "U0DEV2", needed_by: str = "2026-11-25") -> None:
    with frozen(MONDAY):
        slack.command("/decision", "", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        view = fake.calls_to("views.open")[-1].args["view"]
        values = {
            "statement": _v(type="plain_text_input", value="adopt the new design system"),
            "context": _v(type="plain_text_input", value="two teams asked for it"),
            "options": _v(type="plain_text_input", value="keep the old one; adopt; build our own"),
            "rationale": _v(type="plain_text_input", value="saves design time"),
            "status": _v(type="static_select", selected_option={"value": "proposed"}),
            "decided_by": _v(type="multi_users_select", selected_users=["U0LEAD", "U0DEV1"]),
            "approver": _v(type="users_select", selected_user=approver),
            "needed_by": _v(type="datepicker", selected_date=needed_by),
            "links": _v(type="plain_text_input", value="https://docs.example/design\nhttps://docs.example/cost"),
        }
        response = slack.view_submission(
            user_id="U0LEAD", callback_id="decision_create", private_metadata=view["private_metadata"], values=values
        )
        assert 200 == response.status and not response.body, response.text


def test_approval_flow_dm_buttons_record_and_announce(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """A proposed decision DMs its approver with Approve/Reject; approving records it, announces it in the channel,
    and broadcasts it to the stakeholder channel."""
    with frozen(MONDAY):
        slack.command(
            "/pm", "config stakeholders <#C0STAKE|apollo-updates>", user_id="U0LEAD", channel_id=PROJECT_CHANNEL
        )
    _propose(slack, fake_slack)
    [decision] = _decisions(session)
    assert ("proposed", "U0DEV2", ["U0LEAD", "U0DEV1"], 2) == (
        decision.status,
        decision.approver_id,
        decision.decided_by,
        len(decision.links),
    )
    [request] = [m for m in fake_slack.messages("DU0DEV2") if "Approval requested" in str(m["text"])]
    assert "decision_approve" in str(request["blocks"]) and [] == fake_slack.messages("C0STAKE")
    with frozen(MONDAY + timedelta(hours=2)):
        stranger = slack.block_action(
            user_id="U0DEV4",
            action_id="decision_approve",
            value="D-1",
            channel_id="DU0DEV4",
            message_ts=request["ts"],
            message=request,
        )
        slack.block_action(
            user_id="U0DEV2",
            action_id="decision_approve",
            value="D-1",
            channel_id="DU0DEV2",
            message_ts=request["ts"],
            message=request,
        )
    assert 200 == stranger.status
    assert "approved" == _decisions(session)[0].status
    assert any("(approved)" in str(m["text"]) for m in fake_slack.messages(PROJECT_CHANNEL))
    assert 1 == len(fake_slack.messages("C0STAKE"))


def test_a_pending_decision_past_needed_by_nudges_its_approver_daily(
    slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """Past its needed-by date (Wed 17:00 Berlin), the approver in Kolkata is nudged in their hours, once a day.
    (Which day and hour in every zone: tests/test_due_rules.py.)"""
    _propose(slack, fake_slack)
    client = make_client(settings, patient=False)
    thursday, friday = datetime(2026, 11, 26, 3, 30, tzinfo=UTC), datetime(2026, 11, 27, 3, 30, tzinfo=UTC)
    sent_at = []
    for at in (datetime(2026, 11, 25, 16, 15, tzinfo=UTC), thursday, thursday, thursday + timedelta(hours=6), friday):
        before = len([m for m in fake_slack.messages("DU0DEV2") if "Still waiting" in str(m["text"])])
        run_due(factory, client, now=at)
        sent_at += [at] * (
            len([m for m in fake_slack.messages("DU0DEV2") if "Still waiting" in str(m["text"])]) - before
        )
    assert [thursday, friday] == sent_at  # not Wednesday 21:45 in Kolkata, and once on Thursday


def test_the_shortcut_logs_a_message_as_a_decision_with_its_link(
    slack: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    """ "Log as decision" fills the form from the message and keeps its permalink."""
    message = {"type": "message", "ts": "1763888000.000300", "user": "U0DEV1", "text": "Let's freeze the API on Friday"}
    slack.message_shortcut(
        user_id="U0DEV1", callback_id="decision_from_message", channel_id=PROJECT_CHANNEL, message=message
    )
    view = fake_slack.calls_to("views.open")[-1].args["view"]
    assert "Let's freeze the API on Friday" == view["blocks"][0]["element"]["initial_value"]
    values = {
        "statement": _v(type="plain_text_input", value="freeze the API on Friday"),
        "status": _v(type="static_select", selected_option={"value": "approved"}),
    }
    with frozen(MONDAY):
        slack.view_submission(
            user_id="U0DEV1", callback_id="decision_create", private_metadata=view["private_metadata"], values=values
        )
    [decision] = _decisions(session)
    assert decision.permalink and "1763888000000300" in decision.permalink


@pytest.fixture
def searchable(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        workspace = workspace_for(session, team_id="T0001", now=MONDAY)
        project = project_for(session, workspace=workspace, channel_id=PROJECT_CHANNEL, now=MONDAY)
        for statement, context, rationale in [
            ("use PostgreSQL for the database", "the database must scale", "the team knows PostgreSQL well"),
            ("buy monitoring from a vendor", "", "cheaper than building it"),
            ("the database vendor is chosen by March", "vendor contracts", ""),
            ("keep the release train weekly", "", ""),
        ]:
            decisions.create(
                session,
                project=project,
                creator="U0LEAD",
                now=MONDAY,
                wording=Wording(statement, context, "", rationale),
            )
        session.commit()
        return project.id


def test_search_finds_every_word_best_match_first(searchable: int, factory: sessionmaker[Session]) -> None:
    """Search matches stemmed words across statement, context and rationale, and ranks the best match first."""
    with factory() as session:
        database = decisions.search(session, project_id=searchable, query="databases")
        assert "use PostgreSQL for the database" == database[0].statement  # "database" three times
        assert {"use PostgreSQL for the database", "the database vendor is chosen by March"} == {
            d.statement for d in database
        }
        assert ["the database vendor is chosen by March"] == [
            d.statement for d in decisions.search(session, project_id=searchable, query="database vendor")
        ]
        assert [] == decisions.search(session, project_id=searchable, query="kubernetes")
        assert [] == decisions.search(session, project_id=searchable, query='vendor" OR "x NEAR(')  # no query syntax


def test_search_ranks_only_the_newest_candidates(searchable: int, factory: sessionmaker[Session]) -> None:
    """Search ranks the newest `candidates` matches only: an older, better match falls outside them."""
    with factory() as session:
        newest = decisions.search(session, project_id=searchable, query="databases", candidates=1)
        assert ["the database vendor is chosen by March"] == [d.statement for d in newest]


def test_search_command_answers_ranked(slack: SlackSender, searchable: int) -> None:
    """`/decision search` answers with the matches as a list."""
    blocks = _say(slack, "search release train")["blocks"]
    assert "keep the release train weekly" in str(blocks) and "PostgreSQL" not in str(blocks)


def test_search_reads_its_results_in_one_statement(searchable: int, factory: sessionmaker[Session]) -> None:
    """A search is one statement: the ranking query itself reads what each result line shows."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with factory() as session:
        session.connection()  # the transaction has begun (SQLite's BEGIN is not the search's)
        event.listen(session.get_bind(), "before_cursor_execute", record)
        try:
            found = decisions.search(session, project_id=searchable, query="database vendor")
        finally:
            event.remove(session.get_bind(), "before_cursor_execute", record)
    assert (["D-3"], 1) == ([hit.ref for hit in found], len(statements))


def test_search_lines_show_status_and_needed_by(
    slack: SlackSender, searchable: int, factory: sessionmaker[Session]
) -> None:
    """A search answers with the list's lines: status, id, statement, and when a proposed decision is needed by."""
    needed_by = MONDAY + timedelta(days=3)
    with factory() as session:
        decisions.create(
            session,
            project=session.get_one(Project, searchable),
            creator="U0LEAD",
            now=MONDAY,
            wording=Wording("pick the queue vendor"),
            status="proposed",
            approver="U0DEV2",
            needed_by=needed_by,
        )
        session.commit()
    answer = _say(slack, "search queue")
    assert "Decisions matching: queue: 1" == answer["text"]
    assert (
        f":hourglass_flowing_sand: *D-5* pick the queue vendor · needed by {date_token(needed_by)}"
        == (answer["blocks"][1]["text"]["text"])
    )


def test_search_leaves_out_withdrawn_decisions(
    slack: SlackSender, searchable: int, factory: sessionmaker[Session]
) -> None:
    """A decision its creator withdrew is not among a search's results."""
    with factory() as session:
        project = session.get_one(Project, searchable)
        decision = decisions.get(session, workspace_id=project.workspace_id, ref="D-4")
        decisions.withdraw(session, decision, actor="U0LEAD", now=MONDAY)
        session.commit()
    assert "None." in str(_say(slack, "search release train")["blocks"])
