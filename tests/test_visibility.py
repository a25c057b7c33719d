"""Private means private: every read path shows a private channel's records only to its members.

The matrix: read paths x {a member of the private channel, a workspace member outside it, a member of another
workspace}. A lead records an action, a risk, a decision and a meeting with a NOTE: line in #proj-secret (private);
every record carries the word "zanzibar", so whatever reaches a person can be searched for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import PmbotApp
from bot.jobs import run_due
from bot.settings import Settings
from bot.slack_client import make_client
from domain.workspaces import workspace_for
from sandbox.standin import FakeSlack
from storage.models import ActionItem, DigestSubscription, Member, OutboxMessage, Project, Risk, Workspace
from tests.conftest import PROJECT_CHANNEL, RunningServer, sender_for
from tests.slack_requests import SlackSender

SECRET = "G0SECRET"
WORD = "zanzibar"
OTHER_TEAM, ALIEN, ALIEN_CHANNEL = "T0OTHER", "U0ALIEN", "C0ALIEN"
FRIDAY = datetime(2026, 12, 4, 16, 0)  # local time of each subscriber's roll-up


@dataclass
class Viewer:
    """Who asks, through which workspace's requests, from where: `elsewhere` is a channel of their own,
    `inside` the private channel when they are in it (else their own again)."""

    kind: str
    user: str
    sender: SlackSender
    team: str
    elsewhere: str
    inside: str

    def say(self, command: str, text: str, channel: str) -> str:
        return self.sender.command(command, text, user_id=self.user, channel_id=channel).text


@dataclass
class World:
    fake: FakeSlack
    factory: sessionmaker[Session]
    settings: Settings


def _message(sender: SlackSender, user: str, text: str, n: int) -> None:
    event = {"type": "message", "channel_type": "group", "channel": SECRET, "user": user, "text": text,
             "ts": f"{int(datetime.now(UTC).timestamp())}.{n:06d}"}  # fmt: skip
    assert 200 == sender.event(event).status


@pytest.fixture
def world(slack: SlackSender, fake_slack: FakeSlack, factory: sessionmaker[Session], settings: Settings) -> World:
    """#proj-secret (private: the lead, dev-la and pmbot) holding A-1, R-1, D-1 and M-1, all about zanzibar."""
    fake_slack.add_user(ALIEN, name="alien", tz="UTC")
    fake_slack.add_channel(SECRET, name="proj-secret", members=["U0LEAD", "U0DEV1", "UBOT"], is_private=True)
    fake_slack.add_channel(ALIEN_CHANNEL, name="alien-home", members=[ALIEN, "UBOT"])
    lead = lambda command, text: slack.command(command, text, user_id="U0LEAD", channel_id=SECRET)  # noqa: E731
    lead("/action", f"<@U0DEV1> confirm the {WORD} pricing")
    lead("/risk", f"{WORD} may not staff the project p:4 i:4 <@U0DEV1>")
    lead("/decision", f"we pay {WORD} the higher rate")
    lead("/meeting", "start Pricing call")
    _message(slack, "U0LEAD", f"NOTE: {WORD} asks 42k", 1)
    lead("/meeting", "end")
    return World(fake_slack, factory, settings)


@pytest.fixture(params=["member", "outsider", "alien"])
def viewer(request: pytest.FixtureRequest, world: World, slack: SlackSender, server: RunningServer,
           app: PmbotApp) -> Viewer:  # fmt: skip
    """Each of the three people the matrix asks about."""
    if request.param == "member":
        return Viewer("member", "U0DEV1", slack, slack.team_id, PROJECT_CHANNEL, SECRET)
    if request.param == "outsider":
        return Viewer("outsider", "U0DEV2", slack, slack.team_id, PROJECT_CHANNEL, PROJECT_CHANNEL)
    alien = sender_for(server, app, world.fake, team_id=OTHER_TEAM)
    return Viewer("alien", ALIEN, alien, OTHER_TEAM, ALIEN_CHANNEL, ALIEN_CHANNEL)


# ---- the read paths: each says whether anything of #proj-secret reached the viewer


def _uploaded(world: World) -> str:
    return " ".join(str(u["content"] or b"", "utf-8") + str(u["channel_id"]) for u in world.fake.uploads())


def action_show(world: World, v: Viewer) -> bool:
    return WORD in v.say("/action", "show A-1", v.elsewhere)


def risk_show(world: World, v: Viewer) -> bool:
    return WORD in v.say("/risk", "show R-1", v.elsewhere)


def decision_show(world: World, v: Viewer) -> bool:
    return WORD in v.say("/decision", "show D-1", v.elsewhere)


