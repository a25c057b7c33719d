"""A guest sees only the channels they are in, public ones too: what follows from it beyond the read paths.

Friday's roll-up keeps a guest's subscription to a public channel whose members pmbot has not read (it cannot tell
yet) and sends it once it can; a guest lead is DM'd no details of a public upstream milestone in a channel they
are not in, nor does a channel with such a guest in it see them (the slip notice, the timeline picture); naming a
guest delegate in a public channel they are not in says they are not in it. Through signed requests, Slack's
events and run_due, at frozen instants, on both databases.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import PmbotApp
from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from domain.outbox import HELD
from sandbox.standin import FakeSlack
from storage.models import DigestSubscription, OutboxMessage
from tests.actions_helpers import frozen
from tests.conftest import PEOPLE, PROJECT_CHANNEL
from tests.slack_requests import SlackSender

GUEST, OUTSIDER, OTHER = "U0GUEST", "U0OUT", "C0OTHER"
PAY, WEB = "C0PAY", "C0WEB"  # both public: #proj-payments (the guest is not in it) and #proj-web (they are)
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # a Tuesday
FRIDAY = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # the roll-up's hour for someone in UTC
WHY = "the zanzibar vendor wants more time"


def _dms(session: Session, user: str) -> str:
    """Everything queued to the person's DM (sent or waiting for their working hours), as JSON."""
    session.expire_all()
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == user, OutboxMessage.method != HELD)
    ).all()
    found = json.dumps([[r.key, r.payload] for r in rows], ensure_ascii=False)
    session.rollback()
    return found


def _subscribed(session: Session) -> list[list[str]]:
    session.expire_all()
    found = [list(c) for c in session.scalars(select(DigestSubscription.channel_ids))]
    session.rollback()
    return found


