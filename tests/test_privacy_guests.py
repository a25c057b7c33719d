"""Guests see only the channels they are in, public ones included, as in Slack.

A Slack guest (users.info is_restricted, or is_ultra_restricted for a single-channel guest) does not see the public
channels they are not in; pmbot shows them none of those channels' records either, answering as it would for a
missing record. A full member of the workspace still reads any public project. #proj-apollo (public) holds A-1,
R-1 and a lesson, all about "zanzibar"; the guest asks from #vendor-shared, the one channel they are in.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from domain import members
from sandbox.standin import FakeSlack
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import DigestSubscription, Member
from tests.conftest import PEOPLE, PROJECT_CHANNEL
from tests.slack_requests import SlackSender

WORD = "zanzibar"
GUEST, GUEST_CHANNEL = "U0GUEST", "C0VENDOR"
OUTSIDER, OUTSIDER_CHANNEL = "U0OUT", "C0OTHER"
FRIDAY = datetime(2026, 12, 4, 16, 0, tzinfo=ZoneInfo("UTC"))  # the roll-up's hour for someone in UTC


@pytest.fixture
def apollo(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """#proj-apollo (public) with A-1 and R-1 owned by dev-la and a #vendor lesson; an outsider (a full member of
    the workspace in none of it) in #other."""
    fake_slack.add_user(OUTSIDER, name="outsider", tz="UTC")
    fake_slack.add_channel(OUTSIDER_CHANNEL, name="other", members=[OUTSIDER, "UBOT"])
    lead = lambda command, text: slack.command(command, text, user_id="U0LEAD", channel_id=PROJECT_CHANNEL)  # noqa: E731
    lead("/action", f"<@U0DEV1> confirm the {WORD} pricing")
    lead("/risk", f"{WORD} may walk p:4 i:4")
    lead("/lesson", f"never trust {WORD} quotes #vendor")


def _guest(fake_slack: FakeSlack, *, single_channel: bool = False) -> None:
    fake_slack.add_user(GUEST, name="vendor-guest", tz="UTC", is_restricted=not single_channel,
                        is_ultra_restricted=single_channel)  # fmt: skip
    fake_slack.add_channel(GUEST_CHANNEL, name="vendor-shared", members=[GUEST, "U0LEAD", "UBOT"])


def _reads(slack: SlackSender, user: str, channel: str) -> dict[str, str]:
    """What each read path answers the person asking from `channel`."""
    ask = lambda command, text: slack.command(command, text, user_id=user, channel_id=channel).text  # noqa: E731
    return {
        "action show": ask("/action", "show A-1"),
        "risk show": ask("/risk", "show R-1"),
        "action list @owner": ask("/action", "list <@U0DEV1>"),
        "lesson search": ask("/lesson", "search #vendor"),
        "digest subscribe": ask("/digest", f"subscribe <#{PROJECT_CHANNEL}|proj-apollo>"),
    }


def _seen(said: dict[str, str]) -> dict[str, bool]:
    return {path: WORD in text or "Every Friday" in text for path, text in said.items()}


def _join(slack: SlackSender, fake_slack: FakeSlack, user: str) -> None:
    """The person joins #proj-apollo: Slack's roster says so, and so does its member_joined_channel event."""
    fake_slack.add_channel(PROJECT_CHANNEL, name="proj-apollo", members=[*PEOPLE, user])
    slack.event({"type": "member_joined_channel", "user": user, "channel": PROJECT_CHANNEL, "channel_type": "C"})


def _user_change(slack: SlackSender, fake_slack: FakeSlack, user: str, *, guest: bool) -> None:
    """Slack makes the person a guest (or a full member again) and sends the user_change event."""
    fake_slack.add_user(user, name="outsider", tz="UTC", is_restricted=guest)
    assert 200 == slack.event({"type": "user_change", "user": fake_slack.user_object(user)}).status


NOTHING = dict.fromkeys(["action show", "risk show", "action list @owner", "lesson search", "digest subscribe"], False)
EVERYTHING = dict.fromkeys(NOTHING, True)


@pytest.mark.parametrize("single_channel", [False, True], ids=["multi-channel guest", "single-channel guest"])
def test_a_guest_reads_nothing_of_a_public_channel_they_are_not_in(
    apollo: None, slack: SlackSender, fake_slack: FakeSlack, session: Session, single_channel: bool
) -> None:
    """From their own channel, a guest gets none of #proj-apollo's records, and no subscription to it."""
    _guest(fake_slack, single_channel=single_channel)
    assert NOTHING == _seen(_reads(slack, GUEST, GUEST_CHANNEL))
    assert [] == session.scalars(select(DigestSubscription)).all()
    assert True is session.scalar(select(Member.is_guest).where(Member.user_id == GUEST))  # users.info said so