def action_list_of_owner(world: World, v: Viewer) -> bool:
    return WORD in v.say("/action", "list <@U0DEV1>", v.elsewhere)


def decision_search(world: World, v: Viewer) -> bool:
    return WORD in v.say("/decision", "search higher rate", v.inside)  # the heading repeats the query


def minutes_in_their_channel(world: World, v: Viewer) -> bool:
    return WORD in v.say("/meeting", "minutes M-1", v.inside) + _uploaded(world)


def minutes_into_another_channel(world: World, v: Viewer) -> bool:
    return WORD in v.say("/meeting", "minutes M-1", v.elsewhere) + _uploaded(world)


def export(world: World, v: Viewer) -> bool:
    return WORD in v.say("/pm", "export md", v.inside) + _uploaded(world)


def digest_subscribe(world: World, v: Viewer) -> bool:
    v.say("/digest", f"subscribe <#{SECRET}|proj-secret>", v.elsewhere)
    with world.factory() as session:
        stored = session.scalars(select(DigestSubscription.channel_ids)).all()
    return any(SECRET in channels for channels in stored)


def digest_send(world: World, v: Viewer) -> bool:
    """A subscription to #proj-secret already stored (say, from before they left): the Friday roll-up."""
    with world.factory() as session, session.begin():
        ws = workspace_for(session, team_id=v.team, now=datetime.now(UTC))
        session.add(DigestSubscription(workspace_id=ws.id, user_id=v.user, channel_ids=[SECRET],
                                       created_at=datetime.now(UTC)))  # fmt: skip
    return _friday_roll_up(world, v)


def _friday_roll_up(world: World, v: Viewer) -> bool:
    """Run the jobs at Friday 16:00 in the subscriber's zone as pmbot knows it (UTC for someone it never asked)."""
    with world.factory() as session:
        known = session.scalar(
            select(Member).join(Workspace).where(Workspace.team_id == v.team, Member.user_id == v.user)
        )
    at = FRIDAY.replace(tzinfo=ZoneInfo(known.time_zone if known else "UTC")).astimezone(UTC)
    run_due(world.factory, make_client(world.settings, patient=False), now=at)
    return SECRET in json.dumps(world.fake.messages(v.user))


def app_home(world: World, v: Viewer) -> bool:
    v.sender.event({"type": "app_home_opened", "user": v.user, "channel": "D" + v.user, "tab": "home"})
    return WORD in json.dumps(world.fake.home_view(v.user))


def _button(world: World, v: Viewer, action_id: str) -> bool:
    before = len(world.fake.calls_to("views.open"))
    v.sender.block_action(user_id=v.user, action_id=action_id, value="R-1", channel_id=v.elsewhere)
    return len(world.fake.calls_to("views.open")) > before


def risk_update_button(world: World, v: Viewer) -> bool:
    return _button(world, v, "risk_update")


def risk_close_button(world: World, v: Viewer) -> bool:
    return _button(world, v, "risk_close")


def forged_form(world: World, v: Viewer) -> bool:
    """The risk form submitted with #proj-secret in its metadata: does the entry land there?"""
    values = {"title": {"value": {"type": "plain_text_input", "value": "planted"}}}
    metadata = json.dumps({"channel": SECRET})
    v.sender.view_submission(user_id=v.user, callback_id="risk_create", values=values, private_metadata=metadata)
    with world.factory() as session:
        planted = session.scalars(select(Project.channel_id).join(Risk).where(Risk.title == "planted")).all()
    return SECRET in planted


def action_done_button(world: World, v: Viewer) -> bool:
    """Done on A-1 (U0DEV1's) clicked from their own channel: is it done?"""
    v.sender.block_action(user_id=v.user, action_id="action_done", value="A-1", channel_id=v.elsewhere)
    with world.factory() as session:
        return "done" == session.scalar(select(ActionItem.status).where(ActionItem.number == 1))


def action_edit_button(world: World, v: Viewer) -> bool:
    before = len(world.fake.calls_to("views.open"))
    v.sender.block_action(user_id=v.user, action_id="action_edit", value="A-1", channel_id=v.elsewhere)
    return len(world.fake.calls_to("views.open")) > before


def acknowledge_into_another_channel(world: World, v: Viewer) -> bool:
    """Acknowledge clicked in a channel no lead chose for #proj-secret's escalations: is anything posted there?"""
    v.sender.block_action(user_id=v.user, action_id="digest_acknowledge", value="action|A-1", channel_id=v.elsewhere)
    return "acknowledged" in json.dumps(world.fake.messages(v.elsewhere))