def test_a_guests_subscription_waits_for_the_member_list_instead_of_being_dropped(
    slack: SlackSender, fake_slack: FakeSlack, app: PmbotApp, factory: sessionmaker[Session], settings: Settings,
    session: Session,
) -> None:  # fmt: skip
    """The outsider subscribes to public #proj-apollo as a full member, then Slack makes them a guest and adds them
    to #proj-apollo (the join event lost), and pmbot, added again, must read its members afresh. Friday: pmbot cannot
    tell yet, so the subscription is kept and nothing sent; once the members are read, the next roll-up has it."""
    fake_slack.add_user(OUTSIDER, name="outsider", tz="UTC")
    fake_slack.add_channel(OTHER, name="other", members=[OUTSIDER, fake_slack.bot_user_id])
    with frozen(NOW):
        slack.command("/risk", "zanzibar may walk p:4 i:4", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
        said = slack.command("/digest", f"subscribe <#{PROJECT_CHANNEL}|proj-apollo>", user_id=OUTSIDER,
                             channel_id=OTHER).text  # fmt: skip
        assert "Every Friday" in said
        fake_slack.add_user(OUTSIDER, name="outsider", tz="UTC", is_restricted=True)
        assert 200 == slack.event({"type": "user_change", "user": fake_slack.user_object(OUTSIDER)}).status
        fake_slack.add_channel(PROJECT_CHANNEL, name="proj-apollo",
                               members=[*PEOPLE, OUTSIDER, fake_slack.bot_user_id])  # fmt: skip
        slack.event({"type": "member_joined_channel", "user": fake_slack.bot_user_id, "channel": PROJECT_CHANNEL,
                     "channel_type": "C"})  # fmt: skip
    assert app.settle(timeout=60)
    run_due(factory, make_client(settings, patient=False), now=FRIDAY)
    assert [[PROJECT_CHANNEL]] == _subscribed(session)
    assert PROJECT_CHANNEL not in json.dumps(fake_slack.messages(OUTSIDER))
    with frozen(FRIDAY + timedelta(days=1)):  # a command in the channel has its members read
        slack.command("/risk", "list", user_id="U0LEAD", channel_id=PROJECT_CHANNEL)
    assert app.settle(timeout=60)
    run_due(factory, make_client(settings, patient=False), now=FRIDAY + timedelta(days=7))
    assert [[PROJECT_CHANNEL]] == _subscribed(session)
    assert PROJECT_CHANNEL in json.dumps(fake_slack.messages(OUTSIDER))


def _milestones_across(slack: SlackSender, fake: FakeSlack, app: PmbotApp) -> None:
    """M-API in public #proj-payments (lead-berlin's); M-UAT in public #proj-web waits for it. #proj-web is led by
    dev-la and by the guest, who is in #proj-web and not in #proj-payments."""
    bot = fake.bot_user_id
    fake.add_user(GUEST, name="vendor-guest", tz="UTC", is_restricted=True)
    fake.add_channel(PAY, name="proj-payments", members=["U0LEAD", "U0DEV2", bot], creator="U0LEAD")
    fake.add_channel(WEB, name="proj-web", members=["U0DEV1", GUEST, bot], creator="U0DEV1")

    def say(text: str, user: str, channel: str) -> str:
        with frozen(NOW):
            return str(slack.command("/milestone", text, user_id=user, channel_id=channel).text)

    assert "M-API" in say('M-API "API ready" 2027-01-20', "U0LEAD", PAY)
    assert "M-UAT" in say('M-UAT "UAT sign-off" 2027-01-25', "U0DEV1", WEB)
    assert "now depends on" in say(f"depends M-UAT on <#{PAY}|proj-payments> M-API", "U0DEV1", WEB)
    with frozen(NOW):
        said = slack.command("/pm", f"config leads <@U0DEV1> <@{GUEST}>", user_id="U0DEV1", channel_id=WEB).text
        assert f"<@{GUEST}>" in said
        slack.command("/milestone", "list", user_id=GUEST, channel_id=WEB)  # pmbot knows the guest is one
    assert app.settle(timeout=60)


def test_a_guest_lead_hears_no_details_of_a_public_upstream_they_cannot_see(
    slack: SlackSender, fake_slack: FakeSlack, app: PmbotApp, factory: sessionmaker[Session], settings: Settings,
    session: Session,
) -> None:  # fmt: skip
    """M-API slips: dev-la's DM names it and why; the guest's says only that a milestone elsewhere moved and what
    it means for M-UAT, and so does #proj-web, which the guest reads."""
    _milestones_across(slack, fake_slack, app)
    with frozen(NOW):
        slack.command("/milestone", f"move M-API 2027-02-10 {WHY}", user_id="U0LEAD", channel_id=PAY)
    assert app.settle(timeout=60)
    run_due(factory, make_client(settings, patient=False), now=NOW + timedelta(days=1))
    full, guest = _dms(session, "U0DEV1"), _dms(session, GUEST)
    assert "M-API" in full and WHY in full
    assert "M-UAT" in guest and "M-API" not in guest and WHY not in guest and "API ready" not in guest
    [notice] = [m for m in fake_slack.messages(WEB) if "moved" in str(m["text"])]
    web = json.dumps(notice, ensure_ascii=False)
    assert "M-UAT" in web and "M-API" not in web and WHY not in web and "API ready" not in web


def test_the_timeline_of_a_channel_with_a_guest_draws_no_public_upstream_the_guest_cannot_see(
    slack: SlackSender, fake_slack: FakeSlack, app: PmbotApp
) -> None:
    """#proj-web's picture has M-UAT and counts what it waits for without naming M-API (#proj-payments')."""
    _milestones_across(slack, fake_slack, app)
    with frozen(NOW):
        slack.command("/milestone", "timeline", user_id="U0DEV1", channel_id=WEB)
    assert app.settle(timeout=60)
    [upload] = [u for u in fake_slack.uploads() if u["channel_id"] == WEB]
    assert "M-UAT" in upload["initial_comment"] and "M-API" not in upload["initial_comment"]


def test_a_guest_delegate_not_in_a_public_channel_is_said_to_be_outside_it(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """Named delegate in public #proj-apollo, which they are not in, the guest is said not to be in it (its leads
    stand in there); a full member not in it reads it, so nothing is said of them."""
    fake_slack.add_user(GUEST, name="vendor-guest", tz="UTC", is_restricted=True)
    fake_slack.add_user(OUTSIDER, name="outsider", tz="UTC")
    with frozen(NOW):
        said = slack.command("/pm", f"delegate <@{GUEST}>", user_id="U0DEV1", channel_id=PROJECT_CHANNEL).text
        assert f"<@{GUEST}> isn't in this channel, so its leads stand in for you here instead." in said
        said = slack.command("/pm", f"delegate <@{OUTSIDER}>", user_id="U0DEV1", channel_id=PROJECT_CHANNEL).text
        assert "isn't in" not in said and f"<@{OUTSIDER}> stands in for you" in said