def test_a_guests_refused_read_answers_like_a_missing_record(
    apollo: None, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """A-1 and R-1 answer the guest as A-99 and R-99 do; a subscription to #proj-apollo as one to a channel pmbot
    has no project in; A-1 is not among dev-la's items and no lesson matches."""
    _guest(fake_slack)

    def ask(command: str, text: str) -> str:
        return str(slack.command(command, text, user_id=GUEST, channel_id=GUEST_CHANNEL).json()["text"])

    assert ask("/action", "show A-99").replace("A-99", "A-1") == ask("/action", "show A-1")
    assert ask("/risk", "show R-99").replace("R-99", "R-1") == ask("/risk", "show R-1")
    assert "I can't find A-1 in a channel you're in." == ask("/action", "show A-1")
    nowhere = ask("/digest", "subscribe <#C0NOWHERE|nowhere>").replace("C0NOWHERE", PROJECT_CHANNEL)
    assert nowhere == ask("/digest", f"subscribe <#{PROJECT_CHANNEL}|proj-apollo>")
    said = _reads(slack, GUEST, GUEST_CHANNEL)
    assert "Nothing open" in said["action list @owner"] and "None." in said["lesson search"]


def test_a_guest_reads_a_public_channel_once_they_are_in_it_and_no_more_once_they_leave(
    apollo: None, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """Added to #proj-apollo, the guest reads its records from their own channel too; gone, they read none."""
    _guest(fake_slack)
    assert NOTHING == _seen(_reads(slack, GUEST, GUEST_CHANNEL))
    _join(slack, fake_slack, GUEST)
    assert EVERYTHING == _seen(_reads(slack, GUEST, GUEST_CHANNEL))
    fake_slack.add_channel(PROJECT_CHANNEL, name="proj-apollo", members=list(PEOPLE))
    slack.event({"type": "member_left_channel", "user": GUEST, "channel": PROJECT_CHANNEL, "channel_type": "C"})
    assert NOTHING == _seen(_reads(slack, GUEST, GUEST_CHANNEL))


def test_a_full_member_reads_any_public_channel(apollo: None, slack: SlackSender, fake_slack: FakeSlack) -> None:
    """The outsider, whose profile pmbot never read, is asked about once (users.info), then reads #proj-apollo's
    records from their own channel though they are not in it."""
    before = [c for c in fake_slack.calls_to("users.info") if c.args.get("user") == OUTSIDER]
    assert EVERYTHING == _seen(_reads(slack, OUTSIDER, OUTSIDER_CHANNEL))
    asked = [c for c in fake_slack.calls_to("users.info") if c.args.get("user") == OUTSIDER]
    assert (0, 1) == (len(before), len(asked))


def test_someone_pmbot_cannot_ask_about_counts_as_a_guest_until_slack_answers(
    apollo: None, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """users.info failing for someone pmbot never read: the outsider is refused, dev-kolkata (in #proj-apollo)
    still reads it from a DM; once Slack answers, the outsider reads it too."""
    fake_slack.fail_next("users.info", status=200, error="fatal_error", times=2)
    refused = slack.command("/action", "show A-1", user_id=OUTSIDER, channel_id=OUTSIDER_CHANNEL).text
    in_it = slack.command("/action", "show A-1", user_id="U0DEV2", channel_id="DU0DEV2").text
    assert (False, True) == (WORD in refused, WORD in in_it)
    assert WORD in slack.command("/action", "show A-1", user_id=OUTSIDER, channel_id=OUTSIDER_CHANNEL).text


def test_a_member_made_a_guest_loses_the_reads_and_the_roll_up(
    apollo: None, slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """The outsider reads #proj-apollo and subscribes to it; made a guest (user_change), they read nothing of it,
    and Friday's roll-up drops it; a full member again, they read it again."""
    assert EVERYTHING == _seen(_reads(slack, OUTSIDER, OUTSIDER_CHANNEL))
    _user_change(slack, fake_slack, OUTSIDER, guest=True)
    assert NOTHING == _seen(_reads(slack, OUTSIDER, OUTSIDER_CHANNEL))
    run_due(factory, make_client(settings, patient=False), now=FRIDAY.astimezone(UTC))
    assert PROJECT_CHANNEL not in json.dumps(fake_slack.messages(OUTSIDER))
    with factory() as session:
        assert [[]] == session.scalars(select(DigestSubscription.channel_ids)).all()
    _user_change(slack, fake_slack, OUTSIDER, guest=False)
    assert EVERYTHING == _seen(_reads(slack, OUTSIDER, OUTSIDER_CHANNEL))


def test_a_full_members_roll_up_still_holds_a_public_channel_they_are_not_in(
    apollo: None, slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings
) -> None:
    """The outsider subscribes to #proj-apollo from #other: Friday's roll-up reaches them with it."""
    assert "Every Friday" in _reads(slack, OUTSIDER, OUTSIDER_CHANNEL)["digest subscribe"]
    run_due(factory, make_client(settings, patient=False), now=FRIDAY.astimezone(UTC))
    assert PROJECT_CHANNEL in json.dumps(fake_slack.messages(OUTSIDER))


def test_profiles_cached_before_the_guest_flag_are_read_again(tmp_path: Path) -> None:
    """Upgrading a database whose members were cached before pmbot knew guests: they count as full members (not
    to drop anyone's public reads) and as stale, so the next request that needs one asks users.info again."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    at = datetime(2026, 12, 1, tzinfo=UTC)
    try:
        upgrade(engine, "0025")
        with engine.begin() as conn:
            meta = sa.MetaData()
            workspace = sa.Table("workspace", meta, autoload_with=conn)
            member = sa.Table("member", meta, autoload_with=conn)
            conn.execute(workspace.insert().values(id=1, team_id="T0OLD", name="", created_at=at))
            conn.execute(member.insert().values(workspace_id=1, user_id="U0OLD", name="old", real_name="old",
                                                time_zone="UTC", locale="en-US", is_bot=False, is_admin=False,
                                                deleted=False, fetched_at=at))  # fmt: skip
        upgrade(engine)
        with Session(engine) as session:
            cached = members.find(session, workspace_id=1, user_id="U0OLD")
            assert cached is not None and cached.is_guest is False
            assert members.is_stale(cached, now=at)
            assert members.is_full_member(session, workspace_id=1, user_id="U0OLD")
            assert not members.is_full_member(session, workspace_id=1, user_id="U0NEVER")
    finally:
        engine.dispose()