MEMBER_ONLY = {"member": True, "outsider": False, "alien": False}
NOBODY = {"member": False, "outsider": False, "alien": False}
MATRIX: dict[str, tuple[Callable[[World, Viewer], bool], dict[str, bool]]] = {
    "/action show": (action_show, MEMBER_ONLY),
    "/risk show": (risk_show, MEMBER_ONLY),
    "/decision show": (decision_show, MEMBER_ONLY),
    "/action list @owner": (action_list_of_owner, MEMBER_ONLY),
    "/decision search": (decision_search, MEMBER_ONLY),
    "/meeting minutes in its channel": (minutes_in_their_channel, MEMBER_ONLY),
    "/meeting minutes into another channel": (minutes_into_another_channel, NOBODY),
    "/pm export": (export, MEMBER_ONLY),
    "/digest subscribe": (digest_subscribe, MEMBER_ONLY),
    "digest roll-up send": (digest_send, MEMBER_ONLY),
    "App Home": (app_home, MEMBER_ONLY),
    "risk Update button": (risk_update_button, MEMBER_ONLY),
    "risk Close button": (risk_close_button, MEMBER_ONLY),
    "risk form with a forged channel": (forged_form, MEMBER_ONLY),
    "action Done button": (action_done_button, MEMBER_ONLY),
    "action Edit button": (action_edit_button, MEMBER_ONLY),
    "digest Acknowledge into another channel": (acknowledge_into_another_channel, NOBODY),
}


@pytest.mark.parametrize("path", list(MATRIX))
def test_a_private_channels_records_reach_only_its_members(path: str, world: World, viewer: Viewer) -> None:
    """Each read path shows #proj-secret's records to its member, never to an outsider or another workspace."""
    read, allowed = MATRIX[path]
    assert allowed[viewer.kind] == read(world, viewer)


def test_a_refused_read_answers_like_a_missing_record(world: World, slack: SlackSender) -> None:
    """An outsider asking for R-1 hears what anyone asking for R-99 hears, so ids cannot be probed."""
    ask = lambda ref: slack.command("/risk", f"show {ref}", user_id="U0DEV2", channel_id=PROJECT_CHANNEL).json()  # noqa: E731
    assert "I can't find R-99 in a channel you're in." == ask("R-99")["text"]
    assert "I can't find R-1 in a channel you're in." == ask("R-1")["text"]


def test_leaving_the_channel_ends_the_roll_up_of_it(world: World, slack: SlackSender) -> None:
    """A subscriber who leaves #proj-secret gets no more roll-ups of it, and it leaves their subscription."""
    member = Viewer("member", "U0DEV1", slack, slack.team_id, PROJECT_CHANNEL, SECRET)
    assert "Every Friday" in member.say("/digest", f"subscribe <#{SECRET}|proj-secret>", PROJECT_CHANNEL)
    slack.event({"type": "member_left_channel", "user": "U0DEV1", "channel": SECRET, "channel_type": "G"})
    assert False is _friday_roll_up(world, member)
    with world.factory() as session:
        assert [[]] == session.scalars(select(DigestSubscription.channel_ids)).all()


