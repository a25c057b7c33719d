"""PMBOT_RETENTION_DAYS: closed records older than the retention period are deleted; open ones never are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from domain.lifecycle import Policy
from storage.models import ActionItem, Risk
from tests.conftest import PROJECT_CHANNEL
from tests.slack_requests import SlackSender


def kept(factory: sessionmaker[Session]) -> tuple[set[str], set[str]]:
    with factory() as session:
        return set(session.scalars(select(ActionItem.title))), set(session.scalars(select(Risk.title)))


def test_closed_records_go_after_the_retention_period_and_open_ones_stay(
    slack: SlackSender, factory: sessionmaker[Session], settings: Settings
) -> None:
    say = lambda command, text: slack.command(command, text, user_id="U0LEAD", channel_id=PROJECT_CHANNEL)  # noqa: E731
    say("/action", "still open")
    say("/action", "finished long ago")
    say("/action", "done A-2")
    say("/risk", "vendor may slip p:2 i:2")
    say("/risk", "closed risk p:2 i:2")
    say("/risk", "close R-2 mitigated")
    client: WebClient = make_client(settings, patient=False)
    closed = datetime.now(UTC)
    policy = Policy(retention=timedelta(days=365))
    run_due(factory, client, now=closed + timedelta(days=364), policy=policy)
    assert ({"still open", "finished long ago"}, {"vendor may slip", "closed risk"}) == kept(factory)
    report = run_due(factory, client, now=closed + timedelta(days=366), policy=policy)
    assert ({"still open"}, {"vendor may slip"}) == kept(factory)
    assert {"actions": 1, "risks": 1} == {k: v for k, v in report.purged.items() if k in ("actions", "risks")}
    run_due(factory, client, now=closed + timedelta(days=3650), policy=Policy())  # no retention: nothing goes
    assert ({"still open"}, {"vendor may slip"}) == kept(factory)