def test_only_the_channel_creator_or_an_admin_names_the_first_leads(
    world: World, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """Before a project has leads, a member cannot claim them; the channel's creator or an admin names them."""
    fake_slack.add_user("U0ADMIN", name="admin", is_admin=True)

    def claim(user: str, channel: str) -> str:
        return slack.command("/pm", f"config leads <@{user}>", user_id=user, channel_id=channel).text

    assert "named by the channel's creator or a workspace admin" in claim("U0DEV1", SECRET)
    assert "named by the channel's creator or a workspace admin" in claim("U0DEV2", PROJECT_CHANNEL)
    assert "<@U0LEAD>" in claim("U0LEAD", SECRET)  # U0LEAD created #proj-secret
    assert "<@U0ADMIN>" in claim("U0ADMIN", PROJECT_CHANNEL)


def test_a_party_outside_the_channel_may_act_on_its_record_and_nobody_else(
    world: World, server: RunningServer, app: PmbotApp
) -> None:
    """U0DEV2, not in #proj-secret, owns A-2: they click Done on their DM card; U0DEV3 cannot, nor open its form."""
    slack = sender_for(server, app, world.fake)
    slack.command("/action", f"<@U0DEV2> sign the {WORD} contract", user_id="U0LEAD", channel_id=SECRET)

    def status() -> str | None:
        with world.factory() as session:  # no read left open: SQLite would hold the app's write behind it
            return session.scalar(select(ActionItem.status).where(ActionItem.number == 2))

    stranger = slack.block_action(user_id="U0DEV3", action_id="action_done", value="A-2", channel_id="DU0DEV3")
    opened = len(world.fake.calls_to("views.open"))
    slack.block_action(user_id="U0DEV3", action_id="action_edit", value="A-2", channel_id="DU0DEV3")
    assert ("open", opened) == (status(), len(world.fake.calls_to("views.open")))
    assert WORD not in json.dumps([world.fake.responses(), world.fake.ephemerals("U0DEV3")]) + stranger.text
    slack.block_action(user_id="U0DEV2", action_id="action_done", value="A-2", channel_id="DU0DEV2")
    assert "done" == status()


@pytest.mark.parametrize("command, text", [("/action", "show A-1"), ("/risk", "show R-1"), ("/decision", "show D-2")])
def test_a_party_outside_the_channel_may_show_their_record_and_nobody_else(
    world: World, slack: SlackSender, command: str, text: str
) -> None:
    """U0DEV1 left #proj-secret but owns A-1 and R-1 and made D-2: `show` reads them anywhere; U0DEV2 cannot."""
    slack.command("/decision", f"we pay {WORD} in euros", user_id="U0DEV1", channel_id=SECRET)
    slack.event({"type": "member_left_channel", "user": "U0DEV1", "channel": SECRET, "channel_type": "G"})
    party = slack.command(command, text, user_id="U0DEV1", channel_id=PROJECT_CHANNEL).text
    stranger = slack.command(command, text, user_id="U0DEV2", channel_id=PROJECT_CHANNEL).text
    assert (True, False) == (WORD in party, WORD in stranger)


def test_acknowledge_posts_only_for_someone_who_may_use_the_record(
    world: World, slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """Acknowledge posts for a member in the channel and for anyone in the escalation channel a lead chose;
    an outsider's click from their DM and a click on an id that does not exist post nothing."""
    fake_slack.add_channel("C0ESC", name="proj-escalations", members=["U0LEAD", "U0DEV3", "UBOT"], is_private=True)
    slack.command("/pm", "config leads <@U0LEAD>", user_id="U0LEAD", channel_id=SECRET)
    slack.command("/pm", "config escalation <#C0ESC|proj-escalations>", user_id="U0LEAD", channel_id=SECRET)

    def acknowledge(user: str, ref: str, channel: str) -> None:
        slack.block_action(user_id=user, action_id="digest_acknowledge", value=f"action|{ref}", channel_id=channel)

    acknowledge("U0DEV2", "A-1", "DU0DEV2")
    acknowledge("U0DEV1", "A-99", SECRET)
    acknowledge("U0DEV1", "A-1", SECRET)
    acknowledge("U0DEV3", "A-1", "C0ESC")
    with world.factory() as session:  # what pmbot queued to post (delivery is paced per channel)
        queued = session.scalars(select(OutboxMessage).where(OutboxMessage.key.startswith("digest:ack:"))).all()
    expected = [("C0ESC", "<@U0DEV3> acknowledged A-1."), (SECRET, "<@U0DEV1> acknowledged A-1.")]
    assert expected == sorted((m.channel, m.payload["text"]) for m in queued)


def _converted(slack: SlackSender, subtype: str, n: int) -> None:
    """Slack's notice in a channel that it was made private (channel_convert_to_private) or public."""
    event = {"type": "message", "subtype": subtype, "user": "U0LEAD", "channel": "C0OPEN", "text": "made this channel",
             "ts": f"{int(datetime.now(UTC).timestamp())}.{n:06d}", "channel_type": "group"}  # fmt: skip
    assert 200 == slack.event(event).status


def test_a_channel_made_private_is_private_from_that_event_and_public_again_when_slack_says(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    """#proj-open made private: an outsider's `show` is refused from that event on, not at the next refresh, and
    the channel's kind and roster are read again; made public again, they read it once more."""
    fake_slack.add_channel("C0OPEN", name="proj-open", members=["U0LEAD", "U0DEV1", "UBOT"])
    slack.command("/action", f"<@U0DEV1> confirm the {WORD} pricing", user_id="U0LEAD", channel_id="C0OPEN")

    def outsider_sees() -> bool:
        return WORD in slack.command("/action", "show A-1", user_id="U0DEV2", channel_id=PROJECT_CHANNEL).text

    public = outsider_sees()
    fake_slack.make_private("C0OPEN")
    asked = len(fake_slack.calls_to("conversations.info"))
    _converted(slack, "channel_convert_to_private", 1)
    asked_again = len(fake_slack.calls_to("conversations.info")) > asked
    private = outsider_sees()
    fake_slack.make_private("C0OPEN", private=False)
    _converted(slack, "channel_convert_to_public", 2)
    assert (True, True, False, True) == (public, asked_again, private, outsider_sees())
